"""Writes of the shared kernel: audit rows, outbox emails, activity records, heartbeats."""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import Activity, AuditEvent, Heartbeat, OutboxEmail

logger = logging.getLogger(__name__)


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_log(
    *,
    action: str,
    actor: Any = None,
    target: models.Model | None = None,
    request: HttpRequest | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit row. Anonymous actors are stored as no actor."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        ip_address=_client_ip(request),
        data=data or {},
    )


def activity_record(
    *, verb: str, target: models.Model, actor: Any = None, summary: str = ""
) -> Activity:
    """Record that something happened to a shareable object."""
    return Activity.objects.create(
        verb=verb,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        target_ct=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        summary=summary[:255],
    )


def outbox_enqueue(
    *,
    key: str,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    language: str = "nl",
    recipient: Any = None,
    category: str = OutboxEmail.Category.SERVICE,
    headers: dict[str, str] | None = None,
) -> OutboxEmail:
    """Store an email for sending after commit; the same key is only ever stored once."""
    # Subjects quote titles people typed: a line break in one would make the mail unsendable
    # (a header holds one line), so the lines are joined.
    subject = " ".join(subject.splitlines()).strip()
    email, created = OutboxEmail.objects.get_or_create(
        idempotency_key=key[:200],
        defaults={
            "to": to,
            "subject": subject[:255],
            "body_text": body_text,
            "body_html": body_html,
            "language": language,
            "recipient": recipient if getattr(recipient, "pk", None) else None,
            "category": category,
            "headers": headers or {},
        },
    )
    if created:
        transaction.on_commit(lambda: _schedule_send(email.pk))
    return email


def outbox_schedule(email_ids: list[int]) -> None:
    """Queue sending of rows stored in bulk (e.g. a digest batch) once the transaction commits."""

    def schedule() -> None:
        for pk in email_ids:
            _schedule_send(pk)

    if email_ids:
        transaction.on_commit(schedule)


def _schedule_send(email_id: int) -> None:
    from .tasks import outbox_send

    try:
        outbox_send.delay(email_id)
    except Exception:  # the broker is down: the periodic flush picks the row up later
        logger.warning("Could not enqueue outbox email %s; the flush will retry", email_id)


def outbox_backoff(attempts: int) -> timedelta:
    """Exponential backoff: 1, 2, 4 … minutes, at most six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


class OutboxSendError(Exception):
    """Sending failed; the row is back to pending with a later attempt time."""


def outbox_deliver(*, email_id: int) -> bool:
    """Send one outbox email if nobody else has. Returns True when this call sent it."""
    now = timezone.now()
    # Claiming is one conditional UPDATE, so two workers cannot both win the same row.
    claimed = OutboxEmail.objects.filter(
        pk=email_id, status=OutboxEmail.Status.PENDING, next_attempt_at__lte=now
    ).update(status=OutboxEmail.Status.SENDING, claimed_at=now)
    if not claimed:
        return False
    email = OutboxEmail.objects.get(pk=email_id)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={**email.headers, "X-LMI-Message-Key": email.idempotency_key},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        # A permanent refusal of the address (5xx): retrying cannot help. The row fails at
        # once and the address is reported as bouncing, so its contact record is flagged.
        codes = [code for code, _msg in exc.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            OutboxEmail.objects.filter(pk=email_id).update(
                status=OutboxEmail.Status.FAILED,
                attempts=email.attempts + 1,
                last_error=f"SMTPRecipientsRefused: {exc.recipients}"[:2000],
            )
            email_bounce_record(address=email.to, source="smtp", detail=str(codes))
            return False
        return _outbox_failed(email, exc, now)
    except Exception as exc:
        return _outbox_failed(email, exc, now)
    OutboxEmail.objects.filter(pk=email_id).update(
        status=OutboxEmail.Status.SENT, sent_at=timezone.now(), attempts=email.attempts + 1
    )
    return True


def _outbox_failed(email: OutboxEmail, exc: Exception, now: datetime) -> bool:
    """A passing failure: back to pending with backoff, or failed after the last attempt."""
    attempts = email.attempts + 1
    failed = attempts >= settings.OUTBOX_MAX_ATTEMPTS
    OutboxEmail.objects.filter(pk=email.pk).update(
        status=OutboxEmail.Status.FAILED if failed else OutboxEmail.Status.PENDING,
        attempts=attempts,
        next_attempt_at=now + outbox_backoff(attempts),
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
    )
    raise OutboxSendError(str(exc)) from exc


def email_bounce_record(*, address: str, source: str, detail: str = "") -> int:
    """An address bounced permanently: audit it and let the apps mark who has it. Returns how
    many records were marked."""
    from .registry import email_bounce_listeners

    address = address.strip().lower()
    if not address:
        return 0
    marked = sum(listener(address) for _key, listener in email_bounce_listeners.items())
    audit_log(
        action="email.bounced",
        data={"address": address, "source": source, "detail": detail[:200], "marked": marked},
    )
    return marked


def outbox_due_ids(*, stale_after: timedelta | None = None) -> list[int]:
    """Emails to (re)send: pending and due, or claimed by a worker that died mid-send (claimed
    longer than ``stale_after`` ago, by default ``OUTBOX_STALE_AFTER_SECONDS``)."""
    if stale_after is None:
        stale_after = timedelta(seconds=settings.OUTBOX_STALE_AFTER_SECONDS)
    now = timezone.now()
    OutboxEmail.objects.filter(
        status=OutboxEmail.Status.SENDING, claimed_at__lt=now - stale_after
    ).update(status=OutboxEmail.Status.PENDING)
    return list(
        OutboxEmail.objects.filter(
            status=OutboxEmail.Status.PENDING, next_attempt_at__lte=now
        ).values_list("pk", flat=True)[:500]
    )


def heartbeat_record(*, name: str = "worker") -> Heartbeat:
    """Note that a beat reached a worker just now."""
    beat, _created = Heartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": timezone.now()}
    )
    return beat
