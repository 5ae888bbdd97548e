"""The onboarding checklist (pure step logic), the board selector and the reminder task."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from lmi_portal.core.models import AuditEvent, OutboxEmail
from partners.models import (
    CommonUnderstanding,
    CommonUnderstandingAcceptance,
    Invitation,
    Membership,
    OnboardingReminder,
    Organisation,
)
from partners.selectors_beheer import onboarding_board, onboarding_rows
from partners.services.onboarding import (
    STUCK_AFTER,
    Step,
    checklist_build,
    checklist_for,
    onboarding_send_reminders,
)
from partners.tasks.onboarding import onboarding_send_reminders as reminder_task
from tests.conftest import TOTP_SECRET
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def new_charter(text="Nieuwe versie.") -> CommonUnderstanding:
    """Publish a new current version (a data migration already provides version 1)."""
    latest = CommonUnderstanding.objects.order_by("-version").first()
    return CommonUnderstanding.objects.create(
        version=(latest.version if latest else 0) + 1, text_nl=text
    )


def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


def build(status: str = "onboarding", **dates):
    values = {
        "created_at": days_ago(30),
        "contact_invited_at": None,
        "invitation_accepted_at": None,
        "admin_membership_at": None,
        "mfa_at": None,
        "common_understanding_published": True,
        "common_understanding_at": None,
        "profile_completed_at": None,
        "member_invited_at": None,
        "second_member_at": None,
        "approved_at": None,
    }
    values.update(dates)
    return checklist_build(status=status, **values)


# --- Pure step logic --------------------------------------------------------------------------


def test_a_new_organisation_has_only_the_created_step_done():
    checklist = build(created_at=days_ago(1))
    assert [s.done for s in checklist.steps] == [True] + [False] * 7
    assert checklist.current is not None and checklist.current.step == Step.CONTACT_INVITED
    assert checklist.done_count == 1


def test_steps_come_in_the_documented_order():
    assert [s.step for s in build().steps] == [
        Step.CREATED,
        Step.CONTACT_INVITED,
        Step.INVITATION_ACCEPTED,
        Step.MFA,
        Step.COMMON_UNDERSTANDING,
        Step.PROFILE,
        Step.COLLEAGUES,
        Step.APPROVED,
    ]


def test_current_step_is_the_first_not_done_even_if_later_steps_are_done():
    checklist = build(
        contact_invited_at=days_ago(20),
        invitation_accepted_at=days_ago(19),
        profile_completed_at=days_ago(2),
    )
    assert checklist.current.step == Step.MFA
    assert checklist.waiting_since == days_ago(19)


def test_each_done_step_keeps_its_date():
    checklist = build(contact_invited_at=days_ago(20), invitation_accepted_at=days_ago(19))
    dates = {s.step: s.done_at for s in checklist.steps}
    assert dates[Step.CREATED] == days_ago(30)
    assert dates[Step.CONTACT_INVITED] == days_ago(20)
    assert dates[Step.INVITATION_ACCEPTED] == days_ago(19)
    assert dates[Step.MFA] is None


def test_organisation_waiting_more_than_seven_days_is_stuck():
    checklist = build(contact_invited_at=days_ago(8))
    assert checklist.current.step == Step.INVITATION_ACCEPTED
    assert checklist.is_stuck(NOW)
    assert checklist.days_waiting(NOW) == 8


def test_organisation_waiting_exactly_seven_days_is_not_yet_stuck():
    checklist = build(contact_invited_at=NOW - STUCK_AFTER)
    assert not checklist.is_stuck(NOW)
    assert build(contact_invited_at=NOW - STUCK_AFTER - timedelta(minutes=1)).is_stuck(NOW)


@pytest.mark.parametrize("status", ["active", "suspended", "offboarded"])
def test_organisations_past_onboarding_are_never_stuck(status):
    assert not build(status=status, created_at=days_ago(100)).is_stuck(NOW)


def test_invited_organisation_without_contact_is_stuck_after_a_week():
    assert build(status="invited", created_at=days_ago(9)).is_stuck(NOW)
    assert not build(status="invited", created_at=days_ago(3)).is_stuck(NOW)


def test_an_org_admin_membership_counts_as_accepted_invitation():
    checklist = build(contact_invited_at=days_ago(10), admin_membership_at=days_ago(9))
    state = checklist.steps[2]
    assert state.step == Step.INVITATION_ACCEPTED and state.done and state.done_at == days_ago(9)


def test_colleagues_step_takes_the_earliest_of_member_invitation_and_second_member():
    checklist = build(member_invited_at=days_ago(4), second_member_at=days_ago(6))
    assert checklist.steps[6].done_at == days_ago(6)
    assert not build().steps[6].done


def test_without_a_published_charter_the_common_understanding_step_holds_nobody_up():
    checklist = build(
        common_understanding_published=False,
        contact_invited_at=days_ago(20),
        invitation_accepted_at=days_ago(19),
        mfa_at=days_ago(18),
    )
    assert checklist.steps[4].done and checklist.steps[4].done_at is None
    assert checklist.current.step == Step.PROFILE
    # The waiting time counts from the last step with a known date.
    assert checklist.waiting_since == days_ago(18)


def test_fully_onboarded_organisation_has_no_current_step_and_is_not_stuck():
    checklist = build(
        contact_invited_at=days_ago(20),
        invitation_accepted_at=days_ago(19),
        mfa_at=days_ago(18),
        common_understanding_at=days_ago(18),
        profile_completed_at=days_ago(17),
        member_invited_at=days_ago(16),
        approved_at=days_ago(15),
    )
    assert checklist.current is None
    assert checklist.done_count == 8
    assert not checklist.is_stuck(NOW)


# --- Board selector (database) ---------------------------------------------------------------


def invite(organisation, *, role="org_admin", email=None, created=None, accepted=None, user=None):
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email or f"{secrets.token_hex(4)}@{organisation.pk}.example",
        role=role,
        token_hash=secrets.token_hex(32),
        expires_at=timezone.now() + timedelta(days=14),
        accepted_at=accepted,
        accepted_by=user,
    )
    if created is not None:
        Invitation.objects.filter(pk=invitation.pk).update(created_at=created)
    return invitation


def backdate(obj, when):
    type(obj).objects.filter(pk=obj.pk).update(created_at=when)


def board_checklist(organisation):
    return checklist_for(onboarding_board().get(pk=organisation.pk))


@pytest.mark.django_db
def test_board_reads_each_milestone_from_the_database():
    now = timezone.now()
    cu = new_charter("Samen sterk.")
    org = OrganisationFactory(onboarding=True, name="Veldwerk Test B.V.")
    admin = UserFactory(email="contact@veldwerk.example", accepted_common_understanding=False)
    invite(org, email=admin.email, created=now - timedelta(days=10), accepted=now - timedelta(9))
    MembershipFactory(user=admin, organisation=org, role=Membership.Role.ORG_ADMIN)
    TOTP.activate(admin, TOTP_SECRET)
    CommonUnderstandingAcceptance.objects.create(user=admin, version=cu)
    invite(org, role="member", email="collega@veldwerk.example")

    states = {s.step: s for s in board_checklist(org).steps}
    assert states[Step.CONTACT_INVITED].done_at.date() == (now - timedelta(days=10)).date()
    assert states[Step.INVITATION_ACCEPTED].done_at.date() == (now - timedelta(days=9)).date()
    assert states[Step.MFA].done
    assert states[Step.COMMON_UNDERSTANDING].done
    assert not states[Step.PROFILE].done
    assert states[Step.COLLEAGUES].done
    assert not states[Step.APPROVED].done


@pytest.mark.django_db
def test_only_the_current_charter_version_counts():
    old = new_charter("Oud.")
    new_charter("Nieuw.")
    org = OrganisationFactory(onboarding=True)
    admin = UserFactory(accepted_common_understanding=False)
    MembershipFactory(user=admin, organisation=org, role=Membership.Role.ORG_ADMIN)
    CommonUnderstandingAcceptance.objects.create(user=admin, version=old)
    assert not board_checklist(org).steps[4].done


@pytest.mark.django_db
def test_mfa_of_an_ordinary_member_does_not_count():
    org = OrganisationFactory(onboarding=True)
    member = UserFactory()
    MembershipFactory(user=member, organisation=org, role=Membership.Role.MEMBER)
    TOTP.activate(member, TOTP_SECRET)
    assert not board_checklist(org).steps[3].done
    admin = UserFactory()
    MembershipFactory(user=admin, organisation=org, role=Membership.Role.ORG_ADMIN)
    TOTP.activate(admin, TOTP_SECRET)
    assert board_checklist(org).steps[3].done


@pytest.mark.django_db
def test_two_current_members_count_as_colleagues_invited_but_an_ended_one_does_not():
    org = OrganisationFactory(onboarding=True)
    MembershipFactory(organisation=org, role=Membership.Role.ORG_ADMIN)
    MembershipFactory(organisation=org, end_date=timezone.localdate() - timedelta(days=3))
    assert not board_checklist(org).steps[6].done
    MembershipFactory(organisation=org)
    assert board_checklist(org).steps[6].done


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 10])
def test_board_costs_the_same_queries_for_1_and_10_organisations(n, django_assert_num_queries):
    new_charter()
    for _ in range(n):
        org = OrganisationFactory(onboarding=True)
        admin = UserFactory()
        MembershipFactory(user=admin, organisation=org, role=Membership.Role.ORG_ADMIN)
        invite(org, email=admin.email, accepted=timezone.now(), user=admin)
        TOTP.activate(admin, TOTP_SECRET)
    with django_assert_num_queries(1):
        rows = onboarding_rows(onboarding_board())
    assert len(rows) == n
    assert all(row.checklist.steps[3].done for row in rows)


# --- Reminders -------------------------------------------------------------------------------


@pytest.fixture
def stuck_org(db, portal_admin):
    """Accepted 10 days ago, MFA not set up: stuck on MFA, so its org admins must act."""
    org = OrganisationFactory(onboarding=True, name="Vastgelopen B.V.")
    admin = UserFactory(email="contact@vastgelopen.example", language="en")
    MembershipFactory(user=admin, organisation=org, role=Membership.Role.ORG_ADMIN)
    invite(
        org,
        email=admin.email,
        created=timezone.now() - timedelta(days=12),
        accepted=timezone.now() - timedelta(days=10),
        user=admin,
    )
    backdate(org, timezone.now() - timedelta(days=14))
    Membership.objects.filter(organisation=org).update(created_at=timezone.now() - timedelta(10))
    return org


@pytest.mark.django_db
def test_stuck_organisation_gets_one_reminder_to_its_org_admins(
    stuck_org, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        assert reminder_task.delay().get() == 1
    reminder = OnboardingReminder.objects.get(organisation=stuck_org)
    assert reminder.step == Step.MFA
    outbox = OutboxEmail.objects.filter(idempotency_key__startswith="onboarding-reminder:")
    assert [e.to for e in outbox] == ["contact@vastgelopen.example"]
    assert [m.to for m in mailoutbox] == [["contact@vastgelopen.example"]]
    # In the recipient's language (English here).
    assert outbox[0].language == "en"
    assert "Vastgelopen B.V." in outbox[0].subject
    assert AuditEvent.objects.filter(
        action="onboarding.reminder_sent", data__organisation=stuck_org.pk
    ).exists()


@pytest.mark.django_db
def test_running_the_reminders_twice_sends_nothing_more(stuck_org):
    assert onboarding_send_reminders() == 1
    assert onboarding_send_reminders() == 0
    assert OnboardingReminder.objects.count() == 1
    assert (
        OutboxEmail.objects.filter(idempotency_key__startswith="onboarding-reminder:").count() == 1
    )


@pytest.mark.django_db
def test_a_reminder_already_claimed_by_a_concurrent_run_is_not_sent_again(stuck_org):
    # The other run inserted its row first: this run's insert fails and it sends nothing.
    OnboardingReminder.objects.create(organisation=stuck_org, step=Step.MFA)
    assert onboarding_send_reminders() == 0
    assert not OutboxEmail.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_a_second_reminder_for_the_same_step(stuck_org):
    OnboardingReminder.objects.create(organisation=stuck_org, step=Step.MFA)
    with pytest.raises(IntegrityError), transaction.atomic():
        OnboardingReminder.objects.create(organisation=stuck_org, step=Step.MFA)


@pytest.mark.django_db
def test_a_new_step_gets_its_own_reminder_later(stuck_org):
    assert onboarding_send_reminders() == 1
    admin = stuck_org.memberships.get().user
    TOTP.activate(admin, TOTP_SECRET)
    from allauth.mfa.models import Authenticator

    Authenticator.objects.filter(user=admin).update(created_at=timezone.now() - timedelta(days=9))
    new_charter()  # the admin accepted the old version only
    assert onboarding_send_reminders() == 1
    assert set(OnboardingReminder.objects.values_list("step", flat=True)) == {
        Step.MFA,
        Step.COMMON_UNDERSTANDING,
    }


@pytest.mark.django_db
def test_organisation_that_is_not_stuck_gets_no_reminder(portal_admin):
    org = OrganisationFactory(onboarding=True)
    admin = UserFactory()
    MembershipFactory(user=admin, organisation=org, role=Membership.Role.ORG_ADMIN)
    invite(org, email=admin.email, accepted=timezone.now() - timedelta(days=2), user=admin)
    old_active = OrganisationFactory()  # active: past onboarding, whatever its checklist says
    backdate(old_active, timezone.now() - timedelta(days=60))
    assert onboarding_send_reminders() == 0
    assert not OnboardingReminder.objects.exists()
    assert not OutboxEmail.objects.exists()


@pytest.mark.django_db
def test_missing_primary_contact_reminds_the_portal_admins(portal_admin):
    org = OrganisationFactory(status=Organisation.Status.INVITED)
    backdate(org, timezone.now() - timedelta(days=8))
    UserFactory(email="lid@elders.example")  # not an admin: no reminder for them
    assert onboarding_send_reminders() == 1
    assert OnboardingReminder.objects.get(organisation=org).step == Step.CONTACT_INVITED
    assert list(OutboxEmail.objects.values_list("to", flat=True)) == [portal_admin.email]


@pytest.mark.django_db
def test_unaccepted_invitation_reminds_the_invitee_with_the_admins_in_the_loop(portal_admin):
    org = OrganisationFactory(status=Organisation.Status.INVITED)
    backdate(org, timezone.now() - timedelta(days=12))
    invite(org, email="nog.niet@nieuw.example", created=timezone.now() - timedelta(days=9))
    assert onboarding_send_reminders() == 1
    assert OnboardingReminder.objects.get(organisation=org).step == Step.INVITATION_ACCEPTED
    assert set(OutboxEmail.objects.values_list("to", flat=True)) == {
        "nog.niet@nieuw.example",
        portal_admin.email,
    }


@pytest.mark.django_db
def test_awaiting_approval_reminds_the_portal_admins(portal_admin):
    new_charter()
    org = OrganisationFactory(onboarding=True)
    admin = UserFactory(email="klaar@bijna.example")
    MembershipFactory(user=admin, organisation=org, role=Membership.Role.ORG_ADMIN)
    TOTP.activate(admin, TOTP_SECRET)
    CommonUnderstandingAcceptance.objects.get_or_create(
        user=admin, version=CommonUnderstanding.objects.order_by("-version").first()
    )
    invite(org, email=admin.email, accepted=timezone.now() - timedelta(days=20), user=admin)
    invite(org, role="member", created=timezone.now() - timedelta(days=9))
    Organisation.objects.filter(pk=org.pk).update(
        profile_completed_at=timezone.now() - timedelta(days=10)
    )
    assert onboarding_send_reminders() == 1
    assert OnboardingReminder.objects.get(organisation=org).step == Step.APPROVED
    assert list(OutboxEmail.objects.values_list("to", flat=True)) == [portal_admin.email]


def test_the_reminder_task_runs_daily_from_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["onboarding-reminders"]
    assert entry["task"] == "partners.tasks.onboarding.onboarding_send_reminders"
    assert entry["schedule"].hour == {8}
    assert reminder_task.name == entry["task"]
