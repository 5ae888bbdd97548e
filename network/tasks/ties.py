"""Ties tasks: the daily run that links people who work together."""

from __future__ import annotations

from celery import shared_task

from ..services import ties


@shared_task
def network_derive_ties() -> int:
    """Idempotent: a pair already linked by a derived tie is never linked twice."""
    return ties.ties_derive()
