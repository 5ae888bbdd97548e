"""Browsing initiatives: the filtered list, the board and the pipeline chart."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from initiatives.models import Initiative, ListVisit, Origin, Participation, Phase, PhaseChange
from initiatives.selectors import initiative_list
from initiatives.selectors.browse import BOARD_PHASES, initiative_pipeline
from initiatives.views.browse import initiative_cards
from lmi_portal.core.models import System, Theme
from lmi_portal.core.notifications import follow_set
from partners.models import TLP
from tests.factories import (
    InitiativeFactory,
    OrganisationFactory,
    ParticipationFactory,
    PhaseChangeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("initiatives:list")
BOARD = reverse("initiatives:board")
PIPELINE = reverse("initiatives:pipeline")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def theme(db) -> Theme:
    return Theme.objects.create(slug="test-onderhoud", name_nl="Testonderhoud", name_en="Test")


@pytest.fixture
def system(db) -> System:
    return System.objects.create(slug="test-boxer", name_nl="Testboxer", name_en="Test Boxer")


@pytest.fixture
def secret(competitor) -> Initiative:
    """The competitor's AMBER initiative: ``member`` (of ``company``) must never see it."""
    return InitiativeFactory(
        title="Geheim plan van de concurrent", owner_organisation=competitor, tlp=TLP.AMBER
    )


@pytest.fixture
def company_secret(company) -> Initiative:
    """The company's AMBER initiative: the ``outsider`` (of ``competitor``) must never see it."""
    return InitiativeFactory(
        title="Geheim plan van DDVS", owner_organisation=company, tlp=TLP.AMBER
    )


def titles(response) -> list[str]:
    return [i.title for i in response.context["page"].object_list]


def set_times(initiative: Initiative, **values: datetime) -> None:
    Initiative.objects.filter(pk=initiative.pk).update(**values)


# --- the list and its filters ----------------------------------------------------------------


def test_phase_filter_keeps_only_that_phase(client, member, company):
    InitiativeFactory(title="Pilot A", owner_organisation=company, phase=Phase.PILOT)
    InitiativeFactory(title="Idee B", owner_organisation=company, phase=Phase.IDEA)
    client.force_login(member)
    assert titles(client.get(LIST, {"phase": "pilot"})) == ["Pilot A"]


def test_theme_and_system_filters(client, member, company, theme, system):
    with_theme = InitiativeFactory(title="Met thema", owner_organisation=company)
    with_theme.themes.add(theme)
    with_system = InitiativeFactory(title="Met systeem", owner_organisation=company)
    with_system.systems.add(system)
    InitiativeFactory(title="Zonder", owner_organisation=company)
    client.force_login(member)
    assert titles(client.get(LIST, {"theme": theme.pk})) == ["Met thema"]
    assert titles(client.get(LIST, {"system": system.pk})) == ["Met systeem"]


def test_organisation_filter_matches_owner_or_participant(client, member, company, competitor):
    InitiativeFactory(title="Eigen", owner_organisation=company)
    joined = InitiativeFactory(title="Meegedaan", owner_organisation=competitor)
    ParticipationFactory(initiative=joined, organisation=company)
    InitiativeFactory(title="Los", owner_organisation=competitor)
    client.force_login(member)
    assert sorted(titles(client.get(LIST, {"organisation": company.pk}))) == ["Eigen", "Meegedaan"]


def test_organisation_choices_are_the_organisations_visible_to_the_user(client, member, company):
    OrganisationFactory(name="Nog niet aangesloten BV", onboarding=True)
    client.force_login(member)
    form = client.get(LIST).context["form"]
    names = [o.name for o in form.fields["organisation"].queryset]
    assert company.name in names
    assert "Nog niet aangesloten BV" not in names


def test_origin_filter(client, member, company):
    InitiativeFactory(title="Vraag", owner_organisation=company, origin=Origin.PULL)
    InitiativeFactory(title="Aanbod", owner_organisation=company, origin=Origin.PUSH)
    client.force_login(member)
    assert titles(client.get(LIST, {"origin": "pull"})) == ["Vraag"]


