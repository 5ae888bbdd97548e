"""Reads of werkgroep meetings and their agenda, always through the access policy.

Who may do what on a meeting is decided here too (``can_manage_meeting``, ``can_propose``), so
views, templates and services ask the same questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from partners.access import get_visible_or_404, user_organisation_ids, visible_queryset
from partners.models import Organisation

from ..models import ActionItem, AgendaItem, Initiative, Meeting
from ..models.initiative import ACTIVE_PHASES
from ..permissions import is_programme_manager

# The initiative picker on the agenda form: enough to find what is under way, bounded.
INITIATIVE_CHOICES_LIMIT = 200


def meeting_visible(*, user: Any) -> QuerySet[Meeting]:
    """Meetings the user may see, newest first."""
    return visible_queryset(user, Meeting.objects.all())


def meeting_get(*, user: Any, pk: int, for_update: bool = False) -> Meeting:
    """One meeting the user may see, or 404 (also for meetings that do not exist)."""
    qs = Meeting.objects.select_related("owner_organisation", "previous")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    return get_visible_or_404(user, qs, pk=pk)


def meeting_in_preparation(*, user: Any) -> Meeting | None:
    """The next meeting in preparation the user may see (the earliest one), or None."""
    return (
        meeting_visible(user=user)
        .filter(status=Meeting.Status.PREPARATION)
        .order_by("starts_at", "id")
        .first()
    )


def meeting_latest(*, user: Any) -> Meeting | None:
    """The most recent meeting the user may see, whatever its status."""
    return meeting_visible(user=user).order_by("-starts_at", "-id").first()


def meeting_list(*, user: Any, now: datetime | None = None) -> tuple[list[Meeting], list[Meeting]]:
    """Upcoming (soonest first) and past (newest first, bounded) meetings the user may see.

    A meeting still in preparation counts as upcoming even when its date has passed, so it
    does not drop out of sight before its minutes are published."""
    now = now or timezone.now()
    qs: QuerySet[Meeting] = (
        meeting_visible(user=user)
        .select_related("owner_organisation")
        .prefetch_related("attending_organisations")
        .annotate(item_count=Count("agenda_items", distinct=True))
    )
    upcoming_q = Q(starts_at__gte=now) | Q(status=Meeting.Status.PREPARATION)
    upcoming = list(qs.filter(upcoming_q).order_by("starts_at", "id")[:50])
    past = list(qs.exclude(upcoming_q).order_by("-starts_at", "-id")[:100])
    return upcoming, past


def can_manage_meeting(user: Any, meeting: Meeting) -> bool:
    """Programme managers who can see the meeting run its agenda."""
    if not is_programme_manager(user):
        return False
    return meeting_visible(user=user).filter(pk=meeting.pk).exists()


def can_create_meeting(user: Any) -> bool:
    return is_programme_manager(user)


def can_propose(user: Any, meeting: Meeting) -> bool:
    """Members of attending organisations, and programme managers, while in preparation."""
    if meeting.is_locked or not user_organisation_ids(user):
        return False
    if can_manage_meeting(user, meeting):
        return True
    orgs = user_organisation_ids(user)
    return (
        Meeting.objects.filter(pk=meeting.pk, attending_organisations__in=orgs).exists()
        and meeting_visible(user=user).filter(pk=meeting.pk).exists()
    )


def can_edit_minutes(user: Any, meeting: Meeting) -> bool:
    """Programme managers who can see the meeting and its attendees, while in preparation."""
    if meeting.is_locked:
        return False
    if can_manage_meeting(user, meeting):
        return True
    return (
        getattr(user, "is_authenticated", False)
        and meeting.attendees.filter(pk=user.pk).exists()
        and meeting_visible(user=user).filter(pk=meeting.pk).exists()
    )


def proposing_organisation(user: Any, meeting: Meeting) -> Organisation | None:
    """The organisation on whose behalf the user proposes: an attending one, else their own."""
    orgs = user_organisation_ids(user)
    if not orgs:
        return None
    attending = meeting.attending_organisations.filter(pk__in=orgs).order_by("name").first()
    if attending is not None:
        return attending
    return Organisation.objects.filter(pk__in=orgs).order_by("name").first()


def agenda_items(*, meeting: Meeting) -> list[AgendaItem]:
    """The meeting's agenda in order, with everything the page shows (a fixed number of queries)."""
    return list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related(
            "initiative", "proposed_by", "proposed_by_organisation", "carried_from__meeting"
        )
        .prefetch_related(
            "decisions",
            Prefetch(
                "actions",
                queryset=ActionItem.objects.select_related("owner").order_by("due_date", "id"),
            ),
        )
        .order_by("position", "id")
    )


@dataclass
class AgendaRow:
    item: AgendaItem
    starts_at: datetime | None
    # The item's planned end passes the end of the meeting.
    overrun: bool


@dataclass
class AgendaPlan:
    rows: list[AgendaRow]
    planned_minutes: int
    over_by: int


def agenda_plan(*, meeting: Meeting, items: list[AgendaItem]) -> AgendaPlan:
    """Planned start time per item from the time boxes, and the total against the duration.

    Parked and proposed items take no time: only what is on the agenda is planned."""
    clock = meeting.starts_at
    end = meeting.starts_at + timedelta(minutes=meeting.duration_minutes)
    rows: list[AgendaRow] = []
    planned = 0
    for item in items:
        if item.status in (AgendaItem.Status.ACCEPTED, AgendaItem.Status.DONE):
            minutes = item.timebox_minutes or 0
            rows.append(
                AgendaRow(
                    item=item, starts_at=clock, overrun=clock + timedelta(minutes=minutes) > end
                )
            )
            clock += timedelta(minutes=minutes)
            planned += minutes
        else:
            rows.append(AgendaRow(item=item, starts_at=None, overrun=False))
    return AgendaPlan(
        rows=rows, planned_minutes=planned, over_by=max(0, planned - meeting.duration_minutes)
    )


def agenda_next_position(*, meeting: Meeting) -> int:
    current = AgendaItem.objects.filter(meeting=meeting).aggregate(m=Max("position"))["m"]
    return 0 if current is None else current + 1


def agenda_item_get(*, user: Any, pk: int) -> AgendaItem:
    """One agenda item of a meeting the user may see, or 404."""
    item = AgendaItem.objects.select_related("meeting").filter(pk=pk).first()
    if item is None:
        raise Http404
    item.meeting = meeting_get(user=user, pk=item.meeting_id)
    return item


def initiative_choices(*, user: Any) -> QuerySet[Initiative]:
    """Initiatives in active phases the user may see, most recently active first, bounded."""
    return visible_queryset(user, Initiative.objects.filter(phase__in=ACTIVE_PHASES)).order_by(
        "-last_activity_at", "-id"
    )[:INITIATIVE_CHOICES_LIMIT]
