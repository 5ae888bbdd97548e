"""Continuity analysis of the person graph: where does the network hang on one person?

The graph is loaded from the database once (``person_graph_load``); everything else is a pure
function of a ``networkx.Graph`` whose nodes are person ids with the attributes

* ``orgs``     — frozenset of the organisation ids of the person's current affiliations;
* ``rotation`` — the earliest expected rotation date of those affiliations, or None;

and whose edges are confirmed ties. Tests build such graphs by hand.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import networkx as nx
from django.db.models import Q
from django.utils import timezone

from partners.models import Organisation

from .models import Affiliation, Tie

OrgPair = tuple[int, int]
AT_RISK_HORIZON = timedelta(days=183)  # "within six months"


@dataclass
class PairLinks:
    """The confirmed ties between the people of two organisations."""

    ties: int = 0
    carriers: set[int] = field(default_factory=set)
    # People who are on *every* tie between the two: removing any one of them cuts the pair.
    critical: set[int] = field(default_factory=set)

    @property
    def single_threaded(self) -> bool:
        return self.ties > 0 and bool(self.critical)


def pair_key(a: int, b: int) -> OrgPair:
    return (a, b) if a < b else (b, a)


# --- Loading -------------------------------------------------------------------------------------


def person_graph_load(
    *, organisation_ids: Iterable[int] | None = None, today: date | None = None
) -> nx.Graph:
    """The person graph from the database, in two queries.

    Nodes: people not anonymised with a current affiliation at an active organisation
    (optionally only at ``organisation_ids``); edges: confirmed ties (declared or derived)
    between two such people.
    """
    today = today or timezone.localdate()
    affiliations = Affiliation.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today),
        person__anonymised_at__isnull=True,
        organisation__status=Organisation.Status.ACTIVE,
    )
    if organisation_ids is not None:
        affiliations = affiliations.filter(organisation_id__in=list(organisation_ids))
    graph = nx.Graph()
    orgs: dict[int, set[int]] = {}
    rotation: dict[int, date] = {}
    for person_id, org_id, rotates in affiliations.values_list(
        "person_id", "organisation_id", "expected_rotation_date"
    ).iterator(chunk_size=5000):
        orgs.setdefault(person_id, set()).add(org_id)
        if rotates is not None and (person_id not in rotation or rotates < rotation[person_id]):
            rotation[person_id] = rotates
    for person_id, org_ids in orgs.items():
        graph.add_node(person_id, orgs=frozenset(org_ids), rotation=rotation.get(person_id))
    ties = Tie.objects.filter(status=Tie.Status.CONFIRMED)
    if organisation_ids is not None:
        # Only ties whose both ends can be nodes; the filter below drops the rest.
        ties = ties.filter(person_a__in=list(orgs), person_b__in=list(orgs))
    graph.add_edges_from(
        (a, b)
        for a, b in ties.values_list("person_a_id", "person_b_id").iterator(chunk_size=5000)
        if a in orgs and b in orgs
    )
    return graph


# --- Pure analysis -------------------------------------------------------------------------------


def _orgs(graph: nx.Graph, person: int) -> frozenset[int]:
    value: frozenset[int] = graph.nodes[person].get("orgs", frozenset())
    return value


def organisation_pair_links(graph: nx.Graph) -> dict[OrgPair, PairLinks]:
    """For every pair of organisations with a confirmed tie between their people: the ties,
    the distinct people carrying them, and who (if anyone) is on every one of them."""
    pairs: dict[OrgPair, PairLinks] = {}
    for p, q in graph.edges():
        seen: set[OrgPair] = set()
        for a in _orgs(graph, p):
            for b in _orgs(graph, q):
                if a == b:
                    continue
                key = pair_key(a, b)
                if key in seen:  # p and q both at a and b: still one tie for this pair
                    continue
                seen.add(key)
                links = pairs.get(key)
                if links is None:
                    links = pairs[key] = PairLinks(critical={p, q})
                else:
                    links.critical &= {p, q}
                links.ties += 1
                links.carriers.update((p, q))
    return pairs


def linked_core_pairs(
    core_organisation_ids: Iterable[int], pairs: dict[OrgPair, PairLinks]
) -> dict[OrgPair, PairLinks]:
    """The pairs of two core organisations that have at least one link."""
    core = set(core_organisation_ids)
    return {key: links for key, links in pairs.items() if key[0] in core and key[1] in core}


def single_threaded_core_pairs(
    core_organisation_ids: Iterable[int], pairs: dict[OrgPair, PairLinks]
) -> dict[OrgPair, PairLinks]:
    """Core pairs whose links all hang on one person."""
    linked = linked_core_pairs(core_organisation_ids, pairs)
    return {key: links for key, links in linked.items() if links.single_threaded}


def unlinked_core_pairs(
    core_organisation_ids: Iterable[int], pairs: dict[OrgPair, PairLinks]
) -> Iterator[OrgPair]:
    """Core pairs without any link, in order; lazy, as with hundreds of core organisations
    there are hundreds of thousands of them."""
    core = sorted(set(core_organisation_ids))
    for i, a in enumerate(core):
        for b in core[i + 1 :]:
            if (a, b) not in pairs:
                yield (a, b)


def core_pair_count(core_organisation_ids: Iterable[int]) -> int:
    n = len(set(core_organisation_ids))
    return n * (n - 1) // 2


def articulation_points(graph: nx.Graph) -> set[int]:
    """People whose departure splits the network into more pieces."""
    return set(nx.articulation_points(graph))


def bridges(graph: nx.Graph) -> set[tuple[int, int]]:
    """Ties whose loss splits the network (each as (lower id, higher id))."""
    return {pair_key(a, b) for a, b in nx.bridges(graph)}


def critical_people(
    graph: nx.Graph,
    pairs: dict[OrgPair, PairLinks],
    core_organisation_ids: Iterable[int],
    *,
    points: set[int] | None = None,
) -> dict[int, set[str]]:
    """People the network hangs on, with why: ``articulation`` and/or ``single_pair`` (the one
    person a pair with at least one core organisation depends on). ``points`` are the
    articulation points when already computed."""
    core = set(core_organisation_ids)
    if points is None:
        points = articulation_points(graph)
    why: dict[int, set[str]] = {p: {"articulation"} for p in points}
    for (a, b), links in pairs.items():
        if links.single_threaded and (a in core or b in core):
            for person in links.critical:
                why.setdefault(person, set()).add("single_pair")
    return why


def at_risk_people(
    graph: nx.Graph, critical: Iterable[int], *, today: date, horizon: timedelta = AT_RISK_HORIZON
) -> list[tuple[int, date]]:
    """Critical people whose expected rotation is within ``horizon`` (or already passed while
    they are still in post), soonest first."""
    limit = today + horizon
    found = []
    for person in critical:
        rotation = graph.nodes[person].get("rotation") if person in graph else None
        if rotation is not None and rotation <= limit:
            found.append((person, rotation))
    return sorted(found, key=lambda item: (item[1], item[0]))


def pairs_lost_without(graph: nx.Graph, person: int) -> list[OrgPair]:
    """What if ``person`` leaves: the organisation pairs that lose their last link."""
    if person not in graph:
        return []
    # Only pairs ``person`` carries can be lost; they all join one of their organisations to
    # one of a neighbour's, so the people of those organisations are enough to look at.
    relevant = set(_orgs(graph, person))
    for neighbour in graph[person]:
        relevant |= _orgs(graph, neighbour)
    nodes = [node for node in graph if _orgs(graph, node) & relevant]
    pairs = organisation_pair_links(graph.subgraph(nodes))
    return sorted(key for key, links in pairs.items() if person in links.critical)


@dataclass(frozen=True)
class Kpis:
    connected_pairs: int
    single_threaded_pairs: int
    stale_share: float
    smes_without_defence_link: int
    median_ties_per_person: float
    people: int
    ties: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "connected_pairs": self.connected_pairs,
            "single_threaded_pairs": self.single_threaded_pairs,
            "stale_share": self.stale_share,
            "smes_without_defence_link": self.smes_without_defence_link,
            "median_ties_per_person": self.median_ties_per_person,
            "people": self.people,
            "ties": self.ties,
        }


def network_kpis(
    graph: nx.Graph,
    pairs: dict[OrgPair, PairLinks],
    *,
    stale_person_ids: Iterable[int],
    sme_organisation_ids: Iterable[int],
    defence_organisation_ids: Iterable[int],
) -> Kpis:
    """Network-health figures for the snapshot and the continuity page."""
    people = graph.number_of_nodes()
    stale = len(set(stale_person_ids) & set(graph.nodes))
    defence = set(defence_organisation_ids)
    linked_to_defence: set[int] = set()
    for a, b in pairs:
        if a in defence:
            linked_to_defence.add(b)
        if b in defence:
            linked_to_defence.add(a)
    smes = set(sme_organisation_ids)
    degrees = [degree for _node, degree in graph.degree()]
    return Kpis(
        connected_pairs=len(pairs),
        single_threaded_pairs=sum(1 for links in pairs.values() if links.single_threaded),
        stale_share=round(stale / people, 4) if people else 0.0,
        smes_without_defence_link=len(smes - linked_to_defence),
        median_ties_per_person=float(statistics.median(degrees)) if degrees else 0.0,
        people=people,
        ties=graph.number_of_edges(),
    )
