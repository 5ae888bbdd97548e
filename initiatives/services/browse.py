"""Bookkeeping of browsing the initiatives: the list visit behind "new since my last visit"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..models import ListVisit

# Opening the list again within this gap is the same browsing session: the filter keeps
# counting from the visit before it while the user pages and filters.
SESSION_GAP = timedelta(minutes=30)


@transaction.atomic
def initiative_list_visit_record(*, user: Any) -> ListVisit:
    """Note that ``user`` opened the initiatives list now; a visit after a gap of more than
    ``SESSION_GAP`` starts a new session and moves the previous one into ``previous_seen_at``."""
    now = timezone.now()
    visit, created = ListVisit.objects.select_for_update().get_or_create(
        user=user, defaults={"seen_at": now}
    )
    if not created and visit.seen_at < now - SESSION_GAP:
        visit.previous_seen_at = visit.seen_at
        visit.seen_at = now
        visit.full_clean()
        visit.save(update_fields=["previous_seen_at", "seen_at"])
    return visit
