"""A portal admin onboards a new company end to end, in two real browsers."""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import Locator, Page, expect

from lmi_portal.core.models import OutboxEmail
from partners.models import Invitation, Membership, Organisation, User

from .browsing import Browsers
from .helpers import assert_accessible, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo")]

ADMIN = "beheer@lmi.example"
CONTACT = "ilse.vermeulen@hydrauliek-oost.example"
COMPANY = "Hydrauliek Oost B.V."
PASSWORD = "Onboarding-wachtwoord-2026"


def field(page: Page, label: str) -> Locator:
    """The form field with exactly this label (Django adds a colon to labels)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def invitation_link(email: str) -> str:
    """The path of the link in the newest invitation email for ``email``, read from the outbox.

    The email names the configured SITE_URL; the test server runs elsewhere, so only the path
    is used.
    """
    message = OutboxEmail.objects.filter(to=email).order_by("-created_at").first()
    assert message is not None, f"no email to {email} in the outbox"
    match = re.search(r"https?://[^/\s]+(/uitnodiging/\S+/)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def enrol_totp(page: Page) -> None:
    """Set up an authenticator app as a new user would: read the secret, type the code."""
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("input[name=code]").fill(pyotp.TOTP(secret).now())
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))


def test_admin_onboards_a_new_company_end_to_end(browsers: Browsers, tmp_path) -> None:
    admin = browsers.new_page()
    log_in(admin, ADMIN)

    # 1. The admin creates the company and invites its primary contact.
    admin.goto("/beheer/organisaties/nieuw/")
    assert_accessible(admin)
    field(admin, "Naam").fill(COMPANY)
    field(admin, "Soort organisatie").select_option(Organisation.Kind.SME)
    field(admin, "KvK-nummer").fill("81234567")
    field(admin, "E-maildomeinen").fill("hydrauliek-oost.example")
    field(admin, "Naam eerste contactpersoon").fill("Ilse Vermeulen")
    field(admin, "E-mailadres eerste contactpersoon").fill(CONTACT)
    admin.locator("main form button[type=submit]").first.click()
    expect(admin).to_have_url(re.compile(r"/beheer/organisaties/\d+/$"))
    company = Organisation.objects.get(name=COMPANY)
    assert company.status == Organisation.Status.INVITED

    # 2. The invitation arrives through the outbox; the contact accepts it.
    contact = browsers.new_page()
    contact.goto(invitation_link(CONTACT))
    assert_accessible(contact)
    field(contact, "Voornaam").fill("Ilse")
    field(contact, "Achternaam").fill("Vermeulen")
    field(contact, "Wachtwoord").fill(PASSWORD)
    field(contact, "Wachtwoord (nogmaals)").fill(PASSWORD)
    contact.locator("main form button[type=submit]").click()

    # 3. As the organisation's admin she must enrol a second factor first.
    enrol_totp(contact)
    company.refresh_from_db()
    assert company.status == Organisation.Status.ONBOARDING

    # 4. She accepts the common understanding and lands in the profile wizard.
    contact.goto("/")
    expect(contact).to_have_url(re.compile(r"/gemeenschappelijk-begrip/"))
    assert_accessible(contact)
    contact.get_by_role("button", name="Ik ga akkoord").click()
    expect(contact).to_have_url(re.compile(rf"/organisaties/{company.pk}/profiel/"))
    assert_accessible(contact)

    # 5. She completes the profile in three short steps.
    field(contact, "Omschrijving").fill(
        "Revisie van hydraulische systemen voor wielvoertuigen, ook in het veld."
    )
    contact.get_by_role("button", name="Opslaan en verder").click()
    field(contact, "Veldonderhoud").check()
    field(contact, "Boxer").check()
    contact.get_by_role("button", name="Opslaan en verder").click()
    # The logo is optional; she finishes without one.
    contact.get_by_role("button", name="Afronden").click()
    expect(contact).to_have_url(re.compile(rf"/organisaties/{company.pk}/$"))
    company.refresh_from_db()
    assert company.profile_completed_at is not None

    # 6. She invites a colleague from a CSV: preview first, then confirm.
    csv_file = tmp_path / "collegas.csv"
    csv_file.write_text(
        "naam;e-mail;functie\nBas Koster;bas.koster@hydrauliek-oost.example;Werkplaatschef\n",
        encoding="utf-8",
    )
    contact.goto(f"/organisaties/{company.pk}/leden/import/")
    field(contact, "CSV-bestand").set_input_files(str(csv_file))
    contact.get_by_role("button", name="Bestand controleren").click()
    expect(contact.locator("main")).to_contain_text("Bas Koster")
    assert_accessible(contact)
    contact.get_by_role("button", name=re.compile(r"Importeer 1 uitnodiging")).click()
    expect(contact.locator("main")).to_contain_text("1 uitnodiging verstuurd")
    assert Invitation.objects.filter(
        organisation=company, email="bas.koster@hydrauliek-oost.example"
    ).exists()

    # 7. The admin sees the checklist filled in and approves; the company is active.
    admin.goto(f"/beheer/organisaties/{company.pk}/")
    assert_accessible(admin)
    admin.get_by_role("button", name="Goedkeuren").click()
    expect(admin.locator("main")).to_contain_text("Actief", ignore_case=True)
    company.refresh_from_db()
    assert company.status == Organisation.Status.ACTIVE
    ilse = User.objects.get(email=CONTACT)
    assert Membership.objects.get(user=ilse, organisation=company).role == "org_admin"

    # 8. Now a full member, she sees the partners' shared initiatives.
    contact.goto("/initiatieven/")
    expect(contact.get_by_role("heading", level=1)).to_have_text("Initiatieven")
    expect(contact.locator("#results")).to_contain_text("Personeelsuitwisseling")
