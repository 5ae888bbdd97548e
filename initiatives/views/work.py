"""Obstacles and actions on an initiative's page, and the helpers the participants and
comments views share: every section is one partial that htmx swaps, and that a browser
without JavaScript gets as a page of its own.

Every view first loads the initiative through ``initiative_get`` (404 when the user may not
see it) and then the sub-object within that initiative (404 otherwise).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from partners.http import AuthedHttpRequest

from ..forms_work import ActionForm, ActionStatusForm, ObstacleForm, ObstacleUpdateForm
from ..models import ActionItem, Initiative, Obstacle
from ..permissions import can_contribute, can_edit_initiative
from ..selectors import initiative_get
from ..selectors.work import initiative_owner_choices, initiative_work_context
from ..services import work as services

SECTION_TEMPLATES = {
    "participants": "initiatives/partials/_participants.html",
    "obstacles": "initiatives/partials/_obstacles.html",
    "actions": "initiatives/partials/_actions.html",
    "comments": "initiatives/partials/_comments.html",
}
WORK_PAGE = "initiatives/partials/_work_page.html"


def render_section(
    request: AuthedHttpRequest,
    initiative: Initiative,
    section: str,
    *,
    forms: Mapping[str, Any] | None = None,
    notice: str = "",
    error: str = "",
) -> HttpResponse:
    """The section as an htmx fragment, or as a page of its own without JavaScript. Also
    what an invalid form gets (status 200, the input kept)."""
    context = initiative_work_context(user=request.user, initiative=initiative, forms=forms)
    context.update(
        initiative=initiative,
        can_edit=can_edit_initiative(request.user, initiative),
        work_notice=notice,
        work_error=error,
        section_template=SECTION_TEMPLATES[section],
    )
    fragment = request.htmx and not request.htmx.boosted
    return render(request, SECTION_TEMPLATES[section] if fragment else WORK_PAGE, context)


def section_saved(
    request: AuthedHttpRequest, initiative: Initiative, section: str, notice: str
) -> HttpResponse:
    """After a valid POST: htmx gets the refreshed section, a plain form the page again."""
    if request.htmx:
        return render_section(request, initiative, section, notice=notice)
    messages.success(request, notice)
    return redirect(f"{initiative.get_absolute_url()}#{section}")


def section_refused(
    request: AuthedHttpRequest, initiative: Initiative, section: str, exc: ValidationError
) -> HttpResponse:
    """A service said no (not a form error): show why in the section, change nothing."""
    return render_section(request, initiative, section, error=" ".join(exc.messages))


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (or on the form itself)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def section_submit(
    request: AuthedHttpRequest,
    initiative: Initiative,
    section: str,
    *,
    form: forms.BaseForm,
    form_key: str,
    write: Callable[[dict[str, Any]], object],
    notice: str,
) -> HttpResponse:
    """Validate ``form`` and hand its data to ``write`` (a service call). A service refusal
    lands on the form; an invalid form re-renders the section with the input kept."""
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return section_saved(request, initiative, section, notice)
    return render_section(request, initiative, section, forms={form_key: form})


def _contributable(request: AuthedHttpRequest, pk: int) -> Initiative:
    """The initiative, if the user may see it and raise obstacles and actions; else 404."""
    initiative = initiative_get(user=request.user, pk=pk)
    if not can_contribute(request.user, initiative):
        raise Http404
    return initiative


def section_view(request: AuthedHttpRequest, pk: int, section: str) -> HttpResponse:
    return render_section(request, initiative_get(user=request.user, pk=pk), section)


# --- Obstacles ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def obstacles(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """GET: the obstacles section. POST: raise a new obstacle."""
    if request.method != "POST":
        return section_view(request, pk, "obstacles")
    initiative = _contributable(request, pk)
    form = ObstacleForm(
        request.POST,
        owners=initiative_owner_choices(initiative=initiative),
        id_prefix="new-obstacle",
    )
    return section_submit(
        request,
        initiative,
        "obstacles",
        form=form,
        form_key="obstacle_form",
        write=lambda data: services.obstacle_create(
            actor=request.user,
            initiative=initiative,
            title=data["title"],
            category=data["category"],
            description=data["description"],
            owner=data["owner"],
        ),
        notice=_("Belemmering gemeld."),
    )


@require_POST
def obstacle_update(request: AuthedHttpRequest, pk: int, obstacle_pk: int) -> HttpResponse:
    initiative = _contributable(request, pk)
    obstacle = get_object_or_404(Obstacle, initiative=initiative, pk=obstacle_pk)
    form = ObstacleUpdateForm(
        request.POST,
        owners=initiative_owner_choices(initiative=initiative),
        id_prefix=f"obstacle-{obstacle.pk}",
    )
    return section_submit(
        request,
        initiative,
        "obstacles",
        form=form,
        form_key=f"obstacle:{obstacle.pk}",
        write=lambda data: services.obstacle_update(
            actor=request.user,
            obstacle=obstacle,
            status=data["status"],
            category=data["category"],
            owner=data["owner"],
        ),
        notice=_("Belemmering bijgewerkt."),
    )


@require_POST
def obstacle_escalate(request: AuthedHttpRequest, pk: int, obstacle_pk: int) -> HttpResponse:
    initiative = _contributable(request, pk)
    obstacle = get_object_or_404(Obstacle, initiative=initiative, pk=obstacle_pk)
    try:
        services.obstacle_escalate(actor=request.user, obstacle=obstacle)
    except ValidationError as exc:
        return section_refused(request, initiative, "obstacles", exc)
    return section_saved(
        request,
        initiative,
        "obstacles",
        _("“%(title)s” staat op de lijst voor de werkgroep.") % {"title": obstacle.title},
    )


# --- Actions ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def actions(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """GET: the actions section. POST: add an action."""
    if request.method != "POST":
        return section_view(request, pk, "actions")
    initiative = _contributable(request, pk)
    form = ActionForm(
        request.POST,
        owners=initiative_owner_choices(initiative=initiative),
        id_prefix="new-action",
    )
    return section_submit(
        request,
        initiative,
        "actions",
        form=form,
        form_key="action_form",
        write=lambda data: services.action_create(
            actor=request.user,
            initiative=initiative,
            title=data["title"],
            owner=data["owner"],
            due_date=data["due_date"],
        ),
        notice=_("Actie toegevoegd."),
    )


@require_POST
def action_update(request: AuthedHttpRequest, pk: int, action_pk: int) -> HttpResponse:
    initiative = _contributable(request, pk)
    action = get_object_or_404(ActionItem, initiative=initiative, pk=action_pk)
    form = ActionForm(
        request.POST,
        owners=initiative_owner_choices(initiative=initiative),
        id_prefix=f"action-{action.pk}",
    )
    return section_submit(
        request,
        initiative,
        "actions",
        form=form,
        form_key=f"action:{action.pk}",
        write=lambda data: services.action_update(
            actor=request.user,
            action=action,
            title=data["title"],
            owner=data["owner"],
            due_date=data["due_date"],
        ),
        notice=_("Actie bijgewerkt."),
    )


@require_POST
def action_status(request: AuthedHttpRequest, pk: int, action_pk: int) -> HttpResponse:
    initiative = _contributable(request, pk)
    action = get_object_or_404(ActionItem, initiative=initiative, pk=action_pk)
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        return render_section(
            request,
            initiative,
            "actions",
            error=" ".join(str(e) for e in form.errors.get("status", [])),
        )
    try:
        services.action_set_status(
            actor=request.user, action=action, status=form.cleaned_data["status"]
        )
    except ValidationError as exc:
        return section_refused(request, initiative, "actions", exc)
    notices = {
        ActionItem.Status.DONE: _("“%(title)s” is afgerond."),
        ActionItem.Status.CANCELLED: _("“%(title)s” is vervallen."),
        ActionItem.Status.OPEN: _("“%(title)s” staat weer open."),
    }
    notice = notices[ActionItem.Status(action.status)] % {"title": action.title}
    return section_saved(request, initiative, "actions", notice)
