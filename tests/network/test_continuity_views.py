"""The continuity pages (programme managers and organisation admins; 404 for others) and the
network map with its JSON data (every active member; confirmed ties and named people only)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from network.models import ContinuityRun, Tie
from network.services import continuity as services
from partners.models import Organisation

from ..factories import (
    AffiliationFactory,
    OrganisationFactory,
    PersonFactory,
    SharingGroupFactory,
    UserFactory,
    tie_between,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
CONTINUITY = reverse("network:continuity")
MAP = reverse("network:map")
MAP_DATA = reverse("network:map_data")


@pytest.fixture
def linked(company, competitor, lmi_cell):
    """DDVS ↔ RMMV hang on Anna (two ties, both hers); LMI-cel ↔ DDVS through two people.
    A pending tie and an anonymised person must never show."""
    group = SharingGroupFactory(name="LMI-kern")
    group.organisations.add(company, competitor, lmi_cell)
    people = {}
    for name, org, rotation in [
        ("Anna", company, date.today() + timedelta(days=50)),
        ("Bert", company, None),
        ("Cor", competitor, None),
        ("Dirk", competitor, None),
        ("Els", lmi_cell, None),
        ("Fien", lmi_cell, None),
    ]:
        person = PersonFactory(first_name=name, last_name="Proef")
        AffiliationFactory(person=person, organisation=org, expected_rotation_date=rotation)
        people[name] = person
    tie_between(people["Anna"], people["Cor"])
    tie_between(people["Anna"], people["Dirk"])
    tie_between(people["Cor"], people["Dirk"])
    tie_between(people["Anna"], people["Bert"])
    tie_between(people["Bert"], people["Els"])
    tie_between(people["Anna"], people["Fien"])
    tie_between(people["Els"], people["Dirk"], status=Tie.Status.PENDING)
    hidden = PersonFactory(
        first_name="Geheim", last_name="Anoniem", anonymised_at="2026-01-01T00:00Z"
    )
    AffiliationFactory(person=hidden, organisation=company)
    tie_between(hidden, people["Cor"])
    return people


def org_edge(a: Organisation, b: Organisation) -> tuple[str, str]:
    low, high = sorted((a.pk, b.pk))
    return (f"o{low}", f"o{high}")


def done_run() -> ContinuityRun:
    run = ContinuityRun.objects.create()
    services.continuity_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


# --- Continuity page -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_plain_members_get_404_on_every_continuity_url(client, request, who, linked):
    run = done_run()
    client.force_login(request.getfixturevalue(who))
    assert client.get(CONTINUITY).status_code == 404
    assert client.post(reverse("network:continuity_run_start")).status_code == 404
    status_url = reverse("network:continuity_run_status", args=[run.pk])
    assert client.get(status_url).status_code == 404
    assert ContinuityRun.objects.count() == 1


def test_signed_out_visitors_do_not_see_the_continuity_page(client, linked):
    done_run()
    response = client.get(CONTINUITY)
    assert response.status_code in (302, 404)
    assert b"Anna" not in response.content


def test_a_programme_manager_without_membership_may_not_see_the_analysis(linked):
    user = UserFactory(programme_manager=True)
    assert not services.continuity_can_view(user)


def test_programme_manager_sees_dated_result_single_threaded_pairs_and_at_risk(
    client, programme_manager, linked
):
    done_run()
    client.force_login(programme_manager)
    response = client.get(CONTINUITY)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Berekend op" in content
    assert "hangt op één persoon" in content
    assert "Anna Proef" in content  # the one DDVS ↔ RMMV hangs on, rotating in 50 days
    assert "Verbindingen in gevaar" in content
    assert "Geheim" not in content


def test_organisation_admin_sees_the_page_without_a_run(client, org_admin, linked):
    client.force_login(org_admin)
    response = client.get(CONTINUITY)
    assert response.status_code == 200
    assert "Er is nog geen berekening gemaakt." in response.content.decode()


def test_recalculate_starts_a_run_and_shows_the_result(
    client, programme_manager, linked, django_capture_on_commit_callbacks
):
    client.force_login(programme_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("network:continuity_run_start"))
    assert response.status_code == 302
    run = ContinuityRun.objects.get()
    assert run.status == ContinuityRun.Status.DONE
    assert "Anna Proef" in client.get(CONTINUITY).content.decode()


def test_htmx_progress_fragment_polls_while_running_and_refreshes_when_done(
    client, programme_manager, linked
):
    client.force_login(programme_manager)
    response = client.post(reverse("network:continuity_run_start"), headers=HTMX)
    run = ContinuityRun.objects.get()
    content = response.content.decode()
    assert response.status_code == 200
    assert "<progress" in content
    assert f'hx-get="{reverse("network:continuity_run_status", args=[run.pk])}"' in content
    assert "<html" not in content
    services.continuity_run_execute(run_id=run.pk)
    done = client.get(reverse("network:continuity_run_status", args=[run.pk]), headers=HTMX)
    assert done.headers["HX-Refresh"] == "true"


def test_what_if_fragment_names_the_pairs_that_lose_their_last_link(
    client, programme_manager, linked, company, competitor
):
    client.force_login(programme_manager)
    url = f"{CONTINUITY}?persoon={linked['Anna'].pk}"
    response = client.get(url, headers={**HTMX, "HX-Target": "what-if"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert "Als Anna Proef vertrekt" in content
    assert f"{company.display_name} ↔ {competitor.display_name}" in content
    bert = client.get(f"{CONTINUITY}?persoon={linked['Bert'].pk}").content.decode()
    assert "Geen organisatiepaar verliest zijn laatste verbinding." in bert


def test_what_if_for_an_unknown_or_anonymised_person_is_404(client, programme_manager, linked):
    client.force_login(programme_manager)
    assert client.get(f"{CONTINUITY}?persoon=999999").status_code == 404


def test_trend_chart_is_an_inline_svg_with_a_table(client, programme_manager, linked):
    services.network_snapshot_take()
    client.force_login(programme_manager)
    content = client.get(CONTINUITY).content.decode()
    assert "<svg" in content and "<polyline" in content
    assert "Momentopnamen per maand" in content
    assert "style=" not in content


# --- Network map ---------------------------------------------------------------------------------


def test_every_active_member_sees_the_map_with_an_accessible_table(client, member, linked):
    client.force_login(member)
    response = client.get(MAP)
    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="map-nodes"' in content and 'id="map-edges"' in content
    assert "hangt op één persoon" in content  # DDVS ↔ RMMV, in the edge table
    assert "network-map.js" in content
    assert "<script>" not in content


def test_someone_without_a_current_membership_does_not_get_the_map(client, linked):
    client.force_login(UserFactory())
    # The membership middleware answers first (403); the view itself would 404.
    assert client.get(MAP).status_code in (403, 404)
    response = client.get(MAP_DATA)
    assert response.status_code in (403, 404)
    assert b"Proef" not in response.content


def test_the_map_view_itself_hides_people_from_non_members(rf, linked):
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404

    from network.views.continuity import network_map_data

    request = rf.get(MAP_DATA)
    request.user = AnonymousUser()
    with pytest.raises(Http404):
        network_map_data(request)


def test_organisation_level_data_weighs_edges_by_people_and_flags_single_threaded_pairs(
    client, member, linked, company, competitor, lmi_cell
):
    client.force_login(member)
    data = client.get(MAP_DATA).json()
    assert data["level"] == "organisatie"
    edges = {(e["source"], e["target"]): e for e in data["edges"]}
    ddvs_rmmv = edges[
        tuple(sorted((f"o{company.pk}", f"o{competitor.pk}"), key=lambda s: int(s[1:])))
    ]
    assert ddvs_rmmv["weight"] == 3  # Anna, Cor, Dirk
    assert ddvs_rmmv["spof"] is True
    assert ddvs_rmmv["via"] == ["Anna Proef"]
    ddvs_lmi = edges[org_edge(company, lmi_cell)]
    assert ddvs_lmi["spof"] is False
    # The pending Els-Dirk tie would link LMI-cel and RMMV: it must not.
    assert not any(
        {e["source"], e["target"]} == {f"o{lmi_cell.pk}", f"o{competitor.pk}"}
        for e in data["edges"]
    )


def test_person_level_data_has_no_pending_ties_and_no_anonymised_people(client, member, linked):
    client.force_login(member)
    data = client.get(MAP_DATA, {"niveau": "persoon"}).json()
    labels = {node["label"] for node in data["nodes"]}
    assert labels == {f"{n} Proef" for n in ["Anna", "Bert", "Cor", "Dirk", "Els", "Fien"]}
    pairs = {(e["source"], e["target"]) for e in data["edges"]}
    els, dirk = linked["Els"].pk, linked["Dirk"].pk
    assert (f"p{min(els, dirk)}", f"p{max(els, dirk)}") not in pairs
    assert len(pairs) == 6
    spof = {node["label"] for node in data["nodes"] if node["spof"]}
    assert "Anna Proef" in spof
    assert "Geheim" not in str(data)


def test_person_level_filter_by_organisation_keeps_its_people_and_their_contacts(
    client, member, linked, lmi_cell
):
    client.force_login(member)
    data = client.get(MAP_DATA, {"niveau": "persoon", "organisatie": lmi_cell.pk}).json()
    labels = {node["label"] for node in data["nodes"]}
    assert labels == {"Els Proef", "Fien Proef", "Bert Proef", "Anna Proef"}


def test_the_map_data_takes_the_same_number_of_queries_for_more_people(
    client, member, linked, company, competitor
):
    client.force_login(member)
    for level in ("organisatie", "persoon"):
        client.get(MAP_DATA, {"niveau": level})  # warm the session and access caches
        with CaptureQueriesContext(connection) as small:
            client.get(MAP_DATA, {"niveau": level})
        extra_org = OrganisationFactory(kind=Organisation.Kind.SME)
        for i in range(15):
            person = PersonFactory(first_name=f"Extra{i}")
            AffiliationFactory(person=person, organisation=extra_org if i % 2 else company)
            tie_between(person, linked["Cor"])
        with CaptureQueriesContext(connection) as large:
            response = client.get(MAP_DATA, {"niveau": level})
        assert response.status_code == 200
        assert len(large) == len(small), level


def test_the_map_data_is_computed_once_and_then_reused(member, linked, django_assert_num_queries):
    filters = services.MapFilters(level="organisatie")
    first = services.network_map_data(user=member, filters=filters)
    with django_assert_num_queries(0):
        again = services.network_map_data(user=member, filters=filters)
    assert again == first
    assert first["nodes"]
