"""Reads for the portal admin's pages (/beheer/): onboarding board, organisations, audit log.

Every list here costs a constant number of queries, however many rows it has: per-row facts
are annotations (correlated subqueries), never a query per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from allauth.mfa.models import Authenticator
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from lmi_portal.core.models import AuditEvent

from .models import (
    CommonUnderstanding,
    CommonUnderstandingAcceptance,
    Invitation,
    Membership,
    Organisation,
    SharingGroup,
)
from .services.onboarding import ONBOARDING_STATUSES, Checklist, checklist_for

ORGANISATION_LABEL = Organisation._meta.label_lower


def _first(queryset: QuerySet[Any], field: str) -> Subquery:
    """The earliest ``field`` in ``queryset`` as a scalar subquery."""
    return Subquery(queryset.order_by(field, "pk").values(field)[:1])


def _org_admin_user_ids(outer: Any) -> QuerySet[Membership, Any]:
    return (
        Membership.objects.current()
        .filter(organisation_id=outer, role=Membership.Role.ORG_ADMIN)
        .values("user_id")
    )


def onboarding_board(
    *, status: str = "", query: str = "", stuck_candidates_only: bool = False
) -> QuerySet[Organisation]:
    """Organisations annotated with the date of every onboarding milestone (one query).

    ``services.onboarding.checklist_for`` turns an annotated row into its checklist.
    ``stuck_candidates_only`` keeps the organisations that can be stuck at all (still onboarding).
    """
    org = OuterRef("pk")
    org_admins = Membership.objects.current().filter(
        organisation_id=org, role=Membership.Role.ORG_ADMIN
    )
    contact_invitations = Invitation.objects.filter(
        organisation_id=org, role=Membership.Role.ORG_ADMIN
    )
    current_cu = CommonUnderstanding.objects.order_by("-version").values("pk")[:1]
    qs = Organisation.objects.annotate(
        ob_contact_invited_at=_first(contact_invitations, "created_at"),
        ob_invitation_accepted_at=_first(
            contact_invitations.filter(accepted_at__isnull=False), "accepted_at"
        ),
        ob_admin_membership_at=_first(org_admins, "created_at"),
        ob_mfa_at=_first(
            Authenticator.objects.filter(
                type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN],
                user_id__in=_org_admin_user_ids(OuterRef(org)),
            ),
            "created_at",
        ),
        ob_cu_published=Exists(CommonUnderstanding.objects.all()),
        ob_cu_at=_first(
            CommonUnderstandingAcceptance.objects.filter(
                version_id=Subquery(current_cu), user_id__in=_org_admin_user_ids(OuterRef(org))
            ),
            "accepted_at",
        ),
        ob_member_invited_at=_first(
            Invitation.objects.filter(organisation_id=org, role=Membership.Role.MEMBER),
            "created_at",
        ),
        # When the organisation reached two current members: the second one's start.
        ob_second_member_at=Subquery(
            Membership.objects.current()
            .filter(organisation_id=org)
            .order_by("created_at", "pk")
            .values("created_at")[1:2]
        ),
    ).order_by("name")
    if status:
        qs = qs.filter(status=status)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(short_name__icontains=query))
    if stuck_candidates_only:
        qs = qs.filter(status__in=ONBOARDING_STATUSES)
    return qs


@dataclass(frozen=True)
class BoardRow:
    organisation: Organisation
    checklist: Checklist
    stuck: bool
    days_waiting: int | None


def onboarding_rows(
    organisations: Any, *, now: datetime | None = None, stuck_only: bool = False
) -> list[BoardRow]:
    """Board rows (organisation, checklist, stuck) for annotated organisations."""
    now = now or timezone.now()
    rows = []
    for organisation in organisations:
        checklist = checklist_for(organisation)
        stuck = checklist.is_stuck(now)
        if stuck_only and not stuck:
            continue
        rows.append(BoardRow(organisation, checklist, stuck, checklist.days_waiting(now)))
    return rows


def onboarding_stuck_count(*, now: datetime | None = None) -> int:
    return len(
        onboarding_rows(onboarding_board(stuck_candidates_only=True), now=now, stuck_only=True)
    )


def beheer_organisation_get(*, pk: int) -> Organisation:
    """One organisation with its checklist annotations and member count, or 404."""
    member_count = (
        Membership.objects.current()
        .filter(organisation_id=OuterRef("pk"))
        .order_by()
        .values("organisation_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    try:
        return (
            onboarding_board()
            .annotate(member_count=Coalesce(Subquery(member_count, output_field=IntegerField()), 0))
            .prefetch_related("domains", "sharing_groups")
            .get(pk=pk)
        )
    except Organisation.DoesNotExist:
        raise Http404 from None


def beheer_organisation_invitations(*, organisation: Organisation) -> QuerySet[Invitation]:
    return organisation.invitations.select_related("invited_by").order_by("-created_at")


def sharing_group_list() -> QuerySet[SharingGroup]:
    return SharingGroup.objects.annotate(organisation_count=Count("organisations")).order_by("name")


def sharing_group_get(*, pk: int) -> SharingGroup:
    try:
        return SharingGroup.objects.get(pk=pk)
    except SharingGroup.DoesNotExist:
        raise Http404 from None


# --- Audit log ------------------------------------------------------------------------------


def audit_organisation_q(organisation_id: int) -> Q:
    """Events about an organisation: it is the target, or ``data["organisation"]`` names it."""
    return Q(target_type=ORGANISATION_LABEL, target_id=str(organisation_id)) | Q(
        data__organisation=organisation_id
    )


def audit_event_list(
    *,
    organisation_id: int | None = None,
    actor: str = "",
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events, newest first, filtered; the actor comes along in the same query."""
    qs = AuditEvent.objects.select_related("actor").order_by("-created_at", "-id")
    if organisation_id is not None:
        qs = qs.filter(audit_organisation_q(organisation_id))
    if actor:
        qs = qs.filter(actor__email__icontains=actor)
    if action:
        qs = qs.filter(action=action)
    if date_from is not None:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(created_at__date__lte=date_to)
    return qs


def audit_actions() -> list[str]:
    """Every action that occurs in the audit log, for the filter."""
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())


def audit_organisation_names(events: Any) -> dict[int, str]:
    """Names of the organisations the given events concern (one query)."""
    ids: set[int] = set()
    for event in events:
        org_id = audit_event_organisation_id(event)
        if org_id is not None:
            ids.add(org_id)
    if not ids:
        return {}
    return dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))


def audit_event_organisation_id(event: AuditEvent) -> int | None:
    """The organisation an event concerns, by the same rule as ``audit_organisation_q``."""
    if event.target_type == ORGANISATION_LABEL and event.target_id.isdigit():
        return int(event.target_id)
    value = event.data.get("organisation") if isinstance(event.data, dict) else None
    return value if isinstance(value, int) else None
