from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import run_checks
from .search import MAX_QUERY_LENGTH
from .selectors import SearchResults, search_for_user

# The results page passes other parameters on to the providers as options (e.g. a knowledge
# kind); these bounds keep odd URLs harmless.
SEARCH_OPTIONS_MAX = 10
SEARCH_OPTION_NAME_MAX = 30
SEARCH_OPTION_VALUE_MAX = 60
LIVE_MIN_LENGTH = 2
LIVE_PER_GROUP = 3


@login_not_required
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    ok, checks = run_checks()
    return JsonResponse(
        {"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503
    )


def _query(request: HttpRequest) -> str:
    return request.GET.get("q", "")[:MAX_QUERY_LENGTH].strip()


def _options(request: HttpRequest) -> dict[str, str]:
    options: dict[str, str] = {}
    for name in request.GET:
        if name in ("q", "type", "page") or len(name) > SEARCH_OPTION_NAME_MAX:
            continue
        options[name] = request.GET.get(name, "")[:SEARCH_OPTION_VALUE_MAX]
        if len(options) == SEARCH_OPTIONS_MAX:
            break
    return options


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    # isascii: "²" is a digit to isdigit() and no number to int().
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else 1


def _link(**params: str) -> str:
    query = QueryDict(mutable=True)
    for name, value in params.items():
        if value:
            query[name] = value
    return "?" + query.urlencode()


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """The results page: every type with its count, or one type a page at a time."""
    query = _query(request)
    options = _options(request)
    results = search_for_user(
        user=request.user,
        query=query,
        group=request.GET.get("type", ""),
        page=_page_number(request),
        options=options,
    )
    context: dict[str, Any] = {"query": query, "results": results, "options": options}
    if results.terms:
        context.update(_navigation(query, options, results))
    return render(request, "core/search.html", context)


def _navigation(query: str, options: dict[str, str], results: SearchResults) -> dict[str, Any]:
    """Links for the type tabs, "show all" per type and the pages of the selected type."""
    tabs = [
        {
            "key": "",
            "label": None,
            "total": results.total_label,
            "url": _link(q=query, **options),
        },
        *(
            {
                "key": group.key,
                "label": group.label,
                "total": group.total_label,
                "url": _link(q=query, type=group.key, **options),
            }
            for group in results.groups
        ),
    ]
    context: dict[str, Any] = {"tabs": tabs}
    selected = results.selected
    if selected is not None and selected.total:
        context["page"] = Paginator(range(selected.total), results.per_page).get_page(results.page)
        filter_query = QueryDict(mutable=True)
        filter_query.update({"q": query, "type": selected.key, **options})
        context["filter_query"] = filter_query
    return context


@never_cache
@require_GET
def search_live(request: HttpRequest) -> HttpResponse:
    """The header box's live results (an htmx fragment): the best few of every type."""
    query = _query(request)
    results = None
    if len(query) >= LIVE_MIN_LENGTH:
        results = search_for_user(
            user=request.user, query=query, per_group=LIVE_PER_GROUP, snippets=False
        )
        if not results.terms:
            results = None
    return render(request, "core/_search_live.html", {"query": query, "results": results})


@require_GET
def about(request: HttpRequest) -> HttpResponse:
    """What the portal is for and how the network uses it; a static page (also the bench's
    reference view)."""
    return render(request, "core/about.html")
