"""Writes on a meeting's agenda: add or propose an item, edit it, order it, accept or park it.

Every write locks the meeting row first, so two people ordering the agenda at once, or one
click on "op de agenda" arriving twice, cannot interleave."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lmi_portal.core.notifications import notification_send
from partners.access import can_view
from partners.models import User

from ..models import AgendaItem, Initiative, Meeting
from ..selectors.meetings import (
    agenda_next_position,
    can_manage_meeting,
    can_propose,
    proposing_organisation,
)
from .meetings import ensure_unlocked

# Statuses a programme manager may set by hand; "proposed" is only ever where items start.
SETTABLE_STATUSES = (
    AgendaItem.Status.ACCEPTED,
    AgendaItem.Status.PARKED,
    AgendaItem.Status.DONE,
)


def _not_allowed() -> PermissionDenied:
    return PermissionDenied(_("Dat mag u op deze agenda niet doen."))


def _locked_meeting(meeting: Meeting) -> Meeting:
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    ensure_unlocked(locked)
    return locked


def _clean(
    *,
    actor: User,
    title: str,
    description: str,
    initiative: Initiative | None,
    timebox_minutes: int | None,
) -> tuple[str, str]:
    title = (title or "").strip()
    if not title and initiative is not None:
        title = initiative.title
    if not title:
        raise ValidationError({"title": _("Geef een onderwerp.")})
    if initiative is not None and not can_view(actor, initiative):
        raise ValidationError({"initiative": _("Kies een initiatief uit de lijst.")})
    if timebox_minutes is not None and not 0 < timebox_minutes <= 600:
        raise ValidationError({"timebox_minutes": _("Kies een tijd tussen 1 en 600 minuten.")})
    return title[:300], (description or "").strip()[:3000]


def _programme_managers_who_see(meeting: Meeting) -> list[User]:
    managers = User.objects.filter(
        is_active=True, portal_role=User.PortalRole.PROGRAMME_MANAGER
    ).order_by("pk")
    return [u for u in managers if can_view(u, meeting)]


@transaction.atomic
def agenda_item_add(
    *,
    actor: User,
    meeting: Meeting,
    title: str,
    initiative: Initiative | None = None,
    source_key: str = "",
    link_url: str = "",
    description: str = "",
    timebox_minutes: int | None = None,
    propose: bool = False,
) -> AgendaItem:
    """Put an item on the agenda (programme managers) or propose one (attending partners).

    Idempotent on ``source_key``: the item already on this agenda with that key is returned
    unchanged. Programme managers of every proposal hear of it."""
    manages = can_manage_meeting(actor, meeting)
    if not manages and not can_propose(actor, meeting):
        raise _not_allowed()
    meeting = _locked_meeting(meeting)
    source_key = (source_key or "").strip()[:60]
    if source_key:
        existing = AgendaItem.objects.filter(meeting=meeting, source_key=source_key).first()
        if existing is not None:
            return existing
    title, description = _clean(
        actor=actor,
        title=title,
        description=description,
        initiative=initiative,
        timebox_minutes=timebox_minutes,
    )
    proposal = propose or not manages
    item = AgendaItem(
        meeting=meeting,
        position=agenda_next_position(meeting=meeting),
        title=title,
        description=description,
        initiative=initiative,
        source_key=source_key,
        link_url=(link_url or "").strip()[:300],
        timebox_minutes=timebox_minutes,
        status=AgendaItem.Status.PROPOSED if proposal else AgendaItem.Status.ACCEPTED,
    )
    if proposal:
        item.proposed_by = actor
        item.proposed_by_organisation = proposing_organisation(actor, meeting)
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        # The meeting lock makes this rare; the constraint is the last word.
        existing = AgendaItem.objects.filter(meeting=meeting, source_key=source_key).first()
        if existing is None:
            raise
        return existing
    if proposal:
        org_name = (
            item.proposed_by_organisation.display_name if item.proposed_by_organisation else ""
        )
        notification_send(
            recipients=_programme_managers_who_see(meeting),
            verb="werkgroep.agenda_proposed",
            text=lambda: (
                _("%(org)s stelt een agendapunt voor: %(title)s")
                % {"org": org_name or _("Een deelnemer"), "title": title}
            ),
            url=meeting.get_absolute_url(),
            target=meeting,
            actor=actor,
        )
    return item


@transaction.atomic
def agenda_item_update(
    *,
    actor: User,
    item: AgendaItem,
    title: str,
    description: str = "",
    initiative: Initiative | None = None,
    timebox_minutes: int | None = None,
    chatham_house: bool = False,
) -> AgendaItem:
    """Change an item's subject, time box or Chatham House mode (programme managers)."""
    if not can_manage_meeting(actor, item.meeting):
        raise _not_allowed()
    _locked_meeting(item.meeting)
    item = AgendaItem.objects.get(pk=item.pk)
    unchanged = initiative is not None and initiative.pk == item.initiative_id
    title, description = _clean(
        actor=actor,
        title=title,
        description=description,
        initiative=None if unchanged else initiative,
        timebox_minutes=timebox_minutes,
    )
    item.title = title
    item.description = description
    item.initiative = initiative
    item.timebox_minutes = timebox_minutes
    item.chatham_house = chatham_house
    item.save(
        update_fields=[
            "title",
            "description",
            "initiative",
            "timebox_minutes",
            "chatham_house",
            "updated_at",
        ]
    )
    return item


@transaction.atomic
def agenda_item_set_status(*, actor: User, item: AgendaItem, status: str) -> AgendaItem:
    """Accept or park a proposal, park or unpark an item, mark it discussed."""
    if not can_manage_meeting(actor, item.meeting):
        raise _not_allowed()
    if status not in SETTABLE_STATUSES:
        raise ValidationError({"status": _("Kies een geldige status.")})
    _locked_meeting(item.meeting)
    item = AgendaItem.objects.get(pk=item.pk)
    if item.status != status:
        item.status = status
        item.save(update_fields=["status", "updated_at"])
    return item


def _renumber(meeting: Meeting, ordered_ids: Sequence[int]) -> None:
    items = {i.pk: i for i in AgendaItem.objects.filter(meeting=meeting)}
    changed = []
    for position, pk in enumerate(ordered_ids):
        item = items[pk]
        if item.position != position:
            item.position = position
            changed.append(item)
    AgendaItem.objects.bulk_update(changed, ["position"])


def _current_order(meeting: Meeting) -> list[int]:
    return list(
        AgendaItem.objects.filter(meeting=meeting)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def agenda_item_move(*, actor: User, item: AgendaItem, direction: str) -> AgendaItem:
    """Move an item one place up or down (the keyboard and no-JavaScript way to order)."""
    if not can_manage_meeting(actor, item.meeting):
        raise _not_allowed()
    if direction not in ("up", "down"):
        raise ValidationError({"direction": _("Kies omhoog of omlaag.")})
    meeting = _locked_meeting(item.meeting)
    order = _current_order(meeting)
    index = order.index(item.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
    _renumber(meeting, order)
    return item


@transaction.atomic
def agenda_reorder(*, actor: User, meeting: Meeting, ordered_ids: Sequence[int]) -> None:
    """Store a new order (from drag and drop): exactly the meeting's items, each once."""
    if not can_manage_meeting(actor, meeting):
        raise _not_allowed()
    meeting = _locked_meeting(meeting)
    ids = [int(pk) for pk in ordered_ids]
    if len(ids) != len(set(ids)) or set(ids) != set(_current_order(meeting)):
        raise ValidationError(
            {"order": _("De agenda is intussen gewijzigd. Laad de pagina opnieuw.")}
        )
    _renumber(meeting, ids)
