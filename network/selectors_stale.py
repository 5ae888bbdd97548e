"""Reads for the stale-contacts dashboard: who may see it, open flags by organisation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from partners.access import can_view_people, managed_organisation_ids

from .models import Affiliation, ContactFlag
from .services.stale import stale_reason_querysets


@dataclass(frozen=True)
class StaleScope:
    """What a user sees on the dashboard: everything, or people of these organisations."""

    everything: bool
    organisation_ids: frozenset[int] = frozenset()


def stale_scope_for(*, user: Any) -> StaleScope | None:
    """Programme managers see all flags, organisation admins their organisations'; others none."""
    if not can_view_people(user):
        return None
    if getattr(user, "is_programme_manager", False):
        return StaleScope(everything=True)
    managed = managed_organisation_ids(user)
    if managed:
        return StaleScope(everything=False, organisation_ids=managed)
    return None


def _home_affiliation() -> QuerySet[Affiliation]:
    """The person's current affiliation (newest first), or else their last one."""
    today = timezone.localdate()
    return (
        Affiliation.objects.filter(person_id=OuterRef("person_id"))
        .annotate(
            ended=Case(
                When(Q(end_date__isnull=True) | Q(end_date__gte=today), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("ended", "-start_date", "-pk")
    )


def stale_open_flags(*, scope: StaleScope) -> QuerySet[ContactFlag]:
    """Open flags in scope, each annotated with the person's organisation (id and name)."""
    home = _home_affiliation()
    flags = ContactFlag.objects.filter(
        resolved_at__isnull=True, person__anonymised_at__isnull=True
    ).annotate(
        organisation_id=Subquery(home.values("organisation_id")[:1]),
        organisation_name=Subquery(home.values("organisation__name")[:1]),
    )
    if not scope.everything:
        flags = flags.filter(
            person_id__in=Affiliation.objects.filter(
                organisation_id__in=scope.organisation_ids
            ).values("person_id")
        )
    return flags


@dataclass
class StaleCounts:
    """Open flags per organisation and reason, with totals."""

    reasons: list[tuple[str, str]]
    rows: list[dict[str, Any]] = field(default_factory=list)
    per_reason: dict[str, int] = field(default_factory=dict)
    total: int = 0

    @property
    def reason_totals(self) -> list[int]:
        return [self.per_reason.get(value, 0) for value, _label in self.reasons]


_GROUP_FIELDS = ("organisation_id", "organisation_name", "reason")


def stale_counts(*, scope: StaleScope) -> StaleCounts:
    """One grouped query: counts per (organisation, reason), organised for a table."""
    grouped = (
        stale_open_flags(scope=scope).order_by().values(*_GROUP_FIELDS).annotate(n=Count("pk"))
    )
    reasons = [(str(value), str(label)) for value, label in ContactFlag.Reason.choices]
    counts = StaleCounts(reasons=reasons, per_reason={value: 0 for value, _label in reasons})
    by_org: dict[int | None, dict[str, Any]] = {}
    for row in grouped:
        entry = by_org.setdefault(
            row["organisation_id"],
            {
                "organisation_id": row["organisation_id"],
                "organisation_name": row["organisation_name"] or "",
                "counts": {value: 0 for value, _label in reasons},
                "total": 0,
            },
        )
        entry["counts"][row["reason"]] += row["n"]
        entry["total"] += row["n"]
        counts.per_reason[row["reason"]] = counts.per_reason.get(row["reason"], 0) + row["n"]
        counts.total += row["n"]
    for entry in by_org.values():
        entry["cells"] = [entry["counts"][value] for value, _label in reasons]
    counts.rows = sorted(
        by_org.values(), key=lambda e: (e["organisation_id"] is None, e["organisation_name"])
    )
    return counts


def stale_flag_list(
    *, scope: StaleScope, organisation_id: int | None = None, reason: str = ""
) -> QuerySet[ContactFlag]:
    """The open flags to list, filtered, ordered by organisation and person."""
    flags = stale_open_flags(scope=scope).select_related("person")
    if organisation_id is not None:
        flags = flags.filter(Q(organisation_id=organisation_id))
    if reason:
        flags = flags.filter(reason=reason)
    return flags.order_by(
        F("organisation_name").asc(nulls_last=True),
        "person__last_name",
        "person__first_name",
        "person_id",
        "reason",
    )


def stale_filter_organisations(*, counts: StaleCounts) -> list[tuple[int, str]]:
    """(id, name) of the organisations one can filter on: those with open flags in scope."""
    return [
        (row["organisation_id"], row["organisation_name"])
        for row in counts.rows
        if row["organisation_id"] is not None
    ]


def bouncing_account_rows() -> QuerySet[Any, Any]:
    """Accounts whose address is marked as bouncing (and not confirmed since), as rows of
    ``user_id`` and ``bounced_at``; partners' delivery log reads it as a subquery."""
    return (
        stale_reason_querysets(now=timezone.now())[ContactFlag.Reason.EMAIL_BOUNCED]
        .filter(user__isnull=False)
        .annotate(bounced_at=F("email_bounced_at"))
        .values("user_id", "bounced_at")
    )
