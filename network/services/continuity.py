"""Continuity analysis runs, monthly network snapshots and the network map's data.

The analysis itself lives in ``network.continuity`` (pure functions on a networkx graph); this
module loads the graph, stores dated results and turns stored ids back into names for display.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import networkx as nx
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from partners.access import can_view_people, managed_organisation_ids
from partners.models import Organisation, SharingGroup

from .. import continuity as analysis
from ..models import Affiliation, ContactFlag, ContinuityRun, NetworkSnapshot, Person, Tie

logger = logging.getLogger(__name__)

CORE_GROUP = "LMI-kern"
LIST_LIMIT = 200  # rows kept per list in a stored result; totals are kept as well
# A run still "running" after this long died with its worker; a new one may start.
RUN_STALE_AFTER = timedelta(minutes=20)
MAP_MAX_NODES = 2000
MAP_MAX_EDGES = 5000


# --- Who may see it ------------------------------------------------------------------------------


def continuity_can_view(user: Any) -> bool:
    """Programme managers and organisation admins (active members): the analysis reveals the
    structure of the whole network, which plain members do not need."""
    if not can_view_people(user):
        return False
    return bool(getattr(user, "is_programme_manager", False)) or bool(
        managed_organisation_ids(user)
    )


# --- Inputs --------------------------------------------------------------------------------------


def core_organisation_ids() -> tuple[list[int], str]:
    """The active members of the sharing group "LMI-kern", else every active organisation."""
    active = Organisation.objects.filter(status=Organisation.Status.ACTIVE)
    group = SharingGroup.objects.filter(name=CORE_GROUP).first()
    if group is not None:
        ids = list(active.filter(sharing_groups=group).values_list("pk", flat=True))
        if ids:
            return sorted(ids), CORE_GROUP
    return sorted(active.values_list("pk", flat=True)), ""


def _kpis(graph: nx.Graph, pairs: dict[analysis.OrgPair, analysis.PairLinks]) -> analysis.Kpis:
    active = Organisation.objects.filter(status=Organisation.Status.ACTIVE)
    return analysis.network_kpis(
        graph,
        pairs,
        stale_person_ids=ContactFlag.objects.filter(resolved_at__isnull=True)
        .values_list("person_id", flat=True)
        .distinct(),
        sme_organisation_ids=active.filter(
            kind__in=[Organisation.Kind.SME, Organisation.Kind.STARTUP]
        ).values_list("pk", flat=True),
        defence_organisation_ids=active.filter(kind=Organisation.Kind.DEFENCE_UNIT).values_list(
            "pk", flat=True
        ),
    )


def _pair_row(key: analysis.OrgPair, links: analysis.PairLinks) -> dict[str, Any]:
    return {
        "a": key[0],
        "b": key[1],
        "ties": links.ties,
        "carriers": len(links.carriers),
        "critical": sorted(links.critical),
    }


# --- The analysis run ----------------------------------------------------------------------------


def continuity_analyse(
    *, today: date | None = None, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Run the whole analysis on the current network; the result is plain JSON."""
    today = today or timezone.localdate()
    report = progress or (lambda percent: None)
    graph = analysis.person_graph_load(today=today)
    report(20)
    core_ids, core_source = core_organisation_ids()
    pairs = analysis.organisation_pair_links(graph)
    core_total = analysis.core_pair_count(core_ids)
    core_linked = len(analysis.linked_core_pairs(core_ids, pairs))
    core_single = analysis.single_threaded_core_pairs(core_ids, pairs)
    # Unlinked pairs first (the worst), then those hanging on one person; the list is capped.
    flagged_rows = [
        _pair_row(key, analysis.PairLinks())
        for key in itertools.islice(analysis.unlinked_core_pairs(core_ids, pairs), LIST_LIMIT)
    ]
    flagged_rows += [
        _pair_row(key, core_single[key])
        for key in sorted(core_single)[: LIST_LIMIT - len(flagged_rows)]
    ]
    core = set(core_ids)
    single = {
        key: links
        for key, links in pairs.items()
        if links.single_threaded and (key[0] in core or key[1] in core)
    }
    report(45)
    points = analysis.articulation_points(graph)
    cut_ties = analysis.bridges(graph)
    report(75)
    critical = analysis.critical_people(graph, pairs, core_ids, points=points)
    at_risk = analysis.at_risk_people(graph, critical, today=today)
    carried: dict[int, list[list[int]]] = {}
    for key, links in single.items():
        for person in links.critical:
            carried.setdefault(person, []).append(list(key))
    kpis = _kpis(graph, pairs)
    report(90)
    by_degree = sorted(points, key=lambda p: (-graph.degree(p), p))
    return {
        "today": today.isoformat(),
        "core_source": core_source,
        "core_organisations": len(core_ids),
        "core_pairs_total": core_total,
        "kpis": kpis.as_dict(),
        "flagged_core_pairs": flagged_rows,
        "flagged_core_pairs_total": core_total - core_linked + len(core_single),
        "core_pairs_unlinked": core_total - core_linked,
        "core_pairs_single": len(core_single),
        "single_threaded_pairs": [
            _pair_row(key, single[key]) for key in sorted(single)[:LIST_LIMIT]
        ],
        "single_threaded_pairs_total": len(single),
        "articulation_points": by_degree[:LIST_LIMIT],
        "articulation_points_total": len(points),
        "bridges": [list(tie) for tie in sorted(cut_ties)[:LIST_LIMIT]],
        "bridges_total": len(cut_ties),
        "at_risk": [
            {
                "person": person,
                "rotation": rotation.isoformat(),
                "why": sorted(critical[person]),
                "pairs": carried.get(person, [])[:20],
            }
            for person, rotation in at_risk[:LIST_LIMIT]
        ],
        "at_risk_total": len(at_risk),
    }


