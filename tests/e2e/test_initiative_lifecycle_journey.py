"""A partner posts an initiative in seconds; the programme manager moves it on with a reason."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from initiatives.models import Initiative, Phase
from partners.models import TLP, User

from .browsing import Browsers
from .helpers import PARTNER_COLLEAGUE, PROGRAMME_MANAGER, assert_accessible, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo")]

TITLE = "Gedeelde voorraad filters voor de Fennek"
REASON = "De proef met twee werkplaatsen is rond; nu met de brigade in het veld."


def test_partner_posts_with_three_fields_and_programme_manager_moves_it_to_pilot(
    browsers: Browsers,
) -> None:
    partner = browsers.new_page()
    log_in(partner, PARTNER_COLLEAGUE)
    partner.goto("/initiatieven/nieuw/")
    # Only three fields; the rest waits, folded away, under "Meer details (optioneel)".
    expect(partner.locator("details")).not_to_have_attribute("open", "")
    partner.get_by_label("Titel").fill(TITLE)
    partner.get_by_label("Samenvatting").fill(
        "Eén gezamenlijke voorraad luchtfilters scheelt elke werkplaats een eigen bestelling."
    )
    partner.get_by_label("Rubricering (TLP)").select_option(TLP.GREEN)
    partner.get_by_role("button", name="Plaatsen").click()

    expect(partner).to_have_url(re.compile(r"/initiatieven/\d+/$"))
    expect(partner.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(partner.get_by_role("status")).to_contain_text("Initiatief geplaatst.")
    timeline = partner.locator("#timeline")
    expect(timeline).to_contain_text("geplaatst in")
    expect(timeline).to_contain_text("Idee")
    # Posted alone, so the page says it hangs on one person.
    expect(partner.locator("#single-person-risk")).to_contain_text("geen plaatsvervanger")
    initiative = Initiative.objects.get(title=TITLE)
    assert initiative.tlp == TLP.GREEN and initiative.phase == Phase.IDEA
    assert initiative.lead == User.objects.get(email=PARTNER_COLLEAGUE)

    pm = browsers.new_page()
    log_in(pm, PROGRAMME_MANAGER)  # answers the TOTP step
    pm.goto(initiative.get_absolute_url())
    # htmx loads the phase form into the page; no page load.
    pm.get_by_role("link", name="Fase wijzigen").click()
    form = pm.locator("#lifecycle-panel #phase-form")
    expect(form).to_be_visible()
    form.get_by_label("Nieuwe fase").select_option(Phase.PILOT)
    form.get_by_label("Reden").fill(REASON)
    form.get_by_role("button", name="Fase wijzigen").click()

    expect(pm).to_have_url(re.compile(re.escape(initiative.get_absolute_url()) + "$"))
    expect(pm.get_by_role("status")).to_contain_text("De fase is gewijzigd naar Pilot.")
    timeline = pm.locator("#timeline")
    expect(timeline.get_by_role("listitem")).to_have_count(2)
    latest = timeline.get_by_role("listitem").last
    expect(latest).to_contain_text("Idee")
    expect(latest).to_contain_text("Pilot")
    expect(latest).to_contain_text(REASON)
    expect(latest).to_contain_text("door Pieter de Vries")
    # The whole page once: header, risk warning, timeline and the other sections.
    assert_accessible(pm)

    initiative.refresh_from_db()
    assert initiative.phase == Phase.PILOT
    change = initiative.phase_changes.order_by("created_at", "id").last()
    assert change is not None
    assert (change.from_phase, change.to_phase, change.reason) == (Phase.IDEA, Phase.PILOT, REASON)
    assert change.actor == User.objects.get(email=PROGRAMME_MANAGER)
