"""The library: a document-library table of visible items with filters, sorting and paging in
the URL, htmx fragments, and a query count that does not grow with the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from knowledge.models import DocumentVersion, KnowledgeItem
from knowledge.selectors.items import Show, Sort, knowledge_list
from lmi_portal.core.models import System, Theme
from partners.models import TLP
from tests.factories import KnowledgeItemFactory, OrganisationFactory, member_of

pytestmark = pytest.mark.django_db

Kind = KnowledgeItem.Kind
Status = KnowledgeItem.Status
INDEX = reverse("knowledge:index")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def theme(db) -> Theme:
    return Theme.objects.create(slug="b-onderhoud", name_nl="Bibliotheekthema", name_en="T")


@pytest.fixture
def system(db) -> System:
    return System.objects.create(slug="b-cv90", name_nl="Bibliotheeksysteem", name_en="S")


def titles(response) -> list[str]:
    return [item.title for item in response.context["page"].object_list]


def set_updated(item: KnowledgeItem, days_ago: int) -> None:
    KnowledgeItem.objects.filter(pk=item.pk).update(
        updated_at=timezone.now() - timedelta(days=days_ago)
    )


def version(item: KnowledgeItem, number: int) -> DocumentVersion:
    return DocumentVersion.objects.create(
        item=item,
        number=number,
        storage_key=f"test-{item.pk}-{number}",
        original_name="bestand.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )


# --- What is listed -----------------------------------------------------------------------


def test_library_lists_published_items_newest_first(client, member, company):
    old = KnowledgeItemFactory(title="Oud", owner_organisation=company)
    new = KnowledgeItemFactory(title="Nieuw", owner_organisation=company)
    KnowledgeItemFactory(title="Concept", owner_organisation=company, status=Status.DRAFT)
    KnowledgeItemFactory(title="Archief", owner_organisation=company, status=Status.ARCHIVED)
    set_updated(old, 10)
    set_updated(new, 1)
    client.force_login(member)
    response = client.get(INDEX)
    assert response.status_code == 200
    assert titles(response) == ["Nieuw", "Oud"]


def test_library_shows_the_columns(client, member, company, theme, system):
    item = KnowledgeItemFactory(
        title="Onderhoudsplan", owner_organisation=company, kind=Kind.DOCUMENT
    )
    item.themes.add(theme)
    item.systems.add(system)
    version(item, 1)
    version(item, 2)
    KnowledgeItemFactory(title="Zonder bestand", owner_organisation=company)
    client.force_login(member)
    body = client.get(INDEX).content.decode()
    for text in ("Onderhoudsplan", "Document", company.display_name, "Bibliotheekthema"):
        assert text in body
    assert "Bibliotheeksysteem" in body and "v2" in body and "geen bestand" in body
    assert f'href="{item.get_absolute_url()}"' in body


def test_library_hides_what_the_outsider_may_not_see(client, outsider, company):
    KnowledgeItemFactory(title="Voor iedereen", owner_organisation=company, tlp=TLP.GREEN)
    KnowledgeItemFactory(title="Alleen DDVS", owner_organisation=company, tlp=TLP.AMBER)
    KnowledgeItemFactory(title="Rood", owner_organisation=company, tlp=TLP.RED)
    client.force_login(outsider)
    response = client.get(INDEX)
    body = response.content.decode()
    assert titles(response) == ["Voor iedereen"]
    assert "Alleen DDVS" not in body and "1 kennisitem" in body


def test_archived_items_on_request(client, member, company):
    KnowledgeItemFactory(title="Actueel", owner_organisation=company)
    KnowledgeItemFactory(title="Archief", owner_organisation=company, status=Status.ARCHIVED)
    client.force_login(member)
    assert titles(client.get(INDEX, {"show": "archived"})) == ["Archief"]


def test_my_drafts_are_only_my_organisations(client, member, company, competitor):
    KnowledgeItemFactory(title="Ons concept", owner_organisation=company, status=Status.DRAFT)
    KnowledgeItemFactory(title="Hun concept", owner_organisation=competitor, status=Status.DRAFT)
    client.force_login(member)
    assert titles(client.get(INDEX, {"show": "drafts"})) == ["Ons concept"]


def test_overdue_items_are_marked_and_can_be_filtered(client, member, company):
    KnowledgeItemFactory(
        title="Verlopen", owner_organisation=company, review_by=timezone.localdate() - timedelta(1)
    )
    KnowledgeItemFactory(title="Geldig", owner_organisation=company)
    client.force_login(member)
    body = client.get(INDEX).content.decode()
    assert body.count("te herzien</span>") == 1
    assert titles(client.get(INDEX, {"overdue": "on"})) == ["Verlopen"]


# --- Filters ------------------------------------------------------------------------------


def test_kind_filter(client, member, company):
    KnowledgeItemFactory(title="Een les", owner_organisation=company, kind=Kind.LESSON)
    KnowledgeItemFactory(title="Een link", owner_organisation=company, kind=Kind.LINK)
    client.force_login(member)
    assert titles(client.get(INDEX, {"kind": "lesson"})) == ["Een les"]


def test_theme_and_system_filters(client, member, company, theme, system):
    with_theme = KnowledgeItemFactory(title="Met thema", owner_organisation=company)
    with_theme.themes.add(theme)
    with_system = KnowledgeItemFactory(title="Met systeem", owner_organisation=company)
    with_system.systems.add(system)
    KnowledgeItemFactory(title="Zonder", owner_organisation=company)
    client.force_login(member)
    assert titles(client.get(INDEX, {"theme": theme.pk})) == ["Met thema"]
    assert titles(client.get(INDEX, {"system": system.pk})) == ["Met systeem"]


def test_organisation_filter(client, member, company, competitor):
    KnowledgeItemFactory(title="Van DDVS", owner_organisation=company)
    KnowledgeItemFactory(title="Van RMMV", owner_organisation=competitor)
    client.force_login(member)
    assert titles(client.get(INDEX, {"organisation": competitor.pk})) == ["Van RMMV"]


def test_free_text_looks_in_title_and_summary(client, member, company):
    KnowledgeItemFactory(title="Boxer sensoren", owner_organisation=company)
    KnowledgeItemFactory(
        title="Iets", summary="over de eindaandrijving", owner_organisation=company
    )
    KnowledgeItemFactory(title="Anders", owner_organisation=company)
    client.force_login(member)
    assert titles(client.get(INDEX, {"q": "boxer"})) == ["Boxer sensoren"]
    assert titles(client.get(INDEX, {"q": "EINDAANDRIJVING"})) == ["Iets"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("updated", ["Bravo", "Alfa", "Charlie"]),
        ("title", ["Alfa", "Bravo", "Charlie"]),
        ("kind", ["Charlie", "Alfa", "Bravo"]),
        ("review", ["Bravo", "Charlie", "Alfa"]),
    ],
)
def test_sort_orders(client, member, company, sort, expected):
    today = timezone.localdate()
    alfa = KnowledgeItemFactory(
        title="Alfa", kind=Kind.LESSON, owner_organisation=company, review_by=today + timedelta(30)
    )
    bravo = KnowledgeItemFactory(
        title="Bravo", kind=Kind.LINK, owner_organisation=company, review_by=today + timedelta(10)
    )
    charlie = KnowledgeItemFactory(
        title="Charlie",
        kind=Kind.DOCUMENT,
        owner_organisation=company,
        review_by=today + timedelta(20),
    )
    set_updated(alfa, 2)
    set_updated(bravo, 1)
    set_updated(charlie, 3)
    client.force_login(member)
    assert titles(client.get(INDEX, {"sort": sort})) == expected


def test_bad_parameters_drop_only_the_bad_filter(client, member, company):
    KnowledgeItemFactory(title="Een les", owner_organisation=company, kind=Kind.LESSON)
    KnowledgeItemFactory(title="Een link", owner_organisation=company, kind=Kind.LINK)
    client.force_login(member)
    response = client.get(
        INDEX,
        {
            "kind": "lesson",
            "theme": "abc",
            "system": "999999",
            "organisation": "-1",
            "sort": "drop table",
            "show": "everything",
            "page": "x",
            "q": "x" * 500,
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert titles(response) == ["Een les"]
    assert "zijn genegeerd" in body and "Dit thema bestaat niet" in body
    assert "Deze sortering bestaat niet" in body


def test_paging_keeps_the_filters(client, member, company):
    KnowledgeItemFactory.create_batch(30, owner_organisation=company, kind=Kind.LESSON)
    client.force_login(member)
    first = client.get(INDEX, {"kind": "lesson"})
    second = client.get(INDEX, {"kind": "lesson", "page": 2})
    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5
    assert "kind=lesson&amp;page=2" in first.content.decode()


def test_htmx_request_gets_only_the_results(client, member, company):
    KnowledgeItemFactory(title="Een les", owner_organisation=company, kind=Kind.LESSON)
    KnowledgeItemFactory(title="Een link", owner_organisation=company, kind=Kind.LINK)
    client.force_login(member)
    response = client.get(INDEX, {"kind": "lesson"}, headers=HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="results"')
    assert "<html" not in body and "Een les" in body and "Een link" not in body
    assert "HX-Request" in response["Vary"]


def test_filter_form_works_with_and_without_javascript(client, member):
    client.force_login(member)
    body = client.get(INDEX).content.decode()
    assert 'method="get" action="/kennis/"' in body
    assert 'hx-get="/kennis/"' in body and 'hx-push-url="true"' in body


def test_new_item_button_for_members(client, member):
    client.force_login(member)
    assert reverse("knowledge:create") in client.get(INDEX).content.decode()


def test_selector_keeps_the_draft_rule_on_top_of_the_access_policy(member, outsider, company):
    KnowledgeItemFactory(owner_organisation=company, tlp=TLP.CLEAR, status=Status.DRAFT)
    assert knowledge_list(user=outsider, show=Show.DRAFTS).count() == 0
    assert knowledge_list(user=member, show=Show.DRAFTS, sort=Sort.TITLE).count() == 1


# --- Query budget -------------------------------------------------------------------------


def _library_queries(client, company, theme, system, rows: int, params=None, headers=None) -> int:
    KnowledgeItem.objects.all().delete()
    organisations = [company, OrganisationFactory(), OrganisationFactory()]
    for n in range(rows):
        item = KnowledgeItemFactory(
            owner_organisation=organisations[n % 3], kind=Kind.DOCUMENT, tlp=TLP.GREEN
        )
        item.themes.add(theme)
        item.systems.add(system)
        version(item, 1)
        member_of(organisations[n % 3])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(INDEX, params or {}, headers=headers)
    assert len(response.context["page"].object_list) == min(rows, 25)
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"theme": "THEME", "sort": "title"}])
def test_query_count_does_not_grow_with_the_page(client, member, company, theme, system, params):
    params = {k: (theme.pk if v == "THEME" else v) for k, v in params.items()}
    client.force_login(member)
    client.get(INDEX)  # the first request of a session does its own bookkeeping
    few = _library_queries(client, company, theme, system, 3, params)
    many = _library_queries(client, company, theme, system, 30, params)
    assert few == many


def test_htmx_query_count_does_not_grow_with_the_page(client, member, company, theme, system):
    client.force_login(member)
    client.get(INDEX)
    few = _library_queries(client, company, theme, system, 3, headers=HTMX)
    many = _library_queries(client, company, theme, system, 30, headers=HTMX)
    assert few == many


# --- Rows drawn once ----------------------------------------------------------------------------


def row_templates(response) -> int:
    return sum(t.name == "knowledge/partials/_library_row.html" for t in response.templates)


@pytest.fixture
def fresh_rows():
    from knowledge.views.library import library_rows

    library_rows.clear()
    yield
    library_rows.clear()


@pytest.mark.usefixtures("fresh_rows")
def test_library_draws_the_same_rows_once_and_shows_every_change(client, member, company, theme):
    item = KnowledgeItemFactory(title="Rijtitel", owner_organisation=company, tlp=TLP.GREEN)
    other = KnowledgeItemFactory(title="Tweede rij", owner_organisation=company, tlp=TLP.GREEN)
    client.force_login(member)
    assert row_templates(client.get(INDEX)) == 2
    again = client.get(INDEX)
    assert row_templates(again) == 0 and titles(again) == ["Tweede rij", "Rijtitel"]
    # Changes that leave updated_at alone still show at once: title, theme, review date.
    KnowledgeItem.objects.filter(pk=item.pk).update(
        title="Nieuwe rijtitel", review_by=timezone.localdate() - timedelta(days=1)
    )
    other.themes.add(theme)
    body = client.get(INDEX).content.decode()
    assert "Nieuwe rijtitel" in body and "Rijtitel<" not in body
    assert "te herzien" in body and theme.name_nl in body
    # Another language is another row.
    member.language = "en"
    member.save()
    english = client.get(INDEX)
    assert row_templates(english) == 2
    assert "due for review" in english.content.decode()
    assert "te herzien" not in english.content.decode()


@pytest.mark.usefixtures("fresh_rows")
def test_library_rows_are_only_the_visible_ones(client, member, outsider, company):
    KnowledgeItemFactory(title="Oranje rij", owner_organisation=company, tlp=TLP.AMBER)
    client.force_login(member)
    assert "Oranje rij" in client.get(INDEX).content.decode()  # drawn and kept
    client.force_login(outsider)
    assert "Oranje rij" not in client.get(INDEX).content.decode()
