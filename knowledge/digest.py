"""Knowledge's part of the digest: items to re-attest ("nog geldig?") and new items in one's
topics. Every read covers the whole batch at once; the batch's access policy decides per user."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from lmi_portal.core.registry import DigestBatch, DigestLine, DigestPart

from .models import KnowledgeItem

# An owner is reminded this many days before the review date (and every digest after it).
REVIEW_DUE_DAYS = 14
NEW_ITEMS_MAX = 300  # items created in the period that are considered at all
# The long texts no digest line needs.
_HEAVY = ("body", "body_html", "search_text", "search_vector")

Status = KnowledgeItem.Status


def _pairs(queryset: QuerySet[Any], key: str, value: str) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for k, v in queryset.values_list(key, value):
        found[k].add(v)
    return found


def _review_line(item: KnowledgeItem, today: date) -> DigestLine:
    # The rule of ``knowledge_items_due_for_review`` and ``KnowledgeItem.is_overdue``.
    if item.review_by < today:
        meta = _("te laat")
    else:
        meta = _("uiterlijk %(date)s") % {"date": formats.date_format(item.review_by, "j F Y")}
    return DigestLine(
        part=DigestPart.ACTIONS,
        text=_("Nog geldig? %(title)s") % {"title": item.title},
        url=item.get_absolute_url(),
        meta=meta,
        sort=25,
    )


def knowledge_digest_lines(batch: DigestBatch) -> dict[int, list[DigestLine]]:
    """Published items the user owns whose review is due within ``REVIEW_DUE_DAYS`` or past
    (actions); published items created in the period that match the user's topics (new)."""
    lines: dict[int, list[DigestLine]] = defaultdict(list)
    users = [user for user in batch.users if batch.access.is_member(user)]
    if not users:
        return lines
    today = timezone.localdate(batch.until)
    due = list(
        KnowledgeItem.objects.filter(
            owner_id__in=[user.pk for user in users],
            status=Status.PUBLISHED,
            review_by__lte=today + timedelta(days=REVIEW_DUE_DAYS),
        )
        .defer(*_HEAVY)
        .order_by("review_by", "pk")
    )
    new = list(
        KnowledgeItem.objects.filter(
            status=Status.PUBLISHED, created_at__gte=batch.since, created_at__lt=batch.until
        )
        .defer(*_HEAVY)
        .order_by("-created_at", "-pk")[:NEW_ITEMS_MAX]
    )
    themes: dict[int, set[int]] = {}
    systems: dict[int, set[int]] = {}
    initiatives: dict[int, set[int]] = {}
    if new:
        ids = [item.pk for item in new]
        themes = _pairs(
            KnowledgeItem.themes.through.objects.filter(knowledgeitem_id__in=ids),
            "knowledgeitem_id",
            "theme_id",
        )
        systems = _pairs(
            KnowledgeItem.systems.through.objects.filter(knowledgeitem_id__in=ids),
            "knowledgeitem_id",
            "system_id",
        )
        initiatives = _pairs(
            KnowledgeItem.related_initiatives.through.objects.filter(knowledgeitem_id__in=ids),
            "knowledgeitem_id",
            "initiative_id",
        )
        for item in new:
            if item.source_initiative_id is not None:
                initiatives.setdefault(item.pk, set()).add(item.source_initiative_id)
    batch.access.prepare([*due, *new])

    due_of: dict[int, list[KnowledgeItem]] = defaultdict(list)
    for item in due:
        assert item.owner_id is not None
        due_of[item.owner_id].append(item)
    for user in users:
        out = lines[user.pk]
        out.extend(
            _review_line(item, today) for item in batch.access.visible(user, due_of[user.pk])
        )
        followed_themes = batch.followed(user, "core.theme")
        followed_systems = batch.followed(user, "core.system")
        followed_initiatives = batch.followed(user, "initiatives.initiative")
        followed_organisations = batch.followed(user, "partners.organisation")
        for item in new:
            pk = item.pk
            if not (
                themes.get(pk, set()) & followed_themes
                or systems.get(pk, set()) & followed_systems
                or initiatives.get(pk, set()) & followed_initiatives
                or item.owner_organisation_id in followed_organisations
            ):
                continue
            if batch.access.can_view(user, item):
                out.append(
                    DigestLine(
                        part=DigestPart.NEW,
                        text=item.title,
                        url=item.get_absolute_url(),
                        meta=str(item.get_kind_display()),
                    )
                )
    return lines
