"""Stale-contact tasks: the daily scan (flags, auto-resolution, "klopt dit nog?" emails)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from ..services import stale


@shared_task
def stale_contacts_scan() -> dict[str, Any]:
    """Idempotent: a second run the same day raises no flag and sends no email twice."""
    return stale.stale_contacts_scan()
