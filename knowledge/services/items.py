"""Creating, editing, publishing, archiving and re-attesting knowledge items, and moving their
ownership at a handover.

Every change keeps the item's search text current (search_index.knowledge_item_reindex) and
leaves an audit row; publishing also records an activity. A refused change raises
ValidationError (per field where possible) or PermissionDenied, and stores nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from initiatives.models import Initiative
from lmi_portal.core.markdown import render_markdown
from lmi_portal.core.models import System, Theme
from lmi_portal.core.services import activity_record, audit_log
from partners.access import can_view, user_organisation_ids, visible_queryset
from partners.models import TLP, Organisation, SharingGroup, User
from partners.selectors import active_member_users

from ..models import KnowledgeItem, default_review_by
from ..permissions import can_attest_item, can_edit_item, can_publish_item, can_view_item
from . import documents, search_index

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from ..uploads import ValidatedUpload

Kind = KnowledgeItem.Kind
Status = KnowledgeItem.Status

# A review date further away than this is no promise to look again.
REVIEW_BY_MAX_DAYS = 3 * 366
ARCHIVE_REASON_MAX_LENGTH = 500

EDITABLE_FIELDS: frozenset[str] = frozenset(
    {
        "title",
        "summary",
        "body",
        "url",
        "tlp",
        "owner",
        "review_by",
        "export_controlled",
        "themes",
        "systems",
        "related_initiatives",
        "shared_with_organisations",
        "shared_with_groups",
        "shared_with_people",
    }
)
_TEXT_FIELDS = ("title", "summary", "body")
_AUDIENCE_FIELDS = ("shared_with_organisations", "shared_with_groups", "shared_with_people")
_M2M_FIELDS = ("themes", "systems", "related_initiatives", *_AUDIENCE_FIELDS)


@transaction.atomic
def knowledge_item_create(
    *,
    actor: User,
    organisation: Organisation,
    kind: str,
    title: str,
    summary: str = "",
    body: str = "",
    url: str = "",
    tlp: str | None = None,
    status: str = Status.PUBLISHED,
    lesson_stage: str = "",
    owner: User | None = None,
    review_by: date | None = None,
    export_controlled: bool = False,
    themes: Iterable[Theme] = (),
    systems: Iterable[System] = (),
    related_initiatives: Iterable[Initiative] = (),
    shared_with_organisations: Iterable[Organisation] = (),
    shared_with_groups: Iterable[SharingGroup] = (),
    shared_with_people: Iterable[User] = (),
    upload: UploadedFile | None = None,
    validated: ValidatedUpload | None = None,
) -> KnowledgeItem:
    """Share a knowledge item on behalf of one of the actor's organisations.

    Only kind and title are needed (a document also needs its file, a link its address). The
    sharing level defaults to the organisation's ``default_tlp``, the owner who vouches for the
    item to the actor, the review date to twelve months ahead. A document's file becomes its
    first version; if the file is refused, nothing at all is stored.
    """
    if organisation.pk not in user_organisation_ids(actor):
        raise PermissionDenied(_("U kunt alleen namens uw eigen organisatie delen."))
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Kies een soort uit de lijst.")})
    if status not in (Status.DRAFT, Status.PUBLISHED):
        raise ValidationError({"status": _("Een nieuw item is een concept of gepubliceerd.")})
    if kind == Kind.DOCUMENT and upload is None:
        raise ValidationError({"file": _("Kies het bestand dat u wilt delen.")})
    stage = ""
    if kind == Kind.LESSON:
        stage = lesson_stage or KnowledgeItem.LessonStage.OBSERVATION
        if stage not in KnowledgeItem.LessonStage.values:
            raise ValidationError({"lesson_stage": _("Kies een fase uit de lijst.")})
    item = KnowledgeItem(
        owner_organisation=organisation,
        kind=kind,
        title=(title or "").strip(),
        summary=(summary or "").strip(),
        body=(body or "").strip(),
        url=(url or "").strip() if kind == Kind.LINK else "",
        tlp=tlp or organisation.default_tlp,
        status=status,
        lesson_stage=stage,
        owner=owner or actor,
        review_by=review_by or default_review_by(),
        export_controlled=export_controlled,
        created_by=actor,
    )
    item.body_html = render_markdown(item.body)
    _check_item(item, check_owner=True, check_review_by=review_by is not None)
    item.full_clean()
    item.save()
    item.themes.set(list(themes))
    item.systems.set(list(systems))
    initiatives = list(related_initiatives)
    _check_initiatives_visible(actor, initiatives)
    item.related_initiatives.set(initiatives)
    _set_audience(
        item,
        actor=actor,
        organisations=shared_with_organisations,
        groups=shared_with_groups,
        people=shared_with_people,
    )
    _check_owner_can_see(item)
    if upload is not None and kind == Kind.DOCUMENT:
        documents.document_version_add(actor=actor, item=item, upload=upload, validated=validated)
    search_index.knowledge_item_reindex(item)
    audit_log(
        action="knowledge.created",
        actor=actor,
        target=item,
        data={"kind": kind, "tlp": item.tlp, "status": status},
    )
    if status == Status.PUBLISHED:
        activity_record(verb="knowledge.published", target=item, actor=actor, summary=item.title)
    return item


def knowledge_item_update(*, actor: User, item: KnowledgeItem, **fields: Any) -> KnowledgeItem:
    """Change an item's text, tags, owner, review date or audience (not its kind, organisation
    or status: those have their own services, or stay).

    Pass only the fields to change. Related initiatives the actor cannot see stay linked: an
    edit never drops what the editor was not shown. When refused, nothing is saved and
    ``item`` is back to its stored state.
    """
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"knowledge_item_update() cannot change {sorted(unknown)}")
    if not can_view_item(actor, item) or not can_edit_item(actor, item):
        raise PermissionDenied(_("U mag dit kennisitem niet bewerken."))
    try:
        return _update(actor=actor, item=item, fields=fields)
    except ValidationError:
        item.refresh_from_db()
        raise


@transaction.atomic
def _update(*, actor: User, item: KnowledgeItem, fields: dict[str, Any]) -> KnowledgeItem:
    before = _snapshot(item)
    for name in _TEXT_FIELDS:
        if name in fields:
            setattr(item, name, (fields[name] or "").strip())
    if "url" in fields and item.kind == Kind.LINK:
        item.url = (fields["url"] or "").strip()
    for name in ("tlp", "owner", "export_controlled"):
        if name in fields:
            setattr(item, name, fields[name])
    review_by_given = "review_by" in fields and fields["review_by"] is not None
    if review_by_given:
        item.review_by = fields["review_by"]
    item.body_html = render_markdown(item.body)
    _check_item(
        item,
        check_owner=item.owner_id != before["owner"],
        check_review_by=review_by_given and item.review_by != before["review_by"],
    )
    item.full_clean()
    item.save()
    for name in ("themes", "systems"):
        if name in fields:
            getattr(item, name).set(list(fields[name]))
    if "related_initiatives" in fields:
        chosen = list(fields["related_initiatives"])
        _check_initiatives_visible(actor, chosen)
        linked = set(item.related_initiatives.values_list("pk", flat=True))
        shown = set(
            visible_queryset(actor, Initiative.objects.filter(pk__in=linked)).values_list(
                "pk", flat=True
            )
        )
        item.related_initiatives.set([i.pk for i in chosen] + sorted(linked - shown))
    _set_audience(
        item,
        actor=actor,
        organisations=fields.get("shared_with_organisations"),
        groups=fields.get("shared_with_groups"),
        people=fields.get("shared_with_people"),
    )
    changed = sorted(name for name, value in _snapshot(item).items() if before[name] != value)
    if set(changed) & {"owner", "tlp", *_AUDIENCE_FIELDS}:
        _check_owner_can_see(item)
    if changed:
        search_index.knowledge_item_reindex(item)
        audit_log(
            action="knowledge.updated",
            actor=actor,
            target=item,
            data={"fields": changed, "tlp": item.tlp},
        )
    return item


@transaction.atomic
def knowledge_item_publish(*, actor: User, item: KnowledgeItem) -> KnowledgeItem:
    """Publish a draft, or bring an archived item back."""
    locked = _locked(item)
    if not can_view_item(actor, locked) or not can_publish_item(actor, locked):
        raise PermissionDenied(_("U mag dit kennisitem niet publiceren."))
    from_status = locked.status
    locked.status = Status.PUBLISHED
    locked.save(update_fields=["status", "updated_at"])
    _sync(item, locked, ("status", "updated_at"))
    search_index.knowledge_item_reindex(item)
    audit_log(action="knowledge.published", actor=actor, target=item, data={"from": from_status})
    activity_record(verb="knowledge.published", target=item, actor=actor, summary=item.title)
    return item


@transaction.atomic
def knowledge_item_archive(*, actor: User, item: KnowledgeItem, reason: str = "") -> KnowledgeItem:
    """Take an item out of the library (it stays reachable by its address, marked archived).
    The owner or an admin of the owner organisation does this; a reason is optional."""
    locked = _locked(item)
    if not can_view_item(actor, locked) or not can_attest_item(actor, locked):
        raise PermissionDenied(_("U mag dit kennisitem niet archiveren."))
    if locked.status == Status.ARCHIVED:
        raise ValidationError(_("Dit kennisitem is al gearchiveerd."))
    reason = (reason or "").strip()
    if len(reason) > ARCHIVE_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("Houd de reden kort: hoogstens %(max)d tekens.")
                % {"max": ARCHIVE_REASON_MAX_LENGTH}
            }
        )
    from_status = locked.status
    locked.status = Status.ARCHIVED
    locked.save(update_fields=["status", "updated_at"])
    _sync(item, locked, ("status", "updated_at"))
    search_index.knowledge_item_reindex(item)
    audit_log(
        action="knowledge.archived",
        actor=actor,
        target=item,
        data={"from": from_status, "reason": reason},
    )
    return item


@transaction.atomic
def knowledge_item_attest(*, actor: User, item: KnowledgeItem) -> KnowledgeItem:
    """ "Still valid": the owner (or an admin of the owner organisation) vouches for the item
    again, which moves its review date KNOWLEDGE_REVIEW_MONTHS ahead. Not an edit: the
    item's "updated" date stays."""
    locked = _locked(item)
    if not can_view_item(actor, locked) or not can_attest_item(actor, locked):
        raise PermissionDenied(_("U mag dit kennisitem niet bevestigen."))
    if locked.status != Status.PUBLISHED:
        raise ValidationError(_("Alleen een gepubliceerd kennisitem kan worden bevestigd."))
    now = timezone.now()
    review_by = default_review_by()
    KnowledgeItem.objects.filter(pk=locked.pk).update(attested_at=now, review_by=review_by)
    item.attested_at = now
    item.review_by = review_by
    audit_log(
        action="knowledge.attested",
        actor=actor,
        target=item,
        data={"review_by": review_by.isoformat(), "was_overdue": locked.is_overdue},
    )
    return item


