"""The common understanding: everyone accepts the current version before using the portal."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse

from lmi_portal.core.models import AuditEvent
from partners.models import CommonUnderstanding, CommonUnderstandingAcceptance, Membership
from partners.services.common_understanding import (
    common_understanding_current,
    common_understanding_publish,
)
from tests.conftest import TOTP_SECRET
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

CU_URL = "/gemeenschappelijk-begrip/"
NEW_URL = "/gemeenschappelijk-begrip/nieuw/"


@pytest.fixture
def newcomer(company):
    """A member who has not accepted the common understanding yet."""
    return member_of(company, email="nieuw@ddvs.example", accepted_common_understanding=False)


def publish(admin, text_nl="Versie met een nieuwe afspraak.", text_en="") -> CommonUnderstanding:
    return common_understanding_publish(actor=admin, text_nl=text_nl, text_en=text_en)


def test_urls_are_the_dutch_ones():
    assert reverse("partners:common_understanding") == CU_URL
    assert reverse("partners:common_understanding_new") == NEW_URL


def test_user_without_acceptance_is_sent_to_the_common_understanding(client, newcomer):
    client.force_login(newcomer)
    response = client.get(reverse("initiatives:list") + "?q=boxer")
    assert response.status_code == 302
    assert response["Location"] == f"{CU_URL}?{urlencode({'next': '/initiatieven/?q=boxer'})}"


def test_htmx_request_without_acceptance_gets_hx_redirect(client, newcomer):
    client.force_login(newcomer)
    response = client.get(reverse("initiatives:list"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == CU_URL


def test_account_pages_stay_reachable_without_acceptance(client, newcomer):
    client.force_login(newcomer)
    assert client.get(reverse("account_change_password")).status_code == 200
    assert client.get(reverse("mfa_index")).status_code == 200


def test_page_shows_the_text_version_and_the_accept_button(client, newcomer):
    client.force_login(newcomer)
    response = client.get(CU_URL)
    body = response.content.decode()
    current = common_understanding_current()
    assert response.status_code == 200
    assert f"Versie {current.version}" in body
    assert "geen contracten maar contacten" in body
    assert "Ik ga akkoord" in body


def test_accepting_stores_version_and_time_and_opens_the_portal(client, newcomer):
    client.force_login(newcomer)
    response = client.post(CU_URL, {"next": "/initiatieven/?q=boxer"})

    assert response.status_code == 302
    assert response["Location"] == "/initiatieven/?q=boxer"
    acceptance = CommonUnderstandingAcceptance.objects.get(user=newcomer)
    assert acceptance.version == common_understanding_current()
    assert acceptance.accepted_at is not None
    assert AuditEvent.objects.filter(
        action="common_understanding.accepted", actor=newcomer
    ).exists()
    assert client.get(reverse("dashboard")).status_code == 200
    page = client.get(CU_URL).content.decode()
    assert "U heeft deze versie geaccepteerd op" in page
    assert "Ik ga akkoord" not in page


def test_accepting_ignores_a_next_that_leaves_the_site(client, newcomer):
    client.force_login(newcomer)
    response = client.post(CU_URL, {"next": "https://kwaadwillend.example/"})
    assert response["Location"] == reverse("dashboard")


def test_user_who_accepted_is_not_redirected(client, member):
    client.force_login(member)
    assert client.get(reverse("dashboard")).status_code == 200


def test_new_version_makes_everyone_accept_again(client, member, portal_admin):
    client.force_login(member)
    assert client.get(reverse("dashboard")).status_code == 200  # remembered in the session

    version = publish(portal_admin)

    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(CU_URL)
    client.post(CU_URL)
    assert CommonUnderstandingAcceptance.objects.filter(user=member, version=version).exists()
    assert client.get(reverse("dashboard")).status_code == 200


def test_english_user_reads_the_english_text(client, company):
    user = member_of(company, language="en", accepted_common_understanding=False)
    client.force_login(user)
    body = client.get(CU_URL).content.decode()
    assert "contacts, not contracts" in body
    assert "geen contracten maar contacten" not in body


def test_english_user_reads_dutch_when_there_is_no_english_text(client, company, portal_admin):
    publish(portal_admin, text_nl="Alleen in het Nederlands.", text_en="")
    user = member_of(company, language="en", accepted_common_understanding=False)
    client.force_login(user)
    assert "Alleen in het Nederlands." in client.get(CU_URL).content.decode()


def test_member_of_an_onboarding_organisation_reaches_the_page(client):
    organisation = OrganisationFactory(onboarding=True)
    user = UserFactory(accepted_common_understanding=False)
    MembershipFactory(user=user, organisation=organisation, role=Membership.Role.MEMBER)
    client.force_login(user)
    assert client.get(CU_URL).status_code == 200
    assert client.post(CU_URL).status_code == 302
    assert CommonUnderstandingAcceptance.objects.filter(user=user).exists()


def test_text_is_escaped(client, newcomer, portal_admin):
    publish(portal_admin, text_nl="<script>alert(1)</script>")
    client.force_login(newcomer)
    body = client.get(CU_URL).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


# --- Publishing (portal admins only) ----------------------------------------------------------


def test_admin_sees_the_form_prefilled_with_the_current_text(admin_client_with_mfa):
    response = admin_client_with_mfa.get(NEW_URL)
    current = common_understanding_current()
    assert response.status_code == 200
    assert response.context["form"].initial == {
        "text_nl": current.text_nl,
        "text_en": current.text_en,
    }


def test_admin_publishes_the_next_version(admin_client_with_mfa, portal_admin):
    before = common_understanding_current().version
    response = admin_client_with_mfa.post(
        NEW_URL, {"text_nl": "Nieuwe afspraken.", "text_en": "New agreements."}
    )
    assert response.status_code == 302
    current = common_understanding_current()
    assert current.version == before + 1
    assert (current.text_nl, current.text_en, current.published_by) == (
        "Nieuwe afspraken.",
        "New agreements.",
        portal_admin,
    )
    event = AuditEvent.objects.get(action="common_understanding.published")
    assert event.actor == portal_admin
    assert event.data == {"version": before + 1}


def test_publishing_the_same_text_again_is_refused(admin_client_with_mfa):
    current = common_understanding_current()
    response = admin_client_with_mfa.post(
        NEW_URL, {"text_nl": current.text_nl, "text_en": current.text_en}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert common_understanding_current() == current


@pytest.mark.parametrize("who", ["member", "org_admin", "programme_manager"])
def test_only_portal_admins_can_publish(client, request, who):
    user = request.getfixturevalue(who)
    before = CommonUnderstanding.objects.count()
    client.force_login(user)
    assert client.get(NEW_URL).status_code == 404
    assert client.post(NEW_URL, {"text_nl": "Overgenomen."}).status_code == 404
    assert CommonUnderstanding.objects.count() == before


def test_onboarding_user_is_led_to_the_common_understanding_not_to_no_access(client):
    organisation = OrganisationFactory(onboarding=True)
    user = UserFactory(accepted_common_understanding=False)
    MembershipFactory(user=user, organisation=organisation)
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(CU_URL)


def test_admin_of_an_onboarding_organisation_goes_on_to_its_profile(client):
    organisation = OrganisationFactory(onboarding=True)
    admin = UserFactory(accepted_common_understanding=False)
    MembershipFactory(user=admin, organisation=organisation, role=Membership.Role.ORG_ADMIN)
    TOTP.activate(admin, TOTP_SECRET)
    client.force_login(admin)
    response = client.post(CU_URL, {"next": reverse("dashboard")})
    assert response["Location"] == reverse("partners:organisation_profile", args=[organisation.pk])


def test_public_pages_stay_public_for_users_without_acceptance(client, newcomer):
    client.force_login(newcomer)
    assert client.get(reverse("health")).status_code in (200, 503)
