from datetime import timedelta

import pytest
from django.utils import timezone

from lmi_portal.core.digests import digest_compose
from lmi_portal.core.notifications import follow_set
from lmi_portal.core.registry import (
    DigestLine,
    DigestPart,
    Registry,
    SearchGroup,
    SearchHit,
    digest_providers,
    search_providers,
)
from lmi_portal.core.selectors import search_for_user
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
    assert {"initiatives", "knowledge", "organisations", "people"} <= set(
        key for key, _ in search_providers.items()
    )
    assert {"partners", "network", "initiatives", "knowledge"} <= set(
        key for key, _ in digest_providers.items()
    )


def test_search_asks_every_provider_in_order_and_skips_those_without_access(monkeypatch):
    monkeypatch.setattr(search_providers, "_providers", {})
    asked = []

    def provider(key, total):
        def search(user, request):
            asked.append((key, request.terms.terms, request.limit))
            hits = (SearchHit("x", f"{key} treffer", f"/{key}"),)
            return SearchGroup(key=key, label=key, hits=hits, total=total)

        return search

    search_providers.register("second", provider("second", 1), order=20)
    search_providers.register("first", provider("first", 3), order=10)
    search_providers.register("hidden", lambda user, request: None, order=30)
    results = search_for_user(user=None, query="Iets  anders", per_group=4)
    assert [g.key for g in results.groups] == ["first", "second"]
    assert results.total == 4
    assert asked == [("first", ("iets", "anders"), 4), ("second", ("iets", "anders"), 4)]
    # No words, no search.
    asked.clear()
    assert search_for_user(user=None, query="  &|! ").groups == ()
    assert asked == []


@pytest.mark.django_db
def test_search_asks_only_counts_of_the_other_groups_when_one_is_chosen(monkeypatch):
    monkeypatch.setattr(search_providers, "_providers", {})
    limits = {}

    def provider(key):
        def search(user, request):
            limits[key] = (request.limit, request.offset)
            return SearchGroup(key=key, label=key, hits=(), total=0)

        return search

    search_providers.register("a", provider("a"))
    search_providers.register("b", provider("b"))
    search_for_user(user=None, query="iets", group="b", page=3, per_page=10)
    assert limits == {"a": (0, 0), "b": (10, 20)}


@pytest.mark.django_db
def test_digest_leaves_out_empty_parts(monkeypatch, member):
    monkeypatch.setattr(digest_providers, "_providers", {})
    digest_providers.register("empty", lambda batch: {})
    digest_providers.register(
        "one",
        lambda batch: {
            user.pk: [DigestLine(DigestPart.NEW, "regel", "/r")] for user in batch.users
        },
    )
    now = timezone.now()
    content = digest_compose(users=[member], since=now - timedelta(days=7), until=now)[member.pk]
    assert [(part["key"], [line.text for line in part["lines"]]) for part in content.parts()] == [
        (DigestPart.NEW, ["regel"])
    ]


@pytest.mark.django_db
def test_search_and_digest_respect_the_access_policy(member, outsider, company):
    InitiativeFactory(
        title="Boxer sensoren geheim", owner_organisation=company, tlp=TLP.AMBER_STRICT
    )
    InitiativeFactory(title="Boxer sensoren open", owner_organisation=company, tlp=TLP.GREEN)
    since = timezone.now() - timedelta(days=1)

    def found(user):
        results = search_for_user(user=user, query="Boxer")
        return {hit.title for group in results.groups for hit in group.hits}

    assert found(member) == {"Boxer sensoren geheim", "Boxer sensoren open"}
    assert found(outsider) == {"Boxer sensoren open"}
    for user in (member, outsider):  # both follow the company's news
        follow_set(user=user, target=company, following=True)
    until = timezone.now() + timedelta(minutes=1)
    contents = digest_compose(users=[member, outsider], since=since, until=until)

    def lines(user):
        return [line.text for part in contents[user.pk].parts() for line in part["lines"]]

    assert {"Boxer sensoren geheim", "Boxer sensoren open"} <= set(lines(member))
    assert "Boxer sensoren open" in lines(outsider)
    assert not any("geheim" in line for line in lines(outsider))


@pytest.mark.django_db
def test_search_page_shows_only_visible_hits(client, outsider, company):
    InitiativeFactory(
        title="Boxer sensoren geheim", owner_organisation=company, tlp=TLP.AMBER_STRICT
    )
    client.force_login(outsider)
    body = client.get("/zoeken/", {"q": "Boxer"}).content.decode()
    assert "geheim" not in body
