from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from partners.http import AuthedHttpRequest

from .. import services
from ..forms import InitiativeForm
from ..models import Phase
from ..permissions import can_create_initiative, can_edit_initiative
from ..selectors import initiatives as selectors

PAGE_SIZE = 25


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
