"""The admins' delivery pages: "Ontvangers" (who receives what) and the delivery log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lmi_portal.core.models import AuditEvent, Digest, DigestPreference, OutboxEmail
from network.models import ContactFlag
from tests.conftest import TOTP_SECRET
from tests.factories import member_of, person_of

pytestmark = pytest.mark.django_db

RECIPIENTS = reverse("partners:beheer_recipients")
LOG = reverse("partners:beheer_delivery_log")


def outbox(to, *, n=[0], **kwargs):  # noqa: B006  (a counter for unique keys)
    n[0] += 1
    fields = {
        "idempotency_key": f"test:{n[0]}",
        "to": to,
        "subject": f"Onderwerp {n[0]}",
        "body_text": "GEHEIME-INHOUD van het bericht",
        "body_html": "<p>GEHEIME-HTML</p>",
    }
    fields.update(kwargs)
    return OutboxEmail.objects.create(**fields)


def failed(user_or_address, error="SMTPRecipientsRefused: 550 no such user", **kwargs):
    to = getattr(user_or_address, "email", user_or_address)
    recipient = user_or_address if hasattr(user_or_address, "email") else None
    return outbox(
        to,
        recipient=recipient,
        status=OutboxEmail.Status.FAILED,
        attempts=8,
        last_error=error,
        claimed_at=timezone.now(),
        **kwargs,
    )


def mark_url(email):
    return reverse("partners:beheer_delivery_mark_bounced", args=[email.pk])


# --- Who may enter ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "org_admin", "programme_manager"])
def test_non_admins_get_404_like_on_every_beheer_page(client, request, who):
    user = request.getfixturevalue(who)
    if not Authenticator.objects.filter(user=user).exists():
        TOTP.activate(user, TOTP_SECRET)  # past any MFA requirement, so the 404 is the page's
    email = failed(user)
    client.force_login(user)
    for url in (RECIPIENTS, LOG):
        assert client.get(url).status_code == 404, url
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 404, url
    assert client.post(mark_url(email)).status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="email.").exists()


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    email = failed("iemand@test.example")
    for response in (client.get(RECIPIENTS), client.get(LOG), client.post(mark_url(email))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert not AuditEvent.objects.filter(action__startswith="email.").exists()


def test_the_beheer_landing_page_links_to_both_pages(admin_client_with_mfa):
    body = admin_client_with_mfa.get(reverse("partners:beheer")).content.decode()
    assert f'href="{RECIPIENTS}"' in body
    assert f'href="{LOG}"' in body


# --- Ontvangers ---------------------------------------------------------------------------------


def test_recipients_shows_frequency_last_digest_last_failure_and_bounce(
    admin_client_with_mfa, company
):
    weekly = member_of(company, email="wekelijks@test.example", first_name="Wim")
    daily = member_of(company, email="dagelijks@test.example", first_name="Dirk")
    DigestPreference.objects.create(user=daily, frequency=DigestPreference.Frequency.DAILY)
    sent = outbox(
        daily.email,
        recipient=daily,
        category=OutboxEmail.Category.DIGEST,
        status=OutboxEmail.Status.SENT,
        sent_at=timezone.now(),
    )
    Digest.objects.create(user=daily, period="2026-W01", created_at=timezone.now() - timedelta(7))
    Digest.objects.create(user=daily, period="2026-W02", email=sent)
    Digest.objects.create(user=weekly, period="2026-W02")  # empty: nothing sent
    failed(weekly, error="SMTPRecipientsRefused: 550 mailbox unavailable")
    person = person_of(weekly)
    person.email_bounced_at = timezone.now()
    person.save()

    response = admin_client_with_mfa.get(RECIPIENTS)
    assert response.status_code == 200
    rows = {row["user"].email: row for row in response.context["rows"]}
    assert set(rows) == {weekly.email, daily.email}  # the admin has no membership
    assert rows[weekly.email]["frequency"] == "wekelijks"
    assert rows[daily.email]["frequency"] == "dagelijks"
    assert rows[daily.email]["user"].last_digest_period == "2026-W02"
    assert rows[daily.email]["user"].last_digest_sent_at is not None
    assert rows[weekly.email]["user"].last_digest_sent_at is None
    assert "550 mailbox unavailable" in rows[weekly.email]["user"].last_failure_error
    assert rows[weekly.email]["user"].email_bounced_at is not None
    assert rows[daily.email]["user"].email_bounced_at is None
    assert rows[daily.email]["user"].last_failure_at is None
    body = response.content.decode()
    assert "leeg, niet verstuurd" in body
    assert "onbestelbaar" in body


def test_recipients_leaves_out_suspended_accounts_and_people_without_membership(
    admin_client_with_mfa, company, portal_admin
):
    member_of(company, email="actief@test.example")
    member_of(company, email="geschorst@test.example", is_active=False)
    emails = {row["user"].email for row in admin_client_with_mfa.get(RECIPIENTS).context["rows"]}
    assert emails == {"actief@test.example"}


def test_recipients_search_by_name_or_email(admin_client_with_mfa, company):
    member_of(company, email="a@test.example", first_name="Anouk", last_name="Zwart")
    member_of(company, email="b@andere.example", first_name="Bram", last_name="Wit")

    def found(q):
        response = admin_client_with_mfa.get(RECIPIENTS, {"q": q})
        return {row["user"].email for row in response.context["rows"]}

    assert found("anouk zwart") == {"a@test.example"}
    assert found("andere.example") == {"b@andere.example"}
    assert found("niemand") == set()


def test_recipients_problems_only_keeps_failures_and_bounces(admin_client_with_mfa, company):
    fine = member_of(company, email="goed@test.example")
    failing = member_of(company, email="fout@test.example")
    bouncing = member_of(company, email="onbestelbaar@test.example")
    outbox(fine.email, recipient=fine, status=OutboxEmail.Status.SENT, sent_at=timezone.now())
    failed(failing)
    person = person_of(bouncing)
    person.email_bounced_at = timezone.now()
    person.save()
    response = admin_client_with_mfa.get(RECIPIENTS, {"problems": "on"})
    assert {row["user"].email for row in response.context["rows"]} == {
        failing.email,
        bouncing.email,
    }


def test_a_confirmed_record_no_longer_counts_as_bouncing(admin_client_with_mfa, company):
    user = member_of(company, email="weer-goed@test.example")
    person = person_of(user)
    person.email_bounced_at = timezone.now() - timedelta(days=3)
    person.last_confirmed_at = timezone.now()
    person.save()
    response = admin_client_with_mfa.get(RECIPIENTS, {"problems": "on"})
    assert list(response.context["rows"]) == []


def test_recipients_htmx_filter_returns_only_the_results_fragment(admin_client_with_mfa, member):
    response = admin_client_with_mfa.get(RECIPIENTS, {"q": "lid"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="recipient-results"')
    assert "<html" not in body


def test_recipients_are_paginated_by_50(admin_client_with_mfa, company):
    for i in range(52):
        member_of(company, email=f"veel{i}@test.example")
    assert len(admin_client_with_mfa.get(RECIPIENTS).context["rows"]) == 50
    assert len(admin_client_with_mfa.get(RECIPIENTS, {"page": 2}).context["rows"]) == 2


@pytest.mark.parametrize("n", [1, 25])
def test_recipients_query_count_is_constant(
    admin_client_with_mfa, company, django_assert_num_queries, n
):
    for i in range(n):
        user = member_of(company, email=f"ontvanger{i}@test.example")
        DigestPreference.objects.create(user=user, frequency=DigestPreference.Frequency.DAILY)
        Digest.objects.create(user=user, period="2026-W02")
        failed(user)
        person = person_of(user)
        person.email_bounced_at = timezone.now()
        person.save()
    admin_client_with_mfa.get(RECIPIENTS)
    # session, user, MFA check, nav membership, count, page (with every per-row fact)
    with django_assert_num_queries(6):
        response = admin_client_with_mfa.get(RECIPIENTS, {"q": "ontvanger", "problems": "on"})
    assert len(response.context["rows"]) == n


# --- Verzendlog ---------------------------------------------------------------------------------


def test_log_lists_emails_newest_first_without_their_bodies(admin_client_with_mfa):
    old = outbox("oud@test.example", subject="Het oude bericht")
    OutboxEmail.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    outbox("nieuw@test.example", subject="Het nieuwe bericht", status=OutboxEmail.Status.SENT)
    response = admin_client_with_mfa.get(LOG)
    assert [e.to for e in response.context["rows"]] == ["nieuw@test.example", "oud@test.example"]
    body = response.content.decode()
    # Neither subject nor body: a subject can name an item the admin may not see.
    assert "Het nieuwe bericht" not in body
    assert "GEHEIME" not in body
    assert all(
        {"subject", "body_text", "body_html"} <= e.get_deferred_fields()
        for e in response.context["rows"]
    )


def test_log_filters_by_status_category_and_address(admin_client_with_mfa):
    outbox("a@test.example", category=OutboxEmail.Category.DIGEST, status=OutboxEmail.Status.SENT)
    outbox("b@test.example", category=OutboxEmail.Category.INSTANT)
    failed("c@test.example", category=OutboxEmail.Category.DIGEST)

    def found(**params):
        return {e.to for e in admin_client_with_mfa.get(LOG, params).context["rows"]}

    assert found(status="failed") == {"c@test.example"}
    assert found(category="digest") == {"a@test.example", "c@test.example"}
    assert found(category="digest", status="sent") == {"a@test.example"}
    assert found(to="b@") == {"b@test.example"}
    assert found() == {"a@test.example", "b@test.example", "c@test.example"}


def test_log_offers_the_bounce_button_only_on_failed_rows(admin_client_with_mfa):
    sent = outbox("goed@test.example", status=OutboxEmail.Status.SENT)
    bad = failed("fout@test.example")
    body = admin_client_with_mfa.get(LOG).content.decode()
    assert mark_url(bad) in body
    assert mark_url(sent) not in body


@pytest.mark.parametrize("n", [1, 25])
def test_log_query_count_is_constant(admin_client_with_mfa, django_assert_num_queries, n):
    for i in range(n):
        failed(f"fout{i}@test.example")
    admin_client_with_mfa.get(LOG)
    # session, user, MFA check, nav membership, count, page
    with django_assert_num_queries(6):
        response = admin_client_with_mfa.get(LOG, {"status": "failed"})
    assert len(response.context["rows"]) == n


# --- Markeer als onbestelbaar -------------------------------------------------------------------


def test_marking_a_failed_email_flags_the_person_and_audits_who_did_it(
    admin_client_with_mfa, portal_admin, company
):
    user = member_of(company, email="kapot@test.example")
    person = person_of(user)
    email = failed(user)
    next_url = f"{LOG}?status=failed"
    response = admin_client_with_mfa.post(mark_url(email), {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url
    person.refresh_from_db()
    assert person.email_bounced_at is not None
    assert ContactFlag.objects.filter(
        person=person, reason=ContactFlag.Reason.EMAIL_BOUNCED, resolved_at__isnull=True
    ).exists()
    bounce = AuditEvent.objects.get(action="email.bounced")
    assert bounce.data["source"] == "admin"
    decision = AuditEvent.objects.get(action="email.marked_undeliverable")
    assert decision.actor == portal_admin
    assert decision.target_id == str(email.pk)
    assert decision.data == {"address": "kapot@test.example", "marked": 1}


def test_marking_goes_back_only_to_the_log(admin_client_with_mfa):
    email = failed("x@test.example")
    response = admin_client_with_mfa.post(mark_url(email), {"next": "https://evil.example/"})
    assert response["Location"] == LOG


def test_marking_needs_post(admin_client_with_mfa):
    email = failed("x@test.example")
    assert admin_client_with_mfa.get(mark_url(email)).status_code == 405
    assert not AuditEvent.objects.filter(action__startswith="email.").exists()


def test_marking_needs_a_csrf_token(portal_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(portal_admin)
    email = failed("x@test.example")
    assert client.post(mark_url(email)).status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="email.").exists()


def test_only_a_failed_email_can_be_marked(admin_client_with_mfa):
    for status in (OutboxEmail.Status.SENT, OutboxEmail.Status.PENDING):
        email = outbox("y@test.example", status=status)
        assert admin_client_with_mfa.post(mark_url(email)).status_code == 404
    assert admin_client_with_mfa.post(reverse(
        "partners:beheer_delivery_mark_bounced", args=[999999])).status_code == 404  # fmt: skip
    assert not AuditEvent.objects.filter(action__startswith="email.").exists()


def test_log_names_the_kind_of_message_from_its_key(admin_client_with_mfa):
    outbox("a@test.example", idempotency_key="notification:41", subject="Actie bij Geheim plan")
    outbox("b@test.example", idempotency_key="digest:2026-W50:7")
    body = admin_client_with_mfa.get(LOG).content.decode()
    assert "directe melding" in body and "overzicht" in body
    assert "Geheim plan" not in body
