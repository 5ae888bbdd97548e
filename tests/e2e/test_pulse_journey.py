"""The Samenwerkingsmonitor in a real browser: an invited partner answers on a phone-sized
screen in well under three minutes; the programme manager reads the results."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from initiatives.demo_pulse import AUTUMN_TITLE, NOT_YET_ANSWERED, seed_demo_pulse
from initiatives.models import PulseInvitation, PulseResponse, PulseRound
from partners.models import User

from .browsing import Browsers
from .helpers import PROGRAMME_MANAGER, assert_accessible, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo")]

PHONE = {"width": 390, "height": 844}
RESPONDENT = NOT_YET_ANSWERED[0]  # daan.mulder@rmmv.example, invited to the open round
ANSWERS = {
    "De partnerorganisaties binnen LMI zijn van elkaar afhankelijk": "4",
    "Ik heb naast mijn reguliere werk voldoende tijd": "2",
    "Ik kan snel de juiste persoon bij een andere partner vinden": "5",
    "Er zijn voldoende financiële middelen": "n.v.t.",
}


@pytest.fixture
def autumn_round(demo: None) -> PulseRound:
    # Until the seeder is registered in initiatives.apps, add the monitor's demo data here;
    # it is idempotent, so this stays harmless afterwards.
    seed_demo_pulse({})
    return PulseRound.objects.get(title=AUTUMN_TITLE)


def test_invited_partner_answers_on_a_phone_in_well_under_three_minutes(
    browsers: Browsers, autumn_round: PulseRound
) -> None:
    respondent = User.objects.get(email=RESPONDENT)
    invitation = PulseInvitation.objects.get(round=autumn_round, user=respondent)
    assert invitation.answered is False
    responses_before = PulseResponse.objects.filter(round=autumn_round).count()

    page = browsers.new_page()
    page.set_viewport_size(PHONE)
    log_in(page, RESPONDENT)
    started = time.monotonic()
    page.goto(f"/initiatieven/monitor/{autumn_round.pk}/antwoorden/")
    expect(page.get_by_role("heading", level=1)).to_have_text(AUTUMN_TITLE)
    assert_accessible(page)
    # No sideways scrolling on a phone: the six answer buttons wrap.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The organisation kind is suggested from RMMV (industry); the level is the person's own.
    kind = page.get_by_role("group", name="Voor welk soort organisatie werkt u?")
    expect(kind.get_by_role("radio", name="Industrie")).to_be_checked()
    page.get_by_role("group", name="Op welk niveau werkt u?").get_by_text(
        "Uitvoerend niveau"
    ).click()
    for statement, answer in ANSWERS.items():
        group = page.get_by_role("group", name=re.compile(re.escape(statement)))
        # A person taps the visible button: the number (a screen reader also hears its meaning).
        starts = re.compile(rf"^{re.escape(answer)}(\s|$)")
        group.locator("label", has_text=starts).click()
        expect(group.get_by_role("radio", name=starts)).to_be_checked()
    page.get_by_label(re.compile("Wat zou de samenwerking binnen LMI het meest verbeteren")).fill(
        "Tijd voor LMI-werk inplannen in het rooster."
    )
    page.get_by_role("button", name="Versturen").click()

    expect(page).to_have_url(re.compile(rf"/initiatieven/monitor/{autumn_round.pk}/bedankt/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Dank u wel!")
    expect(page.locator("main")).to_contain_text("besproken in de werkgroep")
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"answering took {elapsed:.0f} s"
    assert_accessible(page)

    invitation.refresh_from_db()
    assert invitation.answered is True
    assert PulseResponse.objects.filter(round=autumn_round).count() == responses_before + 1
    assert PulseResponse.objects.filter(
        round=autumn_round, open_answer="Tijd voor LMI-werk inplannen in het rooster."
    ).exists()

    # Back on the answer page, the form is gone: once is once.
    page.goto(f"/initiatieven/monitor/{autumn_round.pk}/antwoorden/")
    expect(page.locator("main")).to_contain_text("U hebt deze ronde al ingevuld.")
    expect(page.get_by_role("button", name="Versturen")).to_have_count(0)


def test_programme_manager_reads_the_results(browsers: Browsers, autumn_round: PulseRound) -> None:
    page = browsers.new_page()
    log_in(page, PROGRAMME_MANAGER)
    page.goto("/initiatieven/monitor/")
    assert_accessible(page)
    page.get_by_role("link", name=AUTUMN_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(AUTUMN_TITLE)
    expect(page.get_by_role("heading", name="Aandachtspunten")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Middelen")
    expect(page.locator("main")).to_contain_text("minder dan 5 antwoorden")
    assert_accessible(page)

    # A new round for the whole network: nothing to show until five have answered.
    page.get_by_role("link", name="Samenwerkingsmonitor").first.click()
    page.get_by_role("link", name="Nieuwe ronde openen").click()
    assert_accessible(page)
    page.get_by_label("Titel").fill("Samenwerkingsmonitor winter 2026")
    page.get_by_role("button", name="Ronde openen en uitnodigen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Samenwerkingsmonitor winter 2026")
    expect(page.get_by_role("status").first).to_contain_text("De ronde is geopend")
    expect(page.locator("main")).to_contain_text(
        "Nog te weinig antwoorden (minimaal 5) om uitkomsten te tonen."
    )
    new_round = PulseRound.objects.get(title="Samenwerkingsmonitor winter 2026")
    assert new_round.invitations.filter(user__email=RESPONDENT).exists()
