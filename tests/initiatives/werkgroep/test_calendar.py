"""The private iCal feed: issuing and revoking the address, and a feed a real parser reads."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from initiatives.models import CalendarFeed, Meeting
from initiatives.services import calendar as services
from partners.models import TLP, Organisation
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

SETTINGS_URL = reverse("initiatives:calendar")


def _feed_url(token: str) -> str:
    return reverse("initiatives:calendar_feed", kwargs={"token": token})


def _meeting(owner: Organisation, *attending: Organisation, **kwargs) -> Meeting:
    kwargs.setdefault(
        "starts_at", (timezone.now() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
    )
    meeting = Meeting.objects.create(owner_organisation=owner, tlp=TLP.AMBER, **kwargs)
    meeting.attending_organisations.add(*attending)
    return meeting


def _issue(client, user) -> str:
    client.force_login(user)
    response = client.post(SETTINGS_URL, {"doe": "nieuw"})
    assert response.status_code == 200
    url = response.context["feed_url"]
    assert url.startswith("http")
    client.logout()
    return url.rsplit("/", 1)[1].removesuffix(".ics")


def test_page_offers_to_make_a_link_and_shows_it_once(client, member):
    client.force_login(member)
    page = client.get(SETTINGS_URL)
    assert "Maak mijn agenda-link" in page.content.decode()
    made = client.post(SETTINGS_URL, {"doe": "nieuw"})
    url = made.context["feed_url"]
    assert url in made.content.decode()
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get(user=member)
    assert feed.token_hash == services.feed_token_hash(token) != token
    # Coming back later: the address is not shown again (it is not stored).
    again = client.get(SETTINGS_URL)
    assert token not in again.content.decode()
    assert "Nieuwe link maken" in again.content.decode()


def test_feed_parses_and_has_the_visible_meetings_only(client, member, lmi_cell, company):
    competitor = OrganisationFactory(name="Andere BV")
    ours = _meeting(
        lmi_cell,
        company,
        title="LMI-werkgroep; week 12, Soesterberg",
        location="Kazerne, zaal 3; ingang \\ noord",
        duration_minutes=90,
    )
    other = _meeting(lmi_cell, competitor, title="Alleen voor Andere BV")
    token = _issue(client, member)
    response = client.get(_feed_url(token))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    raw = response.content
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    calendar = icalendar.Calendar.from_ical(raw)
    events = list(calendar.walk("VEVENT"))
    assert [str(e["UID"]) for e in events] == [f"meeting-{ours.pk}@127.0.0.1"]
    event = events[0]
    assert str(event["SUMMARY"]) == "LMI-werkgroep; week 12, Soesterberg"
    assert str(event["LOCATION"]) == "Kazerne, zaal 3; ingang \\ noord"
    assert event.decoded("DTSTART") == ours.starts_at.astimezone(dt.UTC)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == dt.timedelta(minutes=90)
    assert str(event["URL"]).endswith(ours.get_absolute_url())
    assert str(event["STATUS"]) == "CONFIRMED"
    assert other.title.encode() not in raw
    assert CalendarFeed.objects.get(user=member).last_fetched_at is not None


@override_settings(SITE_URL="https://portaal.example")
def test_uid_is_stable_and_long_text_is_folded(client, member, lmi_cell, company):
    meeting = _meeting(lmi_cell, company, title="Één lange titel met ë en ü " * 6)
    token = _issue(client, member)
    first = client.get(_feed_url(token)).content
    second = client.get(_feed_url(token)).content
    uid = f"UID:meeting-{meeting.pk}@portaal.example".encode()
    assert uid in first and uid in second
    assert b"\r\n " in first  # folded
    event = next(iter(icalendar.Calendar.from_ical(first).walk("VEVENT")))
    assert str(event["SUMMARY"]) == meeting.title
    assert str(event["URL"]) == f"https://portaal.example{meeting.get_absolute_url()}"


def test_escaping_and_folding_helpers():
    assert services.ics_escape("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"
    folded = services.ics_fold("X:" + "é" * 100)
    lines = folded.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert all(line.startswith(" ") for line in lines[1:])
    assert "".join(line[1:] if i else line for i, line in enumerate(lines)) == "X:" + "é" * 100


def test_renewed_token_replaces_the_old_one(client, member):
    old = _issue(client, member)
    new = _issue(client, member)
    assert old != new
    assert client.get(_feed_url(old)).status_code == 404
    assert client.get(_feed_url(new)).status_code == 200


def test_stopped_feed_is_404(client, member):
    token = _issue(client, member)
    client.force_login(member)
    response = client.post(SETTINGS_URL, {"doe": "stop"})
    assert "ingetrokken" in response.content.decode()
    assert not CalendarFeed.objects.filter(user=member).exists()
    client.logout()
    assert client.get(_feed_url(token)).status_code == 404


def test_unknown_token_is_404(client):
    assert client.get(_feed_url("niet-bestaand")).status_code == 404


def test_suspended_user_feed_is_404(client, member):
    token = _issue(client, member)
    member.is_active = False
    member.save()
    assert client.get(_feed_url(token)).status_code == 404


def test_feed_of_a_user_whose_organisation_is_suspended_is_404(client, member, company):
    token = _issue(client, member)
    company.status = Organisation.Status.SUSPENDED
    company.save()
    assert client.get(_feed_url(token)).status_code == 404


def test_feed_is_rate_limited(client, member, settings):
    settings.LINK_RATE_LIMIT = 2
    token = _issue(client, member)
    assert client.get(_feed_url(token)).status_code == 200
    assert client.get(_feed_url(token)).status_code == 200
    assert client.get(_feed_url(token)).status_code == 429


def test_outsider_never_sees_a_meeting_of_others_in_the_feed(client, outsider, lmi_cell, company):
    meeting = _meeting(lmi_cell, company, title="Verborgen overleg")
    token = _issue(client, outsider)
    body = client.get(_feed_url(token)).content
    assert b"Verborgen overleg" not in body
    assert f"meeting-{meeting.pk}@".encode() not in body


def test_account_without_organisation_cannot_make_a_feed(client, db):
    from tests.factories import UserFactory

    loner = UserFactory()
    client.force_login(loner)
    assert client.get(SETTINGS_URL).status_code in (403, 404)
    assert client.post(SETTINGS_URL, {"doe": "nieuw"}).status_code in (403, 404)
    assert not CalendarFeed.objects.exists()


def test_feed_needs_get(client, member):
    token = _issue(client, member)
    assert client.post(_feed_url(token)).status_code == 405
