"""Reads on organisations and members."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from lmi_portal.core.registry import OrganisationSection, organisation_sections

from .access import organisations_visible_to
from .models import Membership, Organisation, User


def _with_member_count(qs: QuerySet[Organisation]) -> QuerySet[Organisation]:
    # A correlated subquery, so filters joining themes or systems cannot inflate the count.
    counts = (
        Membership.objects.current()
        .filter(organisation=OuterRef("pk"), user__is_active=True)
        .order_by()
        .values("organisation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(member_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0))


def organisation_directory(
    *,
    user: Any,
    query: str = "",
    kind: str = "",
    theme: Any = None,
    system: Any = None,
    status: str = "",
) -> QuerySet[Organisation]:
    """The directory for ``user``: visible organisations, filtered, with themes, systems and
    member counts loaded. ``status`` only narrows what the user may already see."""
    qs = organisations_visible_to(user=user)
    if kind:
        qs = qs.filter(kind=kind)
    if theme is not None:
        qs = qs.filter(themes=theme)
    if system is not None:
        qs = qs.filter(systems=system)
    if status:
        qs = qs.filter(status=status)
    query = query.strip()
    if query:
        qs = qs.filter(
            Q(name__icontains=query)
            | Q(short_name__icontains=query)
            | Q(description__icontains=query)
        )
    return _with_member_count(qs).prefetch_related("themes", "systems").order_by("name", "pk")


def organisation_list(*, user: Any) -> QuerySet[Organisation]:
    """The unfiltered directory for ``user``."""
    return organisation_directory(user=user)


def organisation_get(*, user: Any, pk: int) -> Organisation:
    """An organisation's profile if ``user`` may see it in the directory; otherwise 404."""
    try:
        return organisations_visible_to(user=user).prefetch_related("themes", "systems").get(pk=pk)
    except Organisation.DoesNotExist:
        raise Http404 from None


def organisation_logo_name(*, user: Any, pk: int) -> str:
    """The stored logo file of an organisation ``user`` may see, or "" (also when hidden)."""
    name = organisations_visible_to(user=user).filter(pk=pk).values_list("logo", flat=True).first()
    return name or ""


def organisation_members(*, organisation: Organisation) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        pk__in=Membership.objects.current().filter(organisation=organisation).values("user_id"),
    ).order_by("last_name", "first_name")


def organisation_people(*, organisation: Organisation) -> QuerySet[Membership]:
    """Current memberships of active accounts, with the user, for the profile page."""
    return (
        Membership.objects.current()
        .filter(organisation=organisation, user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__email")
    )


def organisation_sections_for(
    *, user: Any, organisation: Organisation
) -> list[OrganisationSection]:
    """The profile-page blocks later apps add, each already filtered for ``user``."""
    sections = []
    for _key, provider in organisation_sections.items():
        section = provider(user, organisation)
        if section is not None:
            sections.append(section)
    return sections


def active_member_users(*, organisation_ids: Iterable[int] | None = None) -> QuerySet[User]:
    """Active accounts with a membership that counts (current, in an active organisation),
    optionally of the given organisations only. Unordered."""
    memberships = Membership.objects.counting()
    if organisation_ids is not None:
        memberships = memberships.filter(organisation_id__in=list(organisation_ids))
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id"))


def member_directory(*, user: Any) -> QuerySet[User]:
    """Active members of active organisations, with their current memberships."""
    counting = Membership.objects.counting()
    return (
        active_member_users()
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=counting.select_related("organisation"),
                to_attr="current_memberships",
            )
        )
        .order_by("last_name", "first_name")
    )
