"""'Wie kan mij voorstellen?': shortest chains of confirmed ties, at most 3 hops, 5 chains."""

from __future__ import annotations

import networkx as nx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from network.graph import build_graph, introduction_paths
from network.models import Person, Tie
from network.services import ties as services
from tests.factories import (
    AffiliationFactory,
    OrganisationFactory,
    PersonFactory,
    person_of,
    tie_between,
)

URL = reverse("network:introductions")


# --- The path search on a crafted graph (no database) ----------------------------------------
#
#   1 — 2 — 3 — 4 — 5          1 is "me"; 3 is reached over 2 or over 6;
#    \     /                   7 hangs off 5, four hops and more away.
#      6 ——            5 — 7


@pytest.fixture
def graph() -> nx.Graph:
    g = nx.Graph()
    g.add_edges_from([(1, 2), (2, 3), (3, 4), (4, 5), (1, 6), (6, 3), (5, 7)])
    return g


def test_a_direct_tie_is_a_one_hop_path(graph):
    assert introduction_paths(graph, 1, [2]) == [[1, 2]]


def test_two_hops_gives_every_shortest_path(graph):
    assert introduction_paths(graph, 1, [3]) == [[1, 2, 3], [1, 6, 3]]


def test_three_hops_is_still_found(graph):
    assert introduction_paths(graph, 1, [4]) == [[1, 2, 3, 4], [1, 6, 3, 4]]


def test_nothing_beyond_three_hops(graph):
    assert introduction_paths(graph, 1, [5]) == []
    assert introduction_paths(graph, 1, [7]) == []
    assert introduction_paths(graph, 1, [5], max_hops=4) == [[1, 2, 3, 4, 5], [1, 6, 3, 4, 5]]


def test_several_targets_nearest_first_and_at_most_the_limit(graph):
    assert introduction_paths(graph, 1, [4, 3, 5, 1]) == [
        [1, 2, 3],
        [1, 6, 3],
        [1, 2, 3, 4],
        [1, 6, 3, 4],
    ]
    assert introduction_paths(graph, 1, [4, 3], limit=3) == [[1, 2, 3], [1, 6, 3], [1, 2, 3, 4]]


def test_unknown_source_or_only_myself_gives_no_path(graph):
    assert introduction_paths(graph, 99, [2]) == []
    assert introduction_paths(graph, 1, [1]) == []


# --- The graph from the database --------------------------------------------------------------


@pytest.mark.django_db
def test_graph_holds_only_confirmed_ties_of_people_still_in_the_network(
    django_assert_num_queries,
):
    a, b, c, d, gone = (PersonFactory() for _ in range(5))
    tie_between(a, b)
    tie_between(b, c, source=Tie.Source.DERIVED, declared_by=None)
    tie_between(b, c)  # declared and derived: one edge
    tie_between(c, d, status=Tie.Status.PENDING)
    tie_between(a, d, status=Tie.Status.DECLINED)
    tie_between(a, gone)
    Person.objects.filter(pk=gone.pk).update(anonymised_at=timezone.now())
    with django_assert_num_queries(1):
        graph = build_graph()
    assert {frozenset(e) for e in graph.edges} == {frozenset((a.pk, b.pk)), frozenset((b.pk, c.pk))}


# --- The page ---------------------------------------------------------------------------------


@pytest.fixture
def chain(member, company):
    """me — anna — bram — carla — dirk, and carla and dirk work at a second organisation."""
    me = person_of(member)
    anna, bram, carla, dirk = (
        PersonFactory(first_name=name, last_name="Test")
        for name in ("Anna", "Bram", "Carla", "Dirk")
    )
    tie_between(me, anna)
    tie_between(anna, bram, source=Tie.Source.DERIVED, declared_by=None)
    tie_between(bram, carla)
    tie_between(carla, dirk)
    target_org = OrganisationFactory(name="Doelorganisatie")
    AffiliationFactory(person=carla, organisation=target_org)
    AffiliationFactory(person=dirk, organisation=target_org)
    return {"me": me, "anna": anna, "bram": bram, "carla": carla, "dirk": dirk, "org": target_org}


