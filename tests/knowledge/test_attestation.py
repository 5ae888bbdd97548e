"""Still valid? The owner re-attests with one click or archives; overdue items are marked and
listed for their owner, on the review page and the dashboard."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from knowledge.models import KnowledgeItem, default_review_by
from knowledge.selectors.items import knowledge_items_due_for_review
from knowledge.services import items as services
from lmi_portal.core.models import AuditEvent
from partners.models import TLP
from tests.factories import KnowledgeItemFactory, member_of

pytestmark = pytest.mark.django_db

Status = KnowledgeItem.Status
REVIEW = reverse("knowledge:review")
HTMX = {"HX-Request": "true"}


def days(n: int):
    return timezone.localdate() + timedelta(days=n)


@pytest.fixture
def overdue(company, member) -> KnowledgeItem:
    return KnowledgeItemFactory(
        title="Verlopen werkinstructie",
        owner_organisation=company,
        owner=member,
        review_by=days(-5),
    )


def attest_url(item: KnowledgeItem) -> str:
    return reverse("knowledge:attest", args=[item.pk])


def archive_url(item: KnowledgeItem) -> str:
    return reverse("knowledge:archive", args=[item.pk])


# --- Attesting ----------------------------------------------------------------------------


def test_owner_attests_with_one_click(client, member, overdue):
    updated = overdue.updated_at
    client.force_login(member)
    response = client.post(attest_url(overdue))
    overdue.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == overdue.get_absolute_url()
    assert overdue.review_by == default_review_by() and not overdue.is_overdue
    assert overdue.attested_at is not None and overdue.updated_at == updated
    event = AuditEvent.objects.get(action="knowledge.attested")
    assert event.actor == member and event.data["was_overdue"] is True


def test_attesting_uses_the_configured_review_period(settings, member, overdue):
    settings.KNOWLEDGE_REVIEW_MONTHS = 6
    with time_machine.travel("2031-01-15 12:00 +01:00", tick=False):
        services.knowledge_item_attest(actor=member, item=overdue)
    assert overdue.review_by.isoformat() == "2031-07-15"


def test_organisation_admin_attests_for_the_organisation(client, org_admin, overdue):
    client.force_login(org_admin)
    client.post(attest_url(overdue))
    overdue.refresh_from_db()
    assert not overdue.is_overdue


def test_colleague_who_is_not_the_owner_may_not_attest(client, company, overdue):
    colleague = member_of(company, email="collega@ddvs.example")
    client.force_login(colleague)
    assert client.post(attest_url(overdue)).status_code == 404
    overdue.refresh_from_db()
    assert overdue.is_overdue


@pytest.mark.parametrize("url", [attest_url, archive_url])
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404_and_nothing_changes(client, outsider, company, member, url, method):
    item = KnowledgeItemFactory(
        owner_organisation=company, owner=member, tlp=TLP.AMBER, review_by=days(-1)
    )
    client.force_login(outsider)
    response = getattr(client, method)(url(item))
    item.refresh_from_db()
    assert response.status_code == 404
    assert item.status == Status.PUBLISHED and item.attested_at is None


def test_attest_on_the_item_page_with_htmx_returns_the_box(client, member, overdue):
    client.force_login(member)
    response = client.post(attest_url(overdue), headers=HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="still-valid"') and "<html" not in body
    assert "Bevestigd: geldig tot" in body and "te herzien" not in body


def test_draft_cannot_be_attested(client, member, company):
    draft = KnowledgeItemFactory(owner_organisation=company, owner=member, status=Status.DRAFT)
    client.force_login(member)
    response = client.post(attest_url(draft), headers=HTMX)
    draft.refresh_from_db()
    assert "Alleen een gepubliceerd kennisitem" in response.content.decode()
    assert draft.attested_at is None


# --- Archiving ----------------------------------------------------------------------------


def test_owner_archives_with_a_reason(client, member, overdue):
    client.force_login(member)
    response = client.post(archive_url(overdue), {"reason": "Vervangen door versie 2."})
    overdue.refresh_from_db()
    assert response.status_code == 302 and overdue.status == Status.ARCHIVED
    event = AuditEvent.objects.get(action="knowledge.archived")
    assert event.data == {"from": "published", "reason": "Vervangen door versie 2."}
    assert overdue.title not in client.get(reverse("knowledge:index")).content.decode()


def test_archived_item_page_says_so(client, member, overdue):
    services.knowledge_item_archive(actor=member, item=overdue)
    client.force_login(member)
    body = client.get(overdue.get_absolute_url()).content.decode()
    assert "Gearchiveerd: dit item staat niet meer in de bibliotheek" in body
    assert "Opnieuw publiceren" in body


def test_archiving_twice_is_refused(member, overdue):
    from django.core.exceptions import ValidationError

    services.knowledge_item_archive(actor=member, item=overdue)
    with pytest.raises(ValidationError):
        services.knowledge_item_archive(actor=member, item=overdue)


def test_colleague_who_is_not_the_owner_may_not_archive(client, company, overdue):
    colleague = member_of(company, email="collega@ddvs.example")
    client.force_login(colleague)
    assert client.post(archive_url(overdue)).status_code == 404
    overdue.refresh_from_db()
    assert overdue.status == Status.PUBLISHED


# --- Marked where it shows ----------------------------------------------------------------


def test_item_page_marks_an_overdue_item_and_offers_the_buttons(client, member, overdue):
    client.force_login(member)
    body = client.get(overdue.get_absolute_url()).content.decode()
    assert "te herzien" in body and "De herziendatum is verstreken" in body
    assert attest_url(overdue) in body and archive_url(overdue) in body


def test_reader_sees_the_mark_but_no_buttons(client, outsider, company, member):
    item = KnowledgeItemFactory(
        owner_organisation=company, owner=member, tlp=TLP.GREEN, review_by=days(-1)
    )
    client.force_login(outsider)
    body = client.get(item.get_absolute_url()).content.decode()
    assert "te herzien" in body and attest_url(item) not in body


# --- The review list ----------------------------------------------------------------------


def test_due_list_has_the_users_overdue_and_soon_due_items(member, company, competitor, overdue):
    soon = KnowledgeItemFactory(owner_organisation=company, owner=member, review_by=days(20))
    KnowledgeItemFactory(owner_organisation=company, owner=member, review_by=days(60))
    KnowledgeItemFactory(
        owner_organisation=company, owner=member, review_by=days(-9), status="archived"
    )
    KnowledgeItemFactory(owner_organisation=company, review_by=days(-3))  # someone else's
    assert list(knowledge_items_due_for_review(user=member)) == [overdue, soon]
    assert list(knowledge_items_due_for_review(user=member, within_days=0)) == [overdue]


def test_due_list_of_an_organisation_admin_has_the_organisations_items(org_admin, company):
    other = KnowledgeItemFactory(owner_organisation=company, review_by=days(-3))
    assert list(knowledge_items_due_for_review(user=org_admin)) == [other]


def test_due_list_never_shows_what_the_user_may_no_longer_see(member, company, competitor):
    KnowledgeItemFactory(
        owner_organisation=competitor, owner=member, tlp=TLP.AMBER_STRICT, review_by=days(-1)
    )
    assert list(knowledge_items_due_for_review(user=member)) == []


def test_review_page_lists_the_items_with_buttons(client, member, overdue):
    client.force_login(member)
    body = client.get(REVIEW).content.decode()
    assert overdue.title in body and attest_url(overdue) in body and archive_url(overdue) in body
    assert 'name="return_to" value="review"' in body


def test_review_page_without_anything_due(client, member):
    client.force_login(member)
    assert "Niets te bevestigen" in client.get(REVIEW).content.decode()


def test_attest_from_the_review_list_with_htmx_swaps_the_row(client, member, overdue):
    client.force_login(member)
    response = client.post(attest_url(overdue), {"return_to": "review"}, headers=HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="review-{overdue.pk}"')
    assert "Bevestigd: geldig tot" in body and attest_url(overdue) not in body


def test_archive_from_the_review_list_with_htmx_swaps_the_row(client, member, overdue):
    client.force_login(member)
    response = client.post(archive_url(overdue), {"return_to": "review"}, headers=HTMX)
    body = response.content.decode()
    overdue.refresh_from_db()
    assert overdue.status == Status.ARCHIVED
    assert body.lstrip().startswith(f'<tr id="review-{overdue.pk}"') and "Gearchiveerd" in body


def test_review_list_without_javascript_comes_back_to_the_list(client, member, overdue):
    client.force_login(member)
    response = client.post(attest_url(overdue), {"return_to": "review"})
    assert response.status_code == 302 and response["Location"] == REVIEW


# --- Dashboard ----------------------------------------------------------------------------


def test_dashboard_card_lists_what_to_confirm(client, member, overdue):
    client.force_login(member)
    body = client.get(reverse("dashboard")).content.decode()
    assert "Kennis om te bevestigen" in body and overdue.title in body and REVIEW in body


def test_dashboard_card_is_absent_when_nothing_is_due(client, member):
    client.force_login(member)
    assert "Kennis om te bevestigen" not in client.get(reverse("dashboard")).content.decode()


def test_dashboard_query_count_does_not_grow_with_due_items(client, member, company):
    client.force_login(member)
    client.get(reverse("dashboard"))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("dashboard")).status_code == 200
        return len(queries)

    KnowledgeItemFactory(owner_organisation=company, owner=member, review_by=days(-1))
    one = count()
    KnowledgeItemFactory.create_batch(
        9, owner_organisation=company, owner=member, review_by=days(3)
    )
    assert count() == one
