"""Browsing initiatives: the filtered list, the board, the pipeline chart and exports."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from partners.access import visible_queryset

from ..models import Initiative


def initiative_list(*, user: Any, phase: str = "", query: str = "") -> QuerySet[Initiative]:
    """Initiatives the user may see, newest activity first, filtered by phase and text."""
    qs = visible_queryset(user, Initiative.objects.all()).select_related(
        "owner_organisation", "lead"
    )
    if phase:
        qs = qs.filter(phase=phase)
    query = query.strip()
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(summary__icontains=query))
    return qs.order_by("-updated_at", "-id")
