"""Reads for an organisation admin's members pages. The caller has already checked access."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from .models import Invitation, MemberImport, Membership, Organisation


def organisation_current_memberships(*, organisation: Organisation) -> QuerySet[Membership]:
    """Current memberships with their users, by name."""
    return (
        Membership.objects.current()
        .filter(organisation=organisation)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__email")
    )


def organisation_open_invitations(*, organisation: Organisation) -> QuerySet[Invitation]:
    """Invitations nobody has accepted yet that still work, newest first."""
    return Invitation.objects.open().filter(organisation=organisation).order_by("-created_at")


def membership_get_current(*, organisation: Organisation, pk: int) -> Membership:
    """A current membership of ``organisation``, or 404."""
    membership = organisation_current_memberships(organisation=organisation).filter(pk=pk).first()
    if membership is None:
        raise Http404
    return membership


def invitation_get_open(*, organisation: Organisation, pk: int) -> Invitation:
    """An invitation of ``organisation`` that can still be resent or revoked, or 404."""
    invitation = (
        Invitation.objects.filter(organisation=organisation, accepted_at__isnull=True)
        .filter(pk=pk)
        .first()
    )
    if invitation is None:
        raise Http404
    return invitation


def member_import_get(*, organisation: Organisation, pk: int) -> MemberImport:
    """One CSV import of ``organisation``, or 404."""
    member_import = MemberImport.objects.filter(organisation=organisation, pk=pk).first()
    if member_import is None:
        raise Http404
    return member_import


def member_import_recent(*, organisation: Organisation, limit: int = 5) -> QuerySet[MemberImport]:
    """The latest imports, without their (possibly large) row data."""
    return (
        MemberImport.objects.filter(organisation=organisation)
        .defer("rows", "raw")
        .select_related("uploaded_by")
        .order_by("-created_at")[:limit]
    )