def _locked(item: KnowledgeItem) -> KnowledgeItem:
    """The item's row, locked, so that two clicks at once cannot both start from one state."""
    return KnowledgeItem.objects.select_for_update().get(pk=item.pk)


def _sync(item: KnowledgeItem, locked: KnowledgeItem, fields: Iterable[str]) -> None:
    for name in fields:
        setattr(item, name, getattr(locked, name))


# --- Checks ------------------------------------------------------------------------------------


def _check_item(item: KnowledgeItem, *, check_owner: bool, check_review_by: bool) -> None:
    """What the model cannot say by itself: lengths of text fields, what a link needs, the
    owner's membership, a sensible review date and export control."""
    errors: dict[str, str] = {}
    for name in _TEXT_FIELDS:
        limit = getattr(KnowledgeItem._meta.get_field(name), "max_length", None)
        value = getattr(item, name)
        if limit is not None and len(value) > limit:
            errors[name] = _("Dit veld mag hoogstens %(max)d tekens lang zijn (nu %(count)d).") % {
                "max": limit,
                "count": len(value),
            }
    if item.kind == Kind.LINK and not item.url:
        errors["url"] = _("Geef het adres van de link.")
    if (
        check_owner
        and item.owner_id is not None
        and not active_member_users(organisation_ids=[item.owner_organisation_id])
        .filter(pk=item.owner_id)
        .exists()
    ):
        errors["owner"] = _(
            "De eigenaar moet een actief lid van %(organisation)s zijn; kies een collega."
        ) % {"organisation": item.owner_organisation.display_name}
    if check_review_by:
        today = timezone.localdate()
        if item.review_by < today:
            errors["review_by"] = _("Kies een datum vanaf vandaag.")
        elif item.review_by > today + timedelta(days=REVIEW_BY_MAX_DAYS):
            errors["review_by"] = _("Kies een datum binnen drie jaar.")
    if item.export_controlled and item.tlp == TLP.CLEAR:
        errors["tlp"] = _(
            "Exportgecontroleerde informatie kan niet openbaar zijn (TLP:CLEAR); kies GREEN of "
            "strenger."
        )
    if errors:
        raise ValidationError(errors)


