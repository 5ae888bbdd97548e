"""The organisation directory, its CSV export, profile pages and logos."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from lmi_portal.core.models import System, Theme
from lmi_portal.core.registry import organisation_sections
from partners.models import TLP, Membership, Organisation
from tests.conftest import TOTP_SECRET
from tests.factories import (
    InitiativeFactory,
    MembershipFactory,
    OrganisationFactory,
    ParticipationFactory,
    UserFactory,
    member_of,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("partners:organisation_list")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def with_second_factor(user):
    """Organisation admins must have a second factor before they reach any page."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, TOTP_SECRET)
    return user


def _names(response) -> list[str]:
    return [org.name for org in response.context["page"].object_list]


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(body)))


def _store_logo(organisation: Organisation) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    name = default_storage.save(f"logos/{organisation.pk}-test.png", ContentFile(buffer.getvalue()))
    organisation.logo.name = name
    organisation.save(update_fields=["logo"])
    return name


# --- The list --------------------------------------------------------------------------------


def test_members_see_only_active_organisations(client, member, company):
    OrganisationFactory(name="Nog in onboarding", onboarding=True)
    OrganisationFactory(name="Geschorst bedrijf", suspended=True)
    client.force_login(member)
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert company.name in _names(response)
    assert "Nog in onboarding" not in _names(response)
    assert "Geschorst bedrijf" not in _names(response)


def test_portal_admin_sees_every_status(admin_client_with_mfa, company):
    OrganisationFactory(name="Nog in onboarding", onboarding=True)
    OrganisationFactory(name="Geschorst bedrijf", suspended=True)
    names = _names(admin_client_with_mfa.get(LIST_URL))
    assert {company.name, "Nog in onboarding", "Geschorst bedrijf"} <= set(names)


def test_status_filter_is_for_portal_admins_only(client, admin_client_with_mfa, member, company):
    OrganisationFactory(name="Nog in onboarding", onboarding=True)
    admin_response = admin_client_with_mfa.get(LIST_URL, {"status": "onboarding"})
    assert _names(admin_response) == ["Nog in onboarding"]
    assert 'name="status"' in admin_response.content.decode()

    client.force_login(member)
    member_response = client.get(LIST_URL, {"status": "onboarding"})
    assert "Nog in onboarding" not in _names(member_response)
    assert company.name in _names(member_response)
    assert 'name="status"' not in member_response.content.decode()


def test_filter_by_kind(client, member, company, lmi_cell):
    client.force_login(member)
    names = _names(client.get(LIST_URL, {"kind": Organisation.Kind.DEFENCE_UNIT}))
    assert names == [lmi_cell.name]


def test_filter_by_theme_and_system(client, member, company, competitor):
    data_ai = Theme.objects.get(slug="data-ai")
    boxer = System.objects.get(slug="boxer")
    company.themes.add(data_ai)
    company.systems.add(boxer)
    competitor.themes.add(data_ai)
    client.force_login(member)
    assert set(_names(client.get(LIST_URL, {"theme": "data-ai"}))) == {
        company.name,
        competitor.name,
    }
    assert _names(client.get(LIST_URL, {"theme": "data-ai", "system": "boxer"})) == [company.name]


def test_search_matches_name_short_name_and_description(client, member, company, competitor):
    OrganisationFactory(name="Werkplaats Oost", description="Wij reviseren motoren van de CV90.")
    client.force_login(member)
    assert _names(client.get(LIST_URL, {"q": "ddvs"})) == [company.name]
    assert _names(client.get(LIST_URL, {"q": "reviseren"})) == ["Werkplaats Oost"]
    assert _names(client.get(LIST_URL, {"q": "Rheinmetall"})) == [competitor.name]


