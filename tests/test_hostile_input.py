"""Hostile input: property-based tests (hypothesis) on every page's query parameters and on
the portal's main forms, over the access sweep's world (tests/access_sweep_world.py); the
tables and checks are in tests/hostile_input_cases.py.

Query parameters (filters, sort, page, search, format, and names no page knows): whatever
arrives, never a server error, and what the page shows back of it is escaped.

Forms (script tags, event handlers, ``javascript:`` links in Markdown, template syntax,
spreadsheet formulas, NUL bytes, 10,000 characters, nothing at all), posted by a role that may
use them:

* the answer is never a server error;
* either it saves, and every page that shows the text shows it inert (no raw markup, no
  ``href="javascript:``), or nothing at all is written and the answer says why (the form's
  error next to the field, or an error message);
* a save never comes with a form error (no partial save).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from . import test_access_sweep
from .access_sweep_world import World
from .hostile_input_cases import (
    ERROR_MARKS,
    EXTRA_ASKS,
    FORMS,
    MIXED,
    PAGES,
    SCRIPT,
    UNKNOWN,
    WORST,
    FormCase,
    GetFormNames,
    form_errors,
    hostile_text,
    inert_problems,
    values,
)
from .test_access_sweep import (
    Sweep,
    body_of,
    cases_of,
    changed,
    fingerprint,
)

# The access sweep's world, built once for this module.
sweep_world = test_access_sweep.sweep_world

# --- Query parameters ---------------------------------------------------------------------


def _asks() -> list[Any]:
    asks = [(name, role, params) for name, (role, params) in PAGES.items()] + EXTRA_ASKS
    return [pytest.param(*ask, id=f"{ask[0]}-{ask[1]}") for ask in asks]


def _url(name: str, sweep: Sweep) -> str:
    return reverse(name, kwargs=cases_of(name)[0].kwargs(sweep.world))


def _problems(response: Any, params: dict[str, Any]) -> list[str]:
    if isinstance(response, Exception):
        return [f"{type(response).__name__}: {response} for {_short(params)}"]
    if response.status_code >= 500:
        return [f"{response.status_code} for {_short(params)}"]
    return [f"{p} for {_short(params)}" for p in inert_problems(response, "page")]


def _ask(sweep: Sweep, role: str, url: str, params: dict[str, Any], htmx: bool) -> Any:
    headers = {"HX-Request": "true"} if htmx else {}
    try:
        with transaction.atomic():  # a page that remembers a visit must not change the world
            response = sweep.clients[role].get(url, params, headers=headers)
            transaction.set_rollback(True)
    except Exception as exc:  # the test client re-raises what would have been a 500
        return exc
    return response


def _short(params: dict[str, Any]) -> str:
    """Parameters or form fields, cut short for a failure message."""
    return repr({k: (v[:50] if isinstance(v, str) else v) for k, v in params.items()})[:400]


_IN_FORMS: dict[tuple[str, str], set[str]] = {}


def _known(name: str, role: str, params: tuple[str, ...], sweep: Sweep) -> list[str]:
    """The page's parameters, those in its own GET forms and one nobody knows."""
    if (name, role) not in _IN_FORMS:
        response = sweep.clients[role].get(_url(name, sweep))
        assert response.status_code < 400, f"{name} as {role}: {response.status_code}"
        parser = GetFormNames()
        if response.get("Content-Type", "").startswith("text/html"):
            parser.feed(body_of(response))
        _IN_FORMS[name, role] = parser.names - {"csrfmiddlewaretoken"}
    return sorted(_IN_FORMS[name, role] | set(params) | {UNKNOWN})


@pytest.mark.parametrize(("name", "role", "params"), _asks())
def test_every_nasty_value_in_every_parameter_at_once(name, role, params, sweep_world, db):
    """The worst values, each in all of the page's parameters together."""
    url = _url(name, sweep_world)
    names = _known(name, role, params, sweep_world)
    problems: list[str] = []
    for number, value in enumerate(WORST):
        query = {n: (["1", value] if number % 2 else value) for n in names}
        problems += _problems(_ask(sweep_world, role, url, query, htmx=False), query)
    assert problems == []


@pytest.mark.parametrize(("name", "role", "params"), _asks())
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), htmx=st.booleans())
def test_random_parameters_never_break_a_page(name, role, params, sweep_world, db, data, htmx):
    url = _url(name, sweep_world)
    names = _known(name, role, params, sweep_world)
    query = data.draw(st.dictionaries(st.sampled_from(names), values, max_size=len(names)))
    assert _problems(_ask(sweep_world, role, url, query, htmx), query) == []


def test_the_filter_names_are_read_from_the_pages_own_forms(sweep_world, db):
    """The filters are found (a page whose parameters were missed would prove nothing)."""
    names = _known("initiatives:list", "member", (), sweep_world)
    assert {"phase", "theme", "sort", "q"} <= set(names)
    names = _known("knowledge:index", "member", (), sweep_world)
    assert {"kind", "show", "sort"} <= set(names)


# --- Forms --------------------------------------------------------------------------------


def _ids() -> list[Any]:
    seen: dict[str, int] = {}
    params = []
    for case in FORMS:
        seen[case.name] = seen.get(case.name, 0) + 1
        suffix = f"-{seen[case.name]}" if seen[case.name] > 1 else ""
        params.append(pytest.param(case, id=case.name + suffix))
    return params


