"""Reads on organisations and members."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from .models import Membership, Organisation, User


def organisation_list(*, user: Any) -> QuerySet[Organisation]:
    """Active organisations with their number of current members."""
    current = Membership.objects.current()
    return Organisation.objects.filter(status=Organisation.Status.ACTIVE).annotate(
        member_count=Count(
            "memberships", filter=Q(memberships__in=current.values("pk")), distinct=True
        )
    )


def organisation_get(*, user: Any, pk: int) -> Organisation:
    """An active organisation's profile, or 404."""
    try:
        return Organisation.objects.get(pk=pk, status=Organisation.Status.ACTIVE)
    except Organisation.DoesNotExist:
        raise Http404 from None


def organisation_members(*, organisation: Organisation) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        pk__in=Membership.objects.current().filter(organisation=organisation).values("user_id"),
    ).order_by("last_name", "first_name")


def member_directory(*, user: Any) -> QuerySet[User]:
    """Active members of active organisations, with their current memberships."""
    counting = Membership.objects.counting()
    return (
        User.objects.filter(is_active=True, pk__in=counting.values("user_id"))
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=counting.select_related("organisation"),
                to_attr="current_memberships",
            )
        )
        .order_by("last_name", "first_name")
    )
