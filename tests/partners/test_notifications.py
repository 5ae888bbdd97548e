"""The notifications page, marking read, and the unread badge in the navigation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from lmi_portal.core.models import Notification
from partners.models import TLP
from tests.factories import InitiativeFactory, ParticipationFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("partners:notifications")
BADGE_URL = reverse("partners:notifications_badge")
READ_ALL_URL = reverse("partners:notifications_mark_read")


def _read_url(notification: Notification) -> str:
    return reverse("partners:notification_mark_read", args=[notification.pk])


def _notify(user, text: str, target=None, minutes_ago: int = 0, read: bool = False):
    created = timezone.now() - timedelta(minutes=minutes_ago)
    return Notification.objects.create(
        recipient=user,
        verb="test",
        text=text,
        url=target.get_absolute_url() if hasattr(target, "get_absolute_url") else "",
        target_ct=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=target.pk if target is not None else None,
        created_at=created,
        read_at=created if read else None,
    )


def test_urls_live_under_meldingen():
    assert LIST_URL == "/meldingen/"
    assert BADGE_URL == "/meldingen/aantal/"
    assert READ_ALL_URL == "/meldingen/gelezen/"


def test_list_shows_newest_first_and_marks_unread(client, member):
    _notify(member, "Oude melding", minutes_ago=60, read=True)
    _notify(member, "Nieuwe melding", minutes_ago=1)
    client.force_login(member)
    body = client.get(LIST_URL).content.decode()
    assert body.index("Nieuwe melding") < body.index("Oude melding")
    new_item = body.split("Nieuwe melding")[0].rsplit("<li", 1)[1]
    assert "fw-bold" in new_item and "nieuw" in new_item
    old_item = body.split("Oude melding")[0].rsplit("<li", 1)[1]
    assert "fw-bold" not in old_item
    assert "Markeer alles als gelezen" in body


def test_list_shows_only_the_users_own_notifications(client, member, outsider):
    _notify(outsider, "Voor een ander")
    client.force_login(member)
    body = client.get(LIST_URL).content.decode()
    assert "Voor een ander" not in body
    assert "U heeft geen meldingen." in body


def test_list_is_paginated_by_25(client, member):
    for i in range(30):
        _notify(member, f"Melding nummer {i:02d}", minutes_ago=i)
    client.force_login(member)
    first = client.get(LIST_URL).content.decode()
    assert "Melding nummer 00" in first and "Melding nummer 24" in first
    assert "Melding nummer 25" not in first
    second = client.get(LIST_URL, {"page": 2}).content.decode()
    assert "Melding nummer 29" in second and "Melding nummer 00" not in second


def test_list_costs_the_same_for_1_or_25_notifications(
    client, member, company, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(member)
    _notify(member, "Eerste", target=InitiativeFactory(owner_organisation=company))
    client.get(LIST_URL)  # warm the content-type cache
    with CaptureQueriesContext(connection) as one:
        client.get(LIST_URL)
    for i in range(24):
        target = InitiativeFactory(owner_organisation=company, tlp=TLP.AMBER)
        _notify(member, f"Melding {i}", target=target if i % 2 else None)
    _notify(member, "Over een organisatie", target=company)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(LIST_URL)
    assert response.content.decode().count('class="list-group-item') == 25


def test_notification_about_an_item_the_user_lost_access_to_is_hidden(
    client, outsider, company, competitor
):
    shared = InitiativeFactory(title="Gedeeld", owner_organisation=company, tlp=TLP.AMBER)
    participation = ParticipationFactory(initiative=shared, organisation=competitor)
    hidden = _notify(outsider, "Nieuwe fase voor Gedeeld", target=shared)
    _notify(outsider, "Zonder onderwerp")
    _notify(outsider, "Over een organisatie", target=company)
    client.force_login(outsider)
    assert "Nieuwe fase voor Gedeeld" in client.get(LIST_URL).content.decode()

    participation.delete()  # the competitor left the initiative

    body = client.get(LIST_URL).content.decode()
    assert "Nieuwe fase voor Gedeeld" not in body
    assert "Zonder onderwerp" in body
    assert "Over een organisatie" in body
    assert ">2<" in client.get(BADGE_URL).content.decode()
    assert client.post(_read_url(hidden)).status_code == 404
    hidden.refresh_from_db()
    assert hidden.read_at is None


def test_notification_about_a_deleted_item_is_hidden(client, member, company):
    initiative = InitiativeFactory(owner_organisation=company)
    _notify(member, "Over iets dat weg is", target=initiative)
    initiative.delete()
    client.force_login(member)
    assert "Over iets dat weg is" not in client.get(LIST_URL).content.decode()


def test_mark_one_read_with_htmx_returns_the_item_and_refreshes_the_badge(client, member):
    notification = _notify(member, "Lees mij")
    client.force_login(member)
    response = client.post(_read_url(notification), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{notification.pk}"' in body
    assert "Lees mij" in body and "nieuw" not in body.split("Lees mij")[0]
    assert 'hx-swap-oob="true"' in body
    assert "notifications-read" in response.headers["HX-Trigger"]
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_one_read_without_javascript_redirects(client, member):
    notification = _notify(member, "Lees mij")
    client.force_login(member)
    response = client.post(_read_url(notification))
    assert response.url == LIST_URL
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_another_users_notification_cannot_be_marked_read(client, member, outsider):
    theirs = _notify(outsider, "Niet van u")
    client.force_login(member)
    assert client.post(_read_url(theirs)).status_code == 404
    assert client.post(_read_url(theirs), headers={"HX-Request": "true"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(client, member, outsider):
    mine = [_notify(member, f"Melding {i}") for i in range(3)]
    theirs = _notify(outsider, "Van een ander")
    client.force_login(member)
    response = client.post(READ_ALL_URL, follow=True)
    assert "Alle meldingen zijn als gelezen gemarkeerd." in response.content.decode()
    assert all(Notification.objects.get(pk=n.pk).read_at for n in mine)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_needs_post(client, member):
    notification = _notify(member, "Lees mij")
    client.force_login(member)
    assert client.get(READ_ALL_URL).status_code == 405
    assert client.get(_read_url(notification)).status_code == 405


def test_badge_shows_the_unread_count(client, member):
    client.force_login(member)
    assert "badge" not in client.get(BADGE_URL).content.decode()
    _notify(member, "Een")
    _notify(member, "Twee")
    _notify(member, "Gelezen", read=True)
    body = client.get(BADGE_URL, headers={"HX-Request": "true"}).content.decode()
    assert ">2<" in body
    assert "2 ongelezen meldingen" not in body  # the number and the words are separate
    assert "ongelezen meldingen" in body


def test_navigation_loads_the_badge_with_htmx(client, member):
    client.force_login(member)
    body = client.get(LIST_URL).content.decode()
    assert f'hx-get="{BADGE_URL}"' in body
    # The count refreshes itself every minute, and at once after marking read: no reload.
    assert 'hx-trigger="load, every 60s, notifications-read from:body"' in body


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_badge_loads_on_normal_pages_but_not_on_gate_pages(client, member):
    """On a gate page (e.g. TOTP setup) the badge's request would be redirected to that same
    page and reload it, so the badge is left out there."""
    client.force_login(member)
    badge = reverse("partners:notifications_badge")
    assert badge in client.get(reverse("initiatives:list")).content.decode()
    assert badge not in client.get(reverse("account_change_password")).content.decode()


def test_badge_is_not_loaded_for_someone_without_a_membership(client, db):
    client.force_login(UserFactory())
    page = client.get(reverse("dashboard"))
    assert b"<nav" in page.content  # a real page with the menu, not a redirect
    assert reverse("partners:notifications_badge") not in page.content.decode()
