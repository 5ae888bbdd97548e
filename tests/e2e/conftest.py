"""Browser fixtures for the end-to-end journeys: one headless Debian Chromium per session.

Playwright's sync API runs an asyncio event loop in the test thread, so Django's async-safety
check would refuse the ORM calls the tests make; the browser fixture switches that check off
while browsers run (the tests are synchronous, the loop only drives the browser).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from .browsing import TIMEOUT_MS, Browsers

# Never a downloaded browser: Debian's Chromium (`make chromium` installs it).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            yield p
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is missing: run `make chromium` (Debian package 'chromium').")
    browser = playwright_instance.chromium.launch(
        executable_path=executable, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def browsers(browser: Browser, live_server: Any) -> Iterator[Browsers]:
    """Fresh browser contexts on the live server; at the end, what the pages did wrong fails
    the test (requests to other hosts, CSP refusals, JS errors, failing static files)."""
    opened = Browsers(browser, live_server.url)
    yield opened
    opened.close()
    problems = opened.problems.report()
    assert not problems, f"The pages misbehaved:\n{problems}"


@pytest.fixture
def page(browsers: Browsers) -> Page:
    """A page in its own context (no cookies), with the live server as base URL."""
    return browsers.new_page()


@pytest.fixture
def demo(transactional_db: None) -> None:
    """The demo network of partners.demo and initiatives.demo (see `make run`)."""
    call_command("seed_demo", verbosity=0)
