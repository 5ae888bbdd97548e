"""Reads of knowledge items for the library, the item page and other apps' pages.

Every read starts from ``knowledge_visible``: the access policy (partners.access) first, and on
top of it the one rule of drafts: a draft is seen only by members of its owner organisation and
by whoever wrote it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from initiatives.models import Initiative, Participation
from lmi_portal.core.registry import InitiativeSection, OrganisationSection, SectionLink
from partners.access import (
    get_visible_or_404,
    managed_organisation_ids,
    user_organisation_ids,
    visible_queryset,
)
from partners.models import User
from partners.selectors import active_member_users

from ..models import DocumentVersion, KnowledgeItem

Status = KnowledgeItem.Status
Kind = KnowledgeItem.Kind

# Items whose review date falls within this many days count as "soon due" for their owner.
DUE_SOON_DAYS = 30
SECTION_LIMIT = 20


class Sort:
    UPDATED = "updated"
    TITLE = "title"
    KIND = "kind"
    REVIEW = "review"

    choices = (
        (UPDATED, gettext_lazy("Laatst bijgewerkt")),
        (TITLE, gettext_lazy("Titel A-Z")),
        (KIND, gettext_lazy("Soort")),
        (REVIEW, gettext_lazy("Herzien vóór")),
    )


class Show:
    """Which items the library lists: published (default), archived, or the user's drafts."""

    PUBLISHED = "published"
    ARCHIVED = "archived"
    DRAFTS = "drafts"

    choices = (
        (PUBLISHED, gettext_lazy("Gepubliceerd")),
        (ARCHIVED, gettext_lazy("Gearchiveerd")),
        (DRAFTS, gettext_lazy("Mijn concepten")),
    )


_SHOW_STATUS = {Show.PUBLISHED: Status.PUBLISHED, Show.ARCHIVED: Status.ARCHIVED}


def _kind_rank() -> Case:
    return Case(
        *(When(kind=code, then=Value(rank)) for rank, code in enumerate(Kind.values)),
        default=Value(len(Kind.values)),
        output_field=IntegerField(),
    )


_ORDERINGS: dict[str, tuple[Any, ...]] = {
    Sort.UPDATED: (F("updated_at").desc(), F("id").desc()),
    Sort.TITLE: (Lower("title"), F("id")),
    Sort.KIND: (_kind_rank(), F("updated_at").desc(), F("id").desc()),
    Sort.REVIEW: (F("review_by").asc(), F("id")),
}


def _draft_rule(user: Any) -> Q:
    """Drafts only for members of the owner organisation and their author."""
    not_draft = ~Q(status=Status.DRAFT)
    if user is None or not getattr(user, "is_authenticated", False):
        return not_draft
    orgs = user_organisation_ids(user)
    return not_draft | Q(owner_organisation_id__in=orgs) | Q(created_by_id=user.pk)


def knowledge_visible(*, user: Any) -> QuerySet[KnowledgeItem]:
    """Every knowledge item ``user`` may see, in any status (the base of every other read)."""
    return visible_queryset(user, KnowledgeItem.objects.all()).filter(_draft_rule(user))


def knowledge_get(*, user: Any, pk: int) -> KnowledgeItem:
    """One item the user may see, or 404 (hidden, a draft of another organisation, missing)."""
    return get_visible_or_404(
        user,
        KnowledgeItem.objects.filter(_draft_rule(user)).select_related(
            "owner_organisation", "owner", "created_by"
        ),
        pk=pk,
    )


def _latest_version() -> Subquery:
    return Subquery(
        DocumentVersion.objects.filter(item=OuterRef("pk")).order_by("-number").values("number")[:1]
    )


def knowledge_list(
    *,
    user: Any,
    query: str = "",
    kind: str = "",
    theme: int | None = None,
    system: int | None = None,
    organisation: int | None = None,
    show: str = Show.PUBLISHED,
    overdue: bool = False,
    sort: str = Sort.UPDATED,
) -> QuerySet[KnowledgeItem]:
    """The library for ``user``: visible items, filtered, most recently updated first.

    ``theme``, ``system`` and ``organisation`` (the owner) are ids. Each row carries
    ``latest_version`` (the number of its newest file version, or None); themes and systems
    are prefetched, so a page costs the same number of queries whatever its length.
    """
    qs = knowledge_visible(user=user)
    if show == Show.DRAFTS:
        qs = qs.filter(status=Status.DRAFT)
    else:
        qs = qs.filter(status=_SHOW_STATUS.get(show, Status.PUBLISHED))
    if kind:
        qs = qs.filter(kind=kind)
    query = query.strip()
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(summary__icontains=query))
    # Subqueries rather than joins, so that no item appears twice.
    if theme is not None:
        qs = qs.filter(
            pk__in=KnowledgeItem.themes.through.objects.filter(theme_id=theme).values(
                "knowledgeitem_id"
            )
        )
    if system is not None:
        qs = qs.filter(
            pk__in=KnowledgeItem.systems.through.objects.filter(system_id=system).values(
                "knowledgeitem_id"
            )
        )
    if organisation is not None:
        qs = qs.filter(owner_organisation_id=organisation)
    if overdue:
        qs = qs.filter(status=Status.PUBLISHED, review_by__lt=timezone.localdate())
    return (
        qs.select_related("owner_organisation")
        # The list shows none of the long texts.
        .defer("body", "body_html", "search_text", "search_vector")
        .prefetch_related("themes", "systems")
        .annotate(latest_version=_latest_version())
        .order_by(*_ORDERINGS.get(sort, _ORDERINGS[Sort.UPDATED]))
    )