def continuity_run_current() -> ContinuityRun | None:
    """The run in progress, if one started recently enough to still be alive."""
    return (
        ContinuityRun.objects.filter(
            status=ContinuityRun.Status.RUNNING,
            started_at__gte=timezone.now() - RUN_STALE_AFTER,
        )
        .order_by("-started_at")
        .first()
    )


def continuity_run_latest_done() -> ContinuityRun | None:
    return (
        ContinuityRun.objects.filter(status=ContinuityRun.Status.DONE)
        .order_by("-finished_at", "-pk")
        .first()
    )


def continuity_run_start(*, actor: Any) -> ContinuityRun:
    """Start a new analysis run in the background; a run already in progress is reused."""
    with transaction.atomic():
        running = continuity_run_current()
        if running is not None:
            return running
        run = ContinuityRun.objects.create(requested_by=actor)
        run_id = run.pk
        transaction.on_commit(lambda: _schedule_run(run_id))
    return run


def _schedule_run(run_id: int) -> None:
    from ..tasks.continuity import continuity_run

    try:
        continuity_run.delay(run_id)
    except Exception:
        # The broker is down. Left "running", the run would block every new start for
        # RUN_STALE_AFTER while nothing computes it: fail it, so the page says to try again.
        logger.warning("Could not enqueue continuity run %s", run_id, exc_info=True)
        ContinuityRun.objects.filter(pk=run_id, status=ContinuityRun.Status.RUNNING).update(
            status=ContinuityRun.Status.FAILED,
            finished_at=timezone.now(),
            error="Could not be queued: the task broker was unreachable.",
        )


def continuity_run_execute(*, run_id: int) -> None:
    """Do the work of one run, saving progress between the phases; idempotent per run."""
    # Claim the run: a second delivery of the same task finds it claimed and does nothing.
    claimed = ContinuityRun.objects.filter(
        pk=run_id, status=ContinuityRun.Status.RUNNING, progress=0
    ).update(progress=5)
    if not claimed:
        return

    def report(percent: int) -> None:
        ContinuityRun.objects.filter(pk=run_id).update(progress=percent)

    try:
        result = continuity_analyse(progress=report)
    except Exception as exc:
        ContinuityRun.objects.filter(pk=run_id).update(
            status=ContinuityRun.Status.FAILED, error=repr(exc)[:2000], finished_at=timezone.now()
        )
        raise
    ContinuityRun.objects.filter(pk=run_id).update(
        status=ContinuityRun.Status.DONE, progress=100, result=result, finished_at=timezone.now()
    )


# --- Snapshots -----------------------------------------------------------------------------------


def network_kpis_now(*, today: date | None = None) -> dict[str, float | int]:
    graph = analysis.person_graph_load(today=today)
    return _kpis(graph, analysis.organisation_pair_links(graph)).as_dict()


def network_snapshot_take(*, today: date | None = None) -> NetworkSnapshot:
    """This month's snapshot of the network-health figures; taken once per month."""
    taken_on = (today or timezone.localdate()).replace(day=1)
    existing = NetworkSnapshot.objects.filter(taken_on=taken_on).first()
    if existing is not None:
        return existing
    metrics = network_kpis_now(today=today)
    try:
        with transaction.atomic():
            return NetworkSnapshot.objects.create(taken_on=taken_on, metrics=metrics)
    except IntegrityError:  # taken at the same moment by another worker
        return NetworkSnapshot.objects.get(taken_on=taken_on)


