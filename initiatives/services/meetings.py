"""Writes on werkgroep meetings: plan one, change it while in preparation, and create the next
one from the previous (carrying over what was not finished)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lmi_portal.core.services import audit_log
from partners.access import user_organisation_ids
from partners.models import TLP, Organisation, User
from partners.selectors import active_member_users

from ..models import ActionItem, AgendaItem, Meeting
from ..selectors.meetings import agenda_next_position, can_create_meeting, can_manage_meeting

OPEN_ACTIONS_KEY = "open-actions"
# Actions that still need doing: agreed in a meeting (draft until published) or open.
UNFINISHED_ACTION_STATUSES = (ActionItem.Status.DRAFT, ActionItem.Status.OPEN)
# Agenda items that were not dealt with and move to the next meeting.
CARRIED_STATUSES = (AgendaItem.Status.ACCEPTED, AgendaItem.Status.PROPOSED)


class MeetingLocked(Exception):
    """The minutes are published: the meeting and its agenda no longer change."""

    def __init__(self, meeting: Meeting) -> None:
        super().__init__(
            _("Het verslag van deze bijeenkomst is gepubliceerd en kan niet meer wijzigen.")
        )
        self.meeting = meeting


def ensure_unlocked(meeting: Meeting) -> None:
    if meeting.is_locked:
        raise MeetingLocked(meeting)


def _not_allowed() -> PermissionDenied:
    return PermissionDenied(_("Alleen programmamanagers plannen de werkgroep."))


def default_owner_organisation(actor: User) -> Organisation:
    """The acting programme manager's own organisation (the LMI cell in practice)."""
    org = (
        Organisation.objects.filter(pk__in=user_organisation_ids(actor))
        .order_by("name", "pk")
        .first()
    )
    if org is None:
        raise _not_allowed()
    return org


def _check_people(organisations: list[Organisation], attendees: list[User]) -> None:
    allowed = set(
        active_member_users(organisation_ids=[o.pk for o in organisations]).values_list(
            "pk", flat=True
        )
    )
    if any(u.pk not in allowed for u in attendees):
        raise ValidationError(
            {"attendees": _("Deelnemers moeten actief lid zijn van een deelnemende organisatie.")}
        )


def _check_fields(*, starts_at: datetime, duration_minutes: int, tlp: str) -> None:
    if timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": _("Geef datum en tijd.")})
    if not 5 <= duration_minutes <= 600:
        raise ValidationError({"duration_minutes": _("Kies een duur tussen 5 en 600 minuten.")})
    if tlp not in TLP.values:
        raise ValidationError({"tlp": _("Kies een rubricering uit de lijst.")})


@transaction.atomic
def meeting_create(
    *,
    actor: User,
    starts_at: datetime,
    duration_minutes: int = 90,
    location: str = "",
    title: str = "",
    attending_organisations: Iterable[Organisation] = (),
    attendees: Iterable[User] = (),
    chatham_house: bool = False,
    tlp: str = TLP.AMBER,
    owner_organisation: Organisation | None = None,
) -> Meeting:
    """Plan a meeting. The owner organisation always attends its own meeting."""
    if not can_create_meeting(actor):
        raise _not_allowed()
    if owner_organisation is None:
        owner_organisation = default_owner_organisation(actor)
    elif owner_organisation.pk not in user_organisation_ids(actor):
        raise _not_allowed()
    _check_fields(starts_at=starts_at, duration_minutes=duration_minutes, tlp=tlp)
    organisations = list({o.pk: o for o in [owner_organisation, *attending_organisations]}.values())
    people = list(attendees)
    _check_people(organisations, people)
    meeting = Meeting(
        title=(title or "").strip() or "LMI-werkgroep",
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        location=(location or "").strip(),
        chatham_house=chatham_house,
        tlp=tlp,
        owner_organisation=owner_organisation,
        created_by=actor,
    )
    meeting.full_clean()
    meeting.save()
    meeting.attending_organisations.set(organisations)
    meeting.attendees.set(people)
    audit_log(action="werkgroep.meeting_create", actor=actor, target=meeting, data={"tlp": tlp})
    return meeting


