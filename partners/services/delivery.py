"""Writes of the admins' delivery log: marking the address of a failed email as undeliverable."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from lmi_portal.core.models import OutboxEmail
from lmi_portal.core.services import audit_log, email_bounce_record


@transaction.atomic
def outbox_email_mark_bounced(
    *, actor: Any, email: OutboxEmail, request: HttpRequest | None = None
) -> int:
    """An admin declares a failed email's address undeliverable: it is recorded as a bounce
    (the apps flag whoever has it) and the admin's decision is audited. Returns how many
    records were marked."""
    if email.status != OutboxEmail.Status.FAILED:
        raise ValidationError(
            _("Alleen een mislukte e-mail kan als onbestelbaar worden gemarkeerd.")
        )
    # email_bounce_record writes the bounce's own audit row (without an actor); this one says
    # who decided it, about which email.
    marked = email_bounce_record(address=email.to, source="admin", detail=f"outbox:{email.pk}")
    audit_log(
        action="email.marked_undeliverable",
        actor=actor,
        target=email,
        request=request,
        data={"address": email.to.strip().lower(), "marked": marked},
    )
    return marked
