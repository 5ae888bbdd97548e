"""Privacy tasks: the daily retention run that anonymises people who left long ago."""

from __future__ import annotations

from celery import shared_task

from ..services import privacy


@shared_task(acks_late=True)
def network_anonymise_departed() -> int:
    """Idempotent: an anonymised person is never selected again."""
    return privacy.people_anonymise_departed()
