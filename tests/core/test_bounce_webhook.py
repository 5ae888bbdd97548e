"""The mail server's bounce webhook: POST /berichten/bounce/ with a bearer token."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lmi_portal.core.models import AuditEvent
from network.models import ContactFlag
from tests.factories import AffiliationFactory, PersonFactory

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-bounce-token"
URL = "/berichten/bounce/"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.EMAIL_BOUNCE_TOKEN = TOKEN


@pytest.fixture
def holder():
    person = PersonFactory()
    AffiliationFactory(person=person, email="weg@test.example")
    return person


@pytest.fixture
def mail_server():
    """A client as the mail server is: no session, and CSRF checks as in production."""
    return Client(enforce_csrf_checks=True)


def post(client, data, token=TOKEN, content_type="application/json"):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.post(URL, data, content_type=content_type, headers=headers)


def test_the_url_is_the_documented_one():
    assert reverse("core:email_bounce_webhook") == URL


def test_a_json_report_marks_the_person_and_answers_how_many(mail_server, holder):
    response = post(mail_server, {"address": "Weg@test.example", "detail": "550 5.1.1"})
    assert response.status_code == 200
    assert response.json() == {"marked": 1}
    holder.refresh_from_db()
    assert holder.email_bounced_at is not None
    assert ContactFlag.objects.filter(person=holder, reason="email_bounced").count() == 1
    event = AuditEvent.objects.get(action="email.bounced")
    assert event.data == {
        "address": "weg@test.example",
        "source": "webhook",
        "detail": "550 5.1.1",
        "marked": 1,
    }


def test_a_form_post_works_too(mail_server, holder):
    response = mail_server.post(
        URL, {"address": "weg@test.example"}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 200
    assert response.json() == {"marked": 1}


def test_an_address_nobody_has_answers_zero(mail_server, holder):
    response = post(mail_server, {"address": "onbekend@test.example"})
    assert response.status_code == 200
    assert response.json() == {"marked": 0}
    holder.refresh_from_db()
    assert holder.email_bounced_at is None


@pytest.mark.parametrize(
    "body",
    [{}, {"address": ""}, {"address": "geen-adres"}, {"address": 42}, ["weg@test.example"]],
)
def test_a_missing_or_invalid_address_is_a_400(mail_server, holder, body):
    response = post(mail_server, body)
    assert response.status_code == 400
    holder.refresh_from_db()
    assert holder.email_bounced_at is None
    assert not AuditEvent.objects.filter(action="email.bounced").exists()


def test_broken_json_is_a_400(mail_server):
    response = post(mail_server, "{not json", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("token", [None, "wrong", TOKEN + "x", ""])
def test_a_wrong_or_missing_token_gets_the_404_of_a_missing_page(mail_server, holder, token):
    response = post(mail_server, {"address": "weg@test.example"}, token=token)
    missing = mail_server.post("/berichten/bestaat-niet/")
    assert response.status_code == missing.status_code == 404
    holder.refresh_from_db()
    assert holder.email_bounced_at is None


def test_without_a_configured_token_the_webhook_does_not_exist(mail_server, settings, holder):
    settings.EMAIL_BOUNCE_TOKEN = ""
    assert post(mail_server, {"address": "weg@test.example"}, token="").status_code == 404
    assert post(mail_server, {"address": "weg@test.example"}).status_code == 404
    holder.refresh_from_db()
    assert holder.email_bounced_at is None


def test_get_is_404_without_the_token_and_405_with_it(mail_server):
    assert mail_server.get(URL).status_code == 404
    response = mail_server.get(URL, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 405


def test_a_signed_in_user_without_the_token_gets_404_too(client, member, holder):
    client.force_login(member)
    assert post(client, {"address": "weg@test.example"}, token=None).status_code == 404
    holder.refresh_from_db()
    assert holder.email_bounced_at is None
