"""Celery tasks of the initiatives app: thin, idempotent."""

from __future__ import annotations

from celery import shared_task

from .services import dormant


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1700)
def initiatives_flag_dormant() -> int:
    """Daily; each dormant spell is flagged (and notified) once however often this runs."""
    return dormant.initiatives_flag_dormant()
