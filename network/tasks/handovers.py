"""Handover tasks: the daily run that opens handovers before rotations and after departures."""

from __future__ import annotations

from celery import shared_task

from ..services import handovers


@shared_task
def handovers_open_due() -> int:
    """Idempotent: a post gets one handover, and each email is queued once per handover."""
    return handovers.handovers_open_due()