@dataclass(frozen=True)
class TrendSeries:
    key: str
    label: str
    colour: str
    dash: str
    points: str  # SVG polyline points
    # x, y (as strings: a localised template would write "48,5"), month, value
    dots: list[tuple[str, str, str, Any]]


@dataclass(frozen=True)
class Trend:
    snapshots: list[NetworkSnapshot]
    series: list[TrendSeries]
    width: int
    height: int
    y_max: int
    x_labels: list[tuple[str, str]]


TREND_SERIES = [
    ("connected_pairs", "#0b5394", ""),
    ("single_threaded_pairs", "#b45309", "6 4"),
]


def snapshot_trend(*, months: int = 24) -> Trend:
    """The last ``months`` snapshots, oldest first, with coordinates for an inline SVG chart."""
    snapshots = list(NetworkSnapshot.objects.order_by("-taken_on")[:months])[::-1]
    width, height, pad_x, pad_y = 640, 220, 48, 24
    labels = {
        "connected_pairs": _("Verbonden organisatieparen"),
        "single_threaded_pairs": _("Paren die op één persoon hangen"),
    }
    values = [
        int(s.metrics.get(key, 0) or 0) for s in snapshots for key, _colour, _dash in TREND_SERIES
    ]
    y_max = max([*values, 1])
    step = (width - 2 * pad_x) / max(len(snapshots) - 1, 1)

    def x(i: int) -> str:
        return f"{pad_x + i * step:.1f}"

    def y(value: float) -> str:
        return f"{height - pad_y - (value / y_max) * (height - 2 * pad_y):.1f}"

    series = []
    for key, colour, dash in TREND_SERIES:
        dots = [
            (
                x(i),
                y(int(s.metrics.get(key, 0) or 0)),
                s.taken_on.strftime("%Y-%m"),
                s.metrics.get(key, 0),
            )
            for i, s in enumerate(snapshots)
        ]
        series.append(
            TrendSeries(
                key=key,
                label=labels[key],
                colour=colour,
                dash=dash,
                points=" ".join(f"{dx},{dy}" for dx, dy, _m, _v in dots),
                dots=dots,
            )
        )
    x_labels = [(x(i), s.taken_on.strftime("%m-%Y")) for i, s in enumerate(snapshots)]
    return Trend(snapshots, series, width, height, y_max, x_labels)


# --- Reading a stored result (names resolved now; anonymised people stay nameless) ---------------


def _names(result: dict[str, Any]) -> tuple[dict[int, str], dict[int, str]]:
    org_ids: set[int] = set()
    person_ids: set[int] = set(result.get("articulation_points", []))
    for key in ("flagged_core_pairs", "single_threaded_pairs"):
        for row in result.get(key, []):
            org_ids.update((row["a"], row["b"]))
            person_ids.update(row["critical"])
    for row in result.get("at_risk", []):
        person_ids.add(row["person"])
        for a, b in row["pairs"]:
            org_ids.update((a, b))
    for a, b in result.get("bridges", []):
        person_ids.update((a, b))
    orgs = {
        pk: name or full
        for pk, name, full in Organisation.objects.filter(pk__in=org_ids).values_list(
            "pk", "short_name", "name"
        )
    }
    people = {
        pk: f"{first} {last}".strip()
        for pk, first, last in Person.objects.filter(
            pk__in=person_ids, anonymised_at__isnull=True
        ).values_list("pk", "first_name", "last_name")
    }
    return orgs, people


@dataclass(frozen=True)
class PersonRef:
    pk: int
    name: str  # empty when the person was anonymised since


@dataclass(frozen=True)
class PairRow:
    a: str
    b: str
    ties: int
    carriers: int
    critical: list[PersonRef]


@dataclass(frozen=True)
class AtRiskRow:
    person: PersonRef
    rotation: date
    articulation: bool
    pairs: list[str]


@dataclass(frozen=True)
class ContinuityReport:
    run: ContinuityRun
    result: dict[str, Any]
    flagged_pairs: list[PairRow]
    single_pairs: list[PairRow]
    articulation_points: list[PersonRef]
    bridges: list[tuple[PersonRef, PersonRef]]
    at_risk: list[AtRiskRow]


