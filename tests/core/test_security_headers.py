"""Security headers on every kind of answer the portal gives, and production cookie settings.

A page, an htmx fragment, JSON, a CSV and an Excel export, an iCalendar feed, a file download,
an email-link page without login, a redirect and a 404 all carry the same protections."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from initiatives.services.calendar import calendar_feed_issue
from knowledge.models import KnowledgeItem
from knowledge.services.documents import document_version_add
from lmi_portal.core.digests import unsubscribe_token
from lmi_portal.core.services import heartbeat_record
from partners.models import TLP
from tests.factories import InitiativeFactory, KnowledgeItemFactory

pytestmark = pytest.mark.django_db


def _answers(client, member, company, programme_manager, tmp_path, settings):
    """(kind, response) for every kind of answer, fetched over HTTPS."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.CLAMD_URL = ""
    settings.KNOWLEDGE_X_ACCEL_PREFIX = ""
    heartbeat_record()
    initiative = InitiativeFactory(owner_organisation=company, tlp=TLP.AMBER, lead=member)
    item = KnowledgeItemFactory(
        kind=KnowledgeItem.Kind.DOCUMENT, owner_organisation=company, tlp=TLP.AMBER
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    document_version_add(
        actor=member,
        item=item,
        upload=SimpleUploadedFile("notitie.txt", b"Onderhoud aan de Boxer", "text/plain"),
    )
    token = calendar_feed_issue(actor=programme_manager)
    answers = {}
    client.force_login(member)
    get = lambda url, **kw: client.get(url, secure=True, **kw)  # noqa: E731
    answers["page"] = get(reverse("initiatives:list"))
    answers["htmx fragment"] = get(reverse("initiatives:list"), headers={"HX-Request": "true"})
    answers["json"] = get(reverse("health"))
    answers["csv export"] = get(reverse("initiatives:export") + "?format=csv")
    answers["excel export"] = get(reverse("initiatives:export") + "?format=xlsx")
    answers["download"] = get(reverse("knowledge:download", args=[item.pk, 1]))
    answers["redirect"] = get(reverse("initiatives:list").rstrip("/"))  # APPEND_SLASH
    answers["not found"] = get(initiative.get_absolute_url() + "bestaat-niet/")
    client.logout()
    answers["ical feed"] = get(reverse("initiatives:calendar_feed", args=[token]))
    link = reverse("core:digest_unsubscribe", args=[unsubscribe_token(user_id=member.pk, nonce="")])
    answers["email link page"] = get(link)
    answers["login redirect"] = get(reverse("initiatives:list"))
    return answers


def test_every_kind_of_answer_carries_the_security_headers(
    client, member, company, programme_manager, tmp_path, settings
):
    answers = _answers(client, member, company, programme_manager, tmp_path, settings)
    statuses = {kind: response.status_code for kind, response in answers.items()}
    assert statuses == {
        "page": 200,
        "htmx fragment": 200,
        "json": 200,
        "csv export": 200,
        "excel export": 200,
        "download": 200,
        "redirect": 301,
        "not found": 404,
        "ical feed": 200,
        "email link page": 200,
        "login redirect": 302,
    }
    for kind, response in answers.items():
        assert response["X-Content-Type-Options"] == "nosniff", kind
        assert response["Referrer-Policy"] == "same-origin", kind
        assert response.get("X-Frame-Options") == "DENY", kind
        assert response["Strict-Transport-Security"].startswith("max-age="), kind
        csp = response["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp, kind
        assert "'unsafe-inline'" not in csp.split("script-src", 1)[-1].split(";")[0], kind
    # What only a signed-in person sees is never kept by a browser or proxy cache.
    for kind in ("page", "htmx fragment", "csv export", "excel export", "download"):
        assert "no-store" in answers[kind]["Cache-Control"], kind
    assert answers["download"]["Content-Disposition"].startswith(("attachment", "inline"))


def test_production_settings_make_cookies_secure_and_https_only():
    """Load the settings as production would (debug off, a secret key) and read them back."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lmi_portal.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "portal.example",
    }
    env.pop("SECURE_COOKIES", None)
    env.pop("SECURE_SSL_REDIRECT", None)
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ("
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'DEBUG', 'SESSION_COOKIE_SAMESITE')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
