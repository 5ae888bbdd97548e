"""A partner posts an initiative in seconds; the programme manager moves it on with a reason.
In Dutch and in English: both people switch the language as they would, in the footer."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from initiatives.models import Initiative, Phase
from partners.models import TLP, User

from .browsing import Browsers
from .helpers import (
    PARTNER_COLLEAGUE,
    PROGRAMME_MANAGER,
    assert_accessible,
    log_in,
    switch_language,
)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo")]

TITLE = "Gedeelde voorraad filters voor de Fennek"
REASON = "De proef met twee werkplaatsen is rond; nu met de brigade in het veld."
# What the people read and click, in each language of the portal.
TEXT = {
    "nl": {
        "title": "Titel",
        "summary": "Samenvatting",
        "tlp": "Rubricering (TLP)",
        "post": "Plaatsen",
        "posted": "Initiatief geplaatst.",
        "placed_in": "geplaatst in",
        "idea": "Idee",
        "no_deputy": "geen plaatsvervanger",
        "change_phase": "Fase wijzigen",
        "new_phase": "Nieuwe fase",
        "reason": "Reden",
        "changed": "De fase is gewijzigd naar Pilot.",
        "by": "door Pieter de Vries",
    },
    "en": {
        "title": "Title",
        "summary": "Summary",
        "tlp": "Sharing level (TLP)",
        "post": "Post",
        "posted": "Initiative posted.",
        "placed_in": "placed in",
        "idea": "Idea",
        "no_deputy": "there is no deputy",
        "change_phase": "Change phase",
        "new_phase": "New phase",
        "reason": "Reason",
        "changed": "The phase has been changed to Pilot.",
        "by": "by Pieter de Vries",
    },
}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_partner_posts_with_three_fields_and_programme_manager_moves_it_to_pilot(
    browsers: Browsers, language: str
) -> None:
    text = TEXT[language]
    partner = browsers.new_page()
    log_in(partner, PARTNER_COLLEAGUE)
    if language != "nl":
        switch_language(partner, language)
    partner.goto("/initiatieven/nieuw/")
    # Only three fields; the rest waits, folded away, under "Meer details (optioneel)".
    expect(partner.locator("details")).not_to_have_attribute("open", "")
    partner.get_by_label(text["title"], exact=True).fill(TITLE)
    partner.get_by_label(text["summary"], exact=True).fill(
        "Eén gezamenlijke voorraad luchtfilters scheelt elke werkplaats een eigen bestelling."
    )
    partner.get_by_label(text["tlp"]).select_option(TLP.GREEN)
    partner.get_by_role("button", name=text["post"], exact=True).click()

    expect(partner).to_have_url(re.compile(r"/initiatieven/\d+/$"))
    expect(partner.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(partner.get_by_role("status")).to_contain_text(text["posted"])
    timeline = partner.locator("#timeline")
    expect(timeline).to_contain_text(text["placed_in"])
    expect(timeline).to_contain_text(text["idea"])
    # Posted alone, so the page says it hangs on one person.
    expect(partner.locator("#single-person-risk")).to_contain_text(text["no_deputy"])
    initiative = Initiative.objects.get(title=TITLE)
    assert initiative.tlp == TLP.GREEN and initiative.phase == Phase.IDEA
    assert initiative.lead == User.objects.get(email=PARTNER_COLLEAGUE)

    pm = browsers.new_page()
    log_in(pm, PROGRAMME_MANAGER)  # answers the TOTP step
    if language != "nl":
        switch_language(pm, language)
    pm.goto(initiative.get_absolute_url())
    # htmx loads the phase form into the page; no page load.
    pm.get_by_role("link", name=text["change_phase"]).click()
    form = pm.locator("#lifecycle-panel #phase-form")
    expect(form).to_be_visible()
    form.get_by_label(text["new_phase"]).select_option(Phase.PILOT)
    form.get_by_label(text["reason"]).fill(REASON)
    form.get_by_role("button", name=text["change_phase"]).click()

    expect(pm).to_have_url(re.compile(re.escape(initiative.get_absolute_url()) + "$"))
    expect(pm.get_by_role("status")).to_contain_text(text["changed"])
    timeline = pm.locator("#timeline")
    expect(timeline.get_by_role("listitem")).to_have_count(2)
    latest = timeline.get_by_role("listitem").last
    expect(latest).to_contain_text(text["idea"])
    expect(latest).to_contain_text("Pilot")
    expect(latest).to_contain_text(REASON)
    expect(latest).to_contain_text(text["by"])
    # The whole page once: header, risk warning, timeline and the other sections.
    assert_accessible(pm)
    expect(pm.locator("html")).to_have_attribute("lang", language)

    initiative.refresh_from_db()
    assert initiative.phase == Phase.PILOT
    change = initiative.phase_changes.order_by("created_at", "id").last()
    assert change is not None
    assert (change.from_phase, change.to_phase, change.reason) == (Phase.IDEA, Phase.PILOT, REASON)
    assert change.actor == User.objects.get(email=PROGRAMME_MANAGER)