def test_text_search_looks_in_title_and_summary(client, member, company):
    InitiativeFactory(title="Sensoren op de Boxer", owner_organisation=company)
    InitiativeFactory(title="Iets anders", summary="over reservedelen", owner_organisation=company)
    client.force_login(member)
    assert titles(client.get(LIST, {"q": "reservedelen"})) == ["Iets anders"]


def test_mine_covers_my_roles_and_my_organisations(client, member, company, competitor):
    InitiativeFactory(title="Van mijn organisatie", owner_organisation=company)
    InitiativeFactory(title="Ik ben penvoerder", owner_organisation=competitor, lead=member)
    InitiativeFactory(title="Ik ben plaatsvervanger", owner_organisation=competitor, deputy=member)
    InitiativeFactory(title="Door mij gestart", owner_organisation=competitor, created_by=member)
    joined = InitiativeFactory(title="Wij doen mee", owner_organisation=competitor)
    ParticipationFactory(initiative=joined, organisation=company)
    InitiativeFactory(title="Niet van mij", owner_organisation=competitor)
    client.force_login(member)
    found = titles(client.get(LIST, {"mine": "on"}))
    assert sorted(found) == [
        "Door mij gestart",
        "Ik ben penvoerder",
        "Ik ben plaatsvervanger",
        "Van mijn organisatie",
        "Wij doen mee",
    ]


def test_followed_includes_initiatives_of_a_followed_theme(client, member, competitor, theme):
    on_theme = InitiativeFactory(title="Over het thema", owner_organisation=competitor)
    on_theme.themes.add(theme)
    InitiativeFactory(title="Ander onderwerp", owner_organisation=competitor)
    follow_set(user=member, target=theme, following=True)
    client.force_login(member)
    assert titles(client.get(LIST, {"followed": "on"})) == ["Over het thema"]


def test_followed_includes_followed_initiatives_systems_and_owners(client, member, system):
    followed_owner = OrganisationFactory(name="Gevolgde organisatie")
    direct = InitiativeFactory(title="Direct gevolgd")
    by_system = InitiativeFactory(title="Via systeem")
    by_system.systems.add(system)
    InitiativeFactory(title="Via eigenaar", owner_organisation=followed_owner)
    InitiativeFactory(title="Niet gevolgd")
    follow_set(user=member, target=direct, following=True)
    follow_set(user=member, target=system, following=True)
    follow_set(user=member, target=followed_owner, following=True)
    client.force_login(member)
    assert sorted(titles(client.get(LIST, {"followed": "on"}))) == [
        "Direct gevolgd",
        "Via eigenaar",
        "Via systeem",
    ]


def test_following_an_invisible_initiative_does_not_reveal_it(client, outsider, company, theme):
    hidden = InitiativeFactory(title="Verborgen", owner_organisation=company, tlp=TLP.AMBER)
    hidden.themes.add(theme)
    follow_set(user=outsider, target=theme, following=True)
    follow_set(user=outsider, target=hidden, following=True)
    client.force_login(outsider)
    assert titles(client.get(LIST, {"followed": "on"})) == []


# In the future: memberships start today, and the cast must be members at these moments.
START = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)


def test_new_since_last_visit_on_a_first_visit_shows_the_last_two_weeks(client, member, company):
    with time_machine.travel(START - timedelta(days=20), tick=False):
        InitiativeFactory(title="Oud", owner_organisation=company)
    with time_machine.travel(START - timedelta(days=3), tick=False):
        InitiativeFactory(title="Recent", owner_organisation=company)
    with time_machine.travel(START, tick=False):
        client.force_login(member)
        assert titles(client.get(LIST, {"new": "on"})) == ["Recent"]