def continuity_report(*, run: ContinuityRun) -> ContinuityReport:
    """A stored result made readable: organisation and person names looked up now."""
    result = run.result or {}
    orgs, people = _names(result)
    unknown = _("(onbekend)")

    def person(pk: int) -> PersonRef:
        return PersonRef(pk=pk, name=people.get(pk, ""))

    def pair(row: dict[str, Any]) -> PairRow:
        return PairRow(
            a=orgs.get(row["a"], unknown),
            b=orgs.get(row["b"], unknown),
            ties=row["ties"],
            carriers=row["carriers"],
            critical=[person(pk) for pk in row["critical"]],
        )

    return ContinuityReport(
        run=run,
        result=result,
        flagged_pairs=[pair(row) for row in result.get("flagged_core_pairs", [])],
        single_pairs=[pair(row) for row in result.get("single_threaded_pairs", [])],
        articulation_points=[person(pk) for pk in result.get("articulation_points", [])],
        bridges=[(person(a), person(b)) for a, b in result.get("bridges", [])],
        at_risk=[
            AtRiskRow(
                person=person(row["person"]),
                rotation=date.fromisoformat(row["rotation"]),
                articulation="articulation" in row["why"],
                pairs=[f"{orgs.get(a, unknown)} ↔ {orgs.get(b, unknown)}" for a, b in row["pairs"]],
            )
            for row in result.get("at_risk", [])
        ],
    )


# --- What if X leaves ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WhatIf:
    person: Person
    lost_pairs: list[tuple[str, str]]


def what_if_person_leaves(*, person: Person, today: date | None = None) -> WhatIf:
    """The organisation pairs that lose their last link when ``person`` leaves (live data)."""
    today = today or timezone.localdate()
    graph = analysis.person_graph_load(
        organisation_ids=_neighbourhood_organisation_ids(person.pk, today=today), today=today
    )
    lost = analysis.pairs_lost_without(graph, person.pk)
    names = {
        pk: short or name
        for pk, short, name in Organisation.objects.filter(
            pk__in={org for pair in lost for org in pair}
        ).values_list("pk", "short_name", "name")
    }
    rows = sorted((names[a], names[b]) for a, b in lost)
    return WhatIf(person=person, lost_pairs=rows)


def _neighbourhood_organisation_ids(person_id: int, *, today: date) -> set[int]:
    """Organisations of ``person`` and of everyone they have a confirmed tie with."""
    people = {person_id}
    for a, b in (
        Tie.objects.filter(status=Tie.Status.CONFIRMED)
        .filter(Q(person_a=person_id) | Q(person_b=person_id))
        .values_list("person_a_id", "person_b_id")
    ):
        people.update((a, b))
    return set(
        Affiliation.objects.filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .filter(person_id__in=people)
        .values_list("organisation_id", flat=True)
    )


def what_if_candidates(*, run: ContinuityRun | None) -> list[PersonRef]:
    """People worth asking "what if they leave" about: the critical ones of the latest run."""
    if run is None:
        return []
    report = continuity_report(run=run)
    seen: dict[int, PersonRef] = {}
    for ref in [r.person for r in report.at_risk] + report.articulation_points:
        if ref.name:
            seen.setdefault(ref.pk, ref)
    for row in report.flagged_pairs + report.single_pairs:
        for ref in row.critical:
            if ref.name:
                seen.setdefault(ref.pk, ref)
    return sorted(seen.values(), key=lambda ref: ref.name)


# --- The network map -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MapFilters:
    level: str = "organisatie"  # or "persoon"
    organisation_id: int | None = None
    theme_id: int | None = None
    system_id: int | None = None

    def query(self) -> str:
        from urllib.parse import urlencode

        params: dict[str, Any] = {"niveau": self.level}
        for name, value in (
            ("organisatie", self.organisation_id),
            ("thema", self.theme_id),
            ("systeem", self.system_id),
        ):
            if value is not None:
                params[name] = value
        return urlencode(params)


def _person_url(pk: int) -> str:
    try:
        return reverse("network:person_detail", kwargs={"pk": pk})
    except NoReverseMatch:
        return ""


def network_map_data(*, user: Any, filters: MapFilters) -> dict[str, Any]:
    """Nodes and edges of the network map for an active member: active organisations, people
    who are not anonymised and confirmed ties only (a constant number of queries)."""
    if not can_view_people(user):
        return {"level": filters.level, "nodes": [], "edges": [], "truncated": False}
    # Every active member sees the same map, so it is computed once per filter and language
    # and kept briefly: at 25,000 people building it takes seconds, reading it milliseconds.
    key = f"network-map:{get_language()}:{filters.query()}"
    data: dict[str, Any] | None = cache.get(key)
    if data is None:
        graph = analysis.person_graph_load()
        if filters.level == "persoon":
            data = _person_map(graph, filters)
        else:
            data = _organisation_map(graph)
        cache.set(key, data, settings.NETWORK_MAP_CACHE_SECONDS)
    return data


