"""Onboarding tasks: the daily reminder run for organisations stuck on a step."""

from __future__ import annotations

from celery import shared_task

from ..services import onboarding


@shared_task
def onboarding_send_reminders() -> int:
    """Idempotent: each (organisation, step) is reminded once, however often this runs."""
    return onboarding.onboarding_send_reminders()
