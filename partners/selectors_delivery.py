"""Reads for the admins' delivery pages (/beheer/ontvangers/, /beheer/verzendlog/).

Both lists cost a constant number of queries: per-row facts (preference, last digest, last
failure, bouncing) are correlated subqueries, never a query per row. Email bodies are never
read here: admins see who got what and whether it arrived, not what it said.
"""

from __future__ import annotations

from typing import Any

from django.db.models import (
    CharField,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from lmi_portal.core.models import Digest, DigestPreference, OutboxEmail
from lmi_portal.core.registry import bouncing_accounts

from .models import User
from .selectors import active_member_users

# The columns the delivery log shows. Neither bodies nor subjects are read: a subject can
# name an item (an instant email about an action on an AMBER initiative), and admins manage
# accounts, not content. What kind of message it was comes from its idempotency key.
LOG_FIELDS = (
    "pk",
    "created_at",
    "to",
    "recipient_id",
    "category",
    "idempotency_key",
    "status",
    "attempts",
    "claimed_at",
    "sent_at",
    "last_error",
)


def _bounced_at(user: Any) -> Any:
    """When the user's address was marked as bouncing (by the apps that record it), or NULL."""
    subqueries = [
        Subquery(
            rows().filter(user_id=user).order_by("-bounced_at").values("bounced_at")[:1],
            output_field=DateTimeField(),
        )
        for _key, rows in bouncing_accounts.items()
    ]
    if not subqueries:
        return Value(None, output_field=DateTimeField())
    return subqueries[0] if len(subqueries) == 1 else Coalesce(*subqueries)


def delivery_recipient_list(*, query: str = "", problems_only: bool = False) -> QuerySet[User]:
    """Everyone who receives portal email (active accounts with a counting membership), each
    with their digest frequency, last digest, last failed email and bounce date."""
    user = OuterRef("pk")
    last_digest = Digest.objects.filter(user_id=user).order_by("-created_at", "-pk")
    last_failure = OutboxEmail.objects.filter(
        recipient_id=user, status=OutboxEmail.Status.FAILED
    ).order_by(F("claimed_at").desc(nulls_last=True), "-created_at", "-pk")
    qs = active_member_users().annotate(
        digest_frequency=Coalesce(
            Subquery(DigestPreference.objects.filter(user_id=user).values("frequency")[:1]),
            Value(DigestPreference.Frequency.WEEKLY),
            output_field=CharField(),
        ),
        last_digest_period=Subquery(last_digest.values("period")[:1]),
        last_digest_email_status=Subquery(last_digest.values("email__status")[:1]),
        last_digest_sent_at=Subquery(last_digest.values("email__sent_at")[:1]),
        last_failure_at=Subquery(
            last_failure.annotate(at=Coalesce("claimed_at", "created_at")).values("at")[:1]
        ),
        last_failure_error=Subquery(last_failure.values("last_error")[:1]),
        has_failure=Exists(last_failure),
        email_bounced_at=_bounced_at(user),
    )
    for word in query.split():
        qs = qs.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        )
    if problems_only:
        qs = qs.filter(Q(has_failure=True) | Q(email_bounced_at__isnull=False))
    return qs.order_by("last_name", "first_name", "pk")


def delivery_log(*, status: str = "", category: str = "", to: str = "") -> QuerySet[OutboxEmail]:
    """Outbox emails, newest first, without their bodies."""
    qs = OutboxEmail.objects.only(*LOG_FIELDS).order_by("-created_at", "-pk")
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if to:
        qs = qs.filter(to__icontains=to)
    return qs


def delivery_failed_email_get(*, pk: int) -> OutboxEmail:
    """A failed outbox email (the only kind an admin may mark as undeliverable), or 404."""
    try:
        return OutboxEmail.objects.only(*LOG_FIELDS).get(pk=pk, status=OutboxEmail.Status.FAILED)
    except OutboxEmail.DoesNotExist:
        raise Http404 from None


# The first part of an outbox key names the kind of message (keys are made by code, never
# from content).
MESSAGE_KINDS = {
    "account": _("accountbericht"),
    "digest": _("overzicht"),
    "notification": _("directe melding"),
    "minutes": _("werkgroepverslag"),
    "handover": _("overdracht"),
    "network": _("klopt dit nog?"),
    "join_request": _("aanmeldverzoek"),
    "invitation": _("uitnodiging"),
    "onboarding-reminder": _("herinnering onboarding"),
    "pulse-invite": _("uitnodiging samenwerkingsmonitor"),
    "tie-declared": _("connectie bevestigen"),
}


def message_kind(*, email: OutboxEmail) -> str:
    """A readable name for the kind of message, from its key's first part."""
    prefix = email.idempotency_key.split(":", 1)[0]
    return str(MESSAGE_KINDS.get(prefix, prefix))