def test_new_since_last_visit_counts_from_the_previous_session(client, member, company):
    with time_machine.travel(START - timedelta(days=30), tick=False):
        quiet = InitiativeFactory(title="Stil", owner_organisation=company)
        revived = InitiativeFactory(title="Weer actief", owner_organisation=company)
    with time_machine.travel(START, tick=False):
        client.force_login(member)
        client.get(LIST)  # the first visit
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        InitiativeFactory(title="Nieuw", owner_organisation=company)
        set_times(revived, last_activity_at=timezone.now())
    with time_machine.travel(START + timedelta(hours=3), tick=False):
        found = titles(client.get(LIST, {"new": "on"}))
    assert sorted(found) == ["Nieuw", "Weer actief"]
    assert quiet.title not in found
    # Paging and filtering on within the same session keeps the same starting point.
    with time_machine.travel(START + timedelta(hours=3, minutes=20), tick=False):
        assert sorted(titles(client.get(LIST, {"new": "on"}))) == ["Nieuw", "Weer actief"]


def test_list_visit_moves_on_only_after_half_an_hour(client, member):
    with time_machine.travel(START, tick=False):
        client.force_login(member)
        client.get(LIST)
    visit = ListVisit.objects.get(user=member)
    assert visit.seen_at == START and visit.previous_seen_at is None
    with time_machine.travel(START + timedelta(minutes=20), tick=False):
        client.get(LIST)
    visit.refresh_from_db()
    assert visit.seen_at == START and visit.previous_seen_at is None
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        client.get(LIST)
    visit.refresh_from_db()
    assert visit.previous_seen_at == START
    assert visit.seen_at == START + timedelta(hours=2)


def test_htmx_filtering_is_not_a_new_visit(client, member):
    client.force_login(member)
    client.get(LIST, {"phase": "idea"}, headers=HTMX)
    assert not ListVisit.objects.filter(user=member).exists()


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["Bravo", "Charlie", "Alfa"]),
        ("activity", ["Bravo", "Charlie", "Alfa"]),
        ("newest", ["Charlie", "Bravo", "Alfa"]),
        ("title", ["Alfa", "Bravo", "Charlie"]),
        ("phase", ["Charlie", "Alfa", "Bravo"]),
    ],
)
def test_sort_orders(client, member, company, sort, expected):
    now = timezone.now()
    alfa = InitiativeFactory(title="Alfa", owner_organisation=company, phase=Phase.PILOT)
    bravo = InitiativeFactory(title="Bravo", owner_organisation=company, phase=Phase.STOPPED)
    charlie = InitiativeFactory(title="charlie", owner_organisation=company, phase=Phase.IDEA)
    Initiative.objects.filter(pk=charlie.pk).update(title="Charlie")
    set_times(alfa, created_at=now - timedelta(days=3), last_activity_at=now - timedelta(days=3))
    set_times(bravo, created_at=now - timedelta(days=2), last_activity_at=now)
    set_times(charlie, created_at=now - timedelta(days=1), last_activity_at=now - timedelta(days=1))
    client.force_login(member)
    assert titles(client.get(LIST, {"sort": sort} if sort else {})) == expected


def test_title_sort_ignores_case(client, member, company):
    InitiativeFactory(title="bravo", owner_organisation=company)
    InitiativeFactory(title="Alfa", owner_organisation=company)
    client.force_login(member)
    assert titles(client.get(LIST, {"sort": "title"})) == ["Alfa", "bravo"]


@pytest.mark.parametrize(
    "params",
    [
        {"phase": "bestaat-niet"},
        {"sort": "willekeurig"},
        {"page": "abc"},
        {"page": "9999"},
        {"theme": "abc"},
        {"system": "-1"},
        {"organisation": "1e3"},
        {"origin": "elders"},
        {"new": "misschien"},
        {"q": "x" * 500},
    ],
)
@pytest.mark.parametrize("url", [LIST, BOARD, PIPELINE])
def test_bad_parameters_are_ignored_not_an_error(client, member, company, url, params):
    InitiativeFactory(title="Blijft zichtbaar", owner_organisation=company)
    client.force_login(member)
    response = client.get(url, params)
    assert response.status_code == 200
    body = response.content.decode()
    if url == PIPELINE:
        assert count_row("idea", "Idee", 1) in body
    else:
        assert "Blijft zichtbaar" in body


