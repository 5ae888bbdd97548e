"""The weekly view "Sinds vorige werkgroep": what changed since the last meeting, for a programme
manager.

Every section is a bounded query (at most ``SECTION_LIMIT`` lines and one count), filtered by the
access policy for the viewer, and comes out as a ``WerkgroepSection`` like the sections later
apps add through ``werkgroep_sections``, so the template renders one shape. Nothing here loops
over all initiatives in Python: the view must stay fast with ten thousand of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import F, Model, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from lmi_portal.core.registry import WerkgroepLine, WerkgroepSection, werkgroep_sections
from network.models import Affiliation, ContactFlag, Handover, Person
from network.selectors_stale import stale_open_flags, stale_scope_for
from network.services.continuity import (
    continuity_can_view,
    continuity_run_latest_done,
    core_organisation_ids,
)
from network.services.handovers import handovers_visible_to
from partners.access import can_view_people, visible_queryset
from partners.models import Organisation

from ..models import (
    ActionItem,
    AgendaItem,
    Initiative,
    Meeting,
    Obstacle,
    Phase,
    PhaseChange,
    PulseRound,
)
from ..permissions import is_programme_manager
from ..pulse_items import MIN_GROUP, factors_for
from .browse import initiative_list
from .meetings import meeting_in_preparation
from .pulse import pulse_results, pulse_rounds_for_manager

SECTION_LIMIT = 10
# Without an earlier meeting, "since the last werkgroep" means the past week.
FALLBACK_PERIOD = timedelta(days=7)
ROTATION_HORIZON_DAYS = 90
# Monitor rounds whose results are read per visit; each costs a few queries.
PULSE_ROUNDS = 3
PULSE_CACHE_SECONDS = 6 * 3600

M = TypeVar("M", bound=Model)
SectionBuilder = Callable[[Any, datetime, int], WerkgroepSection | None]


def weekly_can_view(user: Any) -> bool:
    """The weekly view is the programme managers' cockpit; everyone else gets a 404."""
    return is_programme_manager(user)


# --- Small helpers ----------------------------------------------------------------------------


