"""Celery tasks of the continuity analysis: thin, by id, idempotent."""

from __future__ import annotations

from celery import shared_task

from ..services import continuity as services


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1700)
def continuity_run(run_id: int) -> None:
    """Run one continuity analysis (a second delivery of the same run does nothing)."""
    services.continuity_run_execute(run_id=run_id)


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1700)
def network_snapshot_take() -> int:
    """This month's network snapshot (taken once per month however often this runs)."""
    return services.network_snapshot_take().pk
