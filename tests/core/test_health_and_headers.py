import pytest
from django.db import connection
from django.urls import reverse

from lmi_portal.core import health
from lmi_portal.core.models import System, Theme
from lmi_portal.core.services import heartbeat_record

pytestmark = pytest.mark.django_db


def test_health_is_503_without_a_heartbeat(client):
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["checks"]["heartbeat"]["ok"] is False
    assert response.json()["checks"]["database"]["ok"] is True


def test_health_is_200_when_everything_is_up(client):
    heartbeat_record()
    response = client.get(reverse("health"))
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert set(data["checks"]) == {"database", "cache", "broker", "heartbeat"}


def test_health_reports_a_broken_database(client, monkeypatch):
    heartbeat_record()

    def broken():
        raise connection.Database.OperationalError("down")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "error": "OperationalError"}


def test_heartbeat_task_records_the_beat():
    from lmi_portal.core.tasks import heartbeat

    heartbeat.apply()
    assert health.check_heartbeat()["ok"] is True


def test_security_headers_on_an_authenticated_page(client, member):
    client.force_login(member)
    response = client.get(reverse("dashboard"), secure=True)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    body = response.content.decode()
    # Every script tag carries this request's nonce or loads a file from our own origin.
    scripts = [tag.split(">", 1)[0] for tag in body.split("<script")[1:]]
    assert scripts
    for head in scripts:
        assert f'nonce="{nonce}"' in head
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]


def test_anonymous_login_page_is_not_marked_no_store_by_us_but_has_csp(client):
    response = client.get(reverse("account_login"))
    assert "Content-Security-Policy" in response


def test_vocabularies_are_seeded_from_the_domain_brief():
    assert Theme.objects.filter(slug="slim-voorspellend-onderhoud").exists()
    assert Theme.objects.count() == 11
    assert System.objects.filter(name_nl="Boxer").exists()
    assert System.objects.filter(slug="leopard-2a8").exists()


def test_error_pages_are_styled_and_translated(client, member):
    client.force_login(member)
    response = client.get("/bestaat-niet/")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.content.decode()


def test_server_error_page_stands_alone_in_both_languages():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Er ging iets mis" in html
    assert "Something went wrong" in html
