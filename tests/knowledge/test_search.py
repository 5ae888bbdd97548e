"""Knowledge items in the portal search: stemming, prefixes and typos on PostgreSQL, the
substring match on SQLite, the access policy in results, counts, snippets and the live box,
safe snippets, and ranking (overdue lower, archived only on request, drafts for their
organisation only)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from knowledge.models import DocumentVersion, KnowledgeItem
from knowledge.services.search_index import knowledge_item_reindex, knowledge_search_text
from lmi_portal.core.models import SearchWord
from lmi_portal.core.selectors import search_for_user
from partners.models import TLP
from tests.factories import KnowledgeItemFactory, member_of

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search runs on PostgreSQL"
)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite fallback")

Status = KnowledgeItem.Status
SEARCH = reverse("search")
LIVE = reverse("search_live")


def indexed(**fields) -> KnowledgeItem:
    """A knowledge item whose search text (and vector) is built the way the services do."""
    item = KnowledgeItemFactory(**fields)
    knowledge_item_reindex(item)
    return item


def knowledge_group(user, query: str, **kwargs):
    results = search_for_user(user=user, query=query, **kwargs)
    return next(g for g in results.groups if g.key == "knowledge")


def titles(user, query: str, **kwargs) -> list[str]:
    return [hit.title for hit in knowledge_group(user, query, **kwargs).hits]


# --- The index ----------------------------------------------------------------------------------


def test_reindex_builds_the_search_text_from_title_summary_body_and_the_latest_file(member):
    item = indexed(title="Onderhoudsplan", summary="Kort.", body="De **tekst**.")
    for number, text in ((1, "oude bijlage"), (2, "nieuwe bijlage")):
        DocumentVersion.objects.create(
            item=item,
            number=number,
            storage_key=f"k{number}-{item.pk}",
            original_name="plan.pdf",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
            extracted_text=text,
        )
    knowledge_item_reindex(item)
    item.refresh_from_db()
    assert item.search_text == "Onderhoudsplan\nKort.\nDe **tekst**.\nnieuwe bijlage"
    assert "oude" not in item.search_text
    assert SearchWord.objects.filter(word__in=["onderhoudsplan", "bijlage", "tekst"]).count() == 3


def test_search_text_drops_the_highlight_markers_and_is_bounded():
    text = knowledge_search_text(title="a\ue000b", body="x" * 600_000)
    assert "\ue000" not in text
    assert len(text) == 500_000


@postgresql_only
def test_postgresql_keeps_the_vector_in_step_with_the_text(member):
    item = indexed(title="Remsysteem", body="Slijtage van de remblokken.")
    item.refresh_from_db()
    assert "remblok" in item.search_vector
    # A bulk update of the text (as the scale seed does) updates the vector too.
    KnowledgeItem.objects.filter(pk=item.pk).update(search_text="Remsysteem\nVering")
    item.refresh_from_db()
    assert "vering" in item.search_vector
    assert "remblok" not in item.search_vector


# --- Matching -----------------------------------------------------------------------------------


@postgresql_only
def test_onderhoud_finds_stemmed_and_compound_words(member, company):
    indexed(title="Werkplaatsrooster", body="Voertuigen worden elk kwartaal onderhouden.")
    indexed(title="Nieuw concept", body="Het onderhoudsconcept voor de Fennek.")
    indexed(title="Los onderwerp", body="Iets heel anders.")
    assert sorted(titles(member, "onderhoud")) == ["Nieuw concept", "Werkplaatsrooster"]


@postgresql_only
def test_a_longer_inflected_form_finds_its_stem_through_dutch_stemming(member):
    """A prefix match alone cannot do this: "onderhouden" is no prefix of "onderhoud" or
    "onderhoudt". Only the Dutch stemmer (onderhouden -> onderhoud) finds them, and without
    falling back to similar words."""
    indexed(title="Werkplaatsrooster", body="Het onderhoud van de Boxer.")
    indexed(title="Nieuw concept", body="De werkplaats onderhoudt de Fennek.")
    indexed(title="Remsysteem", body="Slijtage van de remblok.")
    indexed(title="Los onderwerp", body="Iets heel anders.")
    for query, found in (
        ("onderhouden", ["Nieuw concept", "Werkplaatsrooster"]),
        ("remblokken", ["Remsysteem"]),
    ):
        results = search_for_user(user=member, query=query)
        group = next(g for g in results.groups if g.key == "knowledge")
        assert sorted(hit.title for hit in group.hits) == found
        assert not results.terms.corrected  # found by the query itself, not by typo tolerance


@postgresql_only
def test_a_typo_still_finds_the_items_and_names_the_similar_words(member):
    indexed(title="Werkplaatsrooster", body="Voertuigen worden elk kwartaal onderhouden.")
    indexed(title="Nieuw concept", body="Het onderhoudsconcept voor de Fennek.")
    results = search_for_user(user=member, query="onderhuod")
    group = next(g for g in results.groups if g.key == "knowledge")
    assert sorted(hit.title for hit in group.hits) == ["Nieuw concept", "Werkplaatsrooster"]
    assert results.corrections  # words the user can see highlighted in the snippets
    assert set(results.corrections) <= {"onderhouden", "onderhoudsconcept"}


@postgresql_only
def test_results_page_says_when_it_searched_similar_words(client, member):
    indexed(title="Werkplaatsrooster", body="Voertuigen worden elk kwartaal onderhouden.")
    client.force_login(member)
    body = client.get(SEARCH, {"q": "onderhuod"}).content.decode()
    assert "woorden die erop lijken" in body
    assert "<mark>onderhouden</mark>" in body
    assert "Werkplaatsrooster" in body


@sqlite_only
def test_sqlite_matches_every_term_as_a_substring(member):
    indexed(title="Werkplaatsrooster", body="Voertuigen worden elk kwartaal onderhouden.")
    indexed(title="Onderhoudsconcept Fennek", summary="Samenvatting.")
    indexed(title="Los onderwerp", body="Iets heel anders.")
    assert sorted(titles(member, "onderhoud")) == ["Onderhoudsconcept Fennek", "Werkplaatsrooster"]
    assert titles(member, "onderhoud fennek") == ["Onderhoudsconcept Fennek"]
    # A title match ranks first.
    assert titles(member, "onderhoud")[0] == "Onderhoudsconcept Fennek"


def test_file_text_is_found(member):
    item = indexed(title="Handboek", kind=KnowledgeItem.Kind.DOCUMENT)
    DocumentVersion.objects.create(
        item=item,
        number=1,
        storage_key=f"k-{item.pk}",
        original_name="handboek.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        extracted_text="Hoofdstuk 3: koppelingsplaten van de Leopard vervangen.",
    )
    knowledge_item_reindex(item)
    group = knowledge_group(member, "koppelingsplaten")
    assert [hit.title for hit in group.hits] == ["Handboek"]
    assert "<mark>" in group.hits[0].snippet


# --- The access policy --------------------------------------------------------------------------


@pytest.mark.parametrize("tlp", [TLP.RED, TLP.AMBER, TLP.AMBER_STRICT])
def test_outsider_finds_nothing_of_a_restricted_item(client, member, outsider, company, tlp):
    title = "Geheime sleuteltabel Vlampijp"
    item = indexed(title=title, tlp=tlp, owner_organisation=company, body="Vlampijp details.")
    # The owner organisation's member finds it (RED only when named).
    if tlp != TLP.RED:
        assert titles(member, title) == [title]

    results = search_for_user(user=outsider, query=title)
    assert results.total == 0
    assert all(g.total == 0 and not g.hits for g in results.groups)
    assert results.corrections == ()

    client.force_login(outsider)
    for params in ({}, {"type": "knowledge"}):
        body = client.get(SEARCH, {"q": title, **params}).content.decode()
        assert item.get_absolute_url() not in body
        assert "details" not in body
        assert "Niets gevonden" in body
        assert "0 resultaten" in body
    live = client.get(LIVE, {"q": title}).content.decode()
    assert item.get_absolute_url() not in live
    assert "Niets gevonden" in live
    assert "0 resultaten" in live
    # A typo of the hidden words corrects to nothing the outsider can see either.
    assert search_for_user(user=outsider, query="sleuteltabl").total == 0


def test_outsider_counts_only_visible_items(member, outsider, company):
    indexed(title="Kabelboom open", tlp=TLP.GREEN, owner_organisation=company)
    indexed(title="Kabelboom dicht", tlp=TLP.AMBER_STRICT, owner_organisation=company)
    assert knowledge_group(member, "kabelboom").total == 2
    group = knowledge_group(outsider, "kabelboom")
    assert group.total == 1
    assert [hit.title for hit in group.hits] == ["Kabelboom open"]


def test_drafts_are_found_only_by_their_organisation(member, outsider, company):
    indexed(title="Concept ketenanalyse", status=Status.DRAFT, owner_organisation=company)
    assert titles(member, "ketenanalyse") == ["Concept ketenanalyse"]
    assert knowledge_group(outsider, "ketenanalyse").total == 0


def test_archived_items_count_only_when_asked(member, company):
    indexed(title="Oud rooster", status=Status.ARCHIVED, owner_organisation=company)
    indexed(title="Nieuw rooster", owner_organisation=company)
    assert titles(member, "rooster") == ["Nieuw rooster"]
    both = knowledge_group(member, "rooster", options={"archived": "1"})
    assert sorted(hit.title for hit in both.hits) == ["Nieuw rooster", "Oud rooster"]
    assert "gearchiveerd" in next(h for h in both.hits if h.title == "Oud rooster").meta


def test_kind_filter_keeps_one_kind(member):
    indexed(title="Les over banden", kind=KnowledgeItem.Kind.LESSON)
    indexed(title="Praktijk met banden", kind=KnowledgeItem.Kind.BEST_PRACTICE)
    assert titles(member, "banden", options={"kind": "lesson"}) == ["Les over banden"]
    # An unknown kind is ignored rather than an error.
    assert len(titles(member, "banden", options={"kind": "bestaat-niet"})) == 2


# --- Ranking and snippets -----------------------------------------------------------------------


def test_an_overdue_item_ranks_below_a_fresh_one_with_the_same_text(member):
    past = timezone.localdate() - timedelta(days=1)
    overdue = indexed(title="Accuwissel", summary="Gelijke tekst.", review_by=past)
    fresh = indexed(title="Accuwissel", summary="Gelijke tekst.")
    # The overdue item is the most recently updated: only the review date puts it last.
    KnowledgeItem.objects.filter(pk=overdue.pk).update(
        updated_at=timezone.now() + timedelta(minutes=1)
    )
    hits = knowledge_group(member, "accuwissel").hits
    assert [hit.url for hit in hits] == [fresh.get_absolute_url(), overdue.get_absolute_url()]
    assert "te herzien" in hits[1].meta
    assert hits[1].score < hits[0].score


def test_snippet_escapes_the_document_text_and_marks_the_match(member):
    indexed(
        title="Rapport",
        body='Voor <script>alert("x")</script> de koppeling & <b>vet</b> controleren.',
    )
    snippet = knowledge_group(member, "koppeling").hits[0].snippet
    assert "<script" not in snippet
    assert "<b>" not in snippet
    assert "&amp;" in snippet
    assert "<mark>koppeling</mark>" in snippet.lower()
    if connection.vendor != "postgresql":  # ts_headline drops tags; the excerpt escapes them
        assert "&lt;script&gt;" in snippet


def test_results_page_pages_through_one_type(client, member):
    for n in range(23):
        indexed(title=f"Wielnaaf {n}")
    client.force_login(member)
    first = client.get(SEARCH, {"q": "wielnaaf", "type": "knowledge"})
    assert first.status_code == 200
    assert first.content.decode().count('class="search-hit"') == 20
    second = client.get(SEARCH, {"q": "wielnaaf", "type": "knowledge", "page": "2"})
    assert second.content.decode().count('class="search-hit"') == 3
    # A page past the end shows the last page.
    late = client.get(SEARCH, {"q": "wielnaaf", "type": "knowledge", "page": "9"})
    assert late.content.decode().count('class="search-hit"') == 3


def test_results_page_shows_the_knowledge_filters(client, member):
    indexed(title="Bandenspanning")
    client.force_login(member)
    body = client.get(SEARCH, {"q": "bandenspanning", "type": "knowledge"}).content.decode()
    assert 'name="kind"' in body
    assert 'name="archived"' in body
    assert "Bandenspanning" in body


def test_live_partial_groups_the_best_hits(client, member, company):
    for n in range(4):
        indexed(title=f"Aandrijflijn {n}", owner_organisation=company)
    client.force_login(member)
    response = client.get(LIVE, {"q": "aandrijf"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Kennis (4)" in body
    assert body.count("Aandrijflijn") == 3  # the best three, and the count of all four
    assert "Alle resultaten (4)" in body
    assert 'id="nav-search-status"' in body
    assert "4 resultaten" in body


def test_other_member_of_the_owner_organisation_finds_an_amber_item(company):
    colleague = member_of(company)
    indexed(title="Gedeelde draaibank", tlp=TLP.AMBER, owner_organisation=company)
    assert titles(colleague, "draaibank") == ["Gedeelde draaibank"]
