from __future__ import annotations

import pytest
from django.urls import reverse

from initiatives.models import Initiative, Phase
from partners.models import TLP
from tests.factories import InitiativeFactory

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


@pytest.mark.parametrize("rows", [1, 25])
def test_list_query_count_is_constant(client, member, company, django_assert_num_queries, rows):
    InitiativeFactory.create_batch(rows, owner_organisation=company)
    client.force_login(member)
    client.get(reverse("initiatives:list"))  # warm caches that are per process, not per row
    # session, user, the user's memberships (access context), count, one page of rows
    with django_assert_num_queries(EXPECTED_LIST_QUERIES):
        response = client.get(reverse("initiatives:list"))
    assert len(response.context["page"].object_list) == rows


EXPECTED_LIST_QUERIES = 5


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
    assert "Dit veld is verplicht" in body
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