def _day(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = timezone.localdate(value)
    return formats.date_format(value, "j F Y")


def _meta(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def _bounded(
    *,
    key: str,
    title: str,
    queryset: QuerySet[M],
    line: Callable[[M], WerkgroepLine],
    limit: int,
    empty_text: str,
) -> WerkgroepSection:
    """One count and (when there is anything) one slice of ``limit`` rows."""
    total = queryset.count()
    rows = list(queryset[:limit]) if total else []
    return WerkgroepSection(
        key=key,
        title=title,
        lines=tuple(line(row) for row in rows),
        total=total,
        empty_text=empty_text,
    )


def _visible_initiative_ids(user: Any) -> QuerySet[Initiative, Any]:
    return visible_queryset(user, Initiative.objects.all()).values("pk")


def _person_name(person: Person) -> str:
    return f"{person.first_name} {person.last_name}".strip()


# --- Lines (shared by the sections and by "op de agenda", so both use the same text) ------------


def _initiative_line(initiative: Initiative, meta: str = "") -> WerkgroepLine:
    return WerkgroepLine(
        text=initiative.title,
        url=initiative.get_absolute_url(),
        meta=meta
        or _meta(initiative.owner_organisation.display_name, initiative.get_phase_display()),
        agenda_key=f"initiative:{initiative.pk}",
    )


def _phase_change_line(change: PhaseChange) -> WerkgroepLine:
    initiative = change.initiative
    return WerkgroepLine(
        text=_("%(title)s: %(from)s → %(to)s")
        % {
            "title": initiative.title,
            "from": change.get_from_phase_display(),
            "to": change.get_to_phase_display(),
        },
        url=initiative.get_absolute_url(),
        meta=_meta(initiative.owner_organisation.display_name, _day(change.created_at)),
        agenda_key=f"phase:{change.pk}",
    )


def _obstacle_line(obstacle: Obstacle) -> WerkgroepLine:
    initiative = obstacle.initiative
    state = (
        _("geëscaleerd op %(date)s") % {"date": _day(obstacle.escalated_at)}
        if obstacle.escalated_at
        else _("gemeld op %(date)s") % {"date": _day(obstacle.created_at)}
    )
    return WerkgroepLine(
        text=_("%(obstacle)s (%(initiative)s)")
        % {"obstacle": obstacle.title, "initiative": initiative.title},
        url=f"{initiative.get_absolute_url()}#obstacles",
        meta=_meta(state, obstacle.get_category_display()),
        agenda_key=f"obstacle:{obstacle.pk}",
    )


def _action_line(action: ActionItem) -> WerkgroepLine:
    if action.initiative is not None:
        where, url = action.initiative.title, f"{action.initiative.get_absolute_url()}#actions"
    elif action.meeting is not None:
        where, url = str(action.meeting), action.meeting.get_absolute_url()
    else:  # pragma: no cover - the query keeps only actions of an initiative or a meeting
        where, url = "", ""
    due = _("uiterlijk %(date)s") % {"date": _day(action.due_date)} if action.due_date else ""
    owner = action.owner.get_full_name() or action.owner.email if action.owner else ""
    return WerkgroepLine(
        text=action.title,
        url=url,
        meta=_meta(owner or _("geen eigenaar"), due, where),
        agenda_key=f"action:{action.pk}",
    )


def _stale_line(flag: ContactFlag) -> WerkgroepLine:
    return WerkgroepLine(
        text=_person_name(flag.person),
        url=flag.person.get_absolute_url(),
        meta=_meta(getattr(flag, "organisation_name", "") or "", flag.get_reason_display()),
        agenda_key=f"flag:{flag.pk}",
    )


def _rotation_line(affiliation: Affiliation) -> WerkgroepLine:
    assert affiliation.expected_rotation_date is not None
    return WerkgroepLine(
        text=_("%(person)s (%(organisation)s)")
        % {
            "person": _person_name(affiliation.person),
            "organisation": affiliation.organisation.display_name,
        },
        url=affiliation.person.get_absolute_url(),
        meta=_meta(
            affiliation.title,
            _("wisselt rond %(date)s") % {"date": _day(affiliation.expected_rotation_date)},
        ),
        agenda_key=f"rotation:{affiliation.pk}",
    )


def _handover_line(handover: Handover) -> WerkgroepLine:
    successor = _person_name(handover.successor) if handover.successor else _("nog geen opvolger")
    organisation = (
        handover.affiliation.organisation.display_name if handover.affiliation is not None else ""
    )
    return WerkgroepLine(
        text=_("Overdracht van %(person)s") % {"person": _person_name(handover.person)},
        url=reverse("network:handover_detail", kwargs={"pk": handover.pk}),
        meta=_meta(
            organisation,
            _("uiterlijk %(date)s") % {"date": _day(handover.due_date)},
            _("opvolger: %(name)s") % {"name": successor},
        ),
        agenda_key=f"handover:{handover.pk}",
    )


# --- Sections -----------------------------------------------------------------------------------


def new_initiatives_section(user: Any, since: datetime, limit: int) -> WerkgroepSection:
    return _bounded(
        key="new_initiatives",
        title=_("Nieuwe initiatieven"),
        queryset=initiative_list(user=user)
        .filter(created_at__gte=since)
        .order_by("-created_at", "-id"),
        line=_initiative_line,
        limit=limit,
        empty_text=_("Geen nieuwe initiatieven."),
    )


def _phase_changes(user: Any) -> QuerySet[PhaseChange]:
    # The first entry of an initiative's history (no "from") is its creation, listed above;
    # closing as Geborgd is listed under the successes.
    return (
        PhaseChange.objects.filter(initiative_id__in=_visible_initiative_ids(user))
        .exclude(from_phase="")
        .exclude(to_phase=Phase.EMBEDDED)
        .select_related("initiative__owner_organisation")
    )


def phase_changes_section(user: Any, since: datetime, limit: int) -> WerkgroepSection:
    return _bounded(
        key="phase_changes",
        title=_("Faseovergangen"),
        queryset=_phase_changes(user).filter(created_at__gte=since).order_by("-created_at", "-id"),
        line=_phase_change_line,
        limit=limit,
        empty_text=_("Geen faseovergangen."),
    )


def _obstacles(user: Any) -> QuerySet[Obstacle]:
    return Obstacle.objects.filter(initiative_id__in=_visible_initiative_ids(user)).select_related(
        "initiative"
    )


def obstacles_section(user: Any, since: datetime, limit: int) -> WerkgroepSection:
    return _bounded(
        key="obstacles",
        title=_("Nieuwe en geëscaleerde belemmeringen"),
        queryset=_obstacles(user)
        .filter(Q(created_at__gte=since) | Q(escalated_at__gte=since))
        .exclude(status=Obstacle.Status.RESOLVED)
        .order_by(F("escalated_at").desc(nulls_last=True), "-created_at", "-id"),
        line=_obstacle_line,
        limit=limit,
        empty_text=_("Geen nieuwe of geëscaleerde belemmeringen."),
    )


def _actions(user: Any) -> QuerySet[ActionItem]:
    """Actions of initiatives or meetings the user may see."""
    meetings = visible_queryset(user, Meeting.objects.all()).values("pk")
    return ActionItem.objects.filter(
        Q(initiative_id__in=_visible_initiative_ids(user)) | Q(meeting_id__in=meetings)
    ).select_related("initiative", "meeting", "owner")


def overdue_actions_section(user: Any, since: datetime, limit: int) -> WerkgroepSection:
    return _bounded(
        key="overdue_actions",
        title=_("Verlopen actiepunten"),
        queryset=_actions(user)
        .filter(status=ActionItem.Status.OPEN, due_date__lt=timezone.localdate())
        .order_by("due_date", "id"),
        line=_action_line,
        limit=limit,
        empty_text=_("Geen verlopen actiepunten."),
    )


def dormant_section(user: Any, since: datetime, limit: int) -> WerkgroepSection:
    def line(initiative: Initiative) -> WerkgroepLine:
        assert initiative.dormant_since is not None
        return _initiative_line(
            initiative,
            _meta(
                initiative.owner_organisation.display_name,
                _("slapend sinds %(date)s") % {"date": _day(initiative.dormant_since)},
            ),
        )

    return _bounded(
        key="dormant",
        title=_("Slapende initiatieven"),
        queryset=initiative_list(user=user)
        .filter(dormant_since__isnull=False)
        .order_by("-dormant_since", "-id"),
        line=line,
        limit=limit,
        empty_text=_("Geen slapende initiatieven."),
    )


def successes_section(user: Any, since: datetime, limit: int) -> WerkgroepSection:
    def line(initiative: Initiative) -> WerkgroepLine:
        assert initiative.closed_at is not None
        return _initiative_line(
            initiative,
            _meta(
                initiative.owner_organisation.display_name,
                _("geborgd op %(date)s") % {"date": _day(initiative.closed_at)},
            ),
        )

    return _bounded(
        key="successes",
        title=_("Successen"),
        queryset=initiative_list(user=user)
        .filter(phase=Phase.EMBEDDED, closed_at__gte=since)
        .order_by("-closed_at", "-id"),
        line=line,
        limit=limit,
        empty_text=_("Geen initiatieven geborgd."),
    )


def _pulse_rounds(user: Any, since: datetime) -> QuerySet[PulseRound]:
    """Rounds the programme manager may follow that were open during the period and have
    enough responses to show anything (the monitor page's own rule)."""
    return (
        pulse_rounds_for_manager(user=user)
        .annotate(until=Coalesce("closed_at", "closes_at"))
        .filter(opens_at__lte=timezone.now(), until__gte=since)
        .filter(n_responses__gte=MIN_GROUP)  # type: ignore[misc]  # annotated by the selector
    )


def _pulse_low_factors(round_: PulseRound) -> tuple[int, tuple[str, ...]]:
    """The number of responses and the codes of the low factors (none below five responses).

    Aggregating a round reads all its responses, so the outcome is cached per round and
    number of responses: it only changes when someone answers."""
    n = getattr(round_, "n_responses", None)
    key = f"werkgroep:pulse-low:{round_.pk}:{n}"
    cached = cache.get(key) if n is not None else None
    if cached is not None:
        return cached[0], tuple(cached[1])
    results = pulse_results(round=round_)
    low = tuple(f.factor.code for f in results.low_factors) if results.enough else ()
    if n is not None:
        cache.set(key, (results.responses, list(low)), PULSE_CACHE_SECONDS)
    return results.responses, low


def _pulse_line(round_: PulseRound) -> WerkgroepLine | None:
    """A line naming the round's low factors, or None when none is low (or too few answered)."""
    responses, low = _pulse_low_factors(round_)
    if not low:
        return None
    labels = {f.code: str(f.label) for f in factors_for(round_.form)}
    return WerkgroepLine(
        text=_("%(round)s: lage score op %(factors)s")
        % {"round": round_.title, "factors": ", ".join(labels.get(c, c) for c in low)},
        url=round_.get_absolute_url(),
        meta=_("%(n)s antwoorden") % {"n": responses},
        agenda_key=f"pulse:{round_.pk}",
    )


def pulse_section(user: Any, since: datetime, limit: int) -> WerkgroepSection:
    rounds = list(_pulse_rounds(user, since)[: min(limit, PULSE_ROUNDS)])
    lines = tuple(line for line in map(_pulse_line, rounds) if line is not None)
    return WerkgroepSection(
        key="pulse",
        title=_("Lage scores in de Samenwerkingsmonitor"),
        lines=lines,
        total=len(lines),
        empty_text=_("Geen lage scores in de monitorrondes van deze periode."),
    )


def stale_contacts_section(user: Any, since: datetime, limit: int) -> WerkgroepSection | None:
    scope = stale_scope_for(user=user)
    if scope is None:
        return None
    core_ids, _source = core_organisation_ids()
    in_core = Affiliation.objects.current().filter(organisation_id__in=core_ids)
    return _bounded(
        key="stale_contacts",
        title=_("Verouderde contacten in de kernorganisaties"),
        queryset=stale_open_flags(scope=scope)
        .filter(person_id__in=in_core.values("person_id"))
        .select_related("person")
        .order_by("-raised_at", "-id"),
        line=_stale_line,
        limit=limit,
        empty_text=_("Geen verouderde contacten."),
    )


def _rotations() -> QuerySet[Affiliation]:
    today = timezone.localdate()
    return (
        Affiliation.objects.current()
        .filter(
            expected_rotation_date__gte=today,
            expected_rotation_date__lte=today + timedelta(days=ROTATION_HORIZON_DAYS),
            person__anonymised_at__isnull=True,
        )
        .select_related("person", "organisation")
    )


def rotations_section(user: Any, since: datetime, limit: int) -> WerkgroepSection | None:
    if not can_view_people(user):
        return None
    return _bounded(
        key="rotations",
        title=_("Functiewisselingen binnen %(days)s dagen") % {"days": ROTATION_HORIZON_DAYS},
        queryset=_rotations().order_by("expected_rotation_date", "id"),
        line=_rotation_line,
        limit=limit,
        empty_text=_("Geen functiewisselingen op komst."),
    )


def _open_handovers(user: Any) -> QuerySet[Handover]:
    return (
        handovers_visible_to(user=user)
        .filter(status=Handover.Status.OPEN, person__anonymised_at__isnull=True)
        .select_related("person", "successor", "affiliation__organisation")
    )


def handovers_section(user: Any, since: datetime, limit: int) -> WerkgroepSection | None:
    if not can_view_people(user):
        return None
    return _bounded(
        key="handovers",
        title=_("Open overdrachten"),
        queryset=_open_handovers(user).order_by("due_date", "id"),
        line=_handover_line,
        limit=limit,
        empty_text=_("Geen open overdrachten."),
    )


def _pair_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    rows = result.get("single_threaded_pairs", [])
    return rows if isinstance(rows, list) else []


def _pair_lines(rows: Iterable[dict[str, Any]], analysed: str) -> list[WerkgroepLine]:
    """Lines for stored pairs, with names looked up now (anonymised people stay nameless)."""
    rows = list(rows)
    org_ids = {row["a"] for row in rows} | {row["b"] for row in rows}
    person_ids = {pk for row in rows for pk in row.get("critical", [])}
    orgs = {o.pk: o.display_name for o in Organisation.objects.filter(pk__in=org_ids)}
    people = {
        p.pk: _person_name(p)
        for p in Person.objects.filter(pk__in=person_ids, anonymised_at__isnull=True)
    }
    unknown = _("(onbekend)")
    url = reverse("network:continuity")
    lines = []
    for row in rows:
        names = [people[pk] for pk in row.get("critical", []) if pk in people]
        lines.append(
            WerkgroepLine(
                text=f"{orgs.get(row['a'], unknown)} ↔ {orgs.get(row['b'], unknown)}",
                url=url,
                meta=_meta(
                    _("alleen via %(names)s") % {"names": ", ".join(names)} if names else "",
                    _("analyse van %(date)s") % {"date": analysed},
                ),
                agenda_key=f"pair:{row['a']}-{row['b']}",
            )
        )
    return lines


def single_threaded_section(user: Any, since: datetime, limit: int) -> WerkgroepSection | None:
    """From the latest stored continuity analysis (never recomputed here: it walks the whole
    network graph)."""
    if not continuity_can_view(user):
        return None
    run = continuity_run_latest_done()
    if run is None:
        return None
    result = run.result or {}
    rows = _pair_rows(result)
    analysed = _day(run.finished_at or run.started_at)
    return WerkgroepSection(
        key="single_threaded",
        title=_("Organisatieparen die aan één persoon hangen"),
        lines=tuple(_pair_lines(rows[:limit], analysed)),
        total=int(result.get("single_threaded_pairs_total", len(rows))),
        empty_text=_("Geen paren die aan één persoon hangen."),
    )


INITIATIVE_SECTIONS: tuple[SectionBuilder, ...] = (
    new_initiatives_section,
    phase_changes_section,
    obstacles_section,
    overdue_actions_section,
    dormant_section,
)
# After the sections of later apps (new knowledge and lessons).
OUTCOME_SECTIONS: tuple[SectionBuilder, ...] = (successes_section, pulse_section)
NETWORK_SECTIONS: tuple[SectionBuilder, ...] = (
    stale_contacts_section,
    rotations_section,
    handovers_section,
    single_threaded_section,
)


def weekly_sections(
    *, user: Any, since: datetime, limit: int = SECTION_LIMIT
) -> list[WerkgroepSection]:
    """Every section for ``user``; the people and network sections only once the network has
    people in it."""
    builders: list[SectionBuilder] = [*INITIATIVE_SECTIONS]
    builders += [provider for _key, provider in werkgroep_sections.items()]
    builders += OUTCOME_SECTIONS
    if Person.objects.exists():
        builders += NETWORK_SECTIONS
    sections = []
    for build in builders:
        section = build(user, since, limit)
        if section is not None:
            sections.append(section)
    return sections


# --- The page -------------------------------------------------------------------------------------


def weekly_previous_meeting(*, user: Any) -> Meeting | None:
    """The most recent meeting the user may see that has already started (published or not)."""
    return (
        visible_queryset(user, Meeting.objects.filter(starts_at__lte=timezone.now()))
        .order_by("-starts_at", "-id")
        .first()
    )


def agenda_dom_id(key: str) -> str:
    """The DOM id of a line's "op de agenda" button: "pair:3-7" → "agenda-pair-3-7"."""
    return "agenda-" + re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")


@dataclass(frozen=True)
class WeeklyRow:
    line: WerkgroepLine
    dom_id: str
    on_agenda: bool


@dataclass(frozen=True)
class WeeklyBlock:
    section: WerkgroepSection
    rows: tuple[WeeklyRow, ...]

    @property
    def more(self) -> int:
        return max(self.section.total - len(self.rows), 0)


@dataclass(frozen=True)
class WeeklyOverview:
    since: datetime
    previous_meeting: Meeting | None
    preparing: Meeting | None
    blocks: tuple[WeeklyBlock, ...]


def weekly_agenda_keys(*, meeting: Meeting | None) -> set[str]:
    """The source keys already on a meeting's agenda."""
    if meeting is None:
        return set()
    return set(
        AgendaItem.objects.filter(meeting=meeting)
        .exclude(source_key="")
        .values_list("source_key", flat=True)
    )


def weekly_overview(*, user: Any, limit: int = SECTION_LIMIT) -> WeeklyOverview:
    """Everything the weekly page shows, in a fixed number of queries."""
    previous = weekly_previous_meeting(user=user)
    since = previous.starts_at if previous is not None else timezone.now() - FALLBACK_PERIOD
    preparing = meeting_in_preparation(user=user)
    on_agenda = weekly_agenda_keys(meeting=preparing)
    blocks = tuple(
        WeeklyBlock(
            section=section,
            rows=tuple(
                WeeklyRow(
                    line=line,
                    dom_id=agenda_dom_id(line.agenda_key) if line.agenda_key else "",
                    on_agenda=bool(line.agenda_key) and line.agenda_key in on_agenda,
                )
                for line in section.lines
            ),
        )
        for section in weekly_sections(user=user, since=since, limit=limit)
    )
    return WeeklyOverview(
        since=since, previous_meeting=previous, preparing=preparing, blocks=blocks
    )


# --- "Op de agenda": from a line's key back to what it points at ----------------------------------

AGENDA_KEY = re.compile(r"^(?P<kind>[a-z_]{2,20}):(?P<id>[0-9]{1,12})(?:-(?P<other>[0-9]{1,12}))?$")


@dataclass(frozen=True)
class AgendaSource:
    """What a key points at, as the viewer may see it: the line to put on the agenda and the
    initiative it belongs to (if any)."""

    key: str
    line: WerkgroepLine
    initiative: Initiative | None = None


def _first(queryset: QuerySet[M], pk: int) -> M | None:
    return queryset.filter(pk=pk).first()


def _source_initiative(user: Any, pk: int) -> tuple[WerkgroepLine, Initiative] | None:
    initiative = _first(initiative_list(user=user), pk)
    return (_initiative_line(initiative), initiative) if initiative else None


def _source_phase(user: Any, pk: int) -> tuple[WerkgroepLine, Initiative] | None:
    change = _first(_phase_changes(user), pk)
    return (_phase_change_line(change), change.initiative) if change else None


def _source_obstacle(user: Any, pk: int) -> tuple[WerkgroepLine, Initiative] | None:
    obstacle = _first(_obstacles(user), pk)
    return (_obstacle_line(obstacle), obstacle.initiative) if obstacle else None


def _source_action(user: Any, pk: int) -> tuple[WerkgroepLine, Initiative | None] | None:
    action = _first(_actions(user), pk)
    return (_action_line(action), action.initiative) if action else None


def _source_pulse(user: Any, pk: int) -> tuple[WerkgroepLine, Initiative | None] | None:
    round_ = _first(pulse_rounds_for_manager(user=user), pk)
    line = _pulse_line(round_) if round_ else None
    return (line, round_.initiative) if round_ and line else None


def _source_flag(user: Any, pk: int) -> tuple[WerkgroepLine, None] | None:
    scope = stale_scope_for(user=user)
    if scope is None:
        return None
    flag = _first(stale_open_flags(scope=scope).select_related("person"), pk)
    return (_stale_line(flag), None) if flag else None


def _source_rotation(user: Any, pk: int) -> tuple[WerkgroepLine, None] | None:
    if not can_view_people(user):
        return None
    affiliation = _first(_rotations(), pk)
    return (_rotation_line(affiliation), None) if affiliation else None


def _source_handover(user: Any, pk: int) -> tuple[WerkgroepLine, None] | None:
    if not can_view_people(user):
        return None
    handover = _first(_open_handovers(user), pk)
    return (_handover_line(handover), None) if handover else None


def _source_pair(user: Any, a: int, b: int) -> tuple[WerkgroepLine, None] | None:
    if not continuity_can_view(user):
        return None
    run = continuity_run_latest_done()
    if run is None:
        return None
    rows = [r for r in _pair_rows(run.result or {}) if (r.get("a"), r.get("b")) == (a, b)]
    if not rows:
        return None
    return _pair_lines(rows[:1], _day(run.finished_at or run.started_at))[0], None


_SOURCES: dict[str, Callable[[Any, int], tuple[WerkgroepLine, Initiative | None] | None]] = {
    "initiative": _source_initiative,
    "phase": _source_phase,
    "obstacle": _source_obstacle,
    "action": _source_action,
    "pulse": _source_pulse,
    "flag": _source_flag,
    "rotation": _source_rotation,
    "handover": _source_handover,
}


def _source_from_providers(user: Any, key: str) -> WerkgroepLine | None:
    """Kinds that later apps contribute (e.g. "knowledge:12"): their section provider may offer
    ``agenda_line(user, key)``, which answers None for what the user may not see."""
    for _name, provider in werkgroep_sections.items():
        resolve = getattr(provider, "agenda_line", None)
        if resolve is None:
            continue
        line = resolve(user, key)
        if line is not None:
            return line
    return None


def weekly_agenda_source(*, user: Any, key: str) -> AgendaSource:
    """What ``key`` points at, if it is well formed and the user may see it; otherwise 404."""
    match = AGENDA_KEY.match(key or "")
    if match is None or not weekly_can_view(user):
        raise Http404
    kind, pk, other = match["kind"], int(match["id"]), match["other"]
    found: tuple[WerkgroepLine, Initiative | None] | None
    if kind == "pair":
        found = _source_pair(user, pk, int(other)) if other is not None else None
    elif other is not None:
        found = None
    elif kind in _SOURCES:
        found = _SOURCES[kind](user, pk)
    else:
        line = _source_from_providers(user, key)
        found = (line, None) if line is not None else None
    if found is None:
        raise Http404
    line, initiative = found
    return AgendaSource(key=key, line=line, initiative=initiative)
