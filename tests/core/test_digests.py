"""The digest framework: when, which period, once per period, the email and the unsubscribe."""

from __future__ import annotations

import email
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail, signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lmi_portal.core import digests
from lmi_portal.core.digests import (
    digest_due_user_ids,
    digest_period,
    digest_run,
    preference_update,
    unsubscribe_token,
)
from lmi_portal.core.models import Digest, DigestPreference, OutboxEmail
from lmi_portal.core.registry import DigestLine, DigestPart, digest_providers
from lmi_portal.core.services import outbox_deliver
from partners.models import User
from tests.factories import OrganisationFactory, UserFactory, member_of

AMS = ZoneInfo("Europe/Amsterdam")
# Monday 7 December 2026, 09:00 in Amsterdam: ISO week 50.
MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=AMS)

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines(monkeypatch):
    """Replace the apps' providers by one that gives every user an action and a new item,
    except users whose first name is 'Leeg'; counts how often it is asked."""
    calls: list[int] = []

    def provider(batch):
        calls.append(len(batch.users))
        return {
            user.pk: [
                DigestLine(
                    DigestPart.ACTIONS, f"Actie voor {user.first_name}", "/acties/", "te laat"
                ),
                DigestLine(DigestPart.NEW, "Nieuw initiatief <b>Boxer</b>", "/initiatieven/1/"),
            ]
            for user in batch.users
            if user.first_name != "Leeg"
        }

    monkeypatch.setattr(digest_providers, "_providers", {})
    digest_providers.register("test", provider)
    return calls


def test_periods_are_iso_weeks_and_days():
    weekly = digest_period(frequency="weekly", now=MONDAY_9)
    daily = digest_period(frequency="daily", now=MONDAY_9)
    assert weekly.key == "2026-W50"
    assert daily.key == "2026-12-07"
    assert (weekly.until - weekly.since).days == 7
    assert (daily.until - daily.since).days == 1


def test_due_users_follow_their_day_and_hour(company):
    default = member_of(company)  # no preference: weekly, Monday 07:00
    later = member_of(company)
    preference_update(user=later, frequency="weekly", weekday=0, hour=10, instant_events=[])
    friday = member_of(company)
    preference_update(user=friday, frequency="weekly", weekday=4, hour=7, instant_events=[])
    daily = member_of(company)
    preference_update(user=daily, frequency="daily", weekday=0, hour=8, instant_events=[])
    off = member_of(company)
    preference_update(user=off, frequency="off", weekday=0, hour=7, instant_events=[])
    UserFactory()  # no membership: never a digest

    week = digest_period(frequency="weekly", now=MONDAY_9)
    assert digest_due_user_ids(period=week) == [default.pk]
    day = digest_period(frequency="daily", now=MONDAY_9)
    assert digest_due_user_ids(period=day) == [daily.pk]
    # A run missed on Monday catches up later in the week, for both Monday users.
    wednesday = digest_period(frequency="weekly", now=datetime(2026, 12, 9, 6, 0, tzinfo=AMS))
    assert digest_due_user_ids(period=wednesday) == [default.pk, later.pk]


def test_run_sends_one_digest_per_user_and_a_second_run_sends_nothing(
    company, lines, django_capture_on_commit_callbacks
):
    users = [member_of(company) for _ in range(3)]
    empty = member_of(company, first_name="Leeg")
    with django_capture_on_commit_callbacks(execute=True):
        stats = digest_run(now=MONDAY_9, batch_size=2)
    assert (stats.sent, stats.empty) == (3, 1)
    assert Digest.objects.filter(period="2026-W50").count() == 4
    assert Digest.objects.get(user=empty).email is None  # an empty digest is not sent
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    with django_capture_on_commit_callbacks(execute=True):
        again = digest_run(now=MONDAY_9)
    assert again.users == 0
    assert len(mail.outbox) == 3
    assert OutboxEmail.objects.filter(category="digest").count() == 3


def test_a_batch_that_another_run_stored_first_is_not_sent_again(company, lines):
    user = member_of(company)
    period = digest_period(frequency="weekly", now=MONDAY_9)
    digests.digest_send_batch(user_ids=[user.pk], period=period)
    # A second run that chose the same users before the first committed finds them done.
    assert digests.digest_send_batch(user_ids=[user.pk], period=period) == (0, 0, 1)
    assert OutboxEmail.objects.filter(recipient=user).count() == 1


def test_queries_per_batch_do_not_grow_with_the_users(company, lines):
    few = [member_of(company) for _ in range(2)]
    many = [member_of(company) for _ in range(12)]
    period = digest_period(frequency="weekly", now=MONDAY_9)

    def queries(users):
        with CaptureQueriesContext(connection) as ctx:
            digests.digest_send_batch(user_ids=[u.pk for u in users], period=period)
        return len(ctx.captured_queries)

    assert queries(few) == queries(many)