def _check_initiatives_visible(actor: User, initiatives: list[Initiative]) -> None:
    ids = {i.pk for i in initiatives}
    if not ids:
        return
    seen = set(
        visible_queryset(actor, Initiative.objects.filter(pk__in=ids)).values_list("pk", flat=True)
    )
    if ids - seen:
        raise ValidationError({"related_initiatives": _("Kies alleen initiatieven uit de lijst.")})


def _check_owner_can_see(item: KnowledgeItem) -> None:
    """Whoever vouches for an item must be able to read it (e.g. be named on a RED item)."""
    if item.owner is not None and not can_view(item.owner, item):
        raise ValidationError(
            {
                "owner": _(
                    "%(name)s mag dit kennisitem met deze rubricering niet zien. Deel het met "
                    "deze persoon, of kies een andere eigenaar."
                )
                % {"name": item.owner}
            }
        )


def _set_audience(
    item: KnowledgeItem,
    *,
    actor: User,
    organisations: Iterable[Organisation] | None,
    groups: Iterable[SharingGroup] | None,
    people: Iterable[User] | None,
) -> None:
    """Store the explicit audience; ``None`` keeps what is there. Whoever marks or edits an
    item RED is always among the named people."""
    if organisations is not None:
        item.shared_with_organisations.set(list(organisations))
    if groups is not None:
        item.shared_with_groups.set(list(groups))
    if people is None:
        if item.tlp != TLP.RED:
            return
        people = item.shared_with_people.all()
    named = {p.pk: p for p in people}
    if item.tlp == TLP.RED:
        named.setdefault(actor.pk, actor)
    item.shared_with_people.set(list(named.values()))


