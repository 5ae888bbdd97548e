"""Writes on accounts, organisations and memberships. Each one audits what it changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from lmi_portal.core.registry import membership_listeners
from lmi_portal.core.services import audit_log

from ..access import forget_access_context
from ..models import Membership, Organisation, User


def user_record_created(*, actor: Any, user: User, request: HttpRequest | None = None) -> None:
    """Audit an account made by an admin (invitations have their own flow)."""
    audit_log(action="user.created", actor=actor, target=user, request=request)


@transaction.atomic
def user_set_portal_role(
    *, actor: Any, user: User, role: str, request: HttpRequest | None = None
) -> User:
    """Change a user's portal role; admins get the Django admin (accounts, vocabularies only)."""
    old = User.objects.select_for_update().values_list("portal_role", flat=True).get(pk=user.pk)
    user.portal_role = role
    # Content models are not registered in the admin, so full admin rights reach no content.
    user.is_staff = user.is_superuser = role == User.PortalRole.ADMIN
    user.full_clean()
    user.save(update_fields=["portal_role", "is_staff", "is_superuser"])
    if old != role:
        audit_log(
            action="user.role_changed",
            actor=actor,
            target=user,
            request=request,
            data={"from": old, "to": role},
        )
    return user


def membership_changed(membership: Membership) -> None:
    """Tell the apps that follow memberships (network's affiliations) about a change."""
    for _key, listener in membership_listeners.items():
        listener(membership)


@transaction.atomic
def membership_set(
    *,
    actor: Any,
    user: User,
    organisation: Organisation,
    role: str = Membership.Role.MEMBER,
    request: HttpRequest | None = None,
) -> Membership:
    """Make ``user`` a member of ``organisation`` with ``role``; audit the change, if any."""
    membership, created = Membership.objects.select_for_update().get_or_create(
        user=user, organisation=organisation, defaults={"role": role}
    )
    old_role = None if created else membership.role
    if not created and (membership.role != role or membership.end_date is not None):
        membership.role = role
        membership.end_date = None
        membership.full_clean()
        membership.save(update_fields=["role", "end_date", "updated_at"])
    if created or old_role != role:
        audit_log(
            action="membership.role_changed",
            actor=actor,
            target=membership,
            request=request,
            data={"organisation": organisation.pk, "from": old_role, "to": role},
        )
    membership_changed(membership)
    forget_access_context(user)
    return membership


@transaction.atomic
def membership_end(
    *, actor: Any, membership: Membership, request: HttpRequest | None = None
) -> None:
    """End a membership today; the row stays for history."""
    membership.end_date = timezone.localdate() - timedelta(days=1)  # inclusive end: gone today
    membership.save(update_fields=["end_date", "updated_at"])
    audit_log(
        action="membership.ended",
        actor=actor,
        target=membership,
        request=request,
        data={"organisation": membership.organisation_id, "role": membership.role},
    )
    membership_changed(membership)
    forget_access_context(membership.user)


@transaction.atomic
def organisation_set_status(
    *, actor: Any, organisation: Organisation, status: str, request: HttpRequest | None = None
) -> Organisation:
    """Move an organisation to a status; suspension cuts its members off at their next request."""
    old = organisation.status
    organisation.status = status
    organisation.full_clean()
    organisation.save(update_fields=["status", "updated_at"])
    if old != status:
        audit_log(
            action="organisation.status_changed",
            actor=actor,
            target=organisation,
            request=request,
            data={"from": old, "to": status},
        )
    return organisation


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    """Remember the UI language a signed-in user chose."""
    user.language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["language"])
    return user
