"""Invitations: created, (re)sent, revoked and accepted.

The link carries a random token, signed so that a tampered link is recognised as such; the
database keeps only the token's SHA-256, so a leaked table gives no working links. Accepting
claims the invitation with one conditional UPDATE, so a link works exactly once, also when the
form is submitted twice at the same moment.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lmi_portal.core.services import audit_log, outbox_enqueue

from ..access import forget_access_context
from ..models import Invitation, Membership, Organisation, User
from .accounts import membership_changed

INVITATION_VALID_FOR = timedelta(days=14)
_SIGNER_SALT = "partners.invitation"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    """A fresh (signed link token, stored hash) pair."""
    raw = secrets.token_urlsafe(32)
    return signing.Signer(salt=_SIGNER_SALT).sign(raw), _hash(raw)


class InvitationProblem(Enum):
    TAMPERED = "tampered"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REVOKED = "revoked"
    USED = "used"
    ORGANISATION_CLOSED = "organisation_closed"


@dataclass(frozen=True)
class InvitationCheck:
    invitation: Invitation | None
    problem: InvitationProblem | None


def invitation_check(*, token: str) -> InvitationCheck:
    """Find the invitation behind a link token and say what, if anything, is wrong with it."""
    try:
        raw = signing.Signer(salt=_SIGNER_SALT).unsign(token)
    except signing.BadSignature:
        return InvitationCheck(None, InvitationProblem.TAMPERED)
    invitation = (
        Invitation.objects.select_related("organisation").filter(token_hash=_hash(raw)).first()
    )
    if invitation is None:
        return InvitationCheck(None, InvitationProblem.UNKNOWN)
    if invitation.accepted_at is not None:
        return InvitationCheck(invitation, InvitationProblem.USED)
    if invitation.revoked_at is not None:
        return InvitationCheck(invitation, InvitationProblem.REVOKED)
    if invitation.is_expired:
        return InvitationCheck(invitation, InvitationProblem.EXPIRED)
    if invitation.organisation.status in (
        Organisation.Status.SUSPENDED,
        Organisation.Status.OFFBOARDED,
    ):
        return InvitationCheck(invitation, InvitationProblem.ORGANISATION_CLOSED)
    return InvitationCheck(invitation, None)


def _send(invitation: Invitation, token: str) -> None:
    """Queue the invitation email in the invitee's language (after commit, via the outbox)."""
    url = settings.SITE_URL.rstrip("/") + reverse("partners:invitation_accept", args=[token])
    with translation.override(invitation.language):
        context = {"invitation": invitation, "url": url, "valid_days": INVITATION_VALID_FOR.days}
        subject = _("Uitnodiging voor het LMI Portaal namens %(organisation)s") % {
            "organisation": invitation.organisation.name
        }
        body = render_to_string("partners/email/invitation.txt", context)
    invitation.sent_count += 1
    invitation.save(update_fields=["sent_count", "updated_at"])
    outbox_enqueue(
        key=f"invitation:{invitation.pk}:{invitation.token_hash}",
        to=invitation.email,
        subject=subject,
        body_text=body,
        language=invitation.language,
    )


@transaction.atomic
def invitation_create(
    *,
    actor: Any,
    organisation: Organisation,
    email: str,
    role: str = Membership.Role.MEMBER,
    full_name: str = "",
    job_title: str = "",
    language: str | None = None,
) -> Invitation:
    """Invite one person to an organisation and queue the email.

    An open invitation for the same address and organisation is replaced (revoked), so the
    newest link is the only one that works.
    """
    email = email.strip().lower()
    Invitation.objects.open().filter(organisation=organisation, email=email).update(
        revoked_at=timezone.now()
    )
    existing = User.objects.filter(email__iexact=email).first()
    token, token_hash = _new_token()
    invitation = Invitation(
        organisation=organisation,
        email=email,
        role=role,
        full_name=full_name.strip(),
        job_title=job_title.strip(),
        language=language or (existing.language if existing else settings.LANGUAGE_CODE),
        token_hash=token_hash,
        expires_at=timezone.now() + INVITATION_VALID_FOR,
        invited_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    invitation.full_clean()
    invitation.save()
    audit_log(
        action="invitation.created",
        actor=actor,
        target=invitation,
        data={"organisation": organisation.pk, "email": email, "role": role},
    )
    _send(invitation, token)
    return invitation


@transaction.atomic
def invitation_resend(*, actor: Any, invitation: Invitation) -> Invitation:
    """Send a fresh link (the old one stops working) with a new 14-day validity."""
    if invitation.accepted_at is not None:
        raise ValidationError(_("Deze uitnodiging is al geaccepteerd."))
    token, token_hash = _new_token()
    invitation.token_hash = token_hash
    invitation.revoked_at = None
    invitation.expires_at = timezone.now() + INVITATION_VALID_FOR
    invitation.save(update_fields=["token_hash", "revoked_at", "expires_at", "updated_at"])
    audit_log(action="invitation.resent", actor=actor, target=invitation)
    _send(invitation, token)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: Any, invitation: Invitation) -> Invitation:
    """Make the invitation link stop working."""
    if invitation.accepted_at is not None:
        raise ValidationError(_("Deze uitnodiging is al geaccepteerd."))
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
        audit_log(action="invitation.revoked", actor=actor, target=invitation)
    return invitation


