"""A bounced address marks the people who have it as bouncing and flags them at once."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from lmi_portal.core import services as core_services
from lmi_portal.core.models import AuditEvent, OutboxEmail
from network.models import ContactFlag, Person
from network.services.stale import person_email_bounced, stale_contacts_scan
from tests.factories import AffiliationFactory, PersonFactory, UserFactory, person_of

pytestmark = pytest.mark.django_db

BOUNCED = ContactFlag.Reason.EMAIL_BOUNCED


def open_bounce_flags(person: Person) -> int:
    return ContactFlag.objects.filter(
        person=person, reason=BOUNCED, resolved_at__isnull=True
    ).count()


@pytest.fixture
def holder():
    """A person without a login, reachable at a current post's address."""
    person = PersonFactory(first_name="Fenna")
    AffiliationFactory(person=person, email="fenna.post@test.example")
    return person


def test_a_bounce_marks_the_person_and_raises_one_flag(holder):
    assert person_email_bounced("fenna.post@test.example") == 1
    holder.refresh_from_db()
    assert holder.email_bounced_at is not None
    assert open_bounce_flags(holder) == 1


def test_a_second_bounce_moves_the_date_but_keeps_one_open_flag(holder):
    person_email_bounced("fenna.post@test.example")
    holder.refresh_from_db()
    first = holder.email_bounced_at
    assert person_email_bounced("fenna.post@test.example") == 1
    holder.refresh_from_db()
    assert holder.email_bounced_at >= first
    assert open_bounce_flags(holder) == 1
    assert ContactFlag.objects.filter(person=holder, reason=BOUNCED).count() == 1


def test_the_login_address_counts_and_case_does_not_matter():
    user = UserFactory(email="Kees.Account@Test.Example")
    person = person_of(user)
    assert person_email_bounced("kees.account@test.example") == 1
    person.refresh_from_db()
    assert person.email_bounced_at is not None
    assert open_bounce_flags(person) == 1


def test_an_unknown_address_marks_nothing(holder):
    assert person_email_bounced("niemand@test.example") == 0
    holder.refresh_from_db()
    assert holder.email_bounced_at is None
    assert not ContactFlag.objects.exists()


def test_an_ended_post_or_an_anonymised_record_is_not_marked():
    today = timezone.localdate()
    gone = PersonFactory()
    AffiliationFactory(
        person=gone,
        email="oud@test.example",
        start_date=today - timedelta(days=400),
        end_date=today - timedelta(days=10),
    )
    anonymised = PersonFactory(anonymised_at=timezone.now())
    AffiliationFactory(person=anonymised, email="anoniem@test.example")
    assert person_email_bounced("oud@test.example") == 0
    assert person_email_bounced("anoniem@test.example") == 0
    assert not Person.objects.filter(email_bounced_at__isnull=False).exists()
    assert not ContactFlag.objects.exists()


def test_a_bounce_reported_to_core_reaches_the_listener_and_is_audited(holder):
    marked = core_services.email_bounce_record(
        address=" FENNA.post@test.example ", source="webhook", detail="550"
    )
    assert marked == 1
    assert open_bounce_flags(holder) == 1
    event = AuditEvent.objects.get(action="email.bounced")
    assert event.data["marked"] == 1
    assert event.data["source"] == "webhook"


def test_the_daily_scan_keeps_the_flag_a_bounce_raised(holder):
    person_email_bounced("fenna.post@test.example")
    stale_contacts_scan(notify=False)
    assert open_bounce_flags(holder) == 1
    assert ContactFlag.objects.filter(person=holder, reason=BOUNCED).count() == 1


def test_a_permanent_smtp_refusal_fails_the_email_at_once_and_flags_the_person(holder, monkeypatch):
    email = core_services.outbox_enqueue(
        key="bounce-test", to="fenna.post@test.example", subject="Hallo", body_text="Tekst"
    )

    def refuse(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"fenna.post@test.example": (550, b"no such user")})

    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", refuse)
    assert core_services.outbox_deliver(email_id=email.pk) is False
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.FAILED
    assert email.attempts == 1
    assert "no such user" in email.last_error
    # No retry: the row is not due again, whatever the clock says.
    assert email.pk not in core_services.outbox_due_ids()
    holder.refresh_from_db()
    assert holder.email_bounced_at is not None
    assert open_bounce_flags(holder) == 1


def test_a_temporary_smtp_refusal_is_retried_and_flags_nobody(holder, monkeypatch):
    email = core_services.outbox_enqueue(
        key="greylist-test", to="fenna.post@test.example", subject="Hallo", body_text="Tekst"
    )

    def greylist(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"fenna.post@test.example": (451, b"try later")})

    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", greylist)
    with pytest.raises(core_services.OutboxSendError):
        core_services.outbox_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.PENDING
    holder.refresh_from_db()
    assert holder.email_bounced_at is None
    assert not ContactFlag.objects.exists()
