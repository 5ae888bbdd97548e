"""CSRF on every state-changing request: every URL of the access sweep (tests/test_access_sweep.py)
is POSTed by a role that may use it, from a client that enforces CSRF checks, without a token
or with a wrong one. Every answer is Django's CSRF refusal (403) and nothing is written.

Only two views skip the check on purpose, each with a key of its own (the access sweep checks
that a forged key gets nothing); a new exemption fails
``test_only_the_token_endpoints_are_csrf_exempt``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from initiatives.models import Comment

from . import test_access_sweep
from .access_sweep_world import ROLES, World
from .test_access_sweep import (
    SWEEP,
    Entry,
    Sweep,
    cases_of,
    changed,
    fingerprint,
)

# The access sweep's world, built once for this module.
sweep_world = test_access_sweep.sweep_world

# RFC 8058 one-click unsubscribe (the signed token is the key) and the mail server's bounce
# webhook (a bearer token is the key): the only views without Django's CSRF check.
CSRF_EXEMPT = {"core:digest_unsubscribe", "core:email_bounce_webhook"}
WRONG_TOKEN = "x" * 64


def _role_for(entry: Entry) -> str | None:
    """The role that may use the URL (the sweep's writer), or None if nobody may."""
    if not entry.allow:
        return None
    return entry.writer or next(r for r in ("member", "org_admin", *ROLES) if r in entry.allow)


def _cases() -> list[tuple[str, Entry]]:
    """Per URL name, the first case someone may use (a case nobody may use says nothing)."""
    found = []
    for name in sorted(SWEEP):
        if name in CSRF_EXEMPT:
            continue
        usable = [entry for entry in cases_of(name) if _role_for(entry) is not None]
        if usable:
            found.append((name, usable[0]))
    return found


CASES = _cases()


@pytest.fixture(scope="module")
def csrf_clients(sweep_world) -> Iterator[dict[str, Client]]:
    """Per role, a client that checks CSRF like a browser's request would be checked."""
    clients = {}
    for role in ROLES:
        client = Client(enforce_csrf_checks=True)
        user = sweep_world.world.users[role]
        if user is not None:
            client.force_login(user)
        clients[role] = client
    yield clients


def _post(client: Client, name: str, entry: Entry, w: World, **extra: Any) -> Any:
    url = reverse(name, kwargs=entry.kwargs(w))
    if entry.query:
        url = f"{url}?{urlencode(entry.query(w))}"
    data = entry.data(w) if entry.data else {}
    return client.post(url, {**data, **extra.pop("data", {})}, headers=entry.headers, **extra)


Attempt = Callable[[Client, str, Entry, World], Any]


def _without_token(client: Client, name: str, entry: Entry, w: World) -> Any:
    return _post(client, name, entry, w)


def _with_wrong_token(client: Client, name: str, entry: Entry, w: World) -> Any:
    client.cookies["csrftoken"] = WRONG_TOKEN[:32]
    try:
        return _post(client, name, entry, w, data={"csrfmiddlewaretoken": WRONG_TOKEN})
    finally:
        del client.cookies["csrftoken"]


def _htmx_with_wrong_header(client: Client, name: str, entry: Entry, w: World) -> Any:
    client.cookies["csrftoken"] = WRONG_TOKEN[:32]
    try:
        return _post(
            client,
            name,
            entry,
            w,
            HTTP_HX_REQUEST="true",
            HTTP_X_CSRFTOKEN=WRONG_TOKEN,
        )
    finally:
        del client.cookies["csrftoken"]


@pytest.mark.parametrize(
    "attempt",
    [_without_token, _with_wrong_token, _htmx_with_wrong_header],
    ids=lambda f: f.__name__,
)
def test_every_post_without_a_valid_token_is_refused_and_writes_nothing(
    attempt: Attempt, sweep_world: Sweep, csrf_clients: dict[str, Client], db: Any
) -> None:
    w = sweep_world.world
    assert len(CASES) > 100
    problems = []
    before = fingerprint(skip=frozenset(), roots=sweep_world.roots)
    with transaction.atomic():
        for name, entry in CASES:
            role = _role_for(entry)
            assert role is not None
            response = attempt(csrf_clients[role], name, entry, w)
            templates = {t.name for t in response.templates}
            if response.status_code != 403 or "403_csrf.html" not in templates:
                problems.append(f"{name} as {role}: {response.status_code}, not the CSRF refusal")
        after = fingerprint(skip=frozenset(), roots=sweep_world.roots)
        transaction.set_rollback(True)
    assert problems == []
    assert changed(before, after) == []


def test_the_refusal_says_what_to_do(sweep_world: Sweep, csrf_clients: dict[str, Client], db):
    entry = cases_of("initiatives:comments")[0]
    response = _without_token(
        csrf_clients["member"], "initiatives:comments", entry, sweep_world.world
    )
    assert response.status_code == 403
    assert "ververs de pagina" in response.content.decode()


def test_the_same_post_with_a_valid_token_gets_through(
    sweep_world: Sweep, csrf_clients: dict[str, Client], db: Any
) -> None:
    """The control: a CSRF-checking client with the token from the form is let through."""
    client, w = csrf_clients["member"], sweep_world.world
    entry = cases_of("initiatives:comments")[0]
    page = client.get(reverse("initiatives:detail", kwargs=entry.kwargs(w)))
    token = page.context["csrf_token"]
    with transaction.atomic():
        before = Comment.objects.count()
        response = _post(
            client, "initiatives:comments", entry, w, data={"csrfmiddlewaretoken": token}
        )
        assert response.status_code == 302
        assert Comment.objects.count() == before + 1
        transaction.set_rollback(True)


def _views() -> Iterator[tuple[str, Any]]:
    def walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[tuple[str, Any]]:
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                ns = namespace
                if pattern.namespace:
                    ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern, route, ns)
            elif isinstance(pattern, URLPattern):
                name = pattern.name or route
                yield (f"{namespace}:{name}" if namespace else name), pattern.callback

    yield from walk(get_resolver(), "", "")


def test_only_the_token_endpoints_are_csrf_exempt():
    """Upload views move the check into the view (knowledge.uploads.keep_sent_file_names) and
    say so; the POST test above proves they still refuse. Nothing else is exempt, the Django
    admin and allauth's pages included."""
    exempt = {
        name
        for name, view in _views()
        if getattr(view, "csrf_exempt", False) and not getattr(view, "csrf_checked_in_view", False)
    }
    assert exempt == CSRF_EXEMPT
    checked_inside = {
        name for name, view in _views() if getattr(view, "csrf_checked_in_view", False)
    }
    assert checked_inside, "the upload views mark that they check CSRF themselves"
    assert checked_inside <= {name for name, _ in CASES}
