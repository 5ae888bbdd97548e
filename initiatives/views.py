from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from partners.http import AuthedHttpRequest

from . import selectors, services
from .forms import InitiativeFilterForm, InitiativeForm
from .models import Phase
from .permissions import can_create_initiative, can_edit_initiative

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


@require_GET
def initiative_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    initiative = selectors.initiative_get(user=request.user, pk=pk)
    participations = initiative.participations.select_related("organisation")
    return render(
        request,
        "initiatives/detail.html",
        {
            "initiative": initiative,
            "participations": participations,
            "can_edit": can_edit_initiative(request.user, initiative),
        },
    )


@require_http_methods(["GET", "POST"])
def initiative_create(request: AuthedHttpRequest) -> HttpResponse:
    if not can_create_initiative(request.user):
        raise Http404
    form = InitiativeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            initiative = services.initiative_create(
                actor=request.user,
                owner_organisation=data["owner_organisation"],
                title=data["title"],
                summary=data["summary"],
                phase=data["phase"],
                tlp=data["tlp"],
                lead=data["lead"],
                shared_with_organisations=data["shared_with_organisations"],
                shared_with_groups=data["shared_with_groups"],
                shared_with_people=data["shared_with_people"],
            )
        except PermissionDenied as exc:
            form.add_error("owner_organisation", str(exc))
        else:
            messages.success(request, _("Initiatief geplaatst."))
            if request.htmx:
                return HttpResponseClientRedirect(initiative.get_absolute_url())
            return redirect(initiative)
    template = "initiatives/form.html"
    if request.htmx:
        template += "#initiative-form"
    return render(request, template, {"form": form})


@require_GET
def werkgroep(request: AuthedHttpRequest) -> HttpResponse:
    if not getattr(request.user, "is_programme_manager", False):
        raise Http404
    grouped = selectors.initiatives_by_phase(user=request.user)
    phases = [{"label": label, "items": grouped.get(value, [])} for value, label in Phase.choices]
    return render(request, "initiatives/werkgroep.html", {"phases": phases})
