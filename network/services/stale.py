"""Stale contacts: the daily scan, the "klopt dit nog?" email and its one-click confirm link.

The scan is set-based: per reason one INSERT … SELECT raises the missing open flags and one
UPDATE resolves the open flags whose cause is gone, so it costs the same handful of queries for
ten people or a hundred thousand. The partial unique constraint (one open flag per person and
reason) makes a second run, or two runs at once, add nothing.

The confirm link is signed (salted for this one purpose), expires after 14 days and carries the
person's ``last_confirmed_at`` at sending time; confirming changes that value, so a link works
once and cannot be edited to confirm somebody else.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lmi_portal.core.models import OutboxEmail
from lmi_portal.core.services import audit_log, outbox_enqueue

from ..models import Affiliation, ContactFlag, Person

logger = logging.getLogger(__name__)

CONFIRM_LINK_VALID_FOR = timedelta(days=14)
_CONFIRM_SALT = "network.stale.confirm-link"

Reason = ContactFlag.Reason


# --- The scan -------------------------------------------------------------------------------


def _current_affiliations(today: Any) -> QuerySet[Affiliation]:
    # Affiliation.objects.current() uses the real clock; the scan takes "today" from ``now``.
    return Affiliation.objects.filter(Q(end_date__isnull=True) | Q(end_date__gte=today))


def stale_reason_querysets(*, now: datetime) -> dict[str, QuerySet[Person]]:
    """For each reason, the people it applies to now (lazy querysets, one SELECT each)."""
    today = timezone.localdate(now)
    cutoff = now - timedelta(days=settings.NETWORK_STALE_AFTER_DAYS)
    people = Person.objects.filter(anonymised_at__isnull=True)
    current_holders = _current_affiliations(today).values("person_id")
    return {
        # Neither confirmed nor spoken to since the cutoff; a new record counts from its creation.
        Reason.NOT_CONFIRMED: people.filter(
            Q(last_confirmed_at__isnull=True) | Q(last_confirmed_at__lt=cutoff),
            Q(last_interaction_at__isnull=True) | Q(last_interaction_at__lt=cutoff),
            created_at__lt=cutoff,
        ),
        Reason.ROTATION_PASSED: people.filter(
            pk__in=_current_affiliations(today)
            .filter(expected_rotation_date__lt=today)
            .values("person_id")
        ),
        Reason.AFFILIATION_ENDED: people.filter(
            pk__in=Affiliation.objects.values("person_id")
        ).exclude(pk__in=current_holders),
        Reason.EMAIL_BOUNCED: people.filter(email_bounced_at__isnull=False).filter(
            Q(last_confirmed_at__isnull=True) | Q(email_bounced_at__gt=F("last_confirmed_at"))
        ),
        Reason.STEWARD_GONE: people.filter(steward__isnull=False).filter(
            Q(steward__anonymised_at__isnull=False)
            | ~Q(steward_id__in=current_holders)
            | Q(steward__user__is_active=False)
        ),
    }


def _raise_missing_flags(*, reason: str, people: QuerySet[Person], now: datetime) -> int:
    """One INSERT … SELECT: an open flag for everyone in ``people`` who has none yet.

    (bulk_create would need one statement per batch of ~100 rows on SQLite, so its cost would
    grow with the number of people; this stays one statement.)
    """
    open_flagged = ContactFlag.objects.filter(reason=reason, resolved_at__isnull=True).values(
        "person_id"
    )
    select_sql, select_params = (
        people.exclude(pk__in=open_flagged)
        .order_by()
        .annotate(candidate_id=F("pk"))
        .values_list("candidate_id")
        .query.sql_with_params()
    )
    table = connection.ops.quote_name(ContactFlag._meta.db_table)
    stamp = connection.ops.adapt_datetimefield_value(now)
    # "WHERE 1 = 1" keeps SQLite from reading ON CONFLICT as a join constraint. Only the
    # model's table name and Django's own compiled SQL are formatted in; values are parameters.
    columns = "person_id, reason, raised_at, resolution, created_at, updated_at"
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT candidates.candidate_id, %s, %s, '', %s, %s "  # noqa: S608
        f"FROM ({select_sql}) candidates WHERE 1 = 1 ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (str(reason), stamp, stamp, stamp, *select_params))
        return max(cursor.rowcount, 0)


def _resolve_gone_flags(*, reason: str, people: QuerySet[Person], now: datetime) -> int:
    """One UPDATE: open flags of this reason whose person no longer qualifies are resolved."""
    return (
        ContactFlag.objects.filter(reason=reason, resolved_at__isnull=True)
        .exclude(person_id__in=people.order_by().values("pk"))
        .update(resolved_at=now, resolution=ContactFlag.Resolution.AUTO, updated_at=now)
    )


def stale_contacts_scan(*, now: datetime | None = None, notify: bool = True) -> dict[str, Any]:
    """Flag stale records by reason, resolve flags whose cause went away, then (by default)
    send the "klopt dit nog?" emails. Idempotent; a fixed number of queries for the flags."""
    now = now or timezone.now()
    raised: dict[str, int] = {}
    resolved: dict[str, int] = {}
    with transaction.atomic():
        for reason, people in stale_reason_querysets(now=now).items():
            resolved[reason] = _resolve_gone_flags(reason=reason, people=people, now=now)
            raised[reason] = _raise_missing_flags(reason=reason, people=people, now=now)
    result: dict[str, Any] = {"raised": raised, "resolved": resolved, "emails": 0}
    if notify:
        result["emails"] = stale_contacts_notify(now=now)
    logger.info("Stale-contact scan: %s", result)
    return result


# --- Bounces --------------------------------------------------------------------------------


def person_email_bounced(address: str) -> int:
    """The email-bounce listener: everyone whose login or current post has ``address`` is
    marked as bouncing and flagged at once, not only at the next daily scan. Returns how many
    people it marked; a repeated bounce moves the date but adds no second open flag."""
    address = address.strip()
    if not address:
        return 0
    now = timezone.now()
    holders = (
        _current_affiliations(timezone.localdate(now))
        .filter(email__iexact=address)
        .values("person_id")
    )
    with transaction.atomic():
        ids = list(
            Person.objects.filter(anonymised_at__isnull=True)
            .filter(Q(user__email__iexact=address) | Q(pk__in=holders))
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        Person.objects.filter(pk__in=ids).update(email_bounced_at=now, updated_at=now)
        # The same definition and INSERT the daily scan uses, so the two never disagree.
        bouncing = stale_reason_querysets(now=now)[Reason.EMAIL_BOUNCED].filter(pk__in=ids)
        _raise_missing_flags(reason=Reason.EMAIL_BOUNCED, people=bouncing, now=now)
    return len(ids)


# --- The "klopt dit nog?" email ------------------------------------------------------------


def confirm_token_for(person: Person) -> str:
    """A signed, single-purpose token for confirming ``person`` as they are now."""
    return signing.dumps(
        {"p": person.pk, "c": _stamp(person.last_confirmed_at)}, salt=_CONFIRM_SALT, compress=True
    )


def _stamp(value: datetime | None) -> int:
    """A datetime as whole microseconds since the epoch (0 for none), exact and zone-free."""
    if value is None:
        return 0
    return int(value.timestamp()) * 1_000_000 + value.microsecond


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


@dataclass
class _Recipient:
    user: Any
    people: dict[int, Person] = field(default_factory=dict)
    reasons: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    flag_ids: list[int] = field(default_factory=list)


def _recipient_user(person: Person) -> Any:
    """Who is asked: the steward if they have an active login, else the person themself if
    they have one and no steward; otherwise nobody."""
    steward = person.steward
    if steward is not None:
        user = steward.user
        return user if user is not None and user.is_active and not steward.anonymised_at else None
    user = person.user
    return user if user is not None and user.is_active else None


def stale_contacts_notify(*, now: datetime | None = None) -> int:
    """One email per recipient per day listing their newly flagged people. Returns how many."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    flags = (
        ContactFlag.objects.filter(resolved_at__isnull=True, notified_at__isnull=True)
        .filter(person__anonymised_at__isnull=True)
        .filter(
            Q(
                person__steward__isnull=False,
                person__steward__anonymised_at__isnull=True,
                person__steward__user__is_active=True,
            )
            | Q(person__steward__isnull=True, person__user__is_active=True)
        )
        .select_related("person__user", "person__steward__user")
        .order_by("person__last_name", "person__first_name", "person_id", "reason")
    )
    recipients: dict[int, _Recipient] = {}
    for flag in flags:
        user = _recipient_user(flag.person)
        if user is None:
            continue  # nobody to ask; the stale-contacts dashboard still shows it
        recipient = recipients.setdefault(user.pk, _Recipient(user=user))
        recipient.people[flag.person_id] = flag.person
        recipient.reasons[flag.person_id].append(flag.reason)
        recipient.flag_ids.append(flag.pk)
    if not recipients:
        return 0

    keys = {pk: f"network:klopt-dit-nog:{pk}:{today.isoformat()}" for pk in recipients}
    # Today's email already went out (a second run on the same day): these flags wait for
    # tomorrow's email rather than being marked as mailed without having been.
    already = set(
        OutboxEmail.objects.filter(idempotency_key__in=keys.values()).values_list(
            "idempotency_key", flat=True
        )
    )
    notified: list[int] = []
    sent = 0
    with transaction.atomic():
        for user_id, recipient in recipients.items():
            if keys[user_id] in already:
                continue
            _send_klopt_dit_nog(recipient, key=keys[user_id])
            notified.extend(recipient.flag_ids)
            sent += 1
        ContactFlag.objects.filter(pk__in=notified).update(notified_at=now, updated_at=now)
    return sent


