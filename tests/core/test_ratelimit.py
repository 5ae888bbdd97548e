"""Pages reached through a secret link answer 429 once one address tries too many tokens."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

SECRET_LINK_PAGES = [
    ("partners:invitation_accept", "geraden-token"),
    ("network:confirm_link", "geraden-token"),
    ("core:digest_unsubscribe", "geraden-token"),
    ("initiatives:calendar_feed", "geraden-token"),
]


@pytest.mark.parametrize(("name", "token"), SECRET_LINK_PAGES)
def test_guessing_tokens_is_limited_per_address(client, settings, name, token):
    settings.LINK_RATE_LIMIT = 3
    url = reverse(name, args=[token])
    answers = [client.get(url).status_code for _ in range(3)]
    # A wrong token: not found, or "this link is no longer valid" (410) for email links.
    assert answers[0] in (404, 410) and answers == [answers[0]] * 3
    limited = client.get(url)
    assert limited.status_code == 429
    assert limited["Retry-After"] == str(settings.LINK_RATE_WINDOW)
    # Another address is not affected.
    assert client.get(url, REMOTE_ADDR="192.0.2.7").status_code == answers[0]


def test_bounce_webhook_is_limited_too(client, settings):
    settings.LINK_RATE_LIMIT = 2
    settings.EMAIL_BOUNCE_TOKEN = "geheim-token-van-de-mailserver"
    url = reverse("core:email_bounce_webhook")
    wrong = {"HTTP_AUTHORIZATION": "Bearer fout"}
    assert [client.post(url, **wrong).status_code for _ in range(2)] == [404, 404]
    assert client.post(url, **wrong).status_code == 429


def test_a_cache_outage_never_blocks_the_page(client, settings, monkeypatch):
    from lmi_portal.core import ratelimit

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(ratelimit.cache, "add", broken)
    settings.LINK_RATE_LIMIT = 1
    url = reverse("core:digest_unsubscribe", args=["geraden-token"])
    assert [client.get(url).status_code for _ in range(3)] == [404, 404, 404]
