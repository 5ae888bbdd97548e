"""Marking an initiative as worked on."""

from __future__ import annotations

from django.utils import timezone

from ..models import Initiative


def initiative_touch(initiative: Initiative) -> None:
    """Record that real work happened now: moves ``last_activity_at`` on and ends a dormant
    spell. Every service that changes an initiative or its obstacles, actions or comments
    calls this inside its transaction."""
    now = timezone.now()
    Initiative.objects.filter(pk=initiative.pk).update(
        last_activity_at=now, updated_at=now, dormant_since=None
    )
    initiative.last_activity_at = now
    initiative.updated_at = now
    initiative.dormant_since = None