def _form_url(case: FormCase, w: World) -> str:
    kwargs = (case.kwargs or cases_of(case.name)[0].kwargs)(w)
    url = reverse(case.name, kwargs=kwargs)
    return f"{url}?{urlencode(case.query(w))}" if case.query else url


def _client(case: FormCase, sweep: Sweep) -> Client:
    # A fresh client for anyone signing up: accepting an invitation signs the client in.
    return Client() if case.role == "anonymous" else sweep.clients[case.role]


def _says_why(response: Any, client: Client) -> bool:
    """The refusal explains itself: a form error on the page, or an error message."""
    body = body_of(response)
    if response.status_code in (301, 302, 303):
        body = body_of(client.get(response["Location"]))
        return any(m in body for m in ERROR_MARKS)
    errors = form_errors(response)
    return any(escape(e) in body for e in errors) or any(m in body for m in ERROR_MARKS)


_BEFORE: dict[tuple[int, int], dict[str, str]] = {}


def _before(case: FormCase, sweep: Sweep) -> dict[str, str]:
    """The world before a post: the same for every post of a case, as each is rolled back
    (and so is every test), unless the case sets something up first."""
    key = (id(sweep), id(case))
    if case.setup is not None or key not in _BEFORE:
        _BEFORE[key] = fingerprint(skip=frozenset(), roots=sweep.roots)
    return _BEFORE[key]


def post_form(
    case: FormCase, sweep: Sweep, changes: dict[str, Any], shown: list[str] | None = None
) -> tuple[list[str], bool]:
    """Post the case's body with ``changes``; the problems found, and whether it saved.
    The pages looked at after a save are added to ``shown``."""
    w = sweep.world
    client = _client(case, sweep)
    cache.clear()  # the invitation page is rate-limited per address
    problems: list[str] = []
    with transaction.atomic():
        if case.setup:
            case.setup(w)
        before = _before(case, sweep)
        body = {**case.data(w), **changes}
        try:
            response = client.post(_form_url(case, w), body)
        except Exception as exc:  # the test client re-raises what would have been a 500
            transaction.set_rollback(True)
            return [f"{type(exc).__name__}: {exc}"], False
        after = fingerprint(skip=frozenset(), roots=sweep.roots)
        saved = after != before
        status = response.status_code
        if status == 404 and not saved and set(changes) & set(case.not_found):
            pass
        elif status >= 500 or status in (403, 404, 405):
            problems.append(f"answered {status}")
        elif saved:
            if form_errors(response):
                problems.append(
                    f"saved {', '.join(changed(before, after))} and yet shows a form error"
                )
            problems += inert_problems(response, "answer", shown)
            if status in (301, 302, 303):
                location = response["Location"]
                problems += inert_problems(client.get(location), location, shown)
            for page in case.shows:
                name, kwargs, *reader = page(w)
                viewer = sweep.clients[reader[0]] if reader else client
                problems += inert_problems(viewer.get(reverse(name, kwargs=kwargs)), name, shown)
        else:
            problems += inert_problems(response, "answer")
            if not _says_why(response, client):
                problems.append(f"answered {status}, wrote nothing and said nothing")
        transaction.set_rollback(True)
    return [f"{p} for {_short(changes)}" for p in problems], saved


@pytest.mark.parametrize("case", _ids())
def test_markup_in_every_text_field_saves_and_shows_as_text(case, sweep_world, db):
    """Every text field at once holds script, an image with a handler, a ``javascript:``
    Markdown link, template syntax and a formula: the form saves it (so the test can tell a
    save from a refusal), and the pages that show it show it as text."""
    shown: list[str] = []
    changes = dict.fromkeys(case.text, MIXED)
    problems, saved = post_form(case, sweep_world, changes, shown)
    assert problems == []
    assert saved, f"{case.name}: the body in the table does not save"
    if case.text:
        assert any(escape(SCRIPT) in page for page in shown), f"{case.name}: not shown"


@pytest.mark.parametrize("case", _ids())
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_hostile_values_save_cleanly_or_are_refused_with_a_reason(case, sweep_world, db, data):
    fields = st.sampled_from(case.text + case.choices)
    changes = data.draw(st.dictionaries(fields, hostile_text, min_size=1, max_size=3))
    problems, _saved = post_form(case, sweep_world, changes)
    assert problems == []


# A required text field per form: a NUL byte or only whitespace there must save nothing.
REQUIRED_TEXT = {
    "initiatives:create": "title",
    "initiatives:comments": "body",
    "initiatives:agenda_add": "title",
    "knowledge:create": "title",
    "network:person_create": "first_name",
    "partners:beheer_sharing_group_create": "name",
}


@pytest.mark.parametrize(
    ("case", "value"),
    [
        pytest.param(case, value, id=f"{case.name}-{label}")
        for case in FORMS
        if case.name in REQUIRED_TEXT and case.text[0] == REQUIRED_TEXT[case.name]
        for label, value in (("nul", "a\x00b"), ("blank", " \t\r\n"))
    ],
)
def test_nul_bytes_and_blank_text_are_refused_with_nothing_written(case, value, sweep_world, db):
    problems, saved = post_form(case, sweep_world, {case.text[0]: value})
    assert problems == []
    assert not saved
