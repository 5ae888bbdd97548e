"""The digest: one useful email per user per period, composed in batches, sent exactly once.

The apps provide the lines (``registry.digest_providers``); partners provides who receives a
digest and the access policy for a batch of them. This module decides *when* (each user's
preference), *which period* (an ISO week or a day, the unique key of ``Digest``), composes
a batch of users in a fixed number of queries, renders the email in the user's language and
stores it in the outbox in the same transaction as the ``Digest`` row. Running the job twice,
or two at once, or again after a worker died halfway, leaves every user one digest.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Digest, DigestPreference, Follow, OutboxEmail
from .registry import (
    DigestBatch,
    DigestLine,
    DigestPart,
    digest_access,
    digest_providers,
    digest_recipients,
)
from .services import audit_log, outbox_schedule

logger = logging.getLogger(__name__)

Frequency = DigestPreference.Frequency
UNSUBSCRIBE_SALT = "lmi.digest.unsubscribe"
# A part shows at most this many lines; the rest is "en nog N" with a link to the portal.
LINES_PER_PART = 8


# --- Periods --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestPeriod:
    frequency: str
    key: str  # "2026-W49" or "2026-12-05": with the user, the unique key of a digest
    since: datetime
    until: datetime

    @property
    def label(self) -> str:
        local = timezone.localtime(self.until)
        if self.frequency == Frequency.DAILY:
            return local.strftime("%d-%m-%Y")
        return _("week %(week)s") % {"week": local.isocalendar().week}


def digest_period(*, frequency: str, now: datetime | None = None) -> DigestPeriod:
    """The period a digest sent at ``now`` covers: the last 7 days (weekly) or day (daily)."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if frequency == Frequency.DAILY:
        return DigestPeriod(frequency, local.date().isoformat(), now - timedelta(days=1), now)
    iso = local.isocalendar()
    return DigestPeriod(frequency, f"{iso.year}-W{iso.week:02d}", now - timedelta(days=7), now)


# --- Preferences ----------------------------------------------------------------------------


def preference_for(*, user: Any) -> DigestPreference:
    """The user's preference, or the defaults (unsaved) when they never chose."""
    try:
        return DigestPreference.objects.get(user=user)
    except DigestPreference.DoesNotExist:
        return DigestPreference(user=user)


@transaction.atomic
def preference_update(
    *,
    user: Any,
    frequency: str,
    weekday: int,
    hour: int,
    instant_events: Iterable[str],
    language: str | None = None,
) -> DigestPreference:
    """Save how and when the user gets email; the language is the account's own."""
    preference = preference_for(user=user)
    preference.frequency = frequency
    preference.weekday = weekday
    preference.hour = hour
    known = {event.value for event in DigestPreference.InstantEvent}
    preference.instant_events = sorted(set(instant_events) & known)
    preference.full_clean()
    preference.save()
    if language and language != user.language:
        user.language = language
        user.full_clean(validate_unique=False)
        user.save(update_fields=["language"])
    return preference


def instant_email_user_ids(*, user_ids: Iterable[int], event: str) -> set[int]:
    """Of ``user_ids``, those who want ``event`` by email (one query)."""
    ids = set(user_ids)
    opted_out = {
        user_id
        for user_id, events in DigestPreference.objects.filter(user_id__in=ids).values_list(
            "user_id", "instant_events"
        )
        if event not in events
    }
    return ids - opted_out


# --- Unsubscribe link (RFC 8058) ------------------------------------------------------------


def unsubscribe_token(*, user_id: int, nonce: str) -> str:
    """A signed token naming the user and the preference's current nonce."""
    return signing.dumps([user_id, nonce], salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(*, user_id: int, nonce: str) -> str:
    token = unsubscribe_token(user_id=user_id, nonce=nonce)
    return _absolute(reverse("core:digest_unsubscribe", args=[token]))


def unsubscribe_user(*, token: str) -> Any | None:
    """The user a still-valid unsubscribe token belongs to, or None (forged, edited or used)."""
    try:
        user_id, nonce = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or preference_for(user=user).unsubscribe_nonce != nonce:
        return None
    return user


@transaction.atomic
def digest_unsubscribe(*, token: str) -> Any | None:
    """Turn the digest off for the token's user; the token then stops working. Returns the
    user, or None when the token was not (or no longer) valid."""
    user = unsubscribe_user(token=token)
    if user is None:
        return None
    preference = preference_for(user=user)
    preference.frequency = Frequency.OFF
    preference.unsubscribe_nonce = secrets.token_hex(8)
    preference.save()
    audit_log(action="digest.unsubscribe", actor=None, target=user)
    return user


# --- Composing ------------------------------------------------------------------------------


@dataclass
class DigestContent:
    """One user's digest: lines per part, sorted, the first few of each shown."""

    lines: dict[str, list[DigestLine]] = field(default_factory=lambda: defaultdict(list))

    def add(self, line: DigestLine) -> None:
        self.lines[line.part].append(line)

    @property
    def is_empty(self) -> bool:
        return not any(self.lines.values())

    @property
    def action_count(self) -> int:
        return len(self.lines.get(DigestPart.ACTIONS, []))

    @property
    def line_count(self) -> int:
        return sum(len(lines) for lines in self.lines.values())

    def parts(self) -> list[dict[str, Any]]:
        """The non-empty parts in order, for the templates: title, lines shown, how many more."""
        titles = {
            DigestPart.ACTIONS: _("Acties voor jou"),
            DigestPart.NEW: _("Nieuw en gewijzigd in jouw onderwerpen"),
            DigestPart.SUCCESSES: _("Successen"),
            DigestPart.NETWORK: _("Netwerknieuws"),
        }
        out = []
        for part in DigestPart.ORDER:
            lines = sorted(self.lines.get(part, []), key=lambda line: (line.sort, line.text))
            if lines:
                out.append(
                    {
                        "key": part,
                        "title": titles[part],
                        "lines": lines[:LINES_PER_PART],
                        "more": max(len(lines) - LINES_PER_PART, 0),
                    }
                )
        return out


def _follows_by_user(user_ids: Sequence[int]) -> dict[int, dict[str, frozenset[int]]]:
    """Each user's follows by model label, in one query."""
    found: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for user_id, ct_id, target_id in Follow.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "target_ct_id", "target_id"
    ):
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is not None:
            found[user_id][model._meta.label_lower].add(target_id)
    return {
        user_id: {label: frozenset(ids) for label, ids in labels.items()}
        for user_id, labels in found.items()
    }


