"""Thin tasks of the members area: load by id, call a service."""

from __future__ import annotations

from celery import shared_task

from ..services import members as services


@shared_task(acks_late=True)
def member_import_validate(import_id: int) -> None:
    """Validate an uploaded member CSV row by row, saving progress as it goes."""
    services.member_import_validate(import_id=import_id)


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def member_import_run(import_id: int, actor_id: int) -> None:
    """Create the invitations of a confirmed member CSV, all in one transaction."""
    services.member_import_run(import_id=import_id, actor_id=actor_id)
