"""The network map in a real browser: Cytoscape draws the demo network and the single points of
failure stand out (shape and border as well as colour), with the table as the alternative."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .helpers import PARTNER_COLLEAGUE, PROGRAMME_MANAGER, assert_accessible, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo")]


def wait_for_map(page: Page) -> None:
    expect(page.locator("#network-map[data-rendered='1'] canvas").first).to_be_attached()


def test_member_sees_a_single_point_of_failure_highlighted_on_the_map(page: Page) -> None:
    log_in(page, PARTNER_COLLEAGUE)
    page.goto("/netwerk/kaart/?niveau=persoon")
    wait_for_map(page)
    expect(page.locator("#map-legend")).to_contain_text("kwetsbaar punt")

    # Bas Vermeulen is the only link between 13 Lichte Brigade and Scania: a diamond with a
    # thick border, not just another colour.
    spof = page.evaluate(
        """() => window.lmiNetworkMap.nodes('.spof').map(n => ({
             label: n.data('label'), shape: n.style('shape'),
             border: parseFloat(n.style('border-width')) }))"""
    )
    bas = next(node for node in spof if node["label"] == "Bas Vermeulen")
    assert bas["shape"] == "diamond"
    assert bas["border"] >= 3
    plain = page.evaluate("() => window.lmiNetworkMap.nodes().not('.spof').first().style('shape')")
    assert plain != "diamond"

    # The accessible table says the same, in words.
    page.get_by_text("Toon als tabel (toegankelijk alternatief)").click()
    row = page.locator("#map-nodes tr", has_text="Bas Vermeulen")
    expect(row).to_have_attribute("data-spof", "1")
    expect(row).to_contain_text("ja, kwetsbaar punt")
    assert_accessible(page)


def test_programme_manager_sees_the_single_threaded_pair_on_the_organisation_map(
    page: Page,
) -> None:
    log_in(page, PROGRAMME_MANAGER)
    page.goto("/netwerk/kaart/")
    wait_for_map(page)
    edges = page.evaluate(
        """() => window.lmiNetworkMap.edges('.spof').map(e => ({
             source: e.source().data('label'), target: e.target().data('label'),
             style: e.style('line-style') }))"""
    )
    assert {"Scania", "13 Lbrig"} in [{e["source"], e["target"]} for e in edges]
    assert all(edge["style"] == "dashed" for edge in edges)
    page.get_by_text("Toon als tabel (toegankelijk alternatief)").click()
    row = page.locator("#map-edges tr[data-spof='1']", has_text="Scania").filter(
        has_text="13 Lbrig"
    )
    expect(row).to_contain_text("Bas Vermeulen")
    assert_accessible(page)


def test_programme_manager_sees_the_rotation_at_risk_and_asks_what_if(page: Page) -> None:
    log_in(page, PROGRAMME_MANAGER)
    page.goto("/netwerk/continuiteit/")
    risk = page.get_by_role("table").filter(has_text="Verwachte functiewisseling")
    expect(risk).to_contain_text("Bas Vermeulen")
    page.get_by_label("Persoon", exact=True).select_option(label="Bas Vermeulen")
    page.get_by_role("button", name="Toon gevolgen").click()  # htmx swaps #what-if
    expect(page.locator("#what-if")).to_contain_text("Scania ↔ 13 Lbrig")
    assert_accessible(page)


def test_the_map_keeps_the_whole_network_in_view_when_the_window_narrows(page: Page) -> None:
    log_in(page, PROGRAMME_MANAGER)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/netwerk/kaart/")
    wait_for_map(page)
    page.set_viewport_size({"width": 390, "height": 900})
    map_ = page.locator("#network-map")
    expect(map_).to_have_attribute("data-fitted-width", str(map_.evaluate("m => m.clientWidth")))
    box = page.evaluate(
        """() => { const b = window.lmiNetworkMap.elements().renderedBoundingBox();
                   return {x1: b.x1, x2: b.x2, width: window.lmiNetworkMap.width()}; }"""
    )
    assert box["x1"] >= -1 and box["x2"] <= box["width"] + 1, box

    # Once the reader takes the map in hand (a press, then a zoom), a resize leaves their view.
    map_.dispatch_event("pointerdown")
    zoom = page.evaluate("() => window.lmiNetworkMap.zoom(window.lmiNetworkMap.zoom() * 2).zoom()")
    page.set_viewport_size({"width": 800, "height": 900})
    expect(map_).to_have_attribute("data-fitted-width", str(map_.evaluate("m => m.clientWidth")))
    assert page.evaluate("() => window.lmiNetworkMap.zoom()") == zoom
