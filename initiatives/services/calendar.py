"""The private iCal feed of werkgroep meetings: issuing and revoking a user's feed address,
resolving a token, and writing the feed itself (RFC 5545).

The address carries a random token; only its sha256 is stored, so the database cannot give
the address away. Revoking issues a new token and the old address stops working at once.
The feed is written by hand because it is tiny: a handful of properties per meeting, with
RFC 5545's escaping, CRLF line ends and folding at 75 octets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lmi_portal.core.services import audit_log
from partners.access import is_active_member
from partners.models import User

from ..models import CalendarFeed, Meeting
from ..models.werkgroep import new_feed_token
from ..selectors.meetings import meeting_visible

# The feed shows recent history and everything ahead, bounded.
FEED_HISTORY = timedelta(days=365)
FEED_LIMIT = 200
FOLD_AT = 75  # octets per line, CRLF not counted (RFC 5545, 3.1)


class CalendarFeedInvalid(Exception):
    """Unknown or revoked token, or an account that may no longer read the feed."""


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_for(*, user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


@transaction.atomic
def calendar_feed_issue(*, actor: User) -> str:
    """Give the user a (new) feed address and return its token, shown to them only now.
    An earlier address stops working."""
    token = new_feed_token()
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(
        user=actor, defaults={"token_hash": feed_token_hash(token)}
    )
    if not created:
        feed.token_hash = feed_token_hash(token)
        feed.last_fetched_at = None
        feed.save(update_fields=["token_hash", "last_fetched_at", "updated_at"])
    audit_log(
        action="calendar_feed.created" if created else "calendar_feed.renewed",
        actor=actor,
        target=actor,
    )
    return token


@transaction.atomic
def calendar_feed_delete(*, actor: User) -> bool:
    """Stop the user's feed altogether. Returns whether there was one."""
    deleted, _rows = CalendarFeed.objects.filter(user=actor).delete()
    if deleted:
        audit_log(action="calendar_feed.deleted", actor=actor, target=actor)
    return bool(deleted)


def calendar_feed_user(*, token: str) -> User:
    """The owner of a feed token, if they may still read it; notes when it was fetched."""
    if not token or len(token) > 100:
        raise CalendarFeedInvalid
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=feed_token_hash(token))
        .first()
    )
    if feed is None or not feed.user.is_active or not is_active_member(feed.user):
        raise CalendarFeedInvalid
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=timezone.now())
    return feed.user


def calendar_meetings(*, user: Any, now: datetime | None = None) -> QuerySet[Meeting]:
    """The meetings in the user's feed: those they may see, from a year back, bounded."""
    now = now or timezone.now()
    return (
        meeting_visible(user=user)
        .filter(starts_at__gte=now - FEED_HISTORY)
        .order_by("starts_at", "id")[:FEED_LIMIT]
    )


# --- Writing the feed ---------------------------------------------------------------------


def ics_escape(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and line breaks."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def ics_fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    limit = FOLD_AT
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append(current)
            current, size = " ", 1
            limit = FOLD_AT
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(meeting: Meeting, *, host: str, base_url: str, stamp: datetime) -> list[str]:
    url = base_url + reverse("initiatives:meeting_detail", kwargs={"pk": meeting.pk})
    end = meeting.starts_at + timedelta(minutes=meeting.duration_minutes)
    if meeting.status == Meeting.Status.PUBLISHED:
        note = _("Het verslag is gepubliceerd.")
    else:
        note = _("In voorbereiding: agenda en voorstellen in het portaal.")
    lines = [
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.pk}@{host}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(meeting.starts_at)}",
        f"DTEND:{_utc(end)}",
        f"LAST-MODIFIED:{_utc(meeting.updated_at)}",
        f"SUMMARY:{ics_escape(meeting.title)}",
    ]
    if meeting.location:
        lines.append(f"LOCATION:{ics_escape(meeting.location)}")
    description = ics_escape(f"{note}\n{url}")
    lines += [
        f"DESCRIPTION:{description}",
        f"URL:{url}",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
    ]
    return lines


def calendar_ics(
    *, meetings: Iterable[Meeting], language: str = "nl", now: datetime | None = None
) -> str:
    """The feed as text: one VEVENT per meeting, CRLF line ends, folded lines."""
    base_url = settings.SITE_URL.rstrip("/")
    host = urlsplit(base_url).hostname or "lmi-portaal"
    stamp = now or timezone.now()
    with translation.override(language):
        lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//LMI Portaal//Werkgroep//NL",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            f"X-WR-CALNAME:{ics_escape(_('LMI-werkgroep'))}",
            "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
            "X-PUBLISHED-TTL:PT1H",
        ]
        for meeting in meetings:
            lines += _event(meeting, host=host, base_url=base_url, stamp=stamp)
        lines.append("END:VCALENDAR")
    return "".join(ics_fold(line) + "\r\n" for line in lines)
