"""The lifecycle services: phase changes with their rules, and closing as Geborgd."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from initiatives.models import Phase, PhaseChange
from initiatives.services import lifecycle
from lmi_portal.core.models import Activity, AuditEvent
from partners.models import TLP
from tests.factories import InitiativeFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def notified(monkeypatch):
    """What the lifecycle told the followers: (verb, text) per call."""
    calls: list[tuple[str, str]] = []

    def fake_notify(*, initiative, verb, text, actor=None):
        calls.append((verb, text()))
        return 0

    monkeypatch.setattr(lifecycle, "initiative_followers_notify", fake_notify)
    return calls


@pytest.fixture
def initiative(company, member):
    return InitiativeFactory(
        owner_organisation=company, lead=member, phase=Phase.EXPLORATION, title="Slim plannen"
    )


def _unchanged(initiative, phase):
    initiative.refresh_from_db()
    return initiative.phase == phase and not PhaseChange.objects.filter(initiative=initiative)


# --- Moving ---------------------------------------------------------------------------------


def test_moving_forward_may_skip_phases_without_a_reason(member, initiative, notified):
    later = timezone.now() + timedelta(days=2)
    with time_machine.travel(later, tick=False):
        change = lifecycle.initiative_phase_change(
            actor=member, initiative=initiative, to_phase=Phase.PILOT
        )

    initiative.refresh_from_db()
    assert initiative.phase == Phase.PILOT
    assert initiative.phase_changed_at == later and initiative.last_activity_at == later
    assert (change.from_phase, change.to_phase, change.reason, change.actor) == (
        Phase.EXPLORATION,
        Phase.PILOT,
        "",
        member,
    )
    event = AuditEvent.objects.get(action="initiative.phase_changed")
    assert event.data == {"from": "exploration", "to": "pilot", "reason": ""}
    assert Activity.objects.filter(
        verb="initiative.phase_changed", target_id=initiative.pk
    ).exists()
    assert notified == [("initiative.phase_changed", "Slim plannen is nu in de fase Pilot.")]


@pytest.mark.parametrize(
    ("to_phase", "message"),
    [
        (Phase.STOPPED, "waarom stopt"),
        (Phase.PAUSED, "gepauzeerd"),
        (Phase.IDEA, "terug naar de fase Idee"),
    ],
)
@pytest.mark.parametrize("reason", ["", "   "])
def test_stopping_pausing_and_going_back_need_a_reason(
    member, initiative, notified, to_phase, message, reason
):
    with pytest.raises(ValidationError) as exc:
        lifecycle.initiative_phase_change(
            actor=member, initiative=initiative, to_phase=to_phase, reason=reason
        )
    assert message in exc.value.error_dict["reason"][0].message
    assert _unchanged(initiative, Phase.EXPLORATION)
    assert not AuditEvent.objects.filter(action="initiative.phase_changed").exists()
    assert notified == []


@pytest.mark.parametrize("to_phase", [Phase.STOPPED, Phase.PAUSED, Phase.IDEA])
def test_with_a_reason_stopping_pausing_and_going_back_are_recorded(
    member, initiative, notified, to_phase
):
    lifecycle.initiative_phase_change(
        actor=member, initiative=initiative, to_phase=to_phase, reason="  Geen budget  "
    )
    initiative.refresh_from_db()
    assert initiative.phase == to_phase
    assert PhaseChange.objects.get(initiative=initiative).reason == "Geen budget"


@pytest.mark.parametrize("side_state", [Phase.PAUSED, Phase.STOPPED])
def test_resuming_from_a_side_state_needs_no_reason(member, company, side_state, notified):
    initiative = InitiativeFactory(owner_organisation=company, lead=member, phase=side_state)
    lifecycle.initiative_phase_change(actor=member, initiative=initiative, to_phase=Phase.IDEA)
    initiative.refresh_from_db()
    assert initiative.phase == Phase.IDEA


def test_the_current_phase_again_is_an_error(member, initiative, notified):
    with pytest.raises(ValidationError, match="staat al in deze fase"):
        lifecycle.initiative_phase_change(
            actor=member, initiative=initiative, to_phase=Phase.EXPLORATION, reason="x"
        )
    assert _unchanged(initiative, Phase.EXPLORATION)


def test_an_unknown_phase_is_an_error(member, initiative, notified):
    with pytest.raises(ValidationError, match="bestaat niet"):
        lifecycle.initiative_phase_change(
            actor=member, initiative=initiative, to_phase="afgeblazen", reason="x"
        )
    assert _unchanged(initiative, Phase.EXPLORATION)


def test_geborgd_only_through_closing(member, initiative, notified):
    with pytest.raises(ValidationError, match="Afsluiten als geborgd"):
        lifecycle.initiative_phase_change(
            actor=member, initiative=initiative, to_phase=Phase.EMBEDDED
        )
    assert _unchanged(initiative, Phase.EXPLORATION)


def test_a_reason_longer_than_allowed_is_refused(member, initiative, notified):
    with pytest.raises(ValidationError):
        lifecycle.initiative_phase_change(
            actor=member, initiative=initiative, to_phase=Phase.STOPPED, reason="x" * 2001
        )
    assert _unchanged(initiative, Phase.EXPLORATION)


@pytest.mark.parametrize(
    ("from_phase", "to_phase", "needed"),
    [
        (Phase.IDEA, Phase.IMPLEMENTATION, False),
        (Phase.PILOT, Phase.EXPLORATION, True),
        (Phase.PILOT, Phase.PAUSED, True),
        (Phase.PAUSED, Phase.STOPPED, True),
        (Phase.STOPPED, Phase.IDEA, False),
        (Phase.EMBEDDED, Phase.IMPLEMENTATION, True),
    ],
)
def test_when_a_reason_is_needed(from_phase, to_phase, needed):
    assert lifecycle.phase_change_needs_reason(from_phase=from_phase, to_phase=to_phase) is needed


def test_targets_leave_out_the_current_phase_and_geborgd(initiative):
    targets = lifecycle.phase_change_targets(initiative)
    assert Phase.EXPLORATION not in targets and Phase.EMBEDDED not in targets
    assert targets[0] == Phase.IDEA and targets[-1] == Phase.STOPPED


# --- Who may move it ------------------------------------------------------------------------


def test_member_of_another_organisation_who_is_not_lead_cannot_move_it(outsider, company, notified):
    initiative = InitiativeFactory(owner_organisation=company, tlp=TLP.GREEN)
    with pytest.raises(PermissionDenied):
        lifecycle.initiative_phase_change(
            actor=outsider, initiative=initiative, to_phase=Phase.PILOT
        )
    assert _unchanged(initiative, Phase.IDEA)


def test_deputy_from_another_organisation_may_move_it(outsider, company, notified):
    initiative = InitiativeFactory(owner_organisation=company, tlp=TLP.GREEN, deputy=outsider)
    lifecycle.initiative_phase_change(actor=outsider, initiative=initiative, to_phase=Phase.PILOT)
    initiative.refresh_from_db()
    assert initiative.phase == Phase.PILOT


def test_programme_manager_moves_what_they_can_see(programme_manager, company, notified):
    visible = InitiativeFactory(owner_organisation=company, tlp=TLP.GREEN)
    hidden = InitiativeFactory(owner_organisation=company, tlp=TLP.AMBER_STRICT)

    lifecycle.initiative_phase_change(
        actor=programme_manager, initiative=visible, to_phase=Phase.PILOT
    )
    with pytest.raises(PermissionDenied):
        lifecycle.initiative_phase_change(
            actor=programme_manager, initiative=hidden, to_phase=Phase.PILOT
        )

    visible.refresh_from_db()
    assert visible.phase == Phase.PILOT
    assert _unchanged(hidden, Phase.IDEA)


# --- Closing as Geborgd ---------------------------------------------------------------------


def test_closing_records_result_lessons_and_the_step(member, initiative, notified):
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        change = lifecycle.initiative_close(
            actor=member,
            initiative=initiative,
            result="  Tien procent minder stilstand. ",
            lessons=[" Begin klein ", ""],
        )
    initiative.refresh_from_db()
    assert initiative.phase == Phase.EMBEDDED
    assert initiative.closed_at == now and initiative.phase_changed_at == now
    assert initiative.result == "Tien procent minder stilstand."
    assert initiative.lessons == ["Begin klein"]
    assert (change.from_phase, change.to_phase) == (Phase.EXPLORATION, Phase.EMBEDDED)
    assert AuditEvent.objects.filter(action="initiative.closed").exists()
    assert notified == [("initiative.closed", "Slim plannen is afgesloten als geborgd.")]


@pytest.mark.parametrize(
    ("result", "lessons", "field"),
    [
        ("", ["Een les"], "result"),
        ("x" * 2001, ["Een les"], "result"),
        ("Resultaat", [], "lessons"),
        ("Resultaat", ["  ", ""], "lessons"),
        ("Resultaat", ["een", "twee", "drie"], "lessons"),
        ("Resultaat", ["x" * 501], "lessons"),
    ],
)
def test_closing_needs_a_result_and_one_or_two_lessons(
    member, initiative, notified, result, lessons, field
):
    with pytest.raises(ValidationError) as exc:
        lifecycle.initiative_close(
            actor=member, initiative=initiative, result=result, lessons=lessons
        )
    assert field in exc.value.error_dict
    initiative.refresh_from_db()
    assert initiative.phase == Phase.EXPLORATION and initiative.closed_at is None
    assert not PhaseChange.objects.filter(initiative=initiative).exists()
    assert notified == []


def test_two_lessons_are_kept(member, initiative, notified):
    lifecycle.initiative_close(
        actor=member, initiative=initiative, result="Klaar", lessons=["Een", "Twee"]
    )
    initiative.refresh_from_db()
    assert initiative.lessons == ["Een", "Twee"]


def test_closing_twice_is_refused(member, initiative, notified):
    lifecycle.initiative_close(actor=member, initiative=initiative, result="Klaar", lessons=["a"])
    with pytest.raises(ValidationError, match="al afgesloten"):
        lifecycle.initiative_close(
            actor=member, initiative=initiative, result="Nog eens", lessons=["b"]
        )
    assert PhaseChange.objects.filter(initiative=initiative).count() == 1


def test_closing_is_for_editors_only(outsider, company, notified):
    initiative = InitiativeFactory(owner_organisation=company, tlp=TLP.GREEN)
    with pytest.raises(PermissionDenied):
        lifecycle.initiative_close(
            actor=outsider, initiative=initiative, result="Klaar", lessons=["a"]
        )
    initiative.refresh_from_db()
    assert initiative.phase == Phase.IDEA


def test_reopening_a_closed_initiative_needs_a_reason_and_ends_the_success(
    member, initiative, notified
):
    lifecycle.initiative_close(actor=member, initiative=initiative, result="Klaar", lessons=["a"])
    with pytest.raises(ValidationError):
        lifecycle.initiative_phase_change(
            actor=member, initiative=initiative, to_phase=Phase.IMPLEMENTATION
        )
    lifecycle.initiative_phase_change(
        actor=member,
        initiative=initiative,
        to_phase=Phase.IMPLEMENTATION,
        reason="Het beheer is toch niet geregeld.",
    )
    initiative.refresh_from_db()
    assert initiative.phase == Phase.IMPLEMENTATION and initiative.closed_at is None


def test_colleague_of_the_owner_organisation_may_close(company, initiative, notified):
    colleague = member_of(company)
    lifecycle.initiative_close(
        actor=colleague, initiative=initiative, result="Klaar", lessons=["a"]
    )
    initiative.refresh_from_db()
    assert initiative.phase == Phase.EMBEDDED
