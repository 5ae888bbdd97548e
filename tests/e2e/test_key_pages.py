"""Every role's key pages in a real browser: each renders (no error page), axe-core finds no
WCAG 2.1 A/AA violation, and a full-page screenshot is kept at desktop and phone width.

The screenshots land in var/e2e-screenshots/ as ``<role>-<language>-<page>-<width>.png``; CI
keeps the folder as an artefact (see README, "Development"). One browser context per role
walks all its pages, so a role costs one sign-in and one demo load.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from initiatives.models import Initiative, Meeting, PulseRound
from knowledge.models import KnowledgeItem
from network.models import Handover, Person
from partners.models import Organisation

from .browsing import Browsers
from .helpers import (
    PARTNER,
    PARTNER_COLLEAGUE,
    PROGRAMME_MANAGER,
    axe_violations,
    describe_violations,
    log_in,
    switch_language,
)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo")]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "e2e-screenshots"
WIDTHS = {"desktop": 1280, "phone": 390}
HEIGHT = 900
PORTAL_ADMIN = "beheer@lmi.example"  # partners.demo: portal admin, signs in with TOTP
# What the error pages say, in either language: a key page must never show one.
ERROR_HEADINGS = ("Pagina niet gevonden", "Page not found", "Geen toegang", "No access")


# Counts htmx requests in flight (the notification badge, lists loaded on arrival), so a page is
# judged once its fragments are in, without waiting for the network to fall quiet.
HTMX_IN_FLIGHT = """
window.__e2eHtmxInFlight = 0;
document.addEventListener("htmx:beforeRequest", () => { window.__e2eHtmxInFlight += 1; });
document.addEventListener("htmx:afterRequest", () => { window.__e2eHtmxInFlight -= 1; });
"""


@dataclass(frozen=True)
class KeyPage:
    name: str
    path: Callable[[], str]
    # A page that draws with JavaScript (chart, map) is judged and photographed once drawn.
    ready: str | None = None


def _initiative() -> str:
    title = "Voorspellend onderhoud Boxer met sensordata"  # lead, participants, phase history
    return Initiative.objects.get(title=title).get_absolute_url()


def _knowledge_item() -> str:
    title = "Onderhoudsconcept Boxer: aandrijflijn en eindaandrijvingen"  # a document, GREEN
    return KnowledgeItem.objects.get(title=title).get_absolute_url()


def _person() -> str:
    return f"/netwerk/personen/{Person.objects.get(user__email=PARTNER_COLLEAGUE).pk}/"


def _organisation() -> str:
    return f"/organisaties/{Organisation.objects.get(short_name='DDVS').pk}/"


def _meeting() -> str:
    return Meeting.objects.order_by("-starts_at").first().get_absolute_url()  # type: ignore[union-attr]


def _pulse_results() -> str:
    return f"/initiatieven/monitor/{PulseRound.objects.order_by('pk').first().pk}/"  # type: ignore[union-attr]


def _onboarding_company() -> str:
    return f"/beheer/organisaties/{Organisation.objects.get(short_name='Veldwerk Robotics').pk}/"


def _handover() -> str:
    """An open handover of a DDVS colleague without an account (the demo has none, and the
    journeys' own people stay untouched): its page shows the preview of what moves."""
    person = (
        Person.objects.filter(
            affiliations__organisation__short_name="DDVS",
            affiliations__end_date__isnull=True,
            user__isnull=True,
        )
        .order_by("pk")
        .first()
    )
    assert person is not None, "the demo has no DDVS colleague without an account"
    handover, _created = Handover.objects.get_or_create(
        person=person,
        status=Handover.Status.OPEN,
        defaults={
            "affiliation": person.affiliations.filter(end_date__isnull=True).first(),
            "due_date": date.today() + timedelta(days=30),
        },
    )
    return f"/netwerk/overdrachten/{handover.pk}/"


def _at(path: str) -> Callable[[], str]:
    return lambda: path


PIPELINE = KeyPage("pipeline", _at("/initiatieven/pijplijn/"), "#results[data-charts-drawn='1']")
MAP = KeyPage("network-map", _at("/netwerk/kaart/"), "#network-map[data-rendered='1'] canvas")

MEMBER_PAGES = [
    KeyPage("dashboard", _at("/")),
    KeyPage("initiatives", _at("/initiatieven/")),
    KeyPage("initiative-board", _at("/initiatieven/bord/")),
    PIPELINE,
    KeyPage("initiative-detail", _initiative),
    KeyPage("initiative-new", _at("/initiatieven/nieuw/")),
    KeyPage("initiative-edit", lambda: _initiative() + "bewerken/"),
    KeyPage("successes", _at("/initiatieven/successen/")),
    KeyPage("knowledge", _at("/kennis/")),
    KeyPage("knowledge-item", _knowledge_item),
    KeyPage("knowledge-new", _at("/kennis/nieuw/")),
    KeyPage("search", _at("/zoeken/?q=Boxer")),
    KeyPage("network", _at("/netwerk/")),
    KeyPage("person", _person),
    MAP,
    KeyPage("ties", _at("/netwerk/connecties/")),
    KeyPage("tie-new", _at("/netwerk/connecties/nieuw/")),
    KeyPage("my-data", _at("/netwerk/mijn-gegevens/")),
    KeyPage("organisations", _at("/organisaties/")),
    KeyPage("organisation", _organisation),
    KeyPage("notifications", _at("/meldingen/")),
    KeyPage("email-preferences", _at("/berichten/")),
    KeyPage("digest-preview", _at("/berichten/voorbeeld/")),
    KeyPage("meetings", _at("/initiatieven/werkgroep/bijeenkomsten/")),
    KeyPage("meeting", _meeting),
    KeyPage("actions", _at("/initiatieven/acties/")),
]
ORG_ADMIN_PAGES = [
    KeyPage("dashboard", _at("/")),
    KeyPage("organisation", _organisation),
    KeyPage("organisation-profile", lambda: _organisation() + "profiel/"),
    KeyPage("members", lambda: _organisation() + "leden/"),
    KeyPage("member-import", lambda: _organisation() + "leden/import/"),
    KeyPage("person-new", _at("/netwerk/personen/nieuw/")),
    KeyPage("person-edit", lambda: _person() + "bewerken/"),
    KeyPage("knowledge-edit", lambda: _knowledge_item() + "bewerken/"),
    KeyPage("stale-contacts", _at("/netwerk/verouderd/")),
    KeyPage("continuity", _at("/netwerk/continuiteit/")),
    KeyPage("handovers", _at("/netwerk/overdrachten/")),
    KeyPage("handover", _handover),
    KeyPage("knowledge-review", _at("/kennis/te-herzien/")),
]
PROGRAMME_MANAGER_PAGES = [
    KeyPage("dashboard", _at("/")),
    KeyPage("werkgroep-week", _at("/initiatieven/werkgroep/")),
    KeyPage("meetings", _at("/initiatieven/werkgroep/bijeenkomsten/")),
    KeyPage("meeting", _meeting),
    KeyPage("meeting-new", _at("/initiatieven/werkgroep/bijeenkomsten/nieuw/")),
    KeyPage("meeting-edit", lambda: _meeting() + "bewerken/"),
    KeyPage("actions", _at("/initiatieven/acties/")),
    KeyPage("monitor", _at("/initiatieven/monitor/")),
    KeyPage("monitor-new", _at("/initiatieven/monitor/nieuw/")),
    KeyPage("monitor-results", _pulse_results),
    PIPELINE,
    KeyPage("initiative-detail", _initiative),
    MAP,
    KeyPage("continuity", _at("/netwerk/continuiteit/")),
    KeyPage("handovers", _at("/netwerk/overdrachten/")),
    KeyPage("handover", _handover),
    KeyPage("stale-contacts", _at("/netwerk/verouderd/")),
]
ADMIN_PAGES = [
    KeyPage("dashboard", _at("/")),
    KeyPage("beheer", _at("/beheer/")),
    KeyPage("onboarding", _at("/beheer/onboarding/")),
    KeyPage("onboarding-company", _onboarding_company),
    KeyPage("organisations", _at("/organisaties/")),
    KeyPage("sharing-groups", _at("/beheer/deelgroepen/")),
    KeyPage("audit", _at("/beheer/audit/")),
    KeyPage("recipients", _at("/beheer/ontvangers/")),
    KeyPage("delivery-log", _at("/beheer/verzendlog/")),
]

ROLES: dict[str, tuple[str, list[KeyPage]]] = {
    "member": (PARTNER_COLLEAGUE, MEMBER_PAGES),
    "org-admin": (PARTNER, ORG_ADMIN_PAGES),
    "programme-manager": (PROGRAMME_MANAGER, PROGRAMME_MANAGER_PAGES),
    "admin": (PORTAL_ADMIN, ADMIN_PAGES),
}


def _settle(page: Page, key_page: KeyPage) -> None:
    """Wait until the page is as a reader sees it: drawn, fragments loaded, transitions over."""
    if key_page.ready:
        expect(page.locator(key_page.ready).first).to_be_attached()
    page.wait_for_function("() => window.__e2eHtmxInFlight === 0")
    page.mouse.move(0, 0)
    page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")


def _visit(page: Page, key_page: KeyPage, shot: str) -> list[str]:
    """Open one key page; at each width judge it and photograph it. Return what is wrong with
    it: both widths count, as a table may only scroll sideways (and need a focus stop) on a
    phone."""
    url = key_page.path()
    response = page.goto(url)
    assert response is not None
    headings = page.locator("main h1")
    heading = headings.first.inner_text() if headings.count() else ""
    if response.status != 200 or heading in ERROR_HEADINGS:
        return [f"{url} ({key_page.name}): status {response.status}, heading {heading!r}"]
    problems = []
    for width in WIDTHS.values():
        if page.viewport_size != {"width": width, "height": HEIGHT}:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            if key_page.ready:
                page.reload()  # a chart or map is drawn for the width it is opened at
        _settle(page, key_page)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
        if overflow > 0:  # WCAG 1.4.10: only a wide table may scroll sideways, not the page
            problems.append(f"{url} ({key_page.name}, {width} px): page {overflow} px too wide")
        violations = axe_violations(page)
        if violations:
            problems.append(
                f"{url} ({key_page.name}, {width} px):\n" + describe_violations(violations)
            )
        page.screenshot(path=str(SCREENSHOTS / f"{shot}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": HEIGHT})
    return problems


@pytest.mark.parametrize(
    ("role", "language"),
    [
        pytest.param("member", "nl", id="member-nl"),
        pytest.param("member", "en", id="member-en"),
        pytest.param("org-admin", "nl", id="org-admin-nl"),
        pytest.param("org-admin", "en", id="org-admin-en"),
        pytest.param("programme-manager", "nl", id="programme-manager-nl"),
        pytest.param("programme-manager", "en", id="programme-manager-en"),
        pytest.param("admin", "nl", id="admin-nl"),
        pytest.param("admin", "en", id="admin-en"),
    ],
)
def test_key_pages_render_pass_axe_and_are_photographed(
    browsers: Browsers, role: str, language: str
) -> None:
    email, key_pages = ROLES[role]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browsers.new_page()
    page.context.add_init_script(HTMX_IN_FLIGHT)
    log_in(page, email)  # answers the TOTP step where the account has one
    if language != "nl":
        switch_language(page, language)

    problems: list[str] = []
    for key_page in key_pages:
        problems += _visit(page, key_page, f"{role}-{language}-{key_page.name}")
        expect(page.locator("html")).to_have_attribute("lang", language)

    # All pages first, then one report: a shared fault shows up once per page it breaks.
    assert not problems, f"{len(problems)} key page(s) of {role} ({language}) failed:\n" + (
        "\n".join(problems)
    )