def _send_klopt_dit_nog(recipient: _Recipient, *, key: str) -> None:
    user = recipient.user
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    labels = dict(ContactFlag.Reason.choices)
    with translation.override(language):
        entries = [
            {
                "name": person.full_name,
                "is_self": person.user_id == user.pk,
                "reasons": [str(labels[r]) for r in recipient.reasons[pk]],
                "confirm_url": _absolute(
                    reverse("network:confirm_link", args=[confirm_token_for(person)])
                ),
                "edit_url": _absolute(reverse("network:person_edit", kwargs={"pk": pk})),
            }
            for pk, person in recipient.people.items()
        ]
        context = {
            "user": user,
            "entries": entries,
            "valid_days": CONFIRM_LINK_VALID_FOR.days,
            "dashboard_url": _absolute(reverse("network:index")),
        }
        subject = _("Klopt dit nog? %(count)s contact(en) in het LMI Portaal") % {
            "count": len(entries)
        }
        body = render_to_string("network/email/klopt_dit_nog.txt", context)
    outbox_enqueue(key=key, to=user.email, subject=subject, body_text=body, language=language)


# --- The one-click confirm link -------------------------------------------------------------


class ConfirmLinkProblem(Enum):
    TAMPERED = "tampered"
    EXPIRED = "expired"
    USED = "used"
    UNKNOWN = "unknown"


