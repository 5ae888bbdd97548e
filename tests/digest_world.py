"""What the digest providers' tests share: a fixed week, a batch of users, a provider's
sorted lines for one user, and a word per TLP level to look for in lines."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import formats, translation

from lmi_portal.core.digests import _follows_by_user
from lmi_portal.core.registry import DigestBatch, DigestLine
from partners.access import BatchAccess
from partners.models import TLP

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=AMS)  # a Monday
TODAY = NOW.date()
SINCE = NOW - timedelta(days=7)
UNTIL = NOW + timedelta(hours=1)
# A word per level that appears in every line about an item at that level.
MARKS = {
    TLP.CLEAR: "openbaar",
    TLP.GREEN: "groen",
    TLP.AMBER: "oranje",
    TLP.AMBER_STRICT: "strikt",
    TLP.RED: "rood",
}


def batch_of(users: Iterable[Any]) -> DigestBatch:
    users = tuple(users)
    return DigestBatch(
        users=users,
        since=SINCE,
        until=UNTIL,
        access=BatchAccess(users),
        follows=_follows_by_user([u.pk for u in users]),
    )


def provider_lines(
    provider: Callable[[DigestBatch], Any],
    user: Any,
    part: str | None = None,
    *,
    batch: DigestBatch | None = None,
) -> list[DigestLine]:
    """The provider's lines for ``user`` (of one part, if given), in Dutch, sorted."""
    with translation.override("nl"):
        found = provider(batch or batch_of([user]))
    lines = [line for line in found.get(user.pk, []) if part is None or line.part == part]
    return sorted(lines, key=lambda line: (line.part, line.sort, line.text))


def day(value: date) -> str:
    with translation.override("nl"):
        return formats.date_format(value, "j F Y")