def _access_for(users: Sequence[Any]) -> Any:
    for _key, factory in digest_access.items():
        return factory(users)
    raise LookupError("No digest access policy registered (partners registers it).")


def digest_compose(
    *, users: Sequence[Any], since: datetime, until: datetime
) -> dict[int, DigestContent]:
    """The digests of ``users`` for one period. Users are grouped by language and each
    provider is asked once per group, so the number of queries does not grow with the users."""
    contents: dict[int, DigestContent] = {user.pk: DigestContent() for user in users}
    by_language: dict[str, list[Any]] = defaultdict(list)
    for user in users:
        by_language[user.language or settings.LANGUAGE_CODE].append(user)
    follows = _follows_by_user([user.pk for user in users])
    access = _access_for(users)
    for language, group in sorted(by_language.items()):
        batch = DigestBatch(
            users=tuple(group), since=since, until=until, access=access, follows=follows
        )
        with translation.override(language):
            for _key, provider in digest_providers.items():
                for user_id, lines in provider(batch).items():
                    if user_id in contents:
                        for line in lines:
                            contents[user_id].add(line)
    return contents


def digest_preview(*, user: Any, now: datetime | None = None) -> tuple[DigestPeriod, DigestContent]:
    """What the user's next digest would hold if it were sent now (nothing is stored)."""
    preference = preference_for(user=user)
    frequency = Frequency.DAILY if preference.frequency == Frequency.DAILY else Frequency.WEEKLY
    period = digest_period(frequency=frequency, now=now)
    content = digest_compose(users=[user], since=period.since, until=period.until)[user.pk]
    return period, content


# --- Rendering ------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return str(settings.SITE_URL).rstrip("/") + path


def _absolute_url(url: str) -> str:
    return url if url.startswith(("http://", "https://")) or not url else _absolute(url)


def digest_render(
    *, user: Any, period: DigestPeriod, content: DigestContent, nonce: str
) -> dict[str, Any]:
    """Subject, text and HTML of one digest in the active language, plus its headers."""
    parts = content.parts()
    for part in parts:
        part["lines"] = [
            {"text": line.text, "meta": line.meta, "url": _absolute_url(line.url)}
            for line in part["lines"]
        ]
    unsubscribe = unsubscribe_url(user_id=user.pk, nonce=nonce)
    context = {
        "user": user,
        "period": period,
        "parts": parts,
        "action_count": content.action_count,
        "portal_url": _absolute("/"),
        "preferences_url": _absolute(reverse("core:digest_preferences")),
        "unsubscribe_url": unsubscribe,
    }
    if content.action_count:
        subject = ngettext(
            "LMI Portaal, %(period)s: %(count)s actie voor jou",
            "LMI Portaal, %(period)s: %(count)s acties voor jou",
            content.action_count,
        ) % {"period": period.label, "count": content.action_count}
    else:
        subject = _("LMI Portaal, %(period)s: nieuw in jouw onderwerpen") % {"period": period.label}
    return {
        "subject": subject,
        "body_text": render_to_string("core/email/digest.txt", context),
        "body_html": render_to_string("core/email/digest.html", context),
        "headers": {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"LMI Portaal overzicht <digest.{_list_host()}>",
        },
    }


def _list_host() -> str:
    host = str(settings.SITE_URL).split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return host or "lmi.example"


