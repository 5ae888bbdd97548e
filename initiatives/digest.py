"""Initiatives' part of the digest: actions due, open monitor rounds, initiatives and werkgroep
minutes new in one's topics, and initiatives closed as Geborgd.

Every read covers the whole batch at once (candidates capped), the access policy of the batch
decides per user which of them may be shown, so the number of queries does not depend on the
number of users.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from lmi_portal.core.registry import DigestBatch, DigestLine, DigestPart
from partners.models import Shareable

from .models import (
    ActionItem,
    Initiative,
    Meeting,
    Participation,
    Phase,
    PhaseChange,
    PulseInvitation,
)
from .selectors.actions import action_source_visible

ACTION_DUE_DAYS = 7  # an action shows from this many days before its due date
CANDIDATES_MAX = 300  # initiatives new or moved in the period that are considered at all
MEETINGS_MAX = 20
SUCCESSES_MAX = 50
# The long texts no digest line needs.
_HEAVY = ("why", "how", "expected_effect", "result", "lessons", "search_vector")

Lines = dict[int, list[DigestLine]]


def _day(value: date) -> str:
    return formats.date_format(value, "j F Y")


def _due_meta(due: date, today: date) -> tuple[str, int]:
    if due < today:
        return _("te laat"), 0
    return _("uiterlijk %(date)s") % {"date": _day(due)}, 5


def _in_period(batch: DigestBatch, field: str) -> Q:
    return Q(**{f"{field}__gte": batch.since, f"{field}__lt": batch.until})


def _pairs(queryset: QuerySet[Any], key: str, value: str) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for k, v in queryset.values_list(key, value):
        found[k].add(v)
    return found


# --- Loading (once per batch) ---------------------------------------------------------------


def _actions_due(user_ids: set[int], today: date) -> list[ActionItem]:
    """Open actions of these users, overdue or due within ``ACTION_DUE_DAYS``."""
    return list(
        ActionItem.objects.filter(
            owner_id__in=user_ids,
            status=ActionItem.Status.OPEN,
            due_date__lte=today + timedelta(days=ACTION_DUE_DAYS),
        )
        .select_related("initiative", "meeting")
        .defer(*(f"initiative__{name}" for name in _HEAVY))
        .order_by("due_date", "pk")
    )


def _open_invitations(user_ids: set[int], now: Any) -> list[PulseInvitation]:
    return list(
        PulseInvitation.objects.filter(
            user_id__in=user_ids,
            answered=False,
            round__closed_at__isnull=True,
            round__opens_at__lte=now,
            round__closes_at__gt=now,
        )
        .select_related("round__initiative")
        .defer(*(f"round__initiative__{name}" for name in _HEAVY))
        .order_by("round__closes_at", "pk")
    )


class _Changed:
    """Initiatives created or moved to another phase in the period, with their topics."""

    def __init__(self, batch: DigestBatch) -> None:
        moved = PhaseChange.objects.filter(_in_period(batch, "created_at")).values("initiative_id")
        self.initiatives = list(
            Initiative.objects.filter(_in_period(batch, "created_at") | Q(pk__in=moved))
            .defer(*_HEAVY)
            .order_by("-updated_at", "-pk")[:CANDIDATES_MAX]
        )
        ids = [initiative.pk for initiative in self.initiatives]
        self.new_phase: dict[int, str] = {}
        self.themes: dict[int, set[int]] = {}
        self.systems: dict[int, set[int]] = {}
        self.participants: dict[int, set[int]] = {}
        self.since = batch.since
        if not ids:
            return
        for initiative_id, to_phase in (
            PhaseChange.objects.filter(_in_period(batch, "created_at"), initiative_id__in=ids)
            .order_by("created_at", "pk")
            .values_list("initiative_id", "to_phase")
        ):
            self.new_phase[initiative_id] = to_phase  # the last one in the period wins
        self.themes = _pairs(
            Initiative.themes.through.objects.filter(initiative_id__in=ids),
            "initiative_id",
            "theme_id",
        )
        self.systems = _pairs(
            Initiative.systems.through.objects.filter(initiative_id__in=ids),
            "initiative_id",
            "system_id",
        )
        self.participants = _pairs(
            Participation.objects.filter(initiative_id__in=ids), "initiative_id", "organisation_id"
        )

    def in_topics(self, batch: DigestBatch, user: Any) -> Callable[[Initiative], bool]:
        """Whether an initiative matches ``user``'s topics: followed itself, or one of its
        themes, systems, owner or participating organisations is."""
        initiatives = batch.followed(user, "initiatives.initiative")
        themes = batch.followed(user, "core.theme")
        systems = batch.followed(user, "core.system")
        organisations = batch.followed(user, "partners.organisation")

        def matches(initiative: Initiative) -> bool:
            pk = initiative.pk
            return bool(
                pk in initiatives
                or self.themes.get(pk, set()) & themes
                or self.systems.get(pk, set()) & systems
                or initiative.owner_organisation_id in organisations
                or self.participants.get(pk, set()) & organisations
            )

        return matches

    def lines(self) -> list[tuple[Initiative, DigestLine]]:
        """Each initiative with its line, leaving out those the digest shows elsewhere."""
        out = []
        for initiative in self.initiatives:
            meta = self.meta(initiative)
            if meta is not None:
                is_new = initiative.created_at >= self.since
                line = DigestLine(
                    part=DigestPart.NEW,
                    text=initiative.title,
                    url=initiative.get_absolute_url(),
                    meta=meta,
                    sort=40 if is_new else 50,
                )
                out.append((initiative, line))
        return out

    def meta(self, initiative: Initiative) -> str | None:
        """The meta "nieuw", the new phase, or None when the digest shows it elsewhere (closed as
        Geborgd: a success) or not at all."""
        if initiative.created_at >= self.since:
            return _("nieuw")
        phase = self.new_phase.get(initiative.pk)
        if phase is None or phase == Phase.EMBEDDED:
            return None
        return str(Phase(phase).label)


# --- Lines ----------------------------------------------------------------------------------


def _action_line(action: ActionItem, today: date) -> DigestLine:
    assert action.due_date is not None  # only dated actions are due
    meta, sort = _due_meta(action.due_date, today)
    if action.initiative is not None:
        text = _("Actie bij %(initiative)s: %(title)s") % {
            "initiative": action.initiative.title,
            "title": action.title,
        }
        url = f"{action.initiative.get_absolute_url()}#action-{action.pk}"
    else:
        assert action.meeting is not None
        text = _("Actie uit de werkgroep van %(date)s: %(title)s") % {
            "date": _day(timezone.localtime(action.meeting.starts_at).date()),
            "title": action.title,
        }
        url = action.meeting.get_absolute_url()
    return DigestLine(part=DigestPart.ACTIONS, text=text, url=url, meta=meta, sort=sort)


def _pulse_line(invitation: PulseInvitation) -> DigestLine:
    round_ = invitation.round
    return DigestLine(
        part=DigestPart.ACTIONS,
        text=_("Vul de Samenwerkingsmonitor in: %(title)s") % {"title": round_.title},
        url=reverse("initiatives:pulse_answer", args=[round_.pk]),
        meta=_("uiterlijk %(date)s") % {"date": _day(timezone.localtime(round_.closes_at).date())},
        sort=30,
    )


def _meeting_line(meeting: Meeting) -> DigestLine:
    return DigestLine(
        part=DigestPart.NEW,
        text=_("Verslag %(title)s van %(date)s gepubliceerd")
        % {"title": meeting.title, "date": _day(timezone.localtime(meeting.starts_at).date())},
        url=meeting.get_absolute_url(),
        sort=60,
    )


def _success_line(initiative: Initiative) -> DigestLine:
    return DigestLine(
        part=DigestPart.SUCCESSES,
        text=_("Geborgd: %(title)s") % {"title": initiative.title},
        url=initiative.get_absolute_url(),
        meta=initiative.owner_organisation.display_name,
    )


def initiatives_digest_lines(batch: DigestBatch) -> Lines:
    """Actions due and open monitor rounds (actions); initiatives new or moved in one's topics
    and published werkgroep minutes (new); initiatives closed as Geborgd (successes)."""
    lines: Lines = defaultdict(list)
    # Digests are for members; anyone else would at most see CLEAR items, and gets nothing.
    users = [user for user in batch.users if batch.access.is_member(user)]
    if not users:
        return lines
    user_ids = {user.pk for user in users}
    today = timezone.localdate(batch.until)

    actions = _actions_due(user_ids, today)
    invitations = _open_invitations(user_ids, batch.until)
    changed = _Changed(batch)
    meetings = list(
        Meeting.objects.filter(
            _in_period(batch, "published_at"), status=Meeting.Status.PUBLISHED
        ).order_by("-published_at", "-pk")[:MEETINGS_MAX]
    )
    successes = list(
        Initiative.objects.filter(_in_period(batch, "closed_at"), phase=Phase.EMBEDDED)
        .select_related("owner_organisation")
        .defer(*_HEAVY)
        .order_by("-closed_at", "-pk")[:SUCCESSES_MAX]
    )
    candidates: list[Shareable] = [*changed.initiatives, *meetings, *successes]
    for action in actions:
        candidates += [item for item in (action.initiative, action.meeting) if item is not None]
    candidates += [i.round.initiative for i in invitations if i.round.initiative is not None]
    batch.access.prepare(candidates)

    actions_of: dict[int, list[ActionItem]] = defaultdict(list)
    for action in actions:
        assert action.owner_id is not None
        actions_of[action.owner_id].append(action)
    invitations_of: dict[int, list[PulseInvitation]] = defaultdict(list)
    for invitation in invitations:
        invitations_of[invitation.user_id].append(invitation)

    # Lines about items, made once; each user gets those they may see.
    changed_lines = changed.lines()
    shared_lines: list[tuple[Shareable, DigestLine]] = [
        *((meeting, _meeting_line(meeting)) for meeting in meetings),
        *((initiative, _success_line(initiative)) for initiative in successes),
    ]
    for user in users:
        can_view: Callable[[Shareable], bool] = partial(batch.access.can_view, user)
        out = lines[user.pk]
        for action in actions_of.get(user.pk, ()):
            if action_source_visible(action=action, can_view=can_view):
                out.append(_action_line(action, today))
        for invitation in invitations_of.get(user.pk, ()):
            about = invitation.round.initiative
            if about is None or can_view(about):
                out.append(_pulse_line(invitation))
        in_topics = changed.in_topics(batch, user)
        out.extend(line for item, line in changed_lines if in_topics(item) and can_view(item))
        out.extend(line for item, line in shared_lines if can_view(item))
    return lines
