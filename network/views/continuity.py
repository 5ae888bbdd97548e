"""Continuity analysis pages (programme managers and organisation admins) and the network map
(every active member). Who may not see a page gets a 404, as if it did not exist."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRefresh

from lmi_portal.core.models import System, Theme
from lmi_portal.core.querystring import query_id
from partners.access import can_view_people
from partners.http import AuthedHttpRequest
from partners.models import Organisation

from ..models import ContinuityRun, Person
from ..services import continuity as services

CONTINUITY_TEMPLATE = "network/continuity/index.html"
MAP_TEMPLATE = "network/continuity/map.html"


def _require_continuity_access(request: AuthedHttpRequest) -> None:
    if not services.continuity_can_view(request.user):
        raise Http404


def _int_param(request: AuthedHttpRequest, name: str) -> int | None:
    return query_id(request.GET.get(name))


def _what_if(request: AuthedHttpRequest) -> services.WhatIf | None:
    pk = _int_param(request, "persoon")
    if pk is None:
        return None
    person = Person.objects.filter(pk=pk, anonymised_at__isnull=True).first()
    if person is None:
        raise Http404
    return services.what_if_person_leaves(person=person)


@require_GET
@vary_on_headers("HX-Request")
def continuity(request: AuthedHttpRequest) -> HttpResponse:
    _require_continuity_access(request)
    what_if = _what_if(request)
    if request.htmx and request.htmx.target == "what-if":
        return render(request, CONTINUITY_TEMPLATE + "#what-if", {"what_if": what_if})
    latest = services.continuity_run_latest_done()
    context: dict[str, Any] = {
        "report": services.continuity_report(run=latest) if latest else None,
        "running": services.continuity_run_current(),
        "what_if": what_if,
        "candidates": services.what_if_candidates(run=latest),
        "trend": services.snapshot_trend(),
    }
    return render(request, CONTINUITY_TEMPLATE, context)


@require_POST
def continuity_run_start(request: AuthedHttpRequest) -> HttpResponse:
    _require_continuity_access(request)
    run = services.continuity_run_start(actor=request.user)
    if request.htmx:
        run.refresh_from_db()
        return _run_status_response(request, run)
    return redirect("network:continuity")


@require_GET
def continuity_run_status(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The progress fragment that htmx polls while a run is busy."""
    _require_continuity_access(request)
    run = ContinuityRun.objects.filter(pk=pk).first()
    if run is None:
        raise Http404
    return _run_status_response(request, run)


def _run_status_response(request: AuthedHttpRequest, run: ContinuityRun) -> HttpResponse:
    if request.htmx and run.status == ContinuityRun.Status.DONE:
        return HttpResponseClientRefresh()  # show the new result on the whole page
    return render(request, CONTINUITY_TEMPLATE + "#run-status", {"running": run})


# --- The network map -----------------------------------------------------------------------------


def _map_filters(request: AuthedHttpRequest) -> services.MapFilters:
    level = "persoon" if request.GET.get("niveau") == "persoon" else "organisatie"
    return services.MapFilters(
        level=level,
        organisation_id=_int_param(request, "organisatie"),
        theme_id=_int_param(request, "thema"),
        system_id=_int_param(request, "systeem"),
    )


@require_GET
def network_map(request: AuthedHttpRequest) -> HttpResponse:
    if not can_view_people(request.user):
        raise Http404
    filters = _map_filters(request)
    data = services.network_map_data(user=request.user, filters=filters)
    names = {node["id"]: node["label"] for node in data["nodes"]}
    edges = [
        {**edge, "source_label": names[edge["source"]], "target_label": names[edge["target"]]}
        for edge in data["edges"]
    ]
    context = {
        "filters": filters,
        "data": data,
        "edges": edges,
        "spof_nodes": sum(1 for node in data["nodes"] if node["spof"]),
        "spof_edges": sum(1 for edge in data["edges"] if edge["spof"]),
        "data_url": f"{reverse('network:map_data')}?{filters.query()}",
        "organisations": Organisation.objects.filter(status=Organisation.Status.ACTIVE)
        .order_by("name")
        .only("pk", "name", "short_name"),
        "themes": Theme.objects.all(),
        "systems": System.objects.all(),
    }
    return render(request, MAP_TEMPLATE, context)


@require_GET
def network_map_data(request: AuthedHttpRequest) -> JsonResponse:
    if not can_view_people(request.user):
        raise Http404
    data = services.network_map_data(user=request.user, filters=_map_filters(request))
    return JsonResponse(data)
