from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from initiatives.models import Initiative, Phase
from initiatives.selectors.initiatives import initiative_single_person_risk
from lmi_portal.core.models import System, Theme
from partners.models import TLP, Organisation
from tests.factories import (
    InitiativeFactory,
    MembershipFactory,
    OrganisationFactory,
    ParticipationFactory,
    PhaseChangeFactory,
    member_of,
)

pytestmark = pytest.mark.django_db


def test_list_shows_visible_initiatives(client, member, company):
    InitiativeFactory(title="Zichtbaar", owner_organisation=company, tlp=TLP.AMBER_STRICT)
    client.force_login(member)
    response = client.get(reverse("initiatives:list"))
    assert response.status_code == 200
    assert "Zichtbaar" in response.content.decode()


def test_list_hides_what_outsider_may_not_see(client, outsider, company):
    InitiativeFactory(title="Geheim plan", owner_organisation=company, tlp=TLP.AMBER_STRICT)
    InitiativeFactory(title="Voor iedereen", owner_organisation=company, tlp=TLP.GREEN)
    client.force_login(outsider)
    body = client.get(reverse("initiatives:list")).content.decode()
    assert "Voor iedereen" in body
    assert "Geheim plan" not in body


def test_outsider_gets_404_on_detail(client, outsider, company):
    initiative = InitiativeFactory(owner_organisation=company, tlp=TLP.AMBER_STRICT)
    client.force_login(outsider)
    assert client.get(initiative.get_absolute_url()).status_code == 404


def test_outsider_gets_404_on_detail_as_htmx_partial(client, outsider, company):
    initiative = InitiativeFactory(owner_organisation=company, tlp=TLP.AMBER_STRICT)
    client.force_login(outsider)
    response = client.get(initiative.get_absolute_url(), headers={"HX-Request": "true"})
    assert response.status_code == 404


