"""Stale contacts: the dashboard by organisation, and the one-click confirm link from the email."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from lmi_portal.core.querystring import query_id
from lmi_portal.core.ratelimit import limit_per_address
from partners.http import AuthedHttpRequest

from .. import selectors_stale as selectors
from ..models import ContactFlag
from ..services import stale as services

DASHBOARD_TEMPLATE = "network/stale/dashboard.html"
PAGE_SIZE = 100


@require_GET
@vary_on_headers("HX-Request")
def dashboard(request: AuthedHttpRequest) -> HttpResponse:
    scope = selectors.stale_scope_for(user=request.user)
    if scope is None:
        raise Http404
    organisation_id = query_id(request.GET.get("organisatie"))
    reason = request.GET.get("reden", "")
    if reason not in ContactFlag.Reason.values:
        reason = ""
    counts = selectors.stale_counts(scope=scope)
    flags = selectors.stale_flag_list(scope=scope, organisation_id=organisation_id, reason=reason)
    page = Paginator(flags, PAGE_SIZE).get_page(request.GET.get("page"))
    filter_query = request.GET.copy()
    filter_query.pop("page", None)
    context = {
        "counts": counts,
        "filter_query": filter_query,
        "page": page,
        "organisations": selectors.stale_filter_organisations(counts=counts),
        "reason_choices": ContactFlag.Reason.choices,
        "selected_organisation": organisation_id,
        "selected_reason": reason,
        "everything": scope.everything,
    }
    template = DASHBOARD_TEMPLATE + "#stale-results" if request.htmx else DASHBOARD_TEMPLATE
    return render(request, template, context)


def _problem(request: HttpRequest, problem: services.ConfirmLinkProblem) -> HttpResponse:
    return render(
        request,
        "network/stale/confirm_problem.html",
        {"problem": problem.value, "valid_days": services.CONFIRM_LINK_VALID_FOR.days},
        status=410,
    )


@login_not_required
@never_cache  # reached through a personal link; shows whom it is for
@require_http_methods(["GET", "POST"])
@limit_per_address("network-confirm-link")
def confirm_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET only shows the question (mail scanners follow links); the POST confirms."""
    try:
        if request.method == "POST":
            person = services.person_confirm_from_link(token=token)
            return render(request, "network/stale/confirm_done.html", {"person": person})
        person = services.person_for_confirm_link(token=token)
    except services.ConfirmLinkInvalid as exc:
        return _problem(request, exc.problem)
    return render(request, "network/stale/confirm.html", {"person": person})