def test_a_bad_filter_is_explained_and_the_good_ones_still_apply(client, member, company):
    InitiativeFactory(title="Pilot A", owner_organisation=company, phase=Phase.PILOT)
    InitiativeFactory(title="Pilot B", owner_organisation=company, phase=Phase.PILOT, origin="pull")
    InitiativeFactory(title="Idee C", owner_organisation=company, phase=Phase.IDEA)
    client.force_login(member)
    response = client.get(LIST, {"phase": "pilot", "theme": "abc", "sort": "title"})
    body = response.content.decode()
    assert titles(response) == ["Pilot A", "Pilot B"]
    assert "Dit thema bestaat niet; kies een thema uit de lijst." in body


def test_page_renders_the_filters_from_the_url_without_javascript(client, member, company):
    InitiativeFactory(title="Pilot A", owner_organisation=company, phase=Phase.PILOT)
    client.force_login(member)
    body = client.get(LIST, {"phase": "pilot", "mine": "on", "q": "Pilot"}).content.decode()
    assert '<form method="get" action="/initiatieven/"' in body
    assert '<option value="pilot" selected>' in body
    assert 'value="Pilot"' in body
    assert 'name="mine" class="form-check-input" id="id_mine" checked' in body


def test_view_tabs_and_exports_carry_the_filters(client, member):
    client.force_login(member)
    body = client.get(LIST, {"phase": "pilot", "page": "1"}).content.decode()
    assert f'href="{BOARD}?phase=pilot"' in body
    assert f'href="{PIPELINE}?phase=pilot"' in body
    assert f'href="{reverse("initiatives:export")}?phase=pilot&amp;format=csv"' in body
    assert f'href="{reverse("initiatives:export")}?phase=pilot&amp;format=xlsx"' in body


def test_htmx_request_gets_the_results_and_the_updated_tabs_only(client, member, company):
    InitiativeFactory(title="Pilot A", owner_organisation=company, phase=Phase.PILOT)
    client.force_login(member)
    response = client.get(LIST, {"phase": "pilot"}, headers=HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="results"')
    assert "<html" not in body
    assert 'id="browse-tabs" aria-label="Weergave van de initiatieven" hx-swap-oob="true"' in body
    assert "HX-Request" in response["Vary"]


def test_card_shows_what_matters(client, member, company, theme):
    initiative = InitiativeFactory(
        title="Voorspellend onderhoud",
        owner_organisation=company,
        tlp=TLP.AMBER,
        phase=Phase.PILOT,
        lead=member,
        dormant_since=timezone.now(),
    )
    initiative.themes.add(theme)
    client.force_login(member)
    body = client.get(LIST).content.decode()
    assert "Voorspellend onderhoud" in body
    assert "TLP:AMBER" in body
    assert "Pilot" in body
    assert "DDVS" in body
    assert str(member) in body
    assert "Testonderhoud" in body
    assert ">slapend</span>" in body


def test_pagination_by_25(client, member, company):
    InitiativeFactory.create_batch(30, owner_organisation=company)
    client.force_login(member)
    assert len(client.get(LIST).context["page"].object_list) == 25
    assert len(client.get(LIST, {"page": 2}).context["page"].object_list) == 5


@pytest.mark.parametrize("rows", [1, 25])
def test_list_query_count_is_constant(
    client, member, company, theme, django_assert_num_queries, rows
):
    for initiative in InitiativeFactory.create_batch(
        rows, owner_organisation=company, lead=UserFactory()
    ):
        initiative.themes.add(theme)
        ParticipationFactory(initiative=initiative)
    follow_set(user=member, target=theme, following=True)
    client.force_login(member)
    params = {"followed": "on", "mine": "on"}
    client.get(LIST, params)  # writes the first ListVisit; warms per-process caches
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST, params)
    assert len(response.context["page"].object_list) == rows
    with django_assert_num_queries(LIST_FRAGMENT_QUERIES):
        response = client.get(LIST, {"new": "on", "theme": theme.pk}, headers=HTMX)
    assert len(response.context["page"].object_list) == rows


