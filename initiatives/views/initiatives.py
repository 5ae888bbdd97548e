"""Posting, editing and reading one initiative, its lifecycle, and the successes feed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from partners.http import AuthedHttpRequest

from ..forms import CloseForm, InitiativeForm, PhaseChangeForm
from ..models import Initiative, Phase
from ..permissions import can_create_initiative, can_edit_initiative, is_programme_manager
from ..selectors import initiatives as selectors
from ..selectors.follow import initiative_follow_context
from ..selectors.work import initiative_work_context
from ..services import initiatives as services
from ..services import lifecycle

PAGE_SIZE = 25
SUCCESSES_PAGE_SIZE = 10


def _done(request: AuthedHttpRequest, initiative: Initiative, message: str) -> HttpResponse:
    """After a valid POST: back to the initiative's page, by HX-Redirect for htmx."""
    messages.success(request, message)
    if request.htmx:
        return HttpResponseClientRedirect(initiative.get_absolute_url())
    return redirect(initiative)


def _add_service_errors(
    form: Form, exc: ValidationError, renamed: dict[str, str] | None = None
) -> None:
    """Show a service's ValidationError on the form's fields (or on top of the form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        name = (renamed or {}).get(field, field)
        form.add_error(name if name in form.fields else None, errors)


def _editable_or_404(request: AuthedHttpRequest, pk: int) -> Initiative:
    """The initiative if the user may see and edit it; anything else is a 404."""
    initiative = selectors.initiative_get(user=request.user, pk=pk)
    if not can_edit_initiative(request.user, initiative):
        raise Http404
    return initiative


@require_GET
def initiative_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    initiative = selectors.initiative_get(user=user, pk=pk)
    prefetch_related_objects([initiative], "themes", "systems")
    can_edit = can_edit_initiative(user, initiative)
    context: dict[str, Any] = {
        **initiative_work_context(user=user, initiative=initiative),
        **initiative_follow_context(user=user, initiative=initiative),
    }
    context.update(
        initiative=initiative,
        can_edit=can_edit,
        can_change_phase=can_edit,
        can_close=can_edit and initiative.phase != Phase.EMBEDDED,
        can_open_pulse=is_programme_manager(user),
        phase_choices=(
            [(p, Phase(p).label) for p in lifecycle.phase_change_targets(initiative)]
            if can_edit
            else []
        ),
        single_person_risk=selectors.initiative_single_person_risk(
            initiative, context["participations"]
        ),
        phase_changes=selectors.initiative_timeline(initiative=initiative),
        related_sections=selectors.initiative_related_sections(user=user, initiative=initiative),
    )
    return render(request, "initiatives/detail.html", context)


@require_http_methods(["GET", "POST"])
def initiative_create(request: AuthedHttpRequest) -> HttpResponse:
    if not can_create_initiative(request.user):
        raise Http404
    form = InitiativeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            initiative = services.initiative_create(actor=request.user, **form.service_kwargs())
        except PermissionDenied as exc:
            form.add_error("owner_organisation", str(exc))
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            return _done(request, initiative, _("Initiatief geplaatst."))
    template = "initiatives/form.html"
    if request.htmx:
        template += "#initiative-form"
    return render(request, template, {"form": form, "initiative": None})


@require_http_methods(["GET", "POST"])
def initiative_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    initiative = _editable_or_404(request, pk)
    form = InitiativeForm(request.POST or None, user=request.user, initiative=initiative)
    if request.method == "POST" and form.is_valid():
        try:
            services.initiative_update(
                actor=request.user, initiative=initiative, **form.service_kwargs()
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            return _done(request, initiative, _("Wijzigingen opgeslagen."))
    template = "initiatives/form.html"
    if request.htmx:
        template += "#initiative-form"
    return render(request, template, {"form": form, "initiative": initiative})


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def initiative_phase(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The phase form: a page of its own, or (htmx) loaded inline on the initiative's page."""
    initiative = _editable_or_404(request, pk)
    form = PhaseChangeForm(request.POST or None, initiative=initiative)
    if request.method == "POST" and form.is_valid():
        try:
            change = lifecycle.initiative_phase_change(
                actor=request.user,
                initiative=initiative,
                to_phase=form.cleaned_data["to_phase"],
                reason=form.cleaned_data["reason"],
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            return _done(
                request,
                initiative,
                _("De fase is gewijzigd naar %(phase)s.") % {"phase": Phase(change.to_phase).label},
            )
    template = "initiatives/phase_form.html"
    if request.htmx:
        template += "#phase-form"
    return render(request, template, {"form": form, "initiative": initiative})


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def initiative_close(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Closing as Geborgd: a page of its own, or (htmx) loaded inline on the initiative's page."""
    initiative = _editable_or_404(request, pk)
    if initiative.phase == Phase.EMBEDDED:
        messages.info(request, _("Dit initiatief is al afgesloten als geborgd."))
        return redirect(initiative)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lifecycle.initiative_close(
                actor=request.user,
                initiative=initiative,
                result=form.cleaned_data["result"],
                lessons=form.lessons,
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            _add_service_errors(form, exc, renamed={"lessons": "lesson_1"})
        else:
            return _done(request, initiative, _("Het initiatief is afgesloten als geborgd."))
    template = "initiatives/close_form.html"
    if request.htmx:
        template += "#close-form"
    return render(request, template, {"form": form, "initiative": initiative})


@require_GET
@vary_on_headers("HX-Request")
def initiative_successes(request: AuthedHttpRequest) -> HttpResponse:
    initiatives = selectors.initiative_successes(user=request.user)
    page = Paginator(initiatives, SUCCESSES_PAGE_SIZE).get_page(request.GET.get("page"))
    template = "initiatives/successes.html"
    if request.htmx and not request.htmx.boosted:
        template += "#successes"
    return render(request, template, {"page": page})