def test_member_count_counts_current_members_of_active_accounts_only(client, member, company):
    company.themes.add(*Theme.objects.all()[:3])  # a theme join must not inflate the count
    member_of(company)
    MembershipFactory(organisation=company, end_date=timezone.localdate() - timedelta(days=2))
    MembershipFactory(organisation=company, user=UserFactory(is_active=False))
    client.force_login(member)
    response = client.get(LIST_URL, {"q": company.name})
    assert response.context["page"].object_list[0].member_count == 2


def test_htmx_filter_returns_only_the_results_fragment(client, member, company, lmi_cell):
    client.force_login(member)
    response = client.get(
        LIST_URL, {"kind": Organisation.Kind.DEFENCE_UNIT}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="results"')
    assert "<html" not in body
    assert lmi_cell.name in body and company.name not in body
    assert "HX-Request" in response["Vary"]


def test_directory_is_paginated_by_25(client, member):
    OrganisationFactory.create_batch(30)
    client.force_login(member)
    assert len(client.get(LIST_URL).context["page"].object_list) == 25
    assert len(client.get(LIST_URL, {"page": 2}).context["page"].object_list) == 6


def test_page_has_no_inline_styles_or_scripts(client, member, company):
    client.force_login(member)
    body = client.get(LIST_URL).content.decode()
    assert "style=" not in body
    assert "<script>" not in body


@pytest.mark.parametrize("rows", [1, 25])
def test_list_query_count_is_constant(client, member, django_assert_num_queries, rows):
    themes = list(Theme.objects.all()[:2])
    systems = list(System.objects.all()[:2])
    organisations = [
        member.memberships.get().organisation,
        *OrganisationFactory.create_batch(rows - 1),
    ]
    for org in organisations:
        org.themes.add(*themes)
        org.systems.add(*systems)
        member_of(org)
    client.force_login(member)
    client.get(LIST_URL)
    # session, user, access context, theme and system choices, count, one page of rows,
    # themes and systems of that page
    with django_assert_num_queries(EXPECTED_LIST_QUERIES):
        response = client.get(LIST_URL)
    assert len(response.context["page"].object_list) == rows


EXPECTED_LIST_QUERIES = 9


# --- CSV export ------------------------------------------------------------------------------


def test_csv_export_holds_the_filtered_visible_list(client, member, company, lmi_cell):
    company.themes.add(Theme.objects.get(slug="data-ai"))
    company.systems.add(System.objects.get(slug="boxer"))
    OrganisationFactory(name="Verborgen in onboarding", onboarding=True, kind="oem")
    client.force_login(member)
    response = client.get(LIST_URL, {"kind": "oem", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv_rows(response)
    assert rows[0] == [
        "Naam", "Korte naam", "Soort", "Land", "Website", "Thema's", "Systemen", "Leden",
    ]  # fmt: skip
    names = [row[0] for row in rows[1:]]
    assert company.name in names
    assert lmi_cell.name not in names  # filtered out by kind
    assert "Verborgen in onboarding" not in names  # not visible to a member
    ddvs = next(row for row in rows if row[0] == company.name)
    assert ddvs[1] == "DDVS"
    assert ddvs[5] == "Data & AI"
    assert ddvs[6] == "Boxer"
    assert ddvs[7] == "1"


def test_csv_export_neutralises_formulas(client, member):
    OrganisationFactory(name='=HYPERLINK("x")', website="https://example.org")
    client.force_login(member)
    rows = _csv_rows(client.get(LIST_URL, {"q": "HYPERLINK", "format": "csv"}))
    assert rows[1][0] == '\'=HYPERLINK("x")'


def test_csv_link_carries_the_current_filters(client, member, company):
    client.force_login(member)
    body = client.get(LIST_URL, {"kind": "oem", "q": "DDVS"}).content.decode()
    assert "kind=oem&amp;q=DDVS&amp;format=csv" in body


def test_admin_csv_export_includes_status(admin_client_with_mfa, company):
    OrganisationFactory(name="Nog in onboarding", onboarding=True)
    rows = _csv_rows(admin_client_with_mfa.get(LIST_URL, {"format": "csv"}))
    assert rows[0][-1] == "Status"
    onboarding_row = next(r for r in rows if r[0] == "Nog in onboarding")
    assert onboarding_row[-1] == "in onboarding"


# --- The profile page ------------------------------------------------------------------------


def test_profile_page_shows_the_organisation(client, member, company, outsider):
    company.description = "Wij onderhouden wielvoertuigen."
    company.website = "https://ddvs.example"
    company.save()
    company.themes.add(Theme.objects.get(slug="data-ai"))
    company.systems.add(System.objects.get(slug="boxer"))
    client.force_login(outsider)
    body = client.get(reverse("partners:organisation_detail", args=[company.pk])).content.decode()
    assert "Wij onderhouden wielvoertuigen." in body
    assert "https://ddvs.example" in body
    assert "Data &amp; AI" in body and "Boxer" in body
    assert "Profiel bewerken" not in body
    assert "style=" not in body and "<script>" not in body


def test_non_active_organisation_is_404_for_a_normal_member(client, member):
    for org in (
        OrganisationFactory(onboarding=True),
        OrganisationFactory(suspended=True),
        OrganisationFactory(status=Organisation.Status.OFFBOARDED),
    ):
        client.force_login(member)
        assert client.get(reverse("partners:organisation_detail", args=[org.pk])).status_code == 404


def test_missing_organisation_is_404(client, member):
    client.force_login(member)
    assert client.get(reverse("partners:organisation_detail", args=[999999])).status_code == 404


def test_onboarding_members_see_their_own_organisation_only(client, company):
    newcomer_org = OrganisationFactory(name="Nieuwkomer BV", onboarding=True)
    newcomer = member_of(newcomer_org)
    client.force_login(newcomer)
    own = client.get(reverse("partners:organisation_detail", args=[newcomer_org.pk]))
    assert own.status_code == 200
    assert "Nieuwkomer BV" in own.content.decode()
    other = client.get(reverse("partners:organisation_detail", args=[company.pk]))
    assert other.status_code == 404  # not yet a member of the portal, so no directory


def test_portal_admin_sees_a_suspended_organisation(admin_client_with_mfa):
    org = OrganisationFactory(name="Geschorst bedrijf", suspended=True)
    response = admin_client_with_mfa.get(reverse("partners:organisation_detail", args=[org.pk]))
    assert response.status_code == 200
    assert "geschorst" in response.content.decode()


def test_profile_shows_people_and_posts_but_not_other_organisations_emails(
    client, company, outsider
):
    colleague = UserFactory(first_name="Sanne", last_name="Testpersoon", email="sanne@ddvs.example")
    MembershipFactory(user=colleague, organisation=company, job_title="Hoofd werkplaats")
    nameless = UserFactory(first_name="", last_name="", email="naamloos@ddvs.example")
    MembershipFactory(user=nameless, organisation=company)
    former = UserFactory(first_name="Oud", last_name="Collega")
    MembershipFactory(
        user=former, organisation=company, end_date=timezone.localdate() - timedelta(days=3)
    )
    client.force_login(outsider)
    body = client.get(reverse("partners:organisation_detail", args=[company.pk])).content.decode()
    assert "Sanne Testpersoon" in body
    assert "Hoofd werkplaats" in body
    assert "sanne@ddvs.example" not in body
    assert "naamloos@ddvs.example" not in body
    assert "Oud Collega" not in body


def test_own_members_see_their_colleagues_emails(client, member, company):
    colleague = UserFactory(email="collega@ddvs.example")
    MembershipFactory(user=colleague, organisation=company)
    client.force_login(member)
    body = client.get(reverse("partners:organisation_detail", args=[company.pk])).content.decode()
    assert "collega@ddvs.example" in body


def test_org_admin_gets_an_edit_link_on_their_profile(client, org_admin, company):
    with_second_factor(org_admin)
    client.force_login(org_admin)
    body = client.get(reverse("partners:organisation_detail", args=[company.pk])).content.decode()
    assert reverse("partners:organisation_profile", args=[company.pk]) in body
    assert "Het profiel is nog niet compleet" in body


def test_initiatives_provider_is_registered():
    assert "initiatives" in organisation_sections


def test_initiatives_section_respects_the_access_policy(client, company, member, outsider):
    InitiativeFactory(title="Groen plan", owner_organisation=company, tlp=TLP.GREEN)
    InitiativeFactory(title="Strikt plan", owner_organisation=company, tlp=TLP.AMBER_STRICT)
    elsewhere = InitiativeFactory(title="Elders meedoen", tlp=TLP.GREEN)
    ParticipationFactory(initiative=elsewhere, organisation=company)
    InitiativeFactory(title="Zonder DDVS", tlp=TLP.GREEN)
    url = reverse("partners:organisation_detail", args=[company.pk])

    client.force_login(outsider)
    body = client.get(url).content.decode()
    assert "Initiatieven waar deze organisatie aan deelneemt" in body
    assert "Groen plan" in body
    assert "Elders meedoen" in body
    assert "Strikt plan" not in body
    assert "Zonder DDVS" not in body

    client.force_login(member)
    body = client.get(url).content.decode()
    assert "Groen plan" in body and "Strikt plan" in body


@pytest.mark.parametrize("rows", [1, 10])
def test_profile_page_query_count_does_not_grow_with_people_or_initiatives(
    client, outsider, company, django_assert_num_queries, rows
):
    for _ in range(rows):
        member_of(company)
        ParticipationFactory(organisation=company, initiative=InitiativeFactory(tlp=TLP.GREEN))
    company.themes.add(*Theme.objects.all()[:2])
    url = reverse("partners:organisation_detail", args=[company.pk])
    client.force_login(outsider)
    client.get(url)
    with django_assert_num_queries(EXPECTED_DETAIL_QUERIES):
        client.get(url)


EXPECTED_DETAIL_QUERIES = 11


# --- Logos -----------------------------------------------------------------------------------


def test_logo_is_served_as_png_with_nosniff(client, member, company, media):
    _store_logo(company)
    client.force_login(member)
    response = client.get(reverse("partners:organisation_logo", args=[company.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_logo_of_an_organisation_not_visible_is_404(client, member, media):
    hidden = OrganisationFactory(suspended=True)
    _store_logo(hidden)
    client.force_login(member)
    assert client.get(reverse("partners:organisation_logo", args=[hidden.pk])).status_code == 404


def test_organisation_without_logo_answers_404(client, member, company):
    client.force_login(member)
    assert client.get(reverse("partners:organisation_logo", args=[company.pk])).status_code == 404


def test_logo_with_an_unexpected_file_type_is_not_served(client, member, company, media):
    name = default_storage.save("logos/evil.html", ContentFile(b"<script>alert(1)</script>"))
    company.logo.name = name
    company.save(update_fields=["logo"])
    client.force_login(member)
    assert client.get(reverse("partners:organisation_logo", args=[company.pk])).status_code == 404


def test_profile_page_shows_the_logo(client, member, company, media):
    _store_logo(company)
    client.force_login(member)
    body = client.get(reverse("partners:organisation_detail", args=[company.pk])).content.decode()
    assert reverse("partners:organisation_logo", args=[company.pk]) in body


def test_ended_membership_does_not_make_an_onboarding_organisation_visible(client, member):
    onboarding = OrganisationFactory(onboarding=True)
    Membership.objects.create(
        user=member,
        organisation=onboarding,
        start_date=timezone.localdate() - timedelta(days=30),
        end_date=timezone.localdate() - timedelta(days=2),
    )
    client.force_login(member)
    url = reverse("partners:organisation_detail", args=[onboarding.pk])
    assert client.get(url).status_code == 404