# session, user, access context (memberships), list visit (savepoint, select, release), count,
# the form's theme, system and organisation choices, one page of rows, their themes. The htmx
# fragment keeps no visit and renders no form, but reads the visit for "new" and checks the
# theme in the URL.
LIST_QUERIES = 12
LIST_FRAGMENT_QUERIES = 8


def test_outsider_never_sees_a_competitors_amber_initiative(client, outsider, company_secret):
    company_secret.phase = Phase.PILOT
    company_secret.save()
    client.force_login(outsider)
    for response in (
        client.get(LIST),
        client.get(LIST, {"q": "Geheim"}, headers=HTMX),
        client.get(LIST, {"organisation": company_secret.owner_organisation_id}),
        client.get(LIST, {"phase": "pilot", "sort": "phase"}),
        client.get(BOARD),
        client.get(BOARD, {"phase": "pilot"}, headers=HTMX),
    ):
        assert response.status_code == 200
        assert "Geheim plan" not in response.content.decode()


def test_participating_organisation_sees_the_amber_initiative(client, member, company, secret):
    Participation.objects.create(initiative=secret, organisation=company)
    client.force_login(member)
    assert titles(client.get(LIST)) == ["Geheim plan van de concurrent"]


def test_keyword_api_of_initiative_list_still_works(member, company):
    InitiativeFactory(title="Pilot A", owner_organisation=company, phase=Phase.PILOT)
    InitiativeFactory(title="Idee B", owner_organisation=company)
    assert [i.title for i in initiative_list(user=member, phase="pilot")] == ["Pilot A"]
    assert [i.title for i in initiative_list(user=member, query="idee")] == ["Idee B"]


# --- the board -------------------------------------------------------------------------------


def test_board_has_a_column_per_phase_in_order(client, member, company):
    InitiativeFactory(title="Een pilot", owner_organisation=company, phase=Phase.PILOT)
    client.force_login(member)
    response = client.get(BOARD)
    columns = [column for column, _url in response.context["columns"]]
    assert [c.phase for c in columns] == list(BOARD_PHASES)
    assert BOARD_PHASES[-2:] == (Phase.PAUSED, Phase.STOPPED)
    pilot = next(c for c in columns if c.phase == Phase.PILOT)
    assert pilot.count == 1 and [i.title for i in pilot.initiatives] == ["Een pilot"]
    body = response.content.decode()
    assert (
        '<h3 class="h6 d-flex justify-content-between align-items-center" id="column-stopped">'
        in body
    )


def test_board_column_shows_count_and_the_10_most_recently_active(client, member, company):
    now = timezone.now()
    for n in range(12):
        initiative = InitiativeFactory(
            title=f"Pilot {n:02}", owner_organisation=company, phase=Phase.PILOT
        )
        set_times(initiative, last_activity_at=now - timedelta(hours=n))
    client.force_login(member)
    response = client.get(BOARD, {"origin": ""})
    pilot = next(c for c, _url in response.context["columns"] if c.phase == Phase.PILOT)
    assert pilot.count == 12
    assert [i.title for i in pilot.initiatives] == [f"Pilot {n:02}" for n in range(10)]
    assert f'href="{LIST}?origin=&amp;phase=pilot"' in response.content.decode()


def test_board_applies_the_list_filters(client, member, company, competitor):
    InitiativeFactory(title="Eigen pilot", owner_organisation=company, phase=Phase.PILOT)
    InitiativeFactory(title="Andere pilot", owner_organisation=competitor, phase=Phase.PILOT)
    client.force_login(member)
    response = client.get(BOARD, {"mine": "on"})
    pilot = next(c for c, _url in response.context["columns"] if c.phase == Phase.PILOT)
    assert pilot.count == 1 and pilot.initiatives[0].title == "Eigen pilot"


def card_templates(response) -> int:
    return sum(t.name == "initiatives/partials/_browse_card.html" for t in response.templates)


@pytest.fixture
def fresh_cards():
    initiative_cards.clear()
    yield
    initiative_cards.clear()


