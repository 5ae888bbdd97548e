"""The continuity analysis on crafted graphs, its run as a task, and the monthly snapshot."""

from __future__ import annotations

from datetime import date, timedelta

import networkx as nx
import pytest
import time_machine

from network import continuity as analysis
from network.models import ContactFlag, ContinuityRun, NetworkSnapshot, Tie
from network.services import continuity as services
from network.tasks.continuity import continuity_run, network_snapshot_take
from partners.models import Organisation

from ..factories import (
    AffiliationFactory,
    OrganisationFactory,
    PersonFactory,
    SharingGroupFactory,
    tie_between,
)

TODAY = date(2026, 3, 10)
A, B, C, D = 1, 2, 3, 4


def crafted() -> nx.Graph:
    """Organisations A-D; A↔B through four people, B↔C through one tie (21-30), A↔D hangs
    on person 40 (two ties, both to 40), C↔D, A↔C and B↔D not linked at all."""
    graph = nx.Graph()
    people = {
        10: (A, None),
        11: (A, TODAY + timedelta(days=30)),  # rotates soon, but nothing hangs on them
        20: (B, None),
        21: (B, TODAY - timedelta(days=10)),  # rotation passed, still in post
        30: (C, TODAY + timedelta(days=300)),  # critical, but rotates after six months
        40: (D, TODAY + timedelta(days=60)),
    }
    for person, (org, rotation) in people.items():
        graph.add_node(person, orgs=frozenset({org}), rotation=rotation)
    graph.add_edges_from([(10, 11), (20, 21), (10, 20), (11, 21), (21, 30), (11, 40), (10, 40)])
    return graph


def test_pairs_count_distinct_people_and_name_who_they_hang_on():
    pairs = analysis.organisation_pair_links(crafted())
    assert set(pairs) == {(A, B), (B, C), (A, D)}
    assert pairs[(A, B)].carriers == {10, 11, 20, 21}
    assert pairs[(A, B)].ties == 2
    assert not pairs[(A, B)].single_threaded
    # One tie: either of its two people can break it.
    assert pairs[(B, C)].critical == {21, 30}
    # Two ties, both through 40: the pair hangs on 40 alone.
    assert pairs[(A, D)].carriers == {10, 11, 40}
    assert pairs[(A, D)].critical == {40}


def test_core_pairs_without_links_and_single_threaded_ones_are_flagged():
    pairs = analysis.organisation_pair_links(crafted())
    core = [A, B, C, D]
    assert set(analysis.single_threaded_core_pairs(core, pairs)) == {(B, C), (A, D)}
    assert list(analysis.unlinked_core_pairs(core, pairs)) == [(A, C), (B, D), (C, D)]
    assert analysis.core_pair_count(core) == 6
    assert set(analysis.linked_core_pairs(core, pairs)) == {(A, B), (B, C), (A, D)}
    assert analysis.single_threaded_core_pairs([A, B], pairs) == {}
    assert list(analysis.unlinked_core_pairs([A, B], pairs)) == []


def test_articulation_points_and_bridges():
    graph = crafted()
    assert analysis.articulation_points(graph) == {21}
    assert analysis.bridges(graph) == {(21, 30)}


def test_critical_people_and_at_risk_links():
    graph = crafted()
    pairs = analysis.organisation_pair_links(graph)
    critical = analysis.critical_people(graph, pairs, [A, B, C, D])
    assert critical == {
        21: {"articulation", "single_pair"},
        30: {"single_pair"},
        40: {"single_pair"},
    }
    at_risk = analysis.at_risk_people(graph, critical, today=TODAY)
    assert at_risk == [(21, TODAY - timedelta(days=10)), (40, TODAY + timedelta(days=60))]


def test_single_pairs_outside_the_core_do_not_make_people_critical():
    graph = crafted()
    pairs = analysis.organisation_pair_links(graph)
    critical = analysis.critical_people(graph, pairs, [C])
    # B↔C touches the core (C); A↔D does not, so 40 is not critical here.
    assert critical == {21: {"articulation", "single_pair"}, 30: {"single_pair"}}


def test_what_if_a_person_leaves():
    graph = crafted()
    assert analysis.pairs_lost_without(graph, 40) == [(A, D)]
    assert analysis.pairs_lost_without(graph, 21) == [(B, C)]
    assert analysis.pairs_lost_without(graph, 10) == []
    assert analysis.pairs_lost_without(graph, 999) == []