def _organisation_map(graph: nx.Graph) -> dict[str, Any]:
    pairs = analysis.organisation_pair_links(graph)
    orgs = list(
        Organisation.objects.filter(status=Organisation.Status.ACTIVE)
        .order_by("name")
        .values_list("pk", "name", "short_name", "kind")
    )
    org_graph = nx.Graph()
    org_graph.add_nodes_from(pk for pk, *_rest in orgs)
    org_graph.add_edges_from(pairs)
    cut_orgs = set(nx.articulation_points(org_graph))
    names = _person_names({p for links in pairs.values() for p in links.critical})
    kinds = dict(Organisation.Kind.choices)
    nodes = [
        {
            "id": f"o{pk}",
            "label": short or name,
            "title": name,
            "kind": str(kinds.get(kind, kind)),
            "degree": org_graph.degree(pk),
            "spof": pk in cut_orgs,
            "url": reverse("partners:organisation_detail", args=[pk]),
        }
        for pk, name, short, kind in orgs
    ]
    edges: list[dict[str, Any]] = [
        {
            "id": f"o{a}-o{b}",
            "source": f"o{a}",
            "target": f"o{b}",
            "weight": len(links.carriers),
            "ties": links.ties,
            "spof": links.single_threaded,
            "via": sorted(names[p] for p in links.critical if p in names)
            if links.single_threaded
            else [],
        }
        for (a, b), links in sorted(pairs.items())
    ]
    truncated = len(edges) > MAP_MAX_EDGES
    if truncated:
        # The vulnerable links first, then the strongest: what the map is for.
        edges = sorted(edges, key=lambda e: (not e["spof"], -e["weight"], e["id"]))[:MAP_MAX_EDGES]
    return {"level": "organisatie", "nodes": nodes, "edges": edges, "truncated": truncated}


def _person_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {
        pk: f"{first} {last}".strip()
        for pk, first, last in Person.objects.filter(pk__in=ids).values_list(
            "pk", "first_name", "last_name"
        )
    }


def _person_map(graph: nx.Graph, filters: MapFilters) -> dict[str, Any]:
    core_ids, _source = core_organisation_ids()
    pairs = analysis.organisation_pair_links(graph)
    critical = analysis.critical_people(graph, pairs, core_ids)
    selected: set[int] = set(graph.nodes)
    if filters.theme_id is not None or filters.system_id is not None:
        people = Person.objects.all()
        if filters.theme_id is not None:
            people = people.filter(themes=filters.theme_id)
        if filters.system_id is not None:
            people = people.filter(systems=filters.system_id)
        selected &= set(people.values_list("pk", flat=True))
    if filters.organisation_id is not None:
        at_org = {p for p in selected if filters.organisation_id in graph.nodes[p]["orgs"]}
        # Their outside contacts too, so that the organisation's links stay visible.
        selected = at_org | {n for p in at_org for n in graph[p]}
    truncated = len(selected) > MAP_MAX_NODES
    if truncated:
        selected = set(sorted(selected, key=lambda p: (-graph.degree(p), p))[:MAP_MAX_NODES])
    shown = graph.subgraph(selected)
    names = _person_names(set(shown.nodes))
    org_names = {
        pk: short or name
        for pk, short, name in Organisation.objects.filter(
            status=Organisation.Status.ACTIVE
        ).values_list("pk", "short_name", "name")
    }
    nodes = sorted(
        (
            {
                "id": f"p{p}",
                "label": names.get(p, ""),
                "title": names.get(p, ""),
                "kind": ", ".join(
                    sorted(org_names[o] for o in shown.nodes[p]["orgs"] if o in org_names)
                ),
                "degree": shown.degree(p),
                "spof": p in critical,
                "url": _person_url(p),
            }
            for p in shown.nodes
        ),
        key=lambda node: (node["label"], node["id"]),
    )
    cut = analysis.bridges(graph)
    edges = [
        {
            "id": f"p{a}-p{b}",
            "source": f"p{a}",
            "target": f"p{b}",
            "weight": 1,
            "ties": 1,
            "spof": (a, b) in cut,
            "via": [],
        }
        for a, b in sorted(analysis.pair_key(a, b) for a, b in shown.edges)
    ]
    return {"level": "persoon", "nodes": nodes, "edges": edges, "truncated": truncated}
