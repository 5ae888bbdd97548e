from datetime import timedelta

import pytest
from django.utils import timezone

from lmi_portal.core.registry import (
    DigestLine,
    DigestSection,
    Registry,
    SearchHit,
    digest_providers,
    search_providers,
)
from lmi_portal.core.selectors import digest_sections_for_user, search_for_user
from partners.models import TLP
from tests.factories import InitiativeFactory


def test_registry_keeps_order_and_refuses_a_second_provider_under_one_key():
    registry: Registry = Registry("test")
    first, second = (lambda: 1), (lambda: 2)
    registry.register("b", second, order=20)
    registry.register("a", first, order=10)
    assert [key for key, _ in registry.items()] == ["a", "b"]
    registry.register("a", first, order=10)  # the same provider again is fine
    with pytest.raises(ValueError):
        registry.register("a", second)


def test_apps_register_their_providers():
    assert "initiatives" in search_providers
    assert "initiatives" in digest_providers


def test_search_merges_providers_best_first(monkeypatch):
    monkeypatch.setattr(search_providers, "_providers", {})
    search_providers.register("low", lambda u, q, n: [SearchHit("x", "laag", "/l", score=1)])
    search_providers.register("high", lambda u, q, n: [SearchHit("y", "hoog", "/h", score=5)])
    assert [h.title for h in search_for_user(user=None, query="iets")] == ["hoog", "laag"]
    assert search_for_user(user=None, query="   ") == []


def test_digest_leaves_out_empty_sections(monkeypatch):
    monkeypatch.setattr(digest_providers, "_providers", {})
    digest_providers.register("empty", lambda u, since: None)
    digest_providers.register(
        "one", lambda u, since: DigestSection("Nieuw", (DigestLine("regel", "/r"),))
    )
    sections = digest_sections_for_user(user=None, since=timezone.now())
    assert [s.title for s in sections] == ["Nieuw"]


@pytest.mark.django_db
def test_search_and_digest_respect_the_access_policy(member, outsider, company):
    InitiativeFactory(
        title="Boxer sensoren geheim", owner_organisation=company, tlp=TLP.AMBER_STRICT
    )
    InitiativeFactory(title="Boxer sensoren open", owner_organisation=company, tlp=TLP.GREEN)
    since = timezone.now() - timedelta(days=1)
    assert {h.title for h in search_for_user(user=member, query="Boxer")} == {
        "Boxer sensoren geheim", "Boxer sensoren open"}  # fmt: skip
    assert {h.title for h in search_for_user(user=outsider, query="Boxer")} == {
        "Boxer sensoren open"
    }
    lines = [
        line.text for s in digest_sections_for_user(user=outsider, since=since) for line in s.lines
    ]
    assert any("open" in line for line in lines)
    assert not any("geheim" in line for line in lines)


@pytest.mark.django_db
def test_search_page_shows_only_visible_hits(client, outsider, company):
    InitiativeFactory(
        title="Boxer sensoren geheim", owner_organisation=company, tlp=TLP.AMBER_STRICT
    )
    client.force_login(outsider)
    body = client.get("/zoeken/", {"q": "Boxer"}).content.decode()
    assert "geheim" not in body
