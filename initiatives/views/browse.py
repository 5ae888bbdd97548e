from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from partners.http import AuthedHttpRequest

from .. import selectors
from ..forms import InitiativeFilterForm
from ..permissions import can_create_initiative

PAGE_SIZE = 25


@require_GET
@vary_on_headers("HX-Request")
def initiative_list(request: AuthedHttpRequest) -> HttpResponse:
    form = InitiativeFilterForm(request.GET or None)
    phase = query = ""
    if form.is_valid():
        phase = form.cleaned_data["phase"]
        query = form.cleaned_data["q"]
    initiatives = selectors.initiative_list(user=request.user, phase=phase, query=query)
    page = Paginator(initiatives, PAGE_SIZE).get_page(request.GET.get("page"))
    filter_query = request.GET.copy()
    filter_query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "filter_query": filter_query,
        "can_create": can_create_initiative(request.user),
    }
    template = "initiatives/list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)