@pytest.mark.django_db
def test_page_shows_the_chain_to_a_person_with_links(client, member, chain):
    client.force_login(member)
    response = client.get(URL, {"persoon": chain["carla"].pk})
    assert response.status_code == 200
    paths = response.context["paths"]
    assert [[p.first_name for p in path.people[1:]] for path in paths] == [
        ["Anna", "Bram", "Carla"]
    ]
    body = response.content.decode()
    for name in ("anna", "bram", "carla"):
        assert reverse("network:person_detail", args=[chain[name].pk]) in body
    assert "3 stappen" in body


@pytest.mark.django_db
def test_direct_tie_is_shown_as_direct(client, member, chain):
    client.force_login(member)
    response = client.get(URL, {"persoon": chain["anna"].pk})
    assert [path.hops for path in response.context["paths"]] == [1]
    assert "direct" in response.content.decode()


@pytest.mark.django_db
def test_no_path_beyond_three_hops(client, member, chain):
    client.force_login(member)
    response = client.get(URL, {"persoon": chain["dirk"].pk})
    assert response.context["paths"] == []
    assert "Geen weg gevonden" in response.content.decode()


@pytest.mark.django_db
def test_paths_to_an_organisation_reach_its_nearest_current_people(client, member, chain):
    client.force_login(member)
    response = client.get(URL, {"organisatie": chain["org"].pk})
    # Carla is three hops away; Dirk (four) is out of reach.
    assert [path.people[-1] for path in response.context["paths"]] == [chain["carla"]]


@pytest.mark.django_db
def test_anonymised_people_are_skipped(client, member, chain):
    Person.objects.filter(pk=chain["bram"].pk).update(anonymised_at=timezone.now())
    client.force_login(member)
    assert client.get(URL, {"organisatie": chain["org"].pk}).context["paths"] == []
    assert client.get(URL, {"persoon": chain["bram"].pk}).status_code == 404


@pytest.mark.django_db
def test_pending_ties_do_not_introduce(member, chain):
    Tie.objects.filter(person_a__in=[chain["anna"], chain["bram"]]).filter(
        person_b__in=[chain["anna"], chain["bram"]]
    ).update(status=Tie.Status.PENDING)
    paths = services.introductions_for(user=member, person=chain["carla"])
    assert paths == []


@pytest.mark.django_db
def test_an_organisation_the_user_may_not_see_is_404(client, member):
    hidden = OrganisationFactory(suspended=True)
    client.force_login(member)
    assert client.get(URL, {"organisatie": hidden.pk}).status_code == 404
    assert client.get(URL, {"organisatie": "x"}).status_code == 404


@pytest.mark.django_db
def test_page_finds_people_by_name_to_pick_from(client, member, chain):
    client.force_login(member)
    AffiliationFactory(person=chain["bram"], organisation=chain["org"])
    body = client.get(URL, {"q": "Bram"}).content.decode()
    assert f"?persoon={chain['bram'].pk}" in body


@pytest.mark.django_db
def test_introductions_query_count_does_not_grow_with_the_network(
    client, member, chain, django_assert_num_queries
):
    client.force_login(member)
    params = {"organisatie": chain["org"].pk}
    client.get(URL, params)  # warm per-process caches
    with CaptureQueriesContext(connection) as small:
        client.get(URL, params)
    # Many more ties, and more people of the organisation within reach.
    for _ in range(15):
        extra = PersonFactory()
        tie_between(chain["bram"], extra)
        AffiliationFactory(person=extra, organisation=chain["org"])
    with django_assert_num_queries(len(small)):
        response = client.get(URL, params)
    assert len(response.context["paths"]) == services.INTRODUCTION_LIMIT
