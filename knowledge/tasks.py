"""Celery tasks of the knowledge app: thin, idempotent, given ids only."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from .services import documents


@shared_task(acks_late=True, time_limit=300, soft_time_limit=240)
def knowledge_extract_text(version_id: int) -> str:
    """Read an uploaded version's text for search; a second run changes nothing."""
    return documents.document_version_extract(version_id=version_id)


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1700)
def knowledge_extract_pending() -> int:
    """Read the versions whose extraction task never ran (periodic; idempotent like the task)."""
    ids = documents.document_versions_pending_ids(older_than=timedelta(minutes=10))
    for version_id in ids:
        documents.document_version_extract(version_id=version_id)
    return len(ids)
