"""Network's part of the digest: contacts to confirm, handovers due, new people in one's themes.

People are for active members only (``BatchAccess.is_member``); every read covers the whole
batch at once, so the number of queries does not depend on the number of users.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from lmi_portal.core.registry import DigestBatch, DigestLine, DigestPart

from .models import Affiliation, ContactFlag, Handover, Person

HANDOVER_DUE_DAYS = 14  # a handover shows from this many days before its due date
NEW_PEOPLE_CANDIDATES = 300  # newest people of the period considered at all
NEW_PEOPLE_PER_USER = 5


def _due_meta(due: date, today: date) -> str:
    if due < today:
        return _("te laat")
    return _("uiterlijk %(date)s") % {"date": formats.date_format(due, "j F Y")}


def _contacts_to_confirm(user_ids: set[int], lines: dict[int, list[DigestLine]]) -> None:
    """One line per person with open flags, for their steward and for the person themself."""
    flags = (
        ContactFlag.objects.filter(resolved_at__isnull=True, person__anonymised_at__isnull=True)
        .filter(Q(person__steward__user_id__in=user_ids) | Q(person__user_id__in=user_ids))
        .order_by("person__last_name", "person__first_name", "person_id")
        .values_list(
            "person_id",
            "person__first_name",
            "person__last_name",
            "person__user_id",
            "person__steward__user_id",
            "reason",
        )
    )
    names: dict[int, str] = {}
    reasons: dict[int, list[str]] = defaultdict(list)
    readers: dict[int, set[int]] = defaultdict(set)
    labels = dict(ContactFlag.Reason.choices)
    rank = {value: i for i, value in enumerate(ContactFlag.Reason.values)}
    for person_id, first, last, own_user_id, steward_user_id, reason in flags:
        names[person_id] = f"{first} {last}".strip()
        reasons[person_id].append(reason)
        readers[person_id] |= {u for u in (own_user_id, steward_user_id) if u in user_ids}
    for person_id, name in names.items():
        line = DigestLine(
            part=DigestPart.ACTIONS,
            text=_("Klopt dit nog? %(name)s") % {"name": name},
            url=reverse("network:person_detail", args=[person_id]),
            meta=", ".join(
                str(labels.get(reason, reason))
                for reason in sorted(reasons[person_id], key=lambda r: rank.get(r, len(rank)))
            ),
            sort=10,
        )
        for user_id in readers[person_id]:
            lines[user_id].append(line)


def _handovers_due(user_ids: set[int], today: date, lines: dict[int, list[DigestLine]]) -> None:
    """Open handovers due within ``HANDOVER_DUE_DAYS`` (or overdue), for the departing person
    and for the successor. The successor may not open the handover itself (see
    ``handovers_visible_to``), so their line leads to the departing person's page."""
    handovers = (
        Handover.objects.filter(
            status=Handover.Status.OPEN,
            due_date__lte=today + timedelta(days=HANDOVER_DUE_DAYS),
            person__anonymised_at__isnull=True,
        )
        .filter(Q(person__user_id__in=user_ids) | Q(successor__user_id__in=user_ids))
        .select_related("person", "successor")
        .order_by("due_date", "pk")
    )
    for handover in handovers:
        meta = _due_meta(handover.due_date, today)
        if handover.person.user_id in user_ids:
            lines[handover.person.user_id].append(
                DigestLine(
                    part=DigestPart.ACTIONS,
                    text=_("Draag uw contacten en taken over aan een opvolger"),
                    url=reverse("network:handover_detail", args=[handover.pk]),
                    meta=meta,
                    sort=15,
                )
            )
        successor = handover.successor
        if successor is not None and successor.user_id in user_ids:
            lines[successor.user_id].append(
                DigestLine(
                    part=DigestPart.ACTIONS,
                    text=_("U neemt het werk over van %(name)s")
                    % {"name": handover.person.full_name},
                    url=handover.person.get_absolute_url(),
                    meta=meta,
                    sort=15,
                )
            )


def _new_people(batch: DigestBatch, members: list[Any], lines: dict[int, list[DigestLine]]) -> None:
    """People recorded in the period who share a theme the user follows or works on."""
    new = list(
        Person.objects.filter(
            created_at__gte=batch.since,
            created_at__lt=batch.until,
            anonymised_at__isnull=True,
        )
        .order_by("-created_at", "-pk")
        .values_list("pk", "first_name", "last_name", "user_id")[:NEW_PEOPLE_CANDIDATES]
    )
    if not new:
        return
    new_ids = [row[0] for row in new]
    themes_of: dict[int, set[int]] = defaultdict(set)
    for person_id, theme_id in Person.themes.through.objects.filter(
        person_id__in=new_ids
    ).values_list("person_id", "theme_id"):
        themes_of[person_id].add(theme_id)
    own_themes: dict[int, set[int]] = defaultdict(set)
    for user_id, theme_id in Person.themes.through.objects.filter(
        person__user_id__in=[u.pk for u in members]
    ).values_list("person__user_id", "theme_id"):
        own_themes[user_id].add(theme_id)
    # Where each new person works now, for the line's meta (their newest current post).
    works_at: dict[int, str] = {}
    for affiliation in (
        Affiliation.objects.current()
        .filter(person_id__in=[pk for pk in new_ids if themes_of.get(pk)])
        .select_related("organisation")
        .order_by("-start_date", "-pk")
    ):
        works_at.setdefault(affiliation.person_id, affiliation.organisation.display_name)
    for user in members:
        topics = own_themes.get(user.pk, set()) | batch.followed(user, "core.theme")
        if not topics:
            continue
        shown = 0
        for person_id, first, last, person_user_id in new:
            if person_user_id == user.pk or not themes_of.get(person_id, set()) & topics:
                continue
            lines[user.pk].append(
                DigestLine(
                    part=DigestPart.NETWORK,
                    text=_("Nieuw in uw thema's: %(name)s") % {"name": f"{first} {last}".strip()},
                    url=reverse("network:person_detail", args=[person_id]),
                    meta=works_at.get(person_id, ""),
                )
            )
            shown += 1
            if shown == NEW_PEOPLE_PER_USER:
                break


def network_digest_lines(batch: DigestBatch) -> dict[int, list[DigestLine]]:
    """Contacts to confirm and handovers due (actions), new people in one's themes (news)."""
    lines: dict[int, list[DigestLine]] = defaultdict(list)
    members = [user for user in batch.users if batch.access.is_member(user)]
    if not members:
        return lines
    user_ids = {user.pk for user in members}
    today = timezone.localdate(batch.until)
    _contacts_to_confirm(user_ids, lines)
    _handovers_due(user_ids, today, lines)
    _new_people(batch, members, lines)
    return lines
