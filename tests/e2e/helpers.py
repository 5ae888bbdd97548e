"""What a person does in the browser, shared by the journeys: sign in, answer TOTP, switch
language, and let axe-core judge a page."""

from __future__ import annotations

from typing import Any

import pyotp
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from partners.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

PARTNER = "sanne.bakker@ddvs.example"  # DDVS (org admin, ordinary portal member)
PARTNER_COLLEAGUE = "joris.visser@ddvs.example"  # DDVS, plain member
COMPETITORS = ("lotte.smit@rmmv.example", "daan.mulder@rmmv.example")  # RMMV NL
PROGRAMME_MANAGER = "pm@lmi.example"  # LMI-cel, signs in with TOTP

LOGIN_URL = "/accounts/login/"
MFA_URL = "/accounts/2fa/authenticate/"

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_axe = Axe()


def log_in(
    page: Page, email: str, password: str = DEMO_PASSWORD, *, answer_totp: bool = True
) -> None:
    """Sign in through the real allauth form, answering the TOTP step when one comes."""
    page.goto(LOGIN_URL)
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert LOGIN_URL not in page.url, f"Signing in as {email} failed:\n{_main_text(page)}"
    if answer_totp and MFA_URL in page.url:
        enter_totp(page)


def enter_totp(page: Page, secret: str = DEMO_TOTP_SECRET) -> None:
    """Answer allauth's second-factor step with a code computed from the TOTP secret."""
    assert MFA_URL in page.url, f"Expected the TOTP step, got {page.url}"
    totp = pyotp.TOTP(secret)
    code = totp.now()
    _submit_code(page, code)
    if MFA_URL in page.url and totp.now() != code:
        # The 30-second window turned between computing and checking the code (allauth allows
        # no clock drift by default): the next code is the valid one now.
        _submit_code(page, totp.now())
    assert MFA_URL not in page.url, f"The TOTP code was refused:\n{_main_text(page)}"


def _submit_code(page: Page, code: str) -> None:
    page.locator("input[name=code]").fill(code)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def switch_language(page: Page, language: str) -> None:
    """Use the footer form, as a person would; signed in, the choice is kept on the account."""
    page.locator("#language-select").select_option(language)
    with page.expect_navigation():
        page.locator("footer form button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def htmx_ready(page: Page) -> None:
    """Wait until htmx has wired every element that asks for it.

    htmx wires the page when the document has been parsed; text typed before that sends no
    request. A test that types right after a page load waits for this first, as a person
    never types faster than a page becomes ready.
    """
    page.wait_for_function(
        """() => document.readyState !== 'loading' && window.htmx !== undefined
            && [...document.querySelectorAll('[hx-get],[hx-post]')]
                .every((el) => el['htmx-internal-data'] !== undefined)"""
    )


def _main_text(page: Page) -> str:
    return page.locator("main").inner_text()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the page for WCAG 2.1 level A and AA; return its violations.

    Playwright evaluates the injected script through the DevTools protocol, which the page's
    Content-Security-Policy does not govern, so axe runs under the portal's strict CSP.
    """
    options = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
    results = _axe.run(page, options=options)
    return list(results.response["violations"])


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """One block per violation: rule id, impact, what it means, and every failing target."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    target: {target}")
            if summary:
                lines.append(f"      {summary}")
        lines.append(f"    see {violation['helpUrl']}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """No WCAG 2.1 A/AA violations on the page as it is now; the message lists each one.

    The pointer is moved off the page first and running transitions are let finish: a button
    left under the cursor by the previous click is otherwise judged halfway through its hover
    colour change, a state no reader sees for longer than Bootstrap's 0.15 s transition.
    """
    page.mouse.move(0, 0)
    page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")
    violations = axe_violations(page)
    lang = page.locator("html").get_attribute("lang")
    assert not violations, (
        f"axe found {len(violations)} WCAG 2.1 A/AA violation(s) on {page.url} "
        f"(lang={lang}):\n{describe_violations(violations)}"
    )
