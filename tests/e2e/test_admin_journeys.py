"""The two admin roles' everyday journeys, in Dutch and in English: an organisation admin invites
a colleague; a portal admin registers a company and invites its first contact in English.

The full onboarding of a company, in Dutch, is test_onboarding_journey.py.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from lmi_portal.core.models import OutboxEmail
from partners.models import Invitation, Membership, Organisation, User

from .helpers import PARTNER, assert_accessible, log_in, switch_language

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo")]

PORTAL_ADMIN = "beheer@lmi.example"  # partners.demo: signs in with TOTP
COLLEAGUE = "femke.verhoef@ddvs.example"
COMPANY = "Rupsband Service Twente B.V."
CONTACT = "jan.kuipers@rupsband-twente.example"

# What the people read and click, in each language of the portal.
TEXT = {
    "nl": {
        "manage_members": "Leden beheren",
        "invite_heading": "Een collega uitnodigen",
        "name": "Naam",
        "email": "E-mailadres",
        "job_title": "Functie",
        "send": "Uitnodiging versturen",
        "sent": f"Uitnodiging verstuurd naar {COLLEAGUE}.",
        "open_invitations": "Openstaande uitnodigingen",
    },
    "en": {
        "manage_members": "Manage members",
        "invite_heading": "Invite a colleague",
        "name": "Name",
        "email": "Email address",
        "job_title": "Job title",
        "send": "Send invitation",
        "sent": f"Invitation sent to {COLLEAGUE}.",
        "open_invitations": "Open invitations",
    },
}


def field(scope: Page | Locator, label: str) -> Locator:
    """The form field with exactly this label (Django adds a colon to labels)."""
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def _sign_in(page: Page, email: str, language: str) -> None:
    log_in(page, email)  # answers the TOTP step where the account has one
    if language != "nl":
        switch_language(page, language)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_organisation_admin_invites_a_colleague(page: Page, language: str) -> None:
    text = TEXT[language]
    ddvs = Organisation.objects.get(short_name="DDVS")
    _sign_in(page, PARTNER, language)

    page.goto(f"/organisaties/{ddvs.pk}/")
    page.get_by_role("link", name=text["manage_members"]).click()
    expect(page).to_have_url(re.compile(rf"/organisaties/{ddvs.pk}/leden/$"))
    expect(page.get_by_role("heading", name=text["invite_heading"])).to_be_visible()
    form = page.locator("#invite-form")
    field(form, text["name"]).fill("Femke Verhoef")
    field(form, text["email"]).fill(COLLEAGUE)
    field(form, text["job_title"]).fill("Planner werkplaats")
    # The form posts through htmx; on success the server sends the page back via HX-Redirect.
    form.get_by_role("button", name=text["send"]).click()

    expect(page.get_by_role("status").filter(has_text=text["sent"])).to_be_visible()
    invitations = page.locator("#invitations")
    expect(invitations.get_by_role("heading")).to_have_text(text["open_invitations"])
    expect(invitations.get_by_role("row", name=re.compile("Femke Verhoef"))).to_contain_text(
        COLLEAGUE
    )
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert_accessible(page)

    invitation = Invitation.objects.get(email=COLLEAGUE)
    assert invitation.organisation == ddvs
    assert invitation.invited_by == User.objects.get(email=PARTNER)
    assert invitation.role == Membership.Role.MEMBER
    assert OutboxEmail.objects.filter(to=COLLEAGUE).count() == 1


def test_portal_admin_registers_a_company_and_invites_its_contact_in_english(page: Page) -> None:
    _sign_in(page, PORTAL_ADMIN, "en")
    page.get_by_role("navigation", name=re.compile("Main menu|Hoofdmenu")).get_by_role(
        "link", name="Admin"
    ).click()
    expect(page).to_have_url(re.compile(r"/beheer/$"))
    page.get_by_role("link", name="New organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New organisation")
    field(page, "Name").fill(COMPANY)
    field(page, "Kind of organisation").select_option(Organisation.Kind.SME)
    field(page, "Chamber of Commerce (KvK) number").fill("87654321")
    field(page, "Email domains").fill("rupsband-twente.example")
    field(page, "Name of first contact person").fill("Jan Kuipers")
    field(page, "Email address of first contact person").fill(CONTACT)
    field(page, "Language of the invitation").select_option("en")
    page.get_by_role("button", name="Create organisation").click()

    expect(page).to_have_url(re.compile(r"/beheer/organisaties/\d+/$"))
    company = Organisation.objects.get(name=COMPANY)
    assert page.url.endswith(f"/beheer/organisaties/{company.pk}/")
    expect(page.get_by_role("status")).to_contain_text(
        f"Organisation created; the invitation to {CONTACT} has been sent."
    )
    expect(page.locator("main")).to_contain_text("Status: invited")
    assert_accessible(page)
    assert company.status == Organisation.Status.INVITED

    # The invitation goes out in the language the admin chose for it.
    (email,) = OutboxEmail.objects.filter(to=CONTACT)
    assert "Accept the invitation via this link:" in email.body_text

    # The onboarding board now lists the company among those to follow up.
    page.get_by_role("navigation", name=re.compile("Breadcrumb|Kruimelpad")).get_by_role(
        "link", name="Onboarding"
    ).click()
    expect(page.locator("#board").get_by_role("link", name=COMPANY)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
