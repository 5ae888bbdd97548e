"""Browser contexts for the journeys, each watched for what a portal page must never do."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Response, Route

# Auto-waiting budget for actions and expect(): generous for a loaded 2-core machine, while a
# broken journey still fails in seconds rather than minutes.
TIMEOUT_MS = 10_000
BROWSER_SCHEMES = frozenset({"chrome", "chrome-extension"})


@dataclass
class PageProblems:
    """What the pages did that they must not: reach another host (the portal loads nothing from
    the internet), break the CSP or throw in JavaScript (both logged as console errors), or ask
    for a stylesheet, script or htmx fragment that fails. A page itself may well be a 404."""

    blocked_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def report(self) -> str:
        lines = [f"request to another host (blocked): {u}" for u in self.blocked_requests]
        lines += [f"failed subresource request: {u}" for u in self.failed_requests]
        lines += [f"console error: {m}" for m in self.console_errors]
        lines += [f"uncaught JS error: {m}" for m in self.page_errors]
        return "\n".join(lines)


class Browsers:
    """Isolated browser contexts on the live server: one per person in a test."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self._browser = browser
        self.base_url = base_url
        self._own_host = urlsplit(base_url).netloc
        self.problems = PageProblems()
        self._contexts: list[BrowserContext] = []

    def new_page(self) -> Page:
        context = self._browser.new_context(
            base_url=self.base_url,
            locale="nl-NL",
            timezone_id="Europe/Amsterdam",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.route("**/*", self._only_the_portal)
        self._contexts.append(context)
        page = context.new_page()
        page.on("console", self._on_console)
        page.on("response", self._on_response)
        page.on("pageerror", lambda error: self.problems.page_errors.append(str(error)))
        return page

    def close(self) -> None:
        for context in self._contexts:
            context.close()
        self._contexts.clear()

    def _only_the_portal(self, route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        # Chromium's own PDF viewer (a PDF preview in an iframe) loads chrome:// and
        # chrome-extension:// resources: part of the browser, not another host.
        if parts.netloc == self._own_host or parts.scheme in BROWSER_SCHEMES:
            route.continue_()
        else:
            self.problems.blocked_requests.append(url)
            route.abort()

    def _on_console(self, message: ConsoleMessage) -> None:
        # HTTP errors are judged by _on_response (Chromium also logs an error page as a failed
        # resource); anything else logged as an error, CSP refusals included, is a problem.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.console_errors.append(message.text)

    def _on_response(self, response: Response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.problems.failed_requests.append(f"{response.status} {response.url}")
