"""The weekly werkgroep in a real browser: the programme manager prepares the agenda from the
weekly view, a partner proposes a point, the meeting records a decision and an action live,
the minutes are published and mailed to the attendees, and a competitor who does not attend
cannot open them. Axe judges the weekly view, the meeting page and the actions dashboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from initiatives.models import ActionItem, AgendaItem, Decision, Meeting
from lmi_portal.core.models import OutboxEmail
from partners.models import User

from .browsing import Browsers
from .helpers import COMPETITORS, PARTNER, PROGRAMME_MANAGER, assert_accessible, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo")]

PROPOSAL = "Proef met gedeelde gereedschapskisten"
DECISION = "DDVS en 13 Lbrig starten de proef na de zomer."
ACTION = "Inventaris gereedschap per werkplaats opstellen"
MINUTES = "Iedereen ziet voordeel; de kosten worden gedeeld."


def _upcoming() -> Meeting:
    return Meeting.objects.get(status=Meeting.Status.PREPARATION)


def _put_two_items_on_the_agenda(page: Page, meeting: Meeting) -> None:
    page.goto("/initiatieven/werkgroep/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sinds vorige werkgroep")
    assert_accessible(page)
    before = AgendaItem.objects.filter(meeting=meeting).count()
    buttons = page.locator("form[action$='/werkgroep/op-de-agenda/'] button[type=submit]")
    for done in (1, 2):
        buttons.first.click()  # htmx swaps the button for a badge, so .first is the next one
        expect(page.get_by_role("status").filter(has_text="Op de agenda")).to_have_count(done)
    assert AgendaItem.objects.filter(meeting=meeting).count() == before + 2


def _partner_proposes(browsers: Browsers, meeting: Meeting) -> None:
    page = browsers.new_page()
    log_in(page, PARTNER)
    page.goto(meeting.get_absolute_url())
    page.get_by_text("Agendapunt voorstellen").click()
    page.get_by_label("Onderwerp").fill(PROPOSAL)
    page.get_by_role("button", name="Voorstellen").click()
    expect(page.locator("#agenda")).to_contain_text(PROPOSAL)
    item = AgendaItem.objects.get(meeting=meeting, title=PROPOSAL)
    assert item.status == AgendaItem.Status.PROPOSED
    assert item.proposed_by == User.objects.get(email=PARTNER)


def test_programme_manager_runs_the_werkgroep_and_the_minutes_reach_the_attendees(
    browsers: Browsers,
) -> None:
    meeting = _upcoming()
    partner = User.objects.get(email=PARTNER)
    assert meeting.attendees.filter(pk=partner.pk).exists()

    pm = browsers.new_page()
    log_in(pm, PROGRAMME_MANAGER)
    _put_two_items_on_the_agenda(pm, meeting)
    _partner_proposes(browsers, meeting)

    # The manager accepts the proposal on the meeting page.
    pm.goto(meeting.get_absolute_url())
    pm.get_by_role("button", name=f"Accepteren ({PROPOSAL})").click()
    item = AgendaItem.objects.get(meeting=meeting, title=PROPOSAL)
    row = pm.locator(f"#item-{item.pk}")
    expect(row.get_by_text("op de agenda", exact=True)).to_be_visible()
    assert_accessible(pm)

    # During the meeting: minutes saved as they are typed, a decision and an action.
    minutes = row.get_by_label(re.compile(r"^Verslag"))
    minutes.fill(MINUTES)
    expect(pm.locator(f"#minutes-status-{item.pk}")).to_contain_text("Opgeslagen om")
    row.get_by_text("Besluit toevoegen").click()
    row.get_by_label("Besluit", exact=True).fill(DECISION)
    row.get_by_role("button", name="Besluit vastleggen").click()
    expect(row).to_contain_text(DECISION)
    row.get_by_text("Actie toevoegen").click()
    row.get_by_label("Actie", exact=True).fill(ACTION)
    row.get_by_label("Eigenaar").select_option(str(partner.pk))
    row.get_by_label("Uiterlijk (optioneel)").fill("2099-06-30")
    row.get_by_role("button", name="Actie vastleggen").click()
    expect(row).to_contain_text(ACTION)
    item.refresh_from_db()
    assert item.minutes == MINUTES
    assert Decision.objects.filter(agenda_item=item, text=DECISION).exists()
    assert ActionItem.objects.get(title=ACTION).status == ActionItem.Status.DRAFT

    # Publish: the minutes lock, the action opens, every attendee gets the minutes by email.
    with pm.expect_navigation():
        pm.get_by_role("button", name="Publiceren", exact=True).click()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PUBLISHED
    action = ActionItem.objects.get(title=ACTION)
    assert action.status == ActionItem.Status.OPEN and action.owner == partner
    email = OutboxEmail.objects.get(idempotency_key=f"minutes:{meeting.pk}:{partner.pk}")
    assert email.to == partner.email
    assert DECISION in email.body_text

    # The agreed action is on the actions dashboard, and its owner's manager can close it.
    pm.goto("/initiatieven/acties/")
    expect(pm.get_by_role("heading", level=1)).to_have_text("Acties")
    expect(pm.locator("main")).to_contain_text("te laat")  # the demo has an overdue action
    assert_accessible(pm)
    pm.get_by_role("button", name=f"Afgerond ({ACTION})").click()
    expect(pm.locator(f"#action-row-{action.pk}")).to_contain_text("is afgerond")
    action.refresh_from_db()
    assert action.status == ActionItem.Status.DONE

    # A competitor whose organisation does not attend cannot open the minutes.
    competitor = browsers.new_page()
    log_in(competitor, COMPETITORS[0])
    response = competitor.goto(meeting.get_absolute_url())
    assert response is not None and response.status == 404
    assert not OutboxEmail.objects.filter(to=COMPETITORS[0], idempotency_key__startswith="minutes:")