@pytest.mark.usefixtures("fresh_cards")
def test_board_draws_the_same_cards_once(client, member, company):
    InitiativeFactory.create_batch(3, owner_organisation=company, phase=Phase.PILOT)
    client.force_login(member)
    assert card_templates(client.get(BOARD)) == 3
    again = client.get(BOARD)
    assert card_templates(again) == 0
    assert again.content.decode().count('<article class="card">') == 3


@pytest.mark.usefixtures("fresh_cards")
def test_list_draws_the_same_cards_once_and_shows_every_change(client, member, company):
    """The list keeps its cards (with phase and summary) like the board, apart from the
    board's, and an edit that leaves updated_at alone still shows at once."""
    initiative = InitiativeFactory(
        title="Lijstkaart", summary="Eerste samenvatting", owner_organisation=company
    )
    client.force_login(member)
    first = client.get(LIST)
    assert card_templates(first) == 1 and "Eerste samenvatting" in first.content.decode()
    assert card_templates(client.get(LIST)) == 0
    assert card_templates(client.get(BOARD)) == 1  # the board's card is another card
    Initiative.objects.filter(pk=initiative.pk).update(
        summary="Tweede samenvatting", phase=Phase.PILOT
    )
    body = client.get(LIST).content.decode()
    assert "Tweede samenvatting" in body and "Eerste samenvatting" not in body
    assert "Pilot" in body


def test_board_shows_a_change_even_when_updated_at_stays(client, member, company):
    initiative = InitiativeFactory(title="Oude titel", owner_organisation=company)
    client.force_login(member)
    assert "Oude titel" in client.get(BOARD).content.decode()
    Initiative.objects.filter(pk=initiative.pk).update(title="Nieuwe titel")  # no auto_now
    company.__class__.objects.filter(pk=company.pk).update(short_name="DDVS-nieuw")
    body = client.get(BOARD).content.decode()
    assert "Nieuwe titel" in body and "Oude titel" not in body
    assert "DDVS-nieuw" in body


def test_board_cache_never_shows_one_reader_what_another_may_not_see(
    client, member, outsider, company_secret
):
    client.force_login(member)
    assert company_secret.title in client.get(BOARD).content.decode()
    client.force_login(outsider)
    assert company_secret.title not in client.get(BOARD).content.decode()


def test_board_cache_keeps_the_languages_apart(client, member, company):
    InitiativeFactory(owner_organisation=company, phase=Phase.EXPLORATION)
    client.force_login(member)
    assert "Verkenning" in client.get(BOARD).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(BOARD).content.decode()
    assert "Exploration" in english and "Verkenning" not in english


@pytest.mark.parametrize("rows", [1, 25])
def test_board_query_count_is_constant(
    client, member, company, theme, django_assert_num_queries, rows
):
    for n, initiative in enumerate(
        InitiativeFactory.create_batch(rows, owner_organisation=company)
    ):
        initiative.phase = BOARD_PHASES[n % len(BOARD_PHASES)]
        initiative.save()
        initiative.themes.add(theme)
    client.force_login(member)
    client.get(BOARD)
    # session, user, access context, form choices (theme, system, organisation), the ids and
    # counts of the top rows of every phase, those rows, their themes
    with django_assert_num_queries(9):
        response = client.get(BOARD)
    assert sum(c.count for c, _url in response.context["columns"]) == rows
    with django_assert_num_queries(6):
        client.get(BOARD, headers=HTMX)


# --- the pipeline ----------------------------------------------------------------------------

TODAY = datetime(2030, 6, 12, 12, 0, tzinfo=UTC)  # a Wednesday


def count_row(code: str, label: str, n: int) -> str:
    """A row of the pipeline's per-phase table, as rendered."""
    return (
        f'<tr data-phase="{code}"><th scope="row" class="fw-normal">{label}</th>'
        f'<td class="text-end">{n}</td></tr>'
    )


