from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import run_checks
from .selectors import search_for_user


@login_not_required
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    ok, checks = run_checks()
    return JsonResponse(
        {"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503
    )


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    hits = search_for_user(user=request.user, query=query)
    return render(request, "core/search.html", {"query": query, "hits": hits})


@require_GET
def about(request: HttpRequest) -> HttpResponse:
    """What the portal is for and how the network uses it; a static page (also the bench's
    reference view)."""
    return render(request, "core/about.html")
