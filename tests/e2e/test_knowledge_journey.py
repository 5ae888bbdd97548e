"""A member shares a document with the own organisation only, adds a version, finds it through
the header search and downloads the older version; a competitor finds nothing and gets 404s."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from knowledge.demo_files import docx_bytes, pdf_bytes
from knowledge.models import DocumentVersion, KnowledgeItem
from lmi_portal.core.models import AuditEvent
from partners.models import TLP

from .browsing import Browsers
from .helpers import (
    COMPETITORS,
    PARTNER_COLLEAGUE,
    assert_accessible,
    htmx_ready,
    log_in,
)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo")]

MEMBER = PARTNER_COLLEAGUE  # joris.visser@ddvs.example, a plain DDVS member: no TOTP step
COMPETITOR = COMPETITORS[1]  # daan.mulder@rmmv.example, RMMV NL
TITLE = "Uitlijnprocedure rupsbanden CV90 na een terreinrit"
# A word only in the second file: search reads the current file's text.
FILE_WORD = "spoorbreedtemeting"


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path: Path) -> None:
    # Before the demo fixture: the demo's files and this journey's go to a temporary directory.
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    first = tmp_path / "uitlijnprocedure-cv90.pdf"
    first.write_bytes(
        pdf_bytes(
            TITLE,
            [
                "Na elke terreinrit de rupsbanden van de CV90 controleren op uitlijning.",
                "Onderhouden volgens het onderhoudsconcept van de werkplaats.",
            ],
        )
    )
    second = tmp_path / "uitlijnprocedure-cv90-v2.docx"
    second.write_bytes(
        docx_bytes(
            TITLE,
            [
                "Na elke terreinrit de rupsbanden van de CV90 controleren op uitlijning.",
                f"Nieuw: de {FILE_WORD} met de meetlat uit de gereedschapskist.",
            ],
        )
    )
    return first, second


def sha256(path: Path | str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def share_document(page: Page, first: Path) -> KnowledgeItem:
    page.goto("/kennis/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Nieuw kennisitem").click()
    page.get_by_role("link", name="Document", exact=True).click()
    expect(page).to_have_url(re.compile(r"/kennis/nieuw/\?kind=document$"))
    page.get_by_label("Titel").fill(TITLE)
    page.get_by_label("Samenvatting").fill("Zo lijnen we de rupsbanden uit na een terreinrit.")
    page.get_by_label("Bestand").set_input_files(first)
    page.get_by_label("Rubricering (TLP)").select_option(TLP.AMBER_STRICT)
    page.get_by_role("button", name="Delen").click()
    expect(page).to_have_url(re.compile(r"/kennis/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    item = KnowledgeItem.objects.get(title=TITLE)
    assert item.tlp == TLP.AMBER_STRICT and item.kind == KnowledgeItem.Kind.DOCUMENT
    return item


def upload_new_version(page: Page, second: Path) -> None:
    panel = page.locator("#versions")
    panel.get_by_text("Nieuwe versie uploaden").click()  # opens the folded form
    panel.get_by_label("Bestand").set_input_files(second)
    panel.get_by_label("Wat is er veranderd").fill("Spoorbreedtemeting toegevoegd")
    panel.get_by_role("button", name="Versie uploaden").click()
    rows = page.locator("#versions tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(second.name)
    expect(rows.first).to_contain_text("Spoorbreedtemeting toegevoegd")


def test_member_shares_a_document_adds_a_version_finds_it_and_downloads_the_old_one(
    page: Page, browsers: Browsers, files: tuple[Path, Path]
) -> None:
    first, second = files
    log_in(page, MEMBER)
    item = share_document(page, first)
    versions = page.locator("#versions")
    expect(versions).to_contain_text(first.name)
    upload_new_version(page, second)
    assert [v.number for v in item.versions.order_by("number")] == [1, 2]
    assert item.versions.get(number=1).sha256 == sha256(first)
    assert_accessible(page)

    # The header box shows live results while typing, grouped by type.
    search = page.get_by_role("searchbox", name="Zoeken in het portaal")
    htmx_ready(page)
    search.fill("Uitlijnprocedure")
    live = page.locator("#nav-search-results")
    expect(live.get_by_role("link", name=TITLE)).to_be_visible()
    # Enter opens the full results page; a word only in the new file finds it too.
    search.fill(FILE_WORD)
    search.press("Enter")
    expect(page).to_have_url(re.compile(rf"/zoeken/\?q={FILE_WORD}"))
    results = page.locator("main")
    expect(results.get_by_role("link", name=TITLE)).to_be_visible()
    expect(results.locator("mark").first).to_be_visible()
    assert_accessible(page)

    results.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(re.compile(rf"{item.get_absolute_url()}$"))
    old = page.locator("#version-1")
    expect(old).to_contain_text(first.name)
    with page.expect_download() as info:
        old.get_by_role("link", name=re.compile("versie 1 downloaden")).click()
    download = info.value
    assert download.suggested_filename == first.name
    assert sha256(download.path()) == sha256(first)
    assert AuditEvent.objects.filter(action="knowledge.download", actor__email=MEMBER).exists()

    # A competitor sees nothing of it: not in search, not by its address, not its file.
    other = browsers.new_page()
    log_in(other, COMPETITOR)
    htmx_ready(other)
    other.get_by_role("searchbox", name="Zoeken in het portaal").fill("Uitlijnprocedure")
    other_live = other.locator("#nav-search-results")
    expect(other_live).to_contain_text("Niets gevonden")
    expect(other_live.locator(f'a[href="{item.get_absolute_url()}"]')).to_have_count(0)
    other.goto(f"/zoeken/?q={TITLE}")
    found = other.locator("main")
    expect(found).to_contain_text("Niets gevonden")
    expect(found.locator(f'a[href="{item.get_absolute_url()}"]')).to_have_count(0)
    expect(found).not_to_contain_text("lijnen we de rupsbanden")  # nor its summary
    response = other.goto(item.get_absolute_url())
    assert response is not None and response.status == 404
    old_version = item.versions.get(number=1)
    response = other.goto(old_version.get_download_url())
    assert response is not None and response.status == 404
    assert AuditEvent.objects.filter(
        action="knowledge.download_denied", actor__email=COMPETITOR
    ).exists()
    assert DocumentVersion.objects.filter(item=item).count() == 2