@transaction.atomic
def meeting_update(
    *,
    actor: User,
    meeting: Meeting,
    starts_at: datetime,
    duration_minutes: int,
    location: str,
    title: str,
    attending_organisations: Iterable[Organisation],
    attendees: Iterable[User],
    chatham_house: bool,
    tlp: str,
) -> Meeting:
    """Change a meeting while it is in preparation."""
    if not can_manage_meeting(actor, meeting):
        raise _not_allowed()
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    ensure_unlocked(meeting)
    _check_fields(starts_at=starts_at, duration_minutes=duration_minutes, tlp=tlp)
    organisations = list(
        {o.pk: o for o in [meeting.owner_organisation, *attending_organisations]}.values()
    )
    people = list(attendees)
    _check_people(organisations, people)
    before = {
        "tlp": meeting.tlp,
        "organisations": sorted(meeting.attending_organisations.values_list("pk", flat=True)),
    }
    meeting.starts_at = starts_at
    meeting.duration_minutes = duration_minutes
    meeting.location = (location or "").strip()
    meeting.title = (title or "").strip() or "LMI-werkgroep"
    meeting.chatham_house = chatham_house
    meeting.tlp = tlp
    meeting.full_clean()
    meeting.save()
    meeting.attending_organisations.set(organisations)
    meeting.attendees.set(people)
    after = {"tlp": tlp, "organisations": sorted(o.pk for o in organisations)}
    if after != before:
        # Who can see the meeting changed: that is worth an audit row.
        audit_log(
            action="werkgroep.meeting_audience",
            actor=actor,
            target=meeting,
            data={"before": before, "after": after},
        )
    return meeting


@transaction.atomic
def meeting_next(*, actor: User, meeting: Meeting) -> Meeting:
    """The meeting one week after ``meeting``, created on the first call.

    Unfinished agenda items (accepted or still proposed) are copied with ``carried_from``; when
    actions from earlier meetings are still open, one item lists them. Calling it again returns
    the same meeting and adds nothing: the previous meeting is locked for the duration, and
    ``previous`` and ``carried_from`` are one-to-one."""
    if not can_manage_meeting(actor, meeting):
        raise _not_allowed()
    previous = Meeting.objects.select_for_update().get(pk=meeting.pk)
    nxt = Meeting.objects.filter(previous=previous).first()
    if nxt is None:
        # Same wall-clock time next week, also across a change to or from summer time.
        starts_at = timezone.localtime(previous.starts_at) + timedelta(days=7)
        nxt = Meeting.objects.create(
            title=previous.title,
            starts_at=starts_at,
            duration_minutes=previous.duration_minutes,
            location=previous.location,
            chatham_house=previous.chatham_house,
            tlp=previous.tlp,
            owner_organisation=previous.owner_organisation,
            previous=previous,
            created_by=actor,
        )
        nxt.attending_organisations.set(previous.attending_organisations.all())
        nxt.attendees.set(previous.attendees.all())
        nxt.shared_with_organisations.set(previous.shared_with_organisations.all())
        nxt.shared_with_groups.set(previous.shared_with_groups.all())
        nxt.shared_with_people.set(previous.shared_with_people.all())
        audit_log(
            action="werkgroep.meeting_next",
            actor=actor,
            target=nxt,
            data={"previous": previous.pk},
        )
    if nxt.is_locked:
        return nxt
    _carry_over(previous=previous, nxt=nxt)
    return nxt


def _carry_over(*, previous: Meeting, nxt: Meeting) -> None:
    position = agenda_next_position(meeting=nxt)
    unfinished = (
        AgendaItem.objects.filter(meeting=previous, status__in=CARRIED_STATUSES)
        .exclude(source_key=OPEN_ACTIONS_KEY)
        .filter(carried_to__isnull=True)
        .order_by("position", "id")
    )
    taken_keys = set(
        AgendaItem.objects.filter(meeting=nxt)
        .exclude(source_key="")
        .values_list("source_key", flat=True)
    )
    for item in unfinished:
        # A weekly-view item already put on the new agenda keeps its place; no double.
        key = item.source_key if item.source_key not in taken_keys else ""
        if item.source_key and not key:
            continue
        AgendaItem.objects.create(
            meeting=nxt,
            position=position,
            title=item.title,
            description=item.description,
            initiative_id=item.initiative_id,
            source_key=key,
            link_url=item.link_url,
            timebox_minutes=item.timebox_minutes,
            status=item.status,
            proposed_by_id=item.proposed_by_id,
            proposed_by_organisation_id=item.proposed_by_organisation_id,
            chatham_house=item.chatham_house,
            carried_from=item,
        )
        position += 1
    open_actions = ActionItem.objects.filter(
        meeting__starts_at__lt=nxt.starts_at,
        meeting__owner_organisation=previous.owner_organisation,
        status__in=UNFINISHED_ACTION_STATUSES,
    ).count()
    if open_actions and OPEN_ACTIONS_KEY not in taken_keys:
        AgendaItem.objects.create(
            meeting=nxt,
            position=position,
            title=_("Openstaande acties van de vorige werkgroep"),
            description=ngettext(
                "%(count)d actie staat nog open.", "%(count)d acties staan nog open.", open_actions
            )
            % {"count": open_actions},
            source_key=OPEN_ACTIONS_KEY,
            link_url=previous.get_absolute_url(),
            timebox_minutes=10,
            status=AgendaItem.Status.ACCEPTED,
        )
