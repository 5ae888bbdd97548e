"""axe-core (through axe-playwright-python) finds no WCAG 2.1 A/AA violations on the main pages,
in Dutch and in English."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from initiatives.models import Initiative
from partners.models import User

from .browsing import Browsers
from .helpers import (
    LOGIN_URL,
    PARTNER,
    assert_accessible,
    axe_violations,
    log_in,
    switch_language,
)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo")]

LANGUAGES = [pytest.param("nl", id="nl"), pytest.param("en", id="en")]
# The footer button in each language proves the page is really translated.
CHANGE_LANGUAGE = {"nl": "Wijzig taal", "en": "Change language"}
# A rich detail page: lead, participants, TLP badge, phase.
DETAIL_TITLE = "Voorspellend onderhoud Boxer met sensordata"


def assert_no_violations(page: Page, language: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("footer button[type=submit]")).to_have_text(CHANGE_LANGUAGE[language])
    assert_accessible(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_login_page_has_no_wcag_violations(page: Page, language: str) -> None:
    page.goto(LOGIN_URL)
    if language != "nl":
        switch_language(page, language)
        expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    assert_no_violations(page, language)


def _detail_url() -> str:
    return Initiative.objects.get(title=DETAIL_TITLE).get_absolute_url()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "where",
    [
        pytest.param(lambda: "/", id="dashboard"),
        pytest.param(lambda: "/initiatieven/", id="initiative-list"),
        pytest.param(_detail_url, id="initiative-detail"),
        pytest.param(lambda: "/berichten/", id="email-preferences"),
    ],
)
def test_signed_in_page_has_no_wcag_violations(
    page: Page, language: str, where: Callable[[], str]
) -> None:
    log_in(page, PARTNER)
    if language != "nl":
        switch_language(page, language)
        # Kept on the account, so it holds for the pages that follow.
        assert User.objects.get(email=PARTNER).language == language
    page.goto(where())
    assert_no_violations(page, language)


def test_axe_runs_under_the_strict_csp(browsers: Browsers) -> None:
    """No bypass_csp is needed: the policy is enforced on the page, yet axe is injected and runs."""
    page = browsers.new_page()
    response = page.goto(LOGIN_URL)
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in csp, csp
    violated = page.evaluate(
        """() => new Promise((resolve) => {
            document.addEventListener('securitypolicyviolation',
                (event) => resolve(event.effectiveDirective), {once: true});
            const script = document.createElement('script');
            script.textContent = 'window.__e2eInline = true';
            document.body.append(script);
        })"""
    )
    assert violated == "script-src-elem"
    assert page.evaluate("() => window.__e2eInline === undefined")
    # Chromium logged the refusal on purpose; it is not a fault of the page.
    browsers.problems.console_errors[:] = [
        m for m in browsers.problems.console_errors if "inline script" not in m
    ]

    assert axe_violations(page) == []
    assert page.evaluate("() => typeof window.axe.run") == "function"
