"""The search framework: parsing queries, safe snippets, the word list, and the search pages
(results page and the header's live partial) with odd input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F, Value
from django.urls import reverse
from django.utils import timezone

from knowledge.models import KnowledgeItem
from lmi_portal.core.models import SearchWord
from lmi_portal.core.search import (
    MARK_START,
    MARK_STOP,
    SearchTerms,
    headline,
    marked_html,
    marked_words,
    parse_terms,
    plain_snippet,
    ranked_page,
    search_words_register,
    with_corrections,
)
from partners.models import TLP
from tests.factories import InitiativeFactory, KnowledgeItemFactory

SEARCH = reverse("search")
LIVE = reverse("search_live")

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search runs on PostgreSQL"
)


# --- Parsing ------------------------------------------------------------------------------------


def test_terms_are_lowercase_words_without_operators():
    assert parse_terms("Onderhoud & (Boxer | !CV90) 'sensor':*") == (
        "onderhoud", "boxer", "cv90", "sensor")  # fmt: skip
    assert parse_terms("a_b c-d") == ()  # single letters are no terms
    assert parse_terms("ĳzer Straße café") == ("ĳzer", "straße", "café")


def test_terms_are_bounded_and_distinct():
    assert parse_terms("boxer Boxer BOXER") == ("boxer",)
    assert len(parse_terms(" ".join(f"woord{n}" for n in range(20)))) == 8
    assert parse_terms("x" * 100) == ("x" * 40,)
    assert parse_terms("ab " * 100 + "laatste") == ("ab",)  # only the first 200 characters


def test_tsquery_is_built_from_sanitised_words_only():
    terms = SearchTerms(terms=("onderhuod", "boxer"), corrections=(("onderhoud",), ()))
    assert terms.raw_tsquery() == "(onderhuod:* | onderhoud:*) & (boxer:*)"
    assert terms.corrected
    assert not SearchTerms.parse("boxer").corrected


# --- Snippets -----------------------------------------------------------------------------------


def test_marked_html_escapes_everything_but_the_marks():
    html = marked_html(f"<script>x</script> {MARK_START}<b>kop</b>{MARK_STOP} & {MARK_STOP}")
    assert html == "&lt;script&gt;x&lt;/script&gt; <mark>&lt;b&gt;kop&lt;/b&gt;</mark> &amp; "


def test_plain_snippet_shows_the_text_around_the_first_match():
    text = "begin " + "vulling " * 60 + "de <koppeling> moet vast " + "staart " * 60
    snippet = plain_snippet(text, SearchTerms.parse("koppeling"))
    assert snippet.startswith("… ")
    assert snippet.endswith(" …")
    assert "&lt;<mark>koppeling</mark>&gt;" in snippet
    assert "begin" not in snippet
    assert len(snippet) < 300


def test_plain_snippet_without_a_match_shows_the_start():
    assert plain_snippet("Korte tekst.", SearchTerms.parse("ander")) == "Korte tekst."
    assert plain_snippet("", SearchTerms.parse("ander")) == ""


def test_marked_words_reads_the_highlights():
    snippets = ["de <mark>Onderhouden</mark> en <mark>boxer</mark>", "<mark>boxer</mark>"]
    assert marked_words(snippets) == ["onderhouden", "boxer"]


# --- The word list ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_word_list_keeps_words_of_letters_only_and_never_twice():
    assert search_words_register(["Het onderhoud van de CV90 is op 2024-03-01 gedaan, ok?"]) == 4
    search_words_register(["onderhoud opnieuw"])
    words = set(SearchWord.objects.values_list("word", flat=True))
    assert words == {"het", "onderhoud", "van", "gedaan", "opnieuw"}


@postgresql_only
@pytest.mark.django_db
def test_corrections_are_the_most_similar_known_words():
    search_words_register(["onderhoud onderhouden remblok"])
    corrected = with_corrections(SearchTerms.parse("onderhuod remblok xq"))
    assert "onderhoud" in corrected.corrections[0]
    assert "remblok" not in corrected.corrections[1]  # the term itself is no correction
    assert corrected.corrections[2] == ()  # too short to correct


@pytest.mark.django_db
def test_without_postgresql_nothing_is_corrected():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite behaviour")
    search_words_register(["onderhoud"])
    assert not with_corrections(SearchTerms.parse("onderhuod")).corrected


# --- The pages ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"q": ""},
        {"q": "   "},
        {"q": "&|!:*()'"},
        {"q": "onderhoud:* & !x | (y)"},
        {"q": "x" * 5000},
        {"q": "ab " * 300},
        {"q": "\x00boxer"},
        {"q": "boxer", "type": "bestaat-niet", "page": "-1"},
        {"q": "boxer", "type": "knowledge", "page": "99999999999999999999"},
        {"q": "boxer", "type": "initiatives", "page": "abc", "kind": "<script>", "archived": "x"},
        {"q": "boxer", **{f"optie{n}": "waarde" * 50 for n in range(30)}},
    ],
)
def test_odd_queries_never_fail(client, member, params):
    InitiativeFactory(title="Boxer sensoren", tlp=TLP.GREEN)
    client.force_login(member)
    assert client.get(SEARCH, params).status_code == 200
    assert client.get(LIVE, params).status_code == 200


@pytest.mark.django_db
def test_results_page_groups_by_type_with_counts(client, member, company):
    InitiativeFactory(title="Boxer sensoren", tlp=TLP.GREEN, owner_organisation=company)
    client.force_login(member)
    body = client.get(SEARCH, {"q": "boxer"}).content.decode()
    assert "Initiatieven" in body
    assert "Boxer sensoren" in body
    assert 'aria-current="page"' in body
    assert "?q=boxer&amp;type=initiatives" in body


@pytest.mark.django_db
def test_results_page_gives_hints_when_nothing_is_found(client, member):
    client.force_login(member)
    body = client.get(SEARCH, {"q": "qwertyuiop"}).content.decode()
    assert "Niets gevonden voor “qwertyuiop”." in body
    assert "Controleer de spelling" in body


@pytest.mark.django_db
def test_live_partial_is_empty_below_two_characters(client, member):
    client.force_login(member)
    response = client.get(LIVE, {"q": "b"})
    assert response.status_code == 200
    assert "nav-search-panel" not in response.content.decode()
    assert 'id="nav-search-status"' in response.content.decode()


@pytest.mark.django_db
def test_header_box_searches_live_and_works_without_javascript(client, member):
    client.force_login(member)
    body = client.get(reverse("about")).content.decode()
    assert f'action="{SEARCH}"' in body
    assert f'hx-get="{LIVE}"' in body
    assert 'hx-trigger="input changed delay:300ms, search"' in body
    # A live region for the result count, but not a second role="status" beside the messages.
    assert 'id="nav-search-status" class="visually-hidden" aria-live="polite"' in body
    assert "js/search.js" in body


def test_search_pages_need_a_login(client):
    for url in (SEARCH, LIVE):
        response = client.get(url, {"q": "boxer"})
        assert response.status_code == 302


@postgresql_only
@pytest.mark.django_db
def test_a_common_word_ranks_the_most_recent_visible_matches_and_says_there_are_more(
    client, member, company, competitor, monkeypatch
):
    monkeypatch.setattr("lmi_portal.core.search.RANK_CANDIDATES", 3)
    now = timezone.now()
    for n in range(5):
        item = KnowledgeItemFactory(
            title=f"Onderhoudsplan {n}", summary="onderhoud", owner_organisation=company
        )
        KnowledgeItem.objects.filter(pk=item.pk).update(updated_at=now - timedelta(days=n))
    # Newer than all of them, but the competitor's AMBER: it must not take a candidate's place.
    hidden = KnowledgeItemFactory(
        title="Onderhoud geheim", tlp=TLP.AMBER, owner_organisation=competitor
    )
    KnowledgeItem.objects.filter(pk=hidden.pk).update(updated_at=now + timedelta(days=1))
    client.force_login(member)
    response = client.get(SEARCH, {"q": "onderhoud", "type": "knowledge"})
    group = response.context["results"].selected
    assert (group.total, group.capped, group.total_label) == (3, True, "3+")
    assert {hit.title for hit in group.hits} == {f"Onderhoudsplan {n}" for n in range(3)}
    body = response.content.decode()
    assert "(3+)" in body and "Voeg een woord toe" in body
    assert "Onderhoud geheim" not in body
    live = client.get(reverse("search_live"), {"q": "onderhoud"}).content.decode()
    assert "(3+)" in live and "Meer dan 3 resultaten" in live


@postgresql_only
@pytest.mark.django_db
def test_a_rare_word_is_found_among_all_items_and_not_capped(client, member, company):
    old = KnowledgeItemFactory(title="Remblokken Boxer", owner_organisation=company)
    KnowledgeItem.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=900))
    KnowledgeItemFactory.create_batch(4, title="Onderhoud", owner_organisation=company)
    client.force_login(member)
    group = client.get(SEARCH, {"q": "remblokken", "type": "knowledge"}).context["results"].selected
    assert (group.total, group.capped, group.total_label) == (1, False, "1")


@postgresql_only
@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["initiatives", "knowledge"])
def test_snippets_come_with_the_page_and_are_drawn_for_its_rows_only(member, company, kind):
    """ts_headline reads whole texts: PostgreSQL must compute it after the sort and the limit,
    for the hits shown, not for every candidate."""
    from django.test.utils import CaptureQueriesContext

    from lmi_portal.core.selectors import search_for_user

    for n in range(8):
        InitiativeFactory(
            title=f"Remschijf {n}", summary="Remschijven van de Boxer", owner_organisation=company
        )
        KnowledgeItemFactory(
            title=f"Remschijf {n}", summary="Remschijven van de Boxer", owner_organisation=company
        )
    with CaptureQueriesContext(connection) as queries:
        results = search_for_user(user=member, query="remschijven", group=kind, per_page=3)
    group = results.selected
    assert len(group.hits) == 3 and group.total == 8
    assert all("<mark>" in hit.snippet for hit in group.hits)
    page = [q["sql"] for q in queries if "ts_headline" in q["sql"]]
    assert len(page) == 1  # no second query for the snippets
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (VERBOSE) " + page[0])
        plan = [row[0] for row in cursor.fetchall()]
    sort = next(i for i, line in enumerate(plan) if "->  Sort" in line)
    assert any("ts_headline" in line for line in plan[:sort])
    assert not any("ts_headline" in line for line in plan[sort:])


def test_a_page_of_nothing_is_neither_compiled_nor_asked_for(db, monkeypatch):
    from django.db.models.sql.compiler import SQLCompiler

    def compile_(*args, **kwargs):
        raise AssertionError("an empty search compiled a query")

    monkeypatch.setattr(SQLCompiler, "as_sql", compile_)
    nothing = KnowledgeItem.objects.none().annotate(search_rank=Value(0.0))
    for limit in (0, 5):
        assert ranked_page(nothing, ordering=("-search_rank",), offset=0, limit=limit) == ([], 0)


@postgresql_only
def test_a_headline_compiles_as_djangos_own(db):
    """The headline renders its constant options once; the query stays Django's."""
    from django.contrib.postgres.search import SearchHeadline

    terms = SearchTerms.parse("onderhoud motor")
    ours = headline("summary", terms)
    django_s = SearchHeadline(
        F("summary"),
        terms.tsquery(),
        config="dutch",
        start_sel=MARK_START,
        stop_sel=MARK_STOP,
        max_words=20,
        min_words=10,
        max_fragments=2,
        fragment_delimiter=" … ",
    )
    items = KnowledgeItem.objects.all()
    for _ in range(2):  # the second compile uses the rendered options
        assert str(items.annotate(h=ours).query) == str(items.annotate(h=django_s).query)
    item = KnowledgeItemFactory(summary="Het onderhoud van de motor van de Boxer.")
    shown = KnowledgeItem.objects.annotate(h=ours).get(pk=item.pk).h
    assert f"{MARK_START}onderhoud{MARK_STOP}" in shown