def _snapshot(item: KnowledgeItem) -> dict[str, Any]:
    """The editable state, to tell which fields an edit really changed."""
    state: dict[str, Any] = {name: getattr(item, name) for name in _TEXT_FIELDS}
    state.update(
        url=item.url,
        tlp=item.tlp,
        owner=item.owner_id,
        review_by=item.review_by,
        export_controlled=item.export_controlled,
    )
    for name in _M2M_FIELDS:
        state[name] = set(getattr(item, name).values_list("pk", flat=True))
    return state


# --- Handover mover ---------------------------------------------------------------------------


def knowledge_owners_move(
    departing: Any, successor: Any, *, dry_run: bool = False
) -> dict[str, int]:
    """Handover mover: the departing person's items (not archived ones) get the successor as
    owner, who vouches for them from now on.

    Same contract as the other movers (core.registry.handover_movers). An owner is an account,
    so a successor without one cannot take over: raise before changing anything. An item the
    successor may not see (e.g. RED, shared with the departing person by name) is never handed
    to them; it keeps its owner, and the owner organisation's admins re-attest it. The
    "updated" date stays: a new owner is not a new text.
    """
    from ..selectors.items import knowledge_visible

    if departing.user_id is None:
        return {}
    owned = KnowledgeItem.objects.filter(owner_id=departing.user_id).exclude(status=Status.ARCHIVED)
    successor_user = successor.user if successor is not None and successor.user_id else None
    movable = owned
    if successor_user is not None:
        movable = knowledge_visible(user=successor_user).filter(pk__in=owned.values("pk"))
    count = movable.count()
    if count == 0:
        return {}
    if dry_run:
        return {"knowledge_owners": count}
    if successor_user is None:
        raise ValidationError(
            ngettext(
                "De opvolger heeft nog geen account en kan dus nog geen eigenaar worden van "
                "%(count)s kennisitem. Wacht tot de uitnodiging is geaccepteerd.",
                "De opvolger heeft nog geen account en kan dus nog geen eigenaar worden van "
                "%(count)s kennisitems. Wacht tot de uitnodiging is geaccepteerd.",
                count,
            )
            % {"count": count}
        )
    moved = KnowledgeItem.objects.filter(pk__in=list(movable.values_list("pk", flat=True))).update(
        owner_id=successor_user.pk
    )
    return {"knowledge_owners": moved}