def test_outsider_htmx_list_partial_leaves_out_hidden_items(client, outsider, company):
    InitiativeFactory(title="Geheim plan", owner_organisation=company, tlp=TLP.AMBER_STRICT)
    client.force_login(outsider)
    response = client.get(
        reverse("initiatives:list"), {"q": "Geheim"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "Geheim plan" not in response.content.decode()


def test_missing_initiative_is_404(client, member):
    client.force_login(member)
    assert client.get(reverse("initiatives:detail", args=[999999])).status_code == 404


def test_htmx_filter_returns_only_the_results_fragment(client, member, company):
    InitiativeFactory(title="Pilot A", owner_organisation=company, phase=Phase.PILOT)
    InitiativeFactory(title="Idee B", owner_organisation=company, phase=Phase.IDEA)
    client.force_login(member)
    response = client.get(
        reverse("initiatives:list"), {"phase": "pilot"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="results"')
    assert "<html" not in body
    assert "Pilot A" in body and "Idee B" not in body
    assert "HX-Request" in response["Vary"]


def test_search_box_filters_on_title_and_summary(client, member, company):
    InitiativeFactory(title="Sensoren op de Boxer", owner_organisation=company)
    InitiativeFactory(title="Iets anders", summary="over reservedelen", owner_organisation=company)
    client.force_login(member)
    body = client.get(reverse("initiatives:list"), {"q": "reservedelen"}).content.decode()
    assert "Iets anders" in body and "Sensoren op de Boxer" not in body


def test_pagination_splits_long_lists(client, member, company):
    InitiativeFactory.create_batch(30, owner_organisation=company)
    client.force_login(member)
    first = client.get(reverse("initiatives:list"))
    second = client.get(reverse("initiatives:list"), {"page": 2})
    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5


# The list's query budget is kept by tests/initiatives/test_browse.py (the list's owner).


def test_create_form_posts_an_initiative(client, member, company):
    client.force_login(member)
    response = client.post(
        reverse("initiatives:create"),
        {
            "title": "Slimmer plannen",
            "summary": "Onderhoud plannen op basis van gebruik.",
            "phase": Phase.IDEA,
            "owner_organisation": company.pk,
            "tlp": TLP.AMBER,
            "lead": member.pk,
        },
    )
    initiative = Initiative.objects.get(title="Slimmer plannen")
    assert response.status_code == 302
    assert response["Location"] == initiative.get_absolute_url()
    assert initiative.created_by == member


def test_create_form_with_errors_keeps_input_and_saves_nothing(client, member, company):
    client.force_login(member)
    response = client.post(
        reverse("initiatives:create"),
        {"title": "", "summary": "Mijn tekst blijft staan", "phase": Phase.IDEA,
         "owner_organisation": company.pk, "tlp": TLP.AMBER},
    )  # fmt: skip
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mijn tekst blijft staan" in body
    assert "Geef het initiatief een titel." in body
    assert not Initiative.objects.exists()


def test_create_form_htmx_error_returns_the_form_fragment(client, member, company):
    client.force_login(member)
    response = client.post(
        reverse("initiatives:create"), {"title": ""}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<form id="initiative-form"')


def test_create_form_htmx_success_answers_with_hx_redirect(client, member, company):
    client.force_login(member)
    response = client.post(
        reverse("initiatives:create"),
        {"title": "Via htmx", "summary": "Kort.", "phase": Phase.IDEA,
         "owner_organisation": company.pk, "tlp": TLP.GREEN, "lead": member.pk},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response["HX-Redirect"] == Initiative.objects.get(title="Via htmx").get_absolute_url()


def test_cannot_post_for_another_organisation(client, member, competitor):
    client.force_login(member)
    response = client.post(
        reverse("initiatives:create"),
        {"title": "Namens een ander", "summary": "x", "phase": Phase.IDEA,
         "owner_organisation": competitor.pk, "tlp": TLP.GREEN},
    )  # fmt: skip
    assert response.status_code == 200
    assert not Initiative.objects.exists()


def test_werkgroep_is_for_programme_managers_only(client, member, programme_manager):
    client.force_login(member)
    assert client.get(reverse("initiatives:werkgroep")).status_code == 404
    client.force_login(programme_manager)
    assert client.get(reverse("initiatives:werkgroep")).status_code == 200


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("initiatives:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_dashboard_of_an_onboarding_company_shows_no_shared_content(client, company):
    from partners.models import Organisation
    from tests.factories import OrganisationFactory, member_of

    newcomer_org = OrganisationFactory(status=Organisation.Status.ONBOARDING)
    newcomer = member_of(newcomer_org)
    InitiativeFactory(title="Alleen voor deelnemers", owner_organisation=company, tlp=TLP.GREEN)
    client.force_login(newcomer)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Uw organisatie wordt nog aangesloten" in body
    assert "Alleen voor deelnemers" not in body
    assert client.get(reverse("initiatives:list")).status_code == 403


# --- Posting (part A) -----------------------------------------------------------------------


def test_create_with_only_title_summary_and_sharing_level(client, member, company):
    client.force_login(member)
    response = client.post(
        reverse("initiatives:create"),
        {"title": "In een minuut", "summary": "Kort en goed.", "tlp": TLP.GREEN},
    )
    initiative = Initiative.objects.get(title="In een minuut")
    assert response.status_code == 302
    assert response["Location"] == initiative.get_absolute_url()
    assert initiative.owner_organisation == company
    assert initiative.phase == Phase.IDEA and initiative.lead == member
    assert initiative.phase_changes.get().to_phase == Phase.IDEA


def test_create_form_preselects_the_organisations_default_sharing_level(client, member, company):
    Organisation.objects.filter(pk=company.pk).update(default_tlp=TLP.AMBER_STRICT)
    client.force_login(member)
    body = client.get(reverse("initiatives:create")).content.decode()
    assert '<option value="amber_strict" selected>' in body
    # One organisation: nothing to choose, the form says on whose behalf.
    assert 'type="hidden" name="owner_organisation"' in body
    assert "Namens <strong>Dutch Defence Vehicle Systems</strong>" in body
    assert "<details" in body and "Meer details (optioneel)" in body


def test_member_of_two_organisations_chooses_the_owner(client, member, company):
    second = OrganisationFactory(name="Tweede Bedrijf")
    MembershipFactory(user=member, organisation=second)
    client.force_login(member)
    body = client.get(reverse("initiatives:create")).content.decode()
    assert '<select name="owner_organisation"' in body
    response = client.post(
        reverse("initiatives:create"), {"title": "Van wie?", "summary": "x", "tlp": TLP.GREEN}
    )
    assert response.status_code == 200
    assert "Kies namens welke organisatie." in response.content.decode()
    assert not Initiative.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": ""}, "title", "Geef het initiatief een titel."),
        ({"title": "x" * 10_000}, "title", "De titel mag hoogstens 200 tekens lang zijn"),
        ({"phase": "onzin"}, "phase", "Kies een fase uit de lijst."),
        ({"phase": Phase.EMBEDDED}, "phase", "Kies een fase uit de lijst."),
        ({"tlp": "paars"}, "tlp", "Kies een rubricering uit de lijst."),
        ({"effects": ["geluk"]}, "effects", "Kies alleen effecten uit de lijst."),
    ],
)
def test_bad_input_shows_dutch_field_errors_keeps_input_and_saves_nothing(
    client, member, company, data, field, message
):
    client.force_login(member)
    post = {"title": "Mijn titel", "summary": "Mijn samenvatting blijft", "tlp": TLP.GREEN}
    post.update(data)
    response = client.post(reverse("initiatives:create"), post)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    body = response.content.decode()
    assert message in body
    assert "Mijn samenvatting blijft" in body
    assert not Initiative.objects.exists()


def test_an_error_in_the_details_opens_them(client, member, company):
    client.force_login(member)
    response = client.post(
        reverse("initiatives:create"),
        {"title": "t", "summary": "s", "tlp": TLP.GREEN, "lead": member.pk, "deputy": member.pk},
    )
    body = response.content.decode()
    assert "niet aan één persoon hangt" in body
    assert '<details class="mb-3 border rounded p-3" open>' in body
    assert not Initiative.objects.exists()


def test_service_refusal_shows_on_the_field(client, member, company, outsider):
    client.force_login(member)
    response = client.post(
        reverse("initiatives:create"),
        {"title": "t", "summary": "s", "tlp": TLP.AMBER_STRICT, "deputy": outsider.pk},
    )
    assert response.status_code == 200
    assert "deputy" in response.context["form"].errors
    assert not Initiative.objects.exists()


# --- Editing --------------------------------------------------------------------------------


def test_edit_page_changes_the_initiative(client, member, company):
    initiative = InitiativeFactory(owner_organisation=company, lead=member, title="Oud")
    client.force_login(member)
    url = reverse("initiatives:edit", args=[initiative.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="Oud"' in page.content.decode()
    response = client.post(
        url, {"title": "Nieuw", "summary": "Beter verteld.", "tlp": TLP.GREEN, "lead": member.pk}
    )
    assert response.status_code == 302 and response["Location"] == initiative.get_absolute_url()
    initiative.refresh_from_db()
    assert (initiative.title, initiative.summary) == ("Nieuw", "Beter verteld.")
    assert initiative.phase == Phase.IDEA


def test_edit_over_htmx_answers_with_hx_redirect(client, member, company):
    initiative = InitiativeFactory(owner_organisation=company, lead=member)
    client.force_login(member)
    response = client.post(
        reverse("initiatives:edit", args=[initiative.pk]),
        {"title": "Via htmx", "summary": "x", "tlp": TLP.GREEN},
        headers={"HX-Request": "true"},
    )
    assert response["HX-Redirect"] == initiative.get_absolute_url()


def test_edit_with_errors_keeps_input_and_saves_nothing(client, member, company):
    initiative = InitiativeFactory(owner_organisation=company, lead=member, title="Blijft")
    client.force_login(member)
    response = client.post(
        reverse("initiatives:edit", args=[initiative.pk]),
        {"title": "", "summary": "Nieuwe tekst die blijft staan", "tlp": TLP.GREEN},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<form id="initiative-form"')
    assert "Nieuwe tekst die blijft staan" in body
    initiative.refresh_from_db()
    assert initiative.title == "Blijft"


def test_member_who_may_see_but_not_edit_gets_404_on_edit(client, outsider, company):
    initiative = InitiativeFactory(owner_organisation=company, tlp=TLP.GREEN, title="Van DDVS")
    client.force_login(outsider)
    url = reverse("initiatives:edit", args=[initiative.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"title": "Gekaapt", "summary": "x", "tlp": "green"}).status_code == 404
    initiative.refresh_from_db()
    assert initiative.title == "Van DDVS"
    body = client.get(initiative.get_absolute_url()).content.decode()
    assert reverse("initiatives:edit", args=[initiative.pk]) not in body


# --- The detail page ------------------------------------------------------------------------


def test_detail_shows_story_people_and_timeline(client, member, company):
    unit = OrganisationFactory(name="13 Lichte Brigade", kind=Organisation.Kind.DEFENCE_UNIT)
    initiative = InitiativeFactory(
        owner_organisation=company,
        lead=member,
        requirement_owner=unit,
        why="Omdat voertuigen stilstaan.",
        effects=["readiness"],
        phase=Phase.PILOT,
    )
    PhaseChangeFactory(
        initiative=initiative, from_phase=Phase.IDEA, to_phase=Phase.PILOT, reason="Goed getest"
    )
    client.force_login(member)
    response = client.get(initiative.get_absolute_url())
    body = response.content.decode()
    assert "13 Lichte Brigade" in body
    assert "Omdat voertuigen stilstaan." in body and "Hogere inzetgereedheid" in body
    assert "Fasegeschiedenis" in body and "Goed getest" in body
    assert "Gerelateerde kennis" in body and "Nog geen gerelateerde kennisitems." in body
    assert response.context["can_edit"] is True and response.context["can_change_phase"] is True
    assert Phase.PILOT not in dict(response.context["phase_choices"])
    assert Phase.EMBEDDED not in dict(response.context["phase_choices"])


def test_detail_warns_when_there_is_no_deputy(client, member, company):
    initiative = InitiativeFactory(owner_organisation=company, lead=member)
    client.force_login(member)
    body = client.get(initiative.get_absolute_url()).content.decode()
    assert 'id="single-person-risk"' in body
    assert "er is geen plaatsvervanger" in body


def test_detail_warns_when_lead_and_deputy_share_an_organisation_while_others_take_part(
    client, member, company, competitor
):
    initiative = InitiativeFactory(
        owner_organisation=company, lead=member, deputy=member_of(company)
    )
    ParticipationFactory(initiative=initiative, organisation=competitor)
    client.force_login(member)
    body = client.get(initiative.get_absolute_url()).content.decode()
    assert 'id="single-person-risk"' in body
    assert "allebei van DDVS" in body


def test_detail_does_not_warn_with_a_deputy_from_another_organisation(
    client, member, company, competitor, outsider
):
    initiative = InitiativeFactory(owner_organisation=company, lead=member, deputy=outsider)
    ParticipationFactory(initiative=initiative, organisation=competitor)
    client.force_login(member)
    body = client.get(initiative.get_absolute_url()).content.decode()
    assert 'id="single-person-risk"' not in body


def test_same_organisation_pair_is_fine_when_nobody_else_takes_part(member, company):
    initiative = InitiativeFactory(
        owner_organisation=company, lead=member, deputy=member_of(company)
    )
    assert initiative_single_person_risk(initiative) is None


def test_single_person_risk_names_the_shared_organisation_from_what_is_in_hand(
    member, company, competitor, django_assert_num_queries
):
    initiative = InitiativeFactory(
        owner_organisation=company, lead=member, deputy=member_of(company)
    )
    ParticipationFactory(initiative=initiative, organisation=competitor)
    initiative = Initiative.objects.select_related("owner_organisation").get(pk=initiative.pk)
    participations = list(initiative.participations.select_related("organisation"))
    with django_assert_num_queries(1):  # the memberships of lead and deputy
        risk = initiative_single_person_risk(initiative, participations)
    assert risk is not None and "allebei van DDVS" in risk


def test_single_person_risk_names_a_shared_organisation_that_does_not_take_part(
    member, company, competitor
):
    third = OrganisationFactory(name="Werkplaats Derde", short_name="WD3")
    lead, deputy = member_of(third), member_of(third)
    initiative = InitiativeFactory(owner_organisation=company, lead=lead, deputy=deputy)
    ParticipationFactory(initiative=initiative, organisation=competitor)
    risk = initiative_single_person_risk(initiative)
    assert risk is not None and "allebei van WD3" in risk
    participations = list(initiative.participations.select_related("organisation"))
    assert initiative_single_person_risk(initiative, participations) == risk


def test_single_person_risk_without_a_lead(company):
    initiative = InitiativeFactory(owner_organisation=company, lead=None)
    assert "geen penvoerder" in initiative_single_person_risk(initiative)


def test_closed_initiative_shows_result_lessons_and_links_to_successes(client, member, company):
    initiative = InitiativeFactory(
        owner_organisation=company,
        phase=Phase.EMBEDDED,
        closed_at=timezone.now(),
        result="Minder stilstand",
        lessons=["Begin klein", "Deel vroeg"],
    )
    client.force_login(member)
    response = client.get(initiative.get_absolute_url())
    body = response.content.decode()
    assert "Minder stilstand" in body and "Begin klein" in body and "Deel vroeg" in body
    assert reverse("initiatives:successes") in body
    assert response.context["can_close"] is False


def test_related_sections_from_other_apps_are_shown(client, member, company, monkeypatch):
    from lmi_portal.core import registry

    def provider(user, initiative):
        link = registry.SectionLink(text="Les over sensoren", url="/kennis/1/")
        return registry.InitiativeSection(title="Kennis bij dit initiatief", links=(link,))

    monkeypatch.setattr(registry.initiative_sections, "_providers", {"test": (1, provider)})
    initiative = InitiativeFactory(owner_organisation=company)
    client.force_login(member)
    body = client.get(initiative.get_absolute_url()).content.decode()
    assert "Kennis bij dit initiatief" in body and "Les over sensoren" in body
    assert "Nog geen gerelateerde kennisitems." not in body


def _detail_queries(client, initiative):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(initiative.get_absolute_url())
    assert response.status_code == 200
    return len(captured)


def test_detail_query_count_does_not_grow_with_the_timeline(client, member, company):
    small = InitiativeFactory(owner_organisation=company, lead=member)
    PhaseChangeFactory(initiative=small)
    big = InitiativeFactory(owner_organisation=company, lead=member)
    PhaseChangeFactory.create_batch(15, initiative=big, actor=member)

    big.themes.set(Theme.objects.all()[:5])
    big.systems.set(System.objects.all()[:5])
    client.force_login(member)
    client.get(small.get_absolute_url())  # warm per-process caches
    assert _detail_queries(client, small) == _detail_queries(client, big)


# --- Lifecycle views ------------------------------------------------------------------------


def test_phase_page_moves_the_initiative(client, member, company):
    initiative = InitiativeFactory(owner_organisation=company, lead=member)
    client.force_login(member)
    url = reverse("initiatives:phase", args=[initiative.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "verplicht bij stoppen, pauzeren of teruggaan" in page.content.decode()
    response = client.post(url, {"to_phase": Phase.PILOT, "reason": ""})
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.phase == Phase.PILOT


def test_phase_form_loads_inline_for_htmx(client, member, company):
    initiative = InitiativeFactory(owner_organisation=company, lead=member)
    client.force_login(member)
    response = client.get(
        reverse("initiatives:phase", args=[initiative.pk]), headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<form id="phase-form"')
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_phase_form_without_required_reason_rerenders_with_the_error(client, member, company):
    initiative = InitiativeFactory(owner_organisation=company, lead=member, phase=Phase.PILOT)
    client.force_login(member)
    response = client.post(
        reverse("initiatives:phase", args=[initiative.pk]),
        {"to_phase": Phase.STOPPED, "reason": "  "},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<form id="phase-form"')
    assert "waarom stopt dit initiatief?" in body
    assert '<option value="stopped" selected>' in body
    initiative.refresh_from_db()
    assert initiative.phase == Phase.PILOT


def test_phase_form_over_htmx_redirects_on_success(client, member, company):
    initiative = InitiativeFactory(owner_organisation=company, lead=member, phase=Phase.PILOT)
    client.force_login(member)
    response = client.post(
        reverse("initiatives:phase", args=[initiative.pk]),
        {"to_phase": Phase.EXPLORATION, "reason": "Eerst beter verkennen"},
        headers={"HX-Request": "true"},
    )
    assert response["HX-Redirect"] == initiative.get_absolute_url()
    assert initiative.phase_changes.get().reason == "Eerst beter verkennen"


def test_phase_form_refuses_the_current_phase(client, member, company):
    initiative = InitiativeFactory(owner_organisation=company, lead=member, phase=Phase.PILOT)
    client.force_login(member)
    response = client.post(
        reverse("initiatives:phase", args=[initiative.pk]), {"to_phase": Phase.PILOT}
    )
    assert response.status_code == 200
    assert "to_phase" in response.context["form"].errors
    assert not initiative.phase_changes.exists()


def test_close_page_closes_as_geborgd(client, member, company):
    initiative = InitiativeFactory(owner_organisation=company, lead=member, phase=Phase.PILOT)
    client.force_login(member)
    url = reverse("initiatives:close", args=[initiative.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"result": "Minder stilstand", "lesson_1": "Begin klein", "lesson_2": ""}
    )
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.phase == Phase.EMBEDDED and initiative.lessons == ["Begin klein"]
    # A second visit has nothing to close any more.
    assert client.get(url).status_code == 302


def test_close_form_needs_a_result_and_a_lesson(client, member, company):
    initiative = InitiativeFactory(owner_organisation=company, lead=member, phase=Phase.PILOT)
    client.force_login(member)
    response = client.post(
        reverse("initiatives:close", args=[initiative.pk]),
        {"result": "", "lesson_1": "", "lesson_2": "Alleen de tweede"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<form id="close-form"')
    assert "Beschrijf kort wat het initiatief heeft opgeleverd." in body
    assert "Noem ten minste één les" in body
    assert "Alleen de tweede" in body
    initiative.refresh_from_db()
    assert initiative.phase == Phase.PILOT


# --- Outsiders ------------------------------------------------------------------------------


@pytest.fixture
def amber_initiative(company, member):
    return InitiativeFactory(
        owner_organisation=company, lead=member, tlp=TLP.AMBER, title="Geheim AMBER-plan"
    )


@pytest.mark.parametrize("name", ["detail", "edit", "phase", "close"])
@pytest.mark.parametrize("htmx", [False, True])
def test_outsider_gets_404_on_every_page_of_an_amber_initiative(
    client, outsider, amber_initiative, name, htmx
):
    client.force_login(outsider)
    headers = {"HX-Request": "true"} if htmx else {}
    url = reverse(f"initiatives:{name}", args=[amber_initiative.pk])
    response = client.get(url, headers=headers)
    assert response.status_code == 404
    assert "Geheim AMBER-plan" not in response.content.decode()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("edit", {"title": "Gekaapt", "summary": "x", "tlp": "green"}),
        ("phase", {"to_phase": "stopped", "reason": "Sabotage"}),
        ("close", {"result": "Klaar", "lesson_1": "a"}),
    ],
)
def test_outsider_posts_get_404_and_change_nothing(client, outsider, amber_initiative, name, data):
    client.force_login(outsider)
    url = reverse(f"initiatives:{name}", args=[amber_initiative.pk])
    assert client.post(url, data).status_code == 404
    assert client.post(url, data, headers={"HX-Request": "true"}).status_code == 404
    amber_initiative.refresh_from_db()
    assert amber_initiative.title == "Geheim AMBER-plan"
    assert amber_initiative.phase == Phase.IDEA
    assert not amber_initiative.phase_changes.exists()


# --- Successen ------------------------------------------------------------------------------


def _closed(owner, title, days_ago, tlp=TLP.GREEN):
    return InitiativeFactory(
        owner_organisation=owner,
        tlp=tlp,
        title=title,
        phase=Phase.EMBEDDED,
        closed_at=timezone.now() - timedelta(days=days_ago),
        result=f"Resultaat van {title}",
        lessons=[f"Les van {title}"],
    )


def test_successes_lists_visible_closed_initiatives_newest_first(
    client, outsider, company, competitor
):
    _closed(company, "Oud succes", 30)
    _closed(company, "Vers succes", 1)
    _closed(company, "Geheim succes", 2, tlp=TLP.AMBER)
    _closed(competitor, "Eigen succes", 5, tlp=TLP.AMBER)
    InitiativeFactory(owner_organisation=company, title="Nog bezig", phase=Phase.PILOT)
    client.force_login(outsider)
    response = client.get(reverse("initiatives:successes"))
    body = response.content.decode()
    titles = [i.title for i in response.context["page"].object_list]
    assert titles == ["Vers succes", "Eigen succes", "Oud succes"]
    assert "Geheim succes" not in body and "Nog bezig" not in body
    assert "Resultaat van Vers succes" in body and "Les van Oud succes" in body


def test_successes_shows_the_participating_organisations(client, member, company, competitor):
    initiative = _closed(company, "Samen gelukt", 1)
    ParticipationFactory(initiative=initiative, organisation=competitor)
    client.force_login(member)
    body = client.get(reverse("initiatives:successes")).content.decode()
    assert "Rheinmetall MAN Military Vehicles Nederland" in body


@pytest.mark.parametrize("rows", [1, 12])
def test_successes_query_count_is_constant(
    client, member, company, competitor, django_assert_max_num_queries, rows
):
    for n in range(rows):
        initiative = _closed(company, f"Succes {n}", n)
        ParticipationFactory(initiative=initiative, organisation=competitor)
    client.force_login(member)
    client.get(reverse("initiatives:successes"))
    # session, user, memberships, count, one page, its participations
    with django_assert_max_num_queries(7):
        response = client.get(reverse("initiatives:successes"))
    assert len(response.context["page"].object_list) == min(rows, 10)


def test_successes_empty_state(client, member):
    client.force_login(member)
    body = client.get(reverse("initiatives:successes")).content.decode()
    assert "Nog geen geborgde initiatieven die u mag zien." in body
