"""Invitations: created and (re)sent here; accepted through the invitation pages.

The link carries a random token, signed so that a tampered link is recognised as such; the
database keeps only the token's SHA-256, so a leaked table gives no working links.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lmi_portal.core.services import audit_log, outbox_enqueue

from ..models import Invitation, Membership, Organisation, User

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