def test_the_email_is_multipart_localised_and_can_be_unsubscribed_in_one_click(
    company, lines, django_capture_on_commit_callbacks
):
    user = member_of(company, first_name="Anna", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        digest_run(now=MONDAY_9)
    (message,) = mail.outbox
    parsed = email.message_from_bytes(message.message().as_bytes())
    assert parsed.get_content_type() == "multipart/alternative"
    html = message.alternatives[0][0]
    assert '<html lang="en">' in html
    assert "Actions for you" in html and "Actions for you".upper() in message.body
    assert "Nieuw initiatief &lt;b&gt;Boxer&lt;/b&gt;" in html  # escaped, never markup
    assert "http://testserver/acties/" in html or "/acties/" in message.body
    assert message.subject.startswith("LMI Portal, week 50")
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = "".join(parsed["List-Unsubscribe"].split()).strip("<>")  # unfold the header
    assert link in message.body
    path = link.split("://", 1)[1].split("/", 1)[1]
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/" + path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert DigestPreference.objects.get(user=user).frequency == "off"


def test_unsubscribe_link_works_once_without_login(client, company):
    user = member_of(company)
    url = reverse("core:digest_unsubscribe", args=[unsubscribe_token(user_id=user.pk, nonce="")])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert b"Ja, afmelden" in confirm.content
    assert DigestPreference.objects.filter(user=user).count() == 0  # a GET changes nothing
    assert client.post(url).status_code == 200
    assert DigestPreference.objects.get(user=user).frequency == "off"
    # The same link again: no longer valid, and nothing changes.
    preference_update(user=user, frequency="weekly", weekday=0, hour=7, instant_events=[])
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 404
    assert DigestPreference.objects.get(user=user).frequency == "weekly"


def test_unsubscribe_link_cannot_be_edited_to_unsubscribe_someone_else(client, company):
    user = member_of(company)
    victim = member_of(company)
    token = unsubscribe_token(user_id=user.pk, nonce="")
    payload, rest = token.split(":", 1)
    edited = signing.b64_encode(f'[{victim.pk},""]'.encode()).decode()
    assert edited != payload
    forged = [
        f"{edited}:{rest}",  # the victim's id with the user's signature
        signing.dumps([victim.pk, ""], salt="another-salt", compress=True),
        payload[:-1] + ("A" if payload[-1] != "A" else "B") + ":" + rest,
        "niets",
    ]
    for candidate in forged:
        assert client.post(reverse("core:digest_unsubscribe", args=[candidate])).status_code == 404
    assert not DigestPreference.objects.filter(user=victim).exists()


def test_preferences_page_saves_and_keeps_input_on_errors(client, company):
    user = member_of(company)
    client.force_login(user)
    page = client.get(reverse("core:digest_preferences"))
    assert page.status_code == 200
    assert b"Wat krijg ik deze week?" in page.content
    bad = client.post(
        reverse("core:digest_preferences"),
        {"frequency": "daily", "weekday": "9", "hour": "30", "language": "nl"},
    )
    assert bad.status_code == 200
    assert "Selecteer een geldige keuze" in bad.content.decode()
    assert re.search(r'value="daily"[^>]*checked', bad.content.decode())  # input kept
    assert not DigestPreference.objects.filter(user=user).exists()
    ok = client.post(
        reverse("core:digest_preferences"),
        {
            "frequency": "daily",
            "weekday": "2",
            "hour": "8",
            "language": "en",
            "instant_events": ["assigned", "handover"],
        },
    )
    assert ok.status_code == 302
    preference = DigestPreference.objects.get(user=user)
    assert (preference.frequency, preference.weekday, preference.hour) == ("daily", 2, 8)
    assert preference.instant_events == ["assigned", "handover"]
    assert User.objects.get(pk=user.pk).language == "en"


def test_preview_shows_what_would_be_sent_and_stores_nothing(client, company, lines):
    user = member_of(company, first_name="Piet")
    client.force_login(user)
    body = client.get(reverse("core:digest_preview")).content.decode()
    assert "Actie voor Piet" in body
    assert "Acties voor jou" in body
    assert not Digest.objects.exists() and not OutboxEmail.objects.exists()


def test_preview_says_when_nothing_would_be_sent(client, company, lines):
    client.force_login(member_of(company, first_name="Leeg"))
    body = client.get(reverse("core:digest_preview")).content.decode()
    assert "u krijgt deze keer geen e-mail" in body


def test_preview_and_preferences_need_a_login(client):
    for name in ("core:digest_preview", "core:digest_preferences"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_suspended_organisation_gets_no_digest(lines):
    org = OrganisationFactory(suspended=True)
    member_of(org)
    assert digest_run(now=MONDAY_9).users == 0


def test_outbox_sends_the_stored_headers(company):
    user = member_of(company)
    from lmi_portal.core.services import outbox_enqueue

    row = outbox_enqueue(
        key="k1", to=user.email, subject="s", body_text="t", headers={"List-Id": "<x.example>"}
    )
    assert outbox_deliver(email_id=row.pk)
    assert mail.outbox[0].extra_headers["List-Id"] == "<x.example>"