def test_pipeline_counts_per_phase_and_flow_per_week(member, company, secret):
    pilot = InitiativeFactory(owner_organisation=company, phase=Phase.PILOT)
    InitiativeFactory(owner_organisation=company, phase=Phase.PILOT)
    InitiativeFactory(owner_organisation=company, phase=Phase.STOPPED)
    secret.phase = Phase.PILOT
    secret.save()
    PhaseChangeFactory(initiative=pilot, to_phase=Phase.PILOT, created_at=TODAY - timedelta(days=1))
    PhaseChangeFactory(
        initiative=pilot, to_phase=Phase.EXPLORATION, created_at=TODAY - timedelta(weeks=4)
    )
    PhaseChangeFactory(
        initiative=pilot, to_phase=Phase.IDEA, created_at=TODAY - timedelta(weeks=14)
    )
    PhaseChangeFactory(
        initiative=secret, to_phase=Phase.PILOT, created_at=TODAY - timedelta(days=1)
    )
    with time_machine.travel(TODAY, tick=False):
        pipeline = initiative_pipeline(initiatives=initiative_list(user=member))
    counts = dict(zip([code for code, _l in pipeline.phases], pipeline.counts, strict=True))
    assert counts[Phase.PILOT] == 2 and counts[Phase.STOPPED] == 1 and pipeline.total == 3
    assert len(pipeline.weeks) == 13
    assert pipeline.weeks[-1].start.isoformat() == "2030-06-10"
    pilot_column = BOARD_PHASES.index(Phase.PILOT)
    assert pipeline.weeks[-1].counts[pilot_column] == 1  # the competitor's change is not counted
    assert pipeline.weeks[-5].counts[BOARD_PHASES.index(Phase.EXPLORATION)] == 1
    assert pipeline.flow_total == 2  # fourteen weeks ago is outside the quarter


def test_pipeline_page_shows_table_and_chart_data(client, member, company):
    initiative = InitiativeFactory(owner_organisation=company, phase=Phase.PILOT)
    PhaseChange.objects.create(initiative=initiative, from_phase="exploration", to_phase="pilot")
    client.force_login(member)
    response = client.get(PIPELINE)
    body = response.content.decode()
    assert count_row("pilot", "Pilot", 1) in body
    assert '<script id="pipeline-data" type="application/json">' in body
    data = json.loads(
        body.split('<script id="pipeline-data" type="application/json">')[1].split("</script>")[0]
    )
    assert data["counts"][BOARD_PHASES.index(Phase.PILOT)] == 1
    assert data["flow"][BOARD_PHASES.index(Phase.PILOT)][-1] == 1
    nonce = response.wsgi_request.csp_nonce
    assert f'pipeline-chart.js" nonce="{nonce}" defer></script>' in body
    assert f'chart.umd.min.js" nonce="{nonce}" defer></script>' in body
    assert "style=" not in body


def test_outsider_pipeline_counts_leave_out_amber_competitor_initiatives(client, outsider, company):
    hidden = InitiativeFactory(
        title="Geheim", owner_organisation=company, tlp=TLP.AMBER, phase=Phase.PILOT
    )
    PhaseChange.objects.create(initiative=hidden, from_phase="idea", to_phase="pilot")
    InitiativeFactory(owner_organisation=company, tlp=TLP.GREEN, phase=Phase.IDEA)
    client.force_login(outsider)
    response = client.get(PIPELINE)
    pipeline = response.context["pipeline"]
    assert pipeline.counts[BOARD_PHASES.index(Phase.PILOT)] == 0
    assert pipeline.total == 1 and pipeline.flow_total == 0
    body = response.content.decode()
    assert count_row("pilot", "Pilot", 0) in body
    assert "Geheim" not in body


def test_pipeline_fragment_for_htmx(client, member, company):
    InitiativeFactory(owner_organisation=company, phase=Phase.PILOT)
    client.force_login(member)
    body = client.get(PIPELINE, {"phase": "pilot"}, headers=HTMX).content.decode()
    assert body.lstrip().startswith('<section id="results"')
    assert 'id="pipeline-data"' in body
    assert "<html" not in body