def test_a_person_at_two_organisations_links_both_and_a_shared_tie_counts_once():
    graph = nx.Graph()
    graph.add_node(1, orgs=frozenset({A, C}), rotation=None)
    graph.add_node(2, orgs=frozenset({B}), rotation=None)
    graph.add_node(3, orgs=frozenset({A, B}), rotation=None)
    graph.add_edges_from([(1, 2), (1, 3)])
    pairs = analysis.organisation_pair_links(graph)
    assert pairs[(A, B)].ties == 2 and pairs[(A, B)].critical == {1}
    assert pairs[(B, C)].ties == 2 and pairs[(B, C)].critical == {1}
    assert pairs[(A, C)].ties == 1  # tie 1-3: 1 at C, 3 at A


def test_kpis():
    graph = crafted()
    pairs = analysis.organisation_pair_links(graph)
    kpis = analysis.network_kpis(
        graph,
        pairs,
        stale_person_ids=[30, 999],
        sme_organisation_ids=[B, C, D],
        defence_organisation_ids=[A],
    )
    assert kpis.connected_pairs == 3
    assert kpis.single_threaded_pairs == 2
    assert kpis.stale_share == round(1 / 6, 4)
    assert kpis.smes_without_defence_link == 1  # C
    assert kpis.median_ties_per_person == 2.5
    assert (kpis.people, kpis.ties) == (6, 7)


def test_kpis_of_an_empty_network_are_zero():
    kpis = analysis.network_kpis(
        nx.Graph(), {}, stale_person_ids=[], sme_organisation_ids=[], defence_organisation_ids=[]
    )
    assert kpis.as_dict()["median_ties_per_person"] == 0.0
    assert kpis.stale_share == 0.0


# --- From the database ---------------------------------------------------------------------------


@pytest.fixture
def network(db):
    """The crafted graph in the database, with LMI-kern = A, B, C, D plus noise that must not
    count: a pending tie, an ended post, an anonymised person and a suspended organisation."""
    orgs = {
        key: OrganisationFactory(name=f"Org {key}", kind=kind)
        for key, kind in [
            ("A", Organisation.Kind.DEFENCE_UNIT),
            ("B", Organisation.Kind.OEM),
            ("C", Organisation.Kind.SME),
            ("D", Organisation.Kind.OEM),
        ]
    }
    group = SharingGroupFactory(name="LMI-kern")
    group.organisations.add(*orgs.values())
    today = date.today()
    spec = {
        10: ("A", None),
        11: ("A", None),
        20: ("B", None),
        21: ("B", None),
        30: ("C", None),
        40: ("D", today + timedelta(days=60)),
    }
    people = {}
    for key, (org, rotation) in spec.items():
        person = PersonFactory(first_name=f"P{key}", last_name="Test")
        AffiliationFactory(person=person, organisation=orgs[org], expected_rotation_date=rotation)
        people[key] = person
    for a, b in [(10, 11), (20, 21), (10, 20), (11, 21), (21, 30), (11, 40), (10, 40)]:
        tie_between(people[a], people[b])
    # Noise:
    tie_between(people[30], people[40], status=Tie.Status.PENDING)  # would link C↔D
    gone = PersonFactory(first_name="Vertrokken")
    AffiliationFactory(
        person=gone,
        organisation=orgs["C"],
        start_date=today - timedelta(days=400),
        end_date=today - timedelta(days=1),
    )
    tie_between(gone, people[40])
    hidden = PersonFactory(first_name="Anoniem", anonymised_at="2026-01-01T00:00Z")
    AffiliationFactory(person=hidden, organisation=orgs["D"])
    tie_between(hidden, people[30])
    suspended = OrganisationFactory(suspended=True)
    elsewhere = PersonFactory()
    AffiliationFactory(person=elsewhere, organisation=suspended)
    tie_between(elsewhere, people[30])
    ContactFlag.objects.create(person=people[30], reason=ContactFlag.Reason.EMAIL_BOUNCED)
    return orgs, people


def test_graph_loads_confirmed_ties_and_current_people_only(network, django_assert_num_queries):
    orgs, people = network
    with django_assert_num_queries(2):
        graph = analysis.person_graph_load()
    assert set(graph.nodes) == {p.pk for p in people.values()}
    assert graph.number_of_edges() == 7
    assert graph.nodes[people[40].pk]["orgs"] == frozenset({orgs["D"].pk})


def test_analysis_result_names_flagged_pairs_articulation_points_and_at_risk(network):
    orgs, people = network
    recorded: list[int] = []
    result = services.continuity_analyse(progress=recorded.append)
    assert recorded == [20, 45, 75, 90]
    assert result["core_source"] == "LMI-kern"
    flagged = {(row["a"], row["b"]): row for row in result["flagged_core_pairs"]}
    ad = (orgs["A"].pk, orgs["D"].pk)
    assert flagged[ad]["critical"] == [people[40].pk]
    assert flagged[ad]["carriers"] == 3
    assert flagged[(orgs["C"].pk, orgs["D"].pk)]["ties"] == 0
    assert result["flagged_core_pairs"][0]["ties"] == 0  # the unlinked ones first
    assert result["core_pairs_unlinked"] == 3
    assert result["core_pairs_single"] == 2
    assert result["flagged_core_pairs_total"] == 5
    assert (orgs["A"].pk, orgs["B"].pk) not in flagged
    assert result["articulation_points"] == [people[21].pk]
    assert result["bridges"] == [sorted([people[21].pk, people[30].pk])]
    assert [row["person"] for row in result["at_risk"]] == [people[40].pk]
    assert result["kpis"]["smes_without_defence_link"] == 1
    assert result["kpis"]["stale_share"] == round(1 / 6, 4)


