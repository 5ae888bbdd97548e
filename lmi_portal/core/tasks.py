"""Thin Celery tasks: load by id, call a service."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(bind=True, max_retries=None, acks_late=True)
def outbox_send(self, email_id: int) -> bool:
    try:
        return services.outbox_deliver(email_id=email_id)
    except services.OutboxSendError as exc:
        from .models import OutboxEmail

        email = OutboxEmail.objects.filter(pk=email_id).only("attempts", "status").first()
        if email is None or email.status == OutboxEmail.Status.FAILED:
            return False
        countdown = int(services.outbox_backoff(email.attempts).total_seconds())
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task
def outbox_flush() -> int:
    """Send what the broker never delivered (down at commit time) or a dead worker left."""
    ids = services.outbox_due_ids()
    for email_id in ids:
        outbox_send.delay(email_id)
    return len(ids)


@shared_task
def heartbeat(name: str = "worker") -> None:
    services.heartbeat_record(name=name)


@shared_task(acks_late=True, time_limit=3600, soft_time_limit=3300)
def digest_run_due() -> dict[str, int]:
    """Compose and queue the digests that are due this hour (idempotent; see core.digests)."""
    from .digests import digest_run

    stats = digest_run()
    return {"users": stats.users, "sent": stats.sent, "empty": stats.empty}
