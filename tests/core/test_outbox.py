from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from lmi_portal.core import services, tasks
from lmi_portal.core.models import OutboxEmail

pytestmark = pytest.mark.django_db


def enqueue(key="k1"):
    return services.outbox_enqueue(key=key, to="a@test.example", subject="Hallo", body_text="Tekst")


def test_same_key_is_stored_once():
    first, second = enqueue(), enqueue()
    assert first.pk == second.pk
    assert OutboxEmail.objects.count() == 1


def test_enqueue_sends_after_commit(django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        email = enqueue()
        assert mailoutbox == []
    assert len(callbacks) == 1
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert len(mailoutbox) == 1


def test_running_the_send_task_twice_sends_once(mailoutbox):
    email = enqueue()
    assert tasks.outbox_send.apply(args=[email.pk]).get() is True
    assert tasks.outbox_send.apply(args=[email.pk]).get() is False
    assert len(mailoutbox) == 1


def test_failed_send_is_kept_for_a_later_attempt(monkeypatch, mailoutbox):
    email = enqueue()

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", broken)
    with pytest.raises(services.OutboxSendError):
        services.outbox_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.PENDING
    assert email.attempts == 1
    assert email.next_attempt_at > timezone.now()
    assert "mail server down" in email.last_error
    monkeypatch.undo()
    # Not yet due: nothing happens; once due, it goes out exactly once.
    assert services.outbox_deliver(email_id=email.pk) is False
    OutboxEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    assert services.outbox_deliver(email_id=email.pk) is True
    assert len(mailoutbox) == 1


def test_backoff_grows_exponentially_and_is_capped():
    assert services.outbox_backoff(1) == timedelta(minutes=1)
    assert services.outbox_backoff(2) == timedelta(minutes=2)
    assert services.outbox_backoff(4) == timedelta(minutes=8)
    assert services.outbox_backoff(30) == timedelta(hours=6)


def test_gives_up_after_max_attempts(monkeypatch, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    email = enqueue()
    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", lambda *a, **k: 1 / 0)
    for _ in range(2):
        OutboxEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
        with pytest.raises(services.OutboxSendError):
            services.outbox_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.FAILED


def test_message_is_not_lost_when_the_broker_is_down(
    monkeypatch, django_capture_on_commit_callbacks, mailoutbox
):
    def no_broker(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.outbox_send, "delay", no_broker)
    with django_capture_on_commit_callbacks(execute=True):
        email = enqueue()
    assert mailoutbox == []
    monkeypatch.undo()
    # The periodic flush finds the row and sends it.
    assert tasks.outbox_flush.apply().get() == 1
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert len(mailoutbox) == 1


def test_rows_left_by_a_dead_worker_are_picked_up_again():
    email = enqueue()
    OutboxEmail.objects.filter(pk=email.pk).update(
        status=OutboxEmail.Status.SENDING, claimed_at=timezone.now() - timedelta(hours=1)
    )
    assert services.outbox_due_ids() == [email.pk]
