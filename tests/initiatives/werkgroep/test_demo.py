"""The werkgroep's demo history: three published meetings and one in preparation, made through
the werkgroep's services, and idempotent."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from initiatives.models import ActionItem, AgendaItem, Decision, Meeting
from partners.access import can_view
from partners.models import User

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        Meeting.objects.count(),
        AgendaItem.objects.count(),
        Decision.objects.count(),
        ActionItem.objects.filter(meeting__isnull=False).count(),
    )


def test_demo_has_a_meeting_history_and_is_idempotent():
    call_command("seed_demo", verbosity=0)
    meetings = list(Meeting.objects.order_by("starts_at"))
    assert [m.status for m in meetings] == [Meeting.Status.PUBLISHED] * 3 + [
        Meeting.Status.PREPARATION
    ]
    # One series: each meeting was created from the previous one.
    assert [m.previous_id for m in meetings[1:]] == [m.pk for m in meetings[:-1]]
    assert meetings[-1].starts_at > meetings[-2].starts_at
    assert all(m.starts_at < timezone.now() for m in meetings[:3])

    published = meetings[:3]
    assert all(AgendaItem.objects.filter(meeting=m).exclude(minutes="").exists() for m in published)
    assert Decision.objects.filter(agenda_item__meeting__in=published).count() >= 3
    assert AgendaItem.objects.filter(meeting__in=published, chatham_house=True).count() == 1
    assert AgendaItem.objects.filter(meeting__in=published, initiative__isnull=False).exists()

    actions = ActionItem.objects.filter(meeting__in=published)
    assert not actions.filter(status=ActionItem.Status.DRAFT).exists()
    assert actions.filter(status=ActionItem.Status.DONE).count() >= 2
    assert actions.filter(status=ActionItem.Status.OPEN).count() >= 2
    overdue = [a for a in actions if a.is_overdue]
    assert len(overdue) == 1

    upcoming = meetings[-1]
    items = AgendaItem.objects.filter(meeting=upcoming)
    assert items.filter(carried_from__isnull=False).exists()
    proposal = items.get(status=AgendaItem.Status.PROPOSED, carried_from__isnull=True)
    assert proposal.proposed_by.email == "sanne.bakker@ddvs.example"

    before = _counts()
    call_command("seed_demo", verbosity=0)
    assert _counts() == before


def test_demo_minutes_are_for_the_attending_organisations_only():
    call_command("seed_demo", verbosity=0)
    meeting = Meeting.objects.filter(status=Meeting.Status.PUBLISHED).first()
    attendee = User.objects.get(email="tom.hendriks@bp3d.example")
    not_attending = User.objects.get(email="lotte.smit@rmmv.example")
    assert can_view(attendee, meeting)
    assert not can_view(not_attending, meeting)
    assert meeting.attendees.filter(pk=attendee.pk).exists()