def knowledge_items_due_for_review(
    *, user: Any, within_days: int = DUE_SOON_DAYS
) -> QuerySet[KnowledgeItem]:
    """Published items the user vouches for whose review date has passed or falls within
    ``within_days``: the ones they own and, for organisation admins, their organisation's.
    Most urgent first."""
    if user is None or not getattr(user, "is_authenticated", False):
        return KnowledgeItem.objects.none()
    theirs = Q(owner_id=user.pk)
    managed = managed_organisation_ids(user)
    if managed:
        theirs |= Q(owner_organisation_id__in=managed)
    until = timezone.localdate() + timedelta(days=within_days)
    return (
        knowledge_visible(user=user)
        .filter(theirs, status=Status.PUBLISHED, review_by__lte=until)
        .select_related("owner_organisation", "owner")
        .order_by("review_by", "id")
    )


@dataclass(frozen=True)
class ItemInitiatives:
    related: list[Initiative]
    source: Initiative | None


def knowledge_item_initiatives(*, user: Any, item: KnowledgeItem) -> ItemInitiatives:
    """The item's related initiatives and the one it came from, as far as ``user`` may see
    them (one query)."""
    links = KnowledgeItem.related_initiatives.through.objects.filter(knowledgeitem_id=item.pk)
    wanted = Q(pk__in=links.values("initiative_id"))
    if item.source_initiative_id is not None:
        wanted |= Q(pk=item.source_initiative_id)
    initiatives: list[Initiative] = list(
        visible_queryset(user, Initiative.objects.filter(wanted))
        .annotate(is_related=Exists(links.filter(initiative_id=OuterRef("pk"))))
        .only("pk", "title", "phase", "tlp", "owner_organisation_id")
        .order_by(Lower("title"), "pk")
    )
    source = next((i for i in initiatives if i.pk == item.source_initiative_id), None)
    # A lesson's own initiative is named as its source, not listed again.
    related = [i for i in initiatives if getattr(i, "is_related", False) and i is not source]
    return ItemInitiatives(related=related, source=source)


def knowledge_initiative_choices(*, user: Any) -> QuerySet[Initiative]:
    """The initiatives ``user`` may link an item to: the ones they may see."""
    return (
        visible_queryset(user, Initiative.objects.all())
        .only("pk", "title")
        .order_by(Lower("title"), "pk")
    )


INITIATIVE_OPTIONS_LIMIT = 200


def knowledge_initiative_options(*, user: Any, include_ids: Iterable[int] = ()) -> list[Initiative]:
    """The initiatives the form lists: those the user's organisations own or take part in, and
    the ones already chosen. Thousands of visible initiatives make an unusable list; any
    visible one is still accepted (``knowledge_initiative_choices`` validates)."""
    own = user_organisation_ids(user)
    taking_part = Participation.objects.filter(organisation_id__in=own).values("initiative_id")
    visible = knowledge_initiative_choices(user=user)
    options = list(
        visible.filter(Q(owner_organisation_id__in=own) | Q(pk__in=taking_part))[
            :INITIATIVE_OPTIONS_LIMIT
        ]
    )
    listed = {i.pk for i in options}
    chosen = [pk for pk in include_ids if pk not in listed]
    if chosen:
        options.extend(visible.filter(pk__in=chosen))
    return options


def knowledge_owner_choices(*, organisation_ids: Iterable[int]) -> QuerySet[User]:
    """Who can vouch for an item: active members of the owner organisation(s), by name."""
    return active_member_users(organisation_ids=organisation_ids).order_by(
        "last_name", "first_name", "email"
    )


# --- Blocks on other apps' pages --------------------------------------------------------------


def _section_links(items: Iterable[KnowledgeItem]) -> tuple[SectionLink, ...]:
    links = []
    for item in items:
        meta = [str(item.get_kind_display())]
        if item.is_overdue:
            meta.append(_("te herzien"))
        links.append(
            SectionLink(text=item.title, url=item.get_absolute_url(), meta=" · ".join(meta))
        )
    return tuple(links)


def knowledge_initiative_section(user: Any, initiative: Any) -> InitiativeSection | None:
    """Published items related to (or lessons from) an initiative, as far as ``user`` may see
    them."""
    # The candidate ids first (one query, a union of two index lookups): an OR of a subquery
    # and a column combined with the visibility filter would make PostgreSQL walk every
    # visible item.
    linked = KnowledgeItem.related_initiatives.through.objects.filter(
        initiative_id=initiative.pk
    ).values_list("knowledgeitem_id", flat=True)
    lessons = (
        KnowledgeItem.objects.filter(source_initiative_id=initiative.pk)
        .order_by()
        .values_list("pk", flat=True)
    )
    related = set(linked.union(lessons))
    items = (
        knowledge_visible(user=user)
        .filter(pk__in=related, status=Status.PUBLISHED)
        .order_by("-updated_at", "-id")[:SECTION_LIMIT]
        if related
        else KnowledgeItem.objects.none()
    )
    return InitiativeSection(
        title=str(_("Gerelateerde kennis")),
        links=_section_links(items),
        empty_text=str(_("Nog geen gerelateerde kennisitems.")),
    )


def knowledge_organisation_section(user: Any, organisation: Any) -> OrganisationSection | None:
    """Published knowledge items an organisation owns, as far as ``user`` may see them."""
    items = (
        knowledge_visible(user=user)
        .filter(owner_organisation_id=organisation.pk, status=Status.PUBLISHED)
        .order_by("-updated_at", "-id")[:SECTION_LIMIT]
    )
    return OrganisationSection(
        title=str(_("Kennis van deze organisatie")),
        links=_section_links(items),
        empty_text=str(_("Geen kennisitems die u mag zien.")),
    )
