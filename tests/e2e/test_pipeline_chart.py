"""The pipeline page in a real browser: Chart.js draws under the strict CSP (the browsers
fixture fails the test on any CSP refusal or JS error), and redraws after an htmx filter."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .helpers import PARTNER_COLLEAGUE, assert_accessible, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo")]


def canvas_has_pixels(page: Page, selector: str) -> bool:
    return bool(
        page.evaluate(
            """(selector) => {
                 const canvas = document.querySelector(selector);
                 const data = canvas.getContext('2d')
                   .getImageData(0, 0, canvas.width, canvas.height).data;
                 return data.some((value) => value !== 0);
               }""",
            selector,
        )
    )


def test_pipeline_chart_draws_and_follows_the_filters(page: Page) -> None:
    log_in(page, PARTNER_COLLEAGUE)
    page.goto("/initiatieven/pijplijn/")
    expect(page.locator("#results[data-charts-drawn='1']")).to_be_attached()
    expect(page.locator("#pipeline-counts-chart")).to_be_visible()
    expect(page.locator("#pipeline-flow-chart")).to_be_visible()
    assert canvas_has_pixels(page, "#pipeline-counts-chart")
    assert canvas_has_pixels(page, "#pipeline-flow-chart")
    # The table says the same in numbers.
    expect(page.locator("#pipeline-counts tbody tr")).to_have_count(8)
    assert_accessible(page)

    # Filtering swaps the results in with htmx; the chart is drawn again on the new data.
    page.evaluate("document.getElementById('results').removeAttribute('data-charts-drawn')")
    page.locator("#id_phase").select_option("idea")
    expect(page.locator("#results[data-charts-drawn='1']")).to_be_attached()
    assert "phase=idea" in page.url
    expect(page.locator("#browse-tabs a", has_text="Lijst")).to_have_attribute(
        "href", "/initiatieven/?" + page.url.split("?", 1)[1]
    )


def test_list_and_board_are_accessible(page: Page) -> None:
    log_in(page, PARTNER_COLLEAGUE)
    page.goto("/initiatieven/")
    expect(page.locator("#results")).to_be_visible()
    assert_accessible(page)
    page.locator("#browse-tabs a", has_text="Bord").click()
    expect(page.locator("#column-stopped")).to_be_visible()
    assert_accessible(page)