def test_run_task_saves_progress_between_phases_and_a_dated_result(network, monkeypatch):
    run = ContinuityRun.objects.create()
    seen: list[int] = []
    real = analysis.articulation_points

    def spy(graph):
        seen.append(ContinuityRun.objects.get(pk=run.pk).progress)
        return real(graph)

    monkeypatch.setattr(analysis, "articulation_points", spy)
    continuity_run.delay(run.pk)
    run.refresh_from_db()
    assert seen == [45]
    assert run.status == ContinuityRun.Status.DONE
    assert run.progress == 100
    assert run.finished_at is not None
    assert run.result["articulation_points"] == [network[1][21].pk]


def test_a_second_delivery_of_the_same_run_does_nothing(network):
    run = ContinuityRun.objects.create()
    continuity_run(run.pk)
    run.refresh_from_db()
    finished = run.finished_at
    continuity_run(run.pk)
    run.refresh_from_db()
    assert run.finished_at == finished


def test_a_failing_run_is_marked_failed(network, monkeypatch):
    def boom(graph):
        raise RuntimeError("kapot")

    monkeypatch.setattr(analysis, "bridges", boom)
    run = ContinuityRun.objects.create()
    with pytest.raises(RuntimeError):
        continuity_run(run.pk)
    run.refresh_from_db()
    assert run.status == ContinuityRun.Status.FAILED
    assert "kapot" in run.error


def test_starting_a_run_while_one_is_running_reuses_it(network, programme_manager):
    running = ContinuityRun.objects.create()
    assert services.continuity_run_start(actor=programme_manager) == running
    assert ContinuityRun.objects.count() == 1


def test_starting_a_run_enqueues_it_after_commit(
    network, programme_manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = services.continuity_run_start(actor=programme_manager)
    assert len(callbacks) == 1
    run.refresh_from_db()
    assert run.status == ContinuityRun.Status.DONE
    assert run.requested_by == programme_manager


def test_what_if_reads_live_data(network):
    _orgs, people = network
    what_if = services.what_if_person_leaves(person=people[40])
    assert what_if.lost_pairs == [("Org A", "Org D")]
    assert services.what_if_person_leaves(person=people[10]).lost_pairs == []


def test_snapshot_is_taken_once_per_month(network):
    # In the future, so that the fixture's ended post has ended.
    month = (date.today().replace(day=1) + timedelta(days=62)).replace(day=1)
    following = (month + timedelta(days=40)).replace(day=1)
    with time_machine.travel(month + timedelta(days=2)):
        first = network_snapshot_take()
        again = services.network_snapshot_take()
    assert first == again.pk
    assert NetworkSnapshot.objects.count() == 1
    snapshot = NetworkSnapshot.objects.get()
    assert snapshot.taken_on == month
    assert snapshot.metrics["connected_pairs"] == 3
    assert snapshot.metrics["single_threaded_pairs"] == 2
    with time_machine.travel(month + timedelta(days=25)):
        network_snapshot_take()
    assert NetworkSnapshot.objects.count() == 1
    with time_machine.travel(following):
        network_snapshot_take()
    assert list(NetworkSnapshot.objects.values_list("taken_on", flat=True)) == [following, month]


def test_trend_puts_snapshots_oldest_first_with_a_point_each(db):
    NetworkSnapshot.objects.create(
        taken_on=date(2026, 2, 1), metrics={"connected_pairs": 10, "single_threaded_pairs": 4}
    )
    NetworkSnapshot.objects.create(
        taken_on=date(2026, 1, 1), metrics={"connected_pairs": 8, "single_threaded_pairs": 5}
    )
    trend = services.snapshot_trend()
    assert [s.taken_on.month for s in trend.snapshots] == [1, 2]
    connected = trend.series[0]
    assert [value for _x, _y, _m, value in connected.dots] == [8, 10]
    # Higher values sit higher (smaller y) in SVG coordinates.
    assert float(connected.dots[1][1]) < float(connected.dots[0][1])
    assert "," not in connected.dots[0][0]  # never a localised decimal comma in SVG
    assert trend.y_max == 10