class ConfirmLinkInvalid(Exception):
    def __init__(self, problem: ConfirmLinkProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class _ConfirmClaim:
    person: Person
    stamp: int


def _claim(token: str) -> _ConfirmClaim:
    try:
        data = signing.loads(token, salt=_CONFIRM_SALT, max_age=CONFIRM_LINK_VALID_FOR)
    except signing.SignatureExpired:
        raise ConfirmLinkInvalid(ConfirmLinkProblem.EXPIRED) from None
    except signing.BadSignature:
        raise ConfirmLinkInvalid(ConfirmLinkProblem.TAMPERED) from None
    if not isinstance(data, dict) or not isinstance(data.get("p"), int):
        raise ConfirmLinkInvalid(ConfirmLinkProblem.TAMPERED)
    person = Person.objects.filter(pk=data["p"], anonymised_at__isnull=True).first()
    if person is None:
        raise ConfirmLinkInvalid(ConfirmLinkProblem.UNKNOWN)
    if _stamp(person.last_confirmed_at) != data.get("c"):
        raise ConfirmLinkInvalid(ConfirmLinkProblem.USED)
    return _ConfirmClaim(person=person, stamp=data["c"])


def person_for_confirm_link(*, token: str) -> Person:
    """The person a confirm link is for, if the link still works; else ConfirmLinkInvalid."""
    return _claim(token).person


@transaction.atomic
def person_confirm_from_link(*, token: str) -> Person:
    """ "Ja, dit klopt nog" from the email link, without logging in; works exactly once."""
    claim = _claim(token)
    person = claim.person
    now = timezone.now()
    # A conditional UPDATE: of two simultaneous clicks only one finds the old value.
    unchanged = (
        Q(last_confirmed_at__isnull=True)
        if person.last_confirmed_at is None
        else Q(last_confirmed_at=person.last_confirmed_at)
    )
    if not Person.objects.filter(unchanged, pk=person.pk).update(
        last_confirmed_at=now, updated_at=now
    ):
        raise ConfirmLinkInvalid(ConfirmLinkProblem.USED)
    person.last_confirmed_at = now
    ContactFlag.objects.filter(
        person=person, reason=Reason.NOT_CONFIRMED, resolved_at__isnull=True
    ).update(resolved_at=now, resolution=ContactFlag.Resolution.CONFIRMED, updated_at=now)
    audit_log(
        action="network.person_confirmed", actor=None, target=person, data={"via": "email_link"}
    )
    return person