class InvitationUnavailable(Exception):
    """The invitation cannot be accepted (any more); ``problem`` says why."""

    def __init__(self, problem: InvitationProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def invitation_existing_account(*, invitation: Invitation) -> User | None:
    """The account that already owns the invited address, if any (login email or verified)."""
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is not None:
        return user
    address = (
        EmailAddress.objects.filter(email__iexact=invitation.email, verified=True)
        .select_related("user")
        .first()
    )
    return address.user if address is not None else None


def _claim(invitation: Invitation, *, user: User | None = None) -> None:
    """Mark the invitation accepted if it still can be; otherwise raise InvitationUnavailable.

    One conditional UPDATE: of two simultaneous submits only one changes a row. Problems are
    re-checked here, not trusted from the page the visitor saw.
    """
    now = timezone.now()
    claimed = Invitation.objects.filter(
        pk=invitation.pk,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
        organisation__status__in=(
            Organisation.Status.INVITED,
            Organisation.Status.ONBOARDING,
            Organisation.Status.ACTIVE,
        ),
    ).update(accepted_at=now, accepted_by=user, updated_at=now)
    if claimed:
        invitation.accepted_at = now
        invitation.accepted_by = user
        return
    fresh = Invitation.objects.select_related("organisation").get(pk=invitation.pk)
    if fresh.accepted_at is not None:
        raise InvitationUnavailable(InvitationProblem.USED)
    if fresh.revoked_at is not None:
        raise InvitationUnavailable(InvitationProblem.REVOKED)
    if fresh.is_expired:
        raise InvitationUnavailable(InvitationProblem.EXPIRED)
    raise InvitationUnavailable(InvitationProblem.ORGANISATION_CLOSED)


def _start_onboarding(
    organisation: Organisation, *, actor: User, request: HttpRequest | None
) -> None:
    """The first accepted invitation moves an invited organisation into onboarding."""
    now = timezone.now()
    moved = Organisation.objects.filter(
        pk=organisation.pk, status=Organisation.Status.INVITED
    ).update(status=Organisation.Status.ONBOARDING, status_changed_at=now, updated_at=now)
    if moved:
        organisation.status = Organisation.Status.ONBOARDING
        organisation.status_changed_at = now
        audit_log(
            action="organisation.status_changed",
            actor=actor,
            target=organisation,
            request=request,
            data={
                "from": Organisation.Status.INVITED,
                "to": Organisation.Status.ONBOARDING,
                "reason": "invitation.accepted",
            },
        )


def _join(invitation: Invitation, user: User) -> Membership:
    """Give ``user`` the invited membership; an invitation never lowers an existing role."""
    membership = (
        Membership.objects.select_for_update()
        .filter(user=user, organisation=invitation.organisation)
        .first()
    )
    if membership is None:
        membership = Membership(
            user=user,
            organisation=invitation.organisation,
            role=invitation.role,
            job_title=invitation.job_title,
        )
    else:
        is_current = membership.end_date is None or membership.end_date >= timezone.localdate()
        if not is_current:
            # A former member comes back: a fresh start with what the invitation says.
            membership.start_date = timezone.localdate()
            membership.end_date = None
            membership.role = invitation.role
        elif invitation.role == Membership.Role.ORG_ADMIN:
            membership.role = Membership.Role.ORG_ADMIN
        membership.job_title = invitation.job_title or membership.job_title
    membership.full_clean()
    membership.save()
    membership_changed(membership)
    forget_access_context(user)
    return membership


@transaction.atomic
def invitation_accept_new_user(
    *,
    invitation: Invitation,
    first_name: str,
    last_name: str,
    password: str,
    request: HttpRequest | None = None,
) -> User:
    """Create the invited person's account (email verified) and membership, in one go.

    Raises InvitationUnavailable when the link cannot be used (any more), ValidationError for
    a password the validators refuse. Nothing is saved in either case.
    """
    if invitation_existing_account(invitation=invitation) is not None:
        raise ValidationError(_("Er bestaat al een account met dit e-mailadres."))
    user = User(
        email=invitation.email.strip().lower(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        language=invitation.language,
    )
    password_validation.validate_password(password, user)
    user.set_password(password)
    # Uniqueness is left to the database: see the IntegrityError below.
    user.full_clean(exclude=["password"], validate_unique=False)
    # Claim first: a second submit stops here, before it could try to make a second account.
    _claim(invitation)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Someone made an account for this address in the meantime.
        raise ValidationError(_("Er bestaat al een account met dit e-mailadres.")) from None
    Invitation.objects.filter(pk=invitation.pk).update(accepted_by=user)
    invitation.accepted_by = user
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    membership = _join(invitation, user)
    _start_onboarding(invitation.organisation, actor=user, request=request)
    audit_log(
        action="invitation.accepted",
        actor=user,
        target=invitation,
        request=request,
        data={
            "organisation": invitation.organisation_id,
            "membership": membership.pk,
            "role": membership.role,
            "new_account": True,
        },
    )
    return user


@transaction.atomic
def invitation_accept_existing_user(
    *, invitation: Invitation, user: User, request: HttpRequest | None = None
) -> Membership:
    """Add the membership an invitation offers to the account that owns the invited address."""
    if invitation_existing_account(invitation=invitation) != user:
        raise ValidationError(_("Deze uitnodiging is voor een ander e-mailadres."))
    _claim(invitation, user=user)
    membership = _join(invitation, user)
    _start_onboarding(invitation.organisation, actor=user, request=request)
    audit_log(
        action="invitation.accepted",
        actor=user,
        target=invitation,
        request=request,
        data={
            "organisation": invitation.organisation_id,
            "membership": membership.pk,
            "role": membership.role,
            "new_account": False,
        },
    )
    return membership
