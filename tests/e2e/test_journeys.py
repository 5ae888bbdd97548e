"""Journeys through the portal in a real browser, against the live server and the demo data."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Locator, Page, expect

from initiatives.models import Initiative
from partners.models import TLP, Organisation, User
from tests.factories import InitiativeFactory

from .browsing import Browsers
from .helpers import (
    COMPETITORS,
    LOGIN_URL,
    MFA_URL,
    PARTNER,
    PARTNER_COLLEAGUE,
    PROGRAMME_MANAGER,
    assert_accessible,
    enter_totp,
    htmx_ready,
    log_in,
)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo")]

# The demo's AMBER+STRICT initiative, owned by RMMV NL.
RMMV_STRICT_TITLE = "Ervaringen met prestatiegebaseerd onderhoudscontract"
DDVS_STRICT_TITLE = "Interne marge-analyse Boxer-onderhoud"


def main_nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Hoofdmenu")


def test_partner_posts_an_initiative_and_finds_it_by_htmx_search(page: Page) -> None:
    log_in(page, PARTNER)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Sanne")
    # An ordinary member has the werkgroep meetings, not the programme managers' weekly view.
    expect(main_nav(page).get_by_role("link", name="Werkgroep")).to_have_attribute(
        "href", "/initiatieven/werkgroep/bijeenkomsten/"
    )

    page.get_by_role("link", name="Initiatief plaatsen").click()
    expect(page).to_have_url(re.compile(r"/initiatieven/nieuw/$"))
    assert_accessible(page)
    title = "Kalibratiedienst voor meetgereedschap in de veldwerkplaats"
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Samenvatting").fill(
        "Een gedeelde kalibratiedienst bespaart elke werkplaats een eigen contract."
    )
    page.get_by_label("Rubricering (TLP)").select_option(TLP.GREEN)
    # The form posts through htmx; on success the server sends HX-Redirect to the new page.
    page.get_by_role("button", name="Plaatsen").click()

    expect(page).to_have_url(re.compile(r"/initiatieven/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("status")).to_contain_text("Initiatief geplaatst.")
    expect(page.locator("article .badge.tlp-green")).to_have_text("TLP:GREEN")
    expect(page.locator("article")).to_contain_text("Dutch Defence Vehicle Systems")
    initiative = Initiative.objects.get(title=title)
    assert page.url.endswith(initiative.get_absolute_url())
    assert initiative.owner_organisation.short_name == "DDVS"
    assert initiative.tlp == TLP.GREEN
    assert initiative.created_by == User.objects.get(email=PARTNER)

    page.get_by_role("navigation", name="Kruimelpad").get_by_role(
        "link", name="Initiatieven"
    ).click()
    expect(page).to_have_url(re.compile(r"/initiatieven/$"))
    results = page.locator("#results")
    expect(results.get_by_role("link", name=title)).to_be_visible()
    assert results.get_by_role("listitem").count() > 1, "the demo initiatives are listed too"

    # htmx search: only #results is swapped, the document stays (the marker survives).
    htmx_ready(page)
    page.evaluate("() => { window.__e2eSamePage = true; }")
    page.evaluate("() => { document.querySelector('#results').dataset.e2eStale = '1'; }")
    with page.expect_response(
        lambda r: "/initiatieven/?" in r.url and r.request.headers.get("hx-request") == "true"
    ) as fragment:
        page.locator("#id_q").fill("kalibratie")
    assert fragment.value.status == 200
    expect(page.locator("#results[data-e2e-stale]")).to_have_count(0)
    expect(results.get_by_role("listitem")).to_have_count(1)
    expect(results.get_by_role("link", name=title)).to_be_visible()
    expect(results).to_contain_text("1 initiatief")
    expect(page).to_have_url(re.compile(r"/initiatieven/\?.*q=kalibratie"))  # hx-push-url
    assert page.evaluate("() => window.__e2eSamePage === true"), "search reloaded the page"

    # A query without hits swaps in the empty state, again without a page load.
    page.locator("#id_q").fill("geen-enkel-initiatief-heet-zo")
    expect(results).to_contain_text("Geen initiatieven gevonden.")
    expect(results.get_by_role("listitem")).to_have_count(0)
    assert page.evaluate("() => window.__e2eSamePage === true"), "search reloaded the page"


def test_programme_manager_signs_in_with_totp_and_opens_the_working_group(page: Page) -> None:
    log_in(page, PROGRAMME_MANAGER, answer_totp=False)
    expect(page).to_have_url(re.compile(re.escape(MFA_URL)))
    # The password alone does not sign in: no navigation for signed-in users yet.
    expect(page.locator("#main-nav")).to_have_count(0)
    expect(page.locator("input[name=code]")).to_be_visible()
    assert_accessible(page)

    enter_totp(page)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Pieter")

    werkgroep = main_nav(page).get_by_role("link", name="Werkgroep")
    expect(werkgroep).to_be_visible()
    werkgroep.click()
    expect(page).to_have_url(re.compile(r"/initiatieven/werkgroep/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sinds vorige werkgroep")
    expect(werkgroep).to_have_attribute("aria-current", "page")
    # Only one link is the current page (/initiatieven/ is a prefix of the board's address).
    expect(main_nav(page).locator("[aria-current=page]")).to_have_count(1)
    assert_accessible(page)
    # The weekly view's sections, each with its changes or an empty text.
    for section in ("Nieuwe initiatieven", "Faseovergangen", "Verlopen actiepunten", "Successen"):
        expect(page.get_by_role("heading", name=re.compile(section))).to_be_visible()


def _ddvs_strict_initiative() -> Initiative:
    ddvs = Organisation.objects.get(short_name="DDVS")
    return InitiativeFactory(title=DDVS_STRICT_TITLE, owner_organisation=ddvs, tlp=TLP.AMBER_STRICT)


@pytest.mark.parametrize(
    ("owner_member", "competitor", "title"),
    [
        pytest.param(PARTNER, COMPETITORS[0], DDVS_STRICT_TITLE, id="ddvs-item-rmmv-admin"),
        pytest.param(PARTNER, COMPETITORS[1], DDVS_STRICT_TITLE, id="ddvs-item-rmmv-member"),
        pytest.param(COMPETITORS[0], PARTNER_COLLEAGUE, RMMV_STRICT_TITLE, id="rmmv-demo-item"),
    ],
)
def test_competitor_gets_404_on_amber_strict_initiative(
    browsers: Browsers, owner_member: str, competitor: str, title: str
) -> None:
    if title == DDVS_STRICT_TITLE:
        _ddvs_strict_initiative()
    initiative = Initiative.objects.get(title=title)
    assert initiative.tlp == TLP.AMBER_STRICT
    url = initiative.get_absolute_url()

    # Control: a member of the owning company does see it at this address.
    owner_page = browsers.new_page()
    log_in(owner_page, owner_member)
    response = owner_page.goto(url)
    assert response is not None and response.status == 200
    expect(owner_page.get_by_role("heading", level=1)).to_have_text(title)

    competitor_page = browsers.new_page()
    log_in(competitor_page, competitor)
    response = competitor_page.goto(url)
    assert response is not None
    assert response.status == 404, f"{competitor} got {response.status} on {url}"
    expect(competitor_page.get_by_role("heading", level=1)).to_have_text("Pagina niet gevonden")
    expect(competitor_page.locator("body")).not_to_contain_text(title)
    assert_accessible(competitor_page)

    # Nor does the list (or its search) give the title away.
    competitor_page.goto("/initiatieven/?" + urlencode({"q": title}))
    expect(competitor_page.locator("#results")).to_contain_text("Geen initiatieven gevonden.")


@pytest.mark.parametrize(
    ("signed_in", "path"),
    [
        pytest.param(False, LOGIN_URL, id="login"),
        pytest.param(True, "/", id="dashboard"),
        pytest.param(True, "/initiatieven/", id="initiative-list"),
    ],
)
def test_first_tab_reaches_the_skip_link_which_moves_focus_to_main(
    page: Page, signed_in: bool, path: str
) -> None:
    if signed_in:
        log_in(page, PARTNER)
    page.goto(path)

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Naar de inhoud")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_have_attribute("href", "#main")
    box = skip_link.bounding_box()  # visually hidden until focused: now it must show
    assert box is not None and box["width"] > 20 and box["height"] > 10, box

    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    expect(page).to_have_url(re.compile(r"#main$"))
    # The next Tab continues inside the content, past the navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('main') !== null"), page.evaluate(
        "() => document.activeElement.outerHTML"
    )