def notification_email_render(*, notification: Any) -> dict[str, Any]:
    """Subject, text and HTML of the instant email for one in-app notification."""
    context = {
        "user": notification.recipient,
        "text": notification.text,
        "url": _absolute_url(notification.url) if notification.url else _absolute("/"),
        "preferences_url": _absolute(reverse("core:digest_preferences")),
        "notifications_url": _absolute(reverse("partners:notifications")),
    }
    subject = _("LMI Portaal: %(text)s") % {"text": notification.text}
    return {
        "subject": subject[:200],
        "body_text": render_to_string("core/email/notification.txt", context),
        "body_html": render_to_string("core/email/notification.html", context),
    }


# --- Running --------------------------------------------------------------------------------


def _recipients() -> QuerySet[Any, Any]:
    for _key, recipients in digest_recipients.items():
        return recipients()
    raise LookupError("No digest recipients registered (partners registers them).")


def digest_due_user_ids(*, period: DigestPeriod) -> list[int]:
    """Users whose chosen moment in ``period`` has come and who have no digest for it yet.

    A weekly digest is due from the chosen weekday and hour until the end of the ISO week, so
    a run that was missed (worker down) catches up later that week; a daily one from the
    chosen hour until midnight.
    """
    local = timezone.localtime(period.until)
    qs = _recipients().annotate(
        d_frequency=Coalesce("digest_preference__frequency", Value(Frequency.WEEKLY)),
        d_weekday=Coalesce("digest_preference__weekday", Value(DigestPreference.DEFAULT_WEEKDAY)),
        d_hour=Coalesce("digest_preference__hour", Value(DigestPreference.DEFAULT_HOUR)),
    )
    qs = qs.filter(d_frequency=period.frequency)
    if period.frequency == Frequency.WEEKLY:
        today = local.weekday()
        qs = qs.filter(Q(d_weekday__lt=today) | Q(d_weekday=today, d_hour__lte=local.hour))
    else:
        qs = qs.filter(d_hour__lte=local.hour)
    already = Digest.objects.filter(period=period.key).values("user_id")
    return list(qs.exclude(pk__in=already).order_by("pk").values_list("pk", flat=True))


@dataclass
class DigestRunStats:
    users: int = 0
    sent: int = 0
    empty: int = 0
    skipped: int = 0  # another run got there first
    batches: int = 0


def _chunks(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def digest_run(
    *, now: datetime | None = None, batch_size: int | None = None, frequencies: Sequence[str] = ()
) -> DigestRunStats:
    """Compose and queue every digest that is due now. Safe to repeat and to run twice."""
    now = now or timezone.now()
    size = batch_size or settings.DIGEST_BATCH_SIZE
    stats = DigestRunStats()
    for frequency in frequencies or (Frequency.DAILY, Frequency.WEEKLY):
        period = digest_period(frequency=frequency, now=now)
        for chunk in _chunks(digest_due_user_ids(period=period), size):
            stats.batches += 1
            try:
                sent, empty, skipped = digest_send_batch(user_ids=chunk, period=period)
            except IntegrityError:
                # A concurrent run stored some of these digests first; it owns the batch.
                stats.skipped += len(chunk)
                continue
            stats.users += sent + empty
            stats.sent += sent
            stats.empty += empty
            stats.skipped += skipped
    return stats


@transaction.atomic
def digest_send_batch(*, user_ids: Sequence[int], period: DigestPeriod) -> tuple[int, int, int]:
    """Compose, render and store the digests of one batch in one transaction.

    Returns (sent, empty, skipped). The ``Digest`` rows and their outbox emails are written
    together: a crash before commit leaves nothing, after commit leaves everything.
    """
    user_model = get_user_model()
    done = set(
        Digest.objects.filter(period=period.key, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    users = list(
        user_model.objects.filter(pk__in=[pk for pk in user_ids if pk not in done], is_active=True)
        .select_related("digest_preference")
        .order_by("pk")
    )
    contents = digest_compose(users=users, since=period.since, until=period.until)
    emails: list[OutboxEmail] = []
    digests: list[Digest] = []
    for user in users:
        content = contents[user.pk]
        digest = Digest(
            user=user,
            period=period.key,
            line_count=content.line_count,
            action_count=content.action_count,
        )
        digests.append(digest)
        if content.is_empty:
            continue
        preference = getattr(user, "digest_preference", None)
        language = user.language or settings.LANGUAGE_CODE
        with translation.override(language):
            rendered = digest_render(
                user=user,
                period=period,
                content=content,
                nonce=preference.unsubscribe_nonce if preference else "",
            )
        email = OutboxEmail(
            idempotency_key=f"digest:{period.key}:{user.pk}",
            to=user.email,
            recipient=user,
            category=OutboxEmail.Category.DIGEST,
            language=language,
            **rendered,
        )
        emails.append(email)
        digest.email = email
    OutboxEmail.objects.bulk_create(emails)
    for digest in digests:
        if digest.email is not None:
            digest.email_id = digest.email.pk
    Digest.objects.bulk_create(digests)
    outbox_schedule([email.pk for email in emails])
    return len(emails), len(digests) - len(emails), len(done)
