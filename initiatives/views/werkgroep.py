"""Werkgroep meetings and their agenda.

Every view loads the meeting (or the agenda item's meeting) through ``meeting_get``: 404 when
the user may not see it. Programme-manager-only actions are a 404 too for everyone else, and
a published meeting answers changes with 409. The agenda is one partial (``#agenda``) that htmx
swaps after each change; without JavaScript every form posts and the page comes back.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from partners.access import visible_queryset
from partners.http import AuthedHttpRequest

from ..forms_werkgroep import AgendaItemForm, MeetingForm
from ..models import AgendaItem, Initiative, Meeting
from ..selectors.meetings import (
    agenda_item_get,
    agenda_items,
    agenda_plan,
    can_create_meeting,
    can_manage_meeting,
    can_propose,
    initiative_choices,
    meeting_get,
    meeting_list,
)
from ..services import agenda as agenda_services
from ..services import meetings as meeting_services
from ..services.meetings import MeetingLocked
from .minutes import minutes_context
from .work import add_service_errors

DETAIL = "initiatives/werkgroep/meeting_detail.html"
FORM = "initiatives/werkgroep/meeting_form.html"
ITEM_FORM = "initiatives/werkgroep/agenda_item_form.html"


def _initiative_options(*, user: Any) -> list[Initiative]:
    return list(initiative_choices(user=user))


def _fragment(request: AuthedHttpRequest) -> bool:
    return bool(request.htmx and not request.htmx.boosted)


def _locked_response(request: AuthedHttpRequest, meeting: Meeting) -> HttpResponse:
    """409: the minutes are published; say so, and show the (unchanged) agenda."""
    message = _("Het verslag is gepubliceerd; de agenda kan niet meer wijzigen.")
    if _fragment(request):
        response = render(
            request, f"{DETAIL}#agenda", _detail_context(request, meeting, error=message)
        )
    else:
        response = render(request, DETAIL, _detail_context(request, meeting, error=message))
    response.status_code = 409
    return response


def _managed(request: AuthedHttpRequest, pk: int) -> Meeting:
    """The meeting, if the user may see it and runs it; otherwise 404."""
    meeting = meeting_get(user=request.user, pk=pk)
    if not can_manage_meeting(request.user, meeting):
        raise Http404
    return meeting


def _managed_item(request: AuthedHttpRequest, item_pk: int) -> AgendaItem:
    item = agenda_item_get(user=request.user, pk=item_pk)
    if not can_manage_meeting(request.user, item.meeting):
        raise Http404
    return item


def _detail_context(
    request: AuthedHttpRequest,
    meeting: Meeting,
    *,
    add_form: AgendaItemForm | None = None,
    notice: str = "",
    error: str = "",
) -> dict[str, Any]:
    user = request.user
    items = agenda_items(meeting=meeting)
    manage = can_manage_meeting(user, meeting)
    propose = can_propose(user, meeting)
    if add_form is None and propose:
        add_form = AgendaItemForm(initiatives=_initiative_options(user=user), manage=manage)
    linked = {i.initiative_id for i in items if i.initiative_id}
    visible_initiatives = (
        set(
            visible_queryset(user, Initiative.objects.filter(pk__in=linked)).values_list(
                "pk", flat=True
            )
        )
        if linked
        else set()
    )
    return {
        # The minutes part's context: can_edit_minutes, owner options, publish and print.
        **minutes_context(user=user, meeting=meeting),
        "meeting": meeting,
        "plan": agenda_plan(meeting=meeting, items=items),
        "attending_organisations": list(meeting.attending_organisations.order_by("name")),
        "attendees": list(meeting.attendees.order_by("first_name", "last_name", "email")),
        "can_manage": manage and not meeting.is_locked,
        "is_manager": manage,
        "can_propose": propose,
        "add_form": add_form,
        "visible_initiatives": visible_initiatives,
        "agenda_notice": notice,
        "agenda_error": error,
        "next_meeting": Meeting.objects.filter(previous=meeting).first(),
    }


def _agenda_saved(request: AuthedHttpRequest, meeting: Meeting, notice: str) -> HttpResponse:
    if _fragment(request):
        return render(request, f"{DETAIL}#agenda", _detail_context(request, meeting, notice=notice))
    messages.success(request, notice)
    return redirect(f"{meeting.get_absolute_url()}#agenda")


def _agenda_refused(
    request: AuthedHttpRequest, meeting: Meeting, exc: ValidationError
) -> HttpResponse:
    message = " ".join(exc.messages)
    if _fragment(request):
        return render(request, f"{DETAIL}#agenda", _detail_context(request, meeting, error=message))
    messages.error(request, message)
    return redirect(f"{meeting.get_absolute_url()}#agenda")


# --- Meetings -------------------------------------------------------------------------------


def meetings(request: AuthedHttpRequest) -> HttpResponse:
    """Upcoming and past meetings the user may see."""
    upcoming, past = meeting_list(user=request.user)
    return render(
        request,
        "initiatives/werkgroep/meeting_list.html",
        {
            "upcoming": upcoming,
            "past": past,
            "can_create": can_create_meeting(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_create(request: AuthedHttpRequest) -> HttpResponse:
    if not can_create_meeting(request.user):
        raise Http404
    form = MeetingForm(request.POST or None, initial={"tlp": "amber"})
    if request.method == "POST" and form.is_valid():
        try:
            meeting = meeting_services.meeting_create(actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("De bijeenkomst is gepland."))
            return redirect(meeting.get_absolute_url())
    return render(request, FORM, {"form": form, "meeting": None})


@require_http_methods(["GET", "POST"])
def meeting_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    meeting = _managed(request, pk)
    if meeting.is_locked:
        return _locked_response(request, meeting)
    form = MeetingForm(request.POST or None, initial=MeetingForm.initial_for(meeting))
    if request.method == "POST" and form.is_valid():
        try:
            meeting_services.meeting_update(
                actor=request.user, meeting=meeting, **form.service_kwargs()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except MeetingLocked:
            return _locked_response(request, meeting)
        else:
            messages.success(request, _("De bijeenkomst is bijgewerkt."))
            return redirect(meeting.get_absolute_url())
    return render(request, FORM, {"form": form, "meeting": meeting})


@vary_on_headers("HX-Request")
def meeting_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_get(user=request.user, pk=pk)
    context = _detail_context(request, meeting)
    return render(request, f"{DETAIL}#agenda" if _fragment(request) else DETAIL, context)


@require_POST
def meeting_next(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Create (or open, when it exists) the meeting after this one."""
    meeting = _managed(request, pk)
    nxt = meeting_services.meeting_next(actor=request.user, meeting=meeting)
    messages.success(request, _("De volgende bijeenkomst staat klaar."))
    if request.htmx:
        return HttpResponseClientRedirect(nxt.get_absolute_url())
    return redirect(nxt.get_absolute_url())


# --- Agenda ---------------------------------------------------------------------------------


@require_POST
def agenda_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Programme managers add an item; attending partners propose one with the same form."""
    meeting = meeting_get(user=request.user, pk=pk)
    manage = can_manage_meeting(request.user, meeting)
    if meeting.is_locked:
        return _locked_response(request, meeting)
    if not can_propose(request.user, meeting):
        raise Http404
    form = AgendaItemForm(
        request.POST, initiatives=_initiative_options(user=request.user), manage=manage
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            item = agenda_services.agenda_item_add(
                actor=request.user,
                meeting=meeting,
                title=data["title"],
                initiative=data["initiative"],
                description=data["description"],
                timebox_minutes=data.get("timebox_minutes"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except MeetingLocked:
            return _locked_response(request, meeting)
        else:
            notice = (
                _("Voorgesteld: %(title)s") % {"title": item.title}
                if item.status == AgendaItem.Status.PROPOSED
                else _("Op de agenda: %(title)s") % {"title": item.title}
            )
            return _agenda_saved(request, meeting, notice)
    context = _detail_context(request, meeting, add_form=form)
    return render(request, f"{DETAIL}#agenda" if _fragment(request) else DETAIL, context)


@require_POST
def agenda_item_move(request: AuthedHttpRequest, item_pk: int) -> HttpResponse:
    item = _managed_item(request, item_pk)
    try:
        agenda_services.agenda_item_move(
            actor=request.user, item=item, direction=request.POST.get("direction", "")
        )
    except MeetingLocked:
        return _locked_response(request, item.meeting)
    except ValidationError as exc:
        return _agenda_refused(request, item.meeting, exc)
    return _agenda_saved(request, item.meeting, _("Volgorde aangepast."))


@require_POST
def agenda_reorder(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The drag-and-drop endpoint: the full list of the meeting's item ids, in the new order."""
    meeting = _managed(request, pk)
    try:
        ids = [int(v) for v in request.POST.getlist("order")]
    except ValueError:
        ids = []
    try:
        agenda_services.agenda_reorder(actor=request.user, meeting=meeting, ordered_ids=ids)
    except MeetingLocked:
        return _locked_response(request, meeting)
    except ValidationError as exc:
        response = _agenda_refused(request, meeting, exc)
        if _fragment(request):
            response.status_code = 200
        return response
    return _agenda_saved(request, meeting, _("Volgorde aangepast."))


STATUS_NOTICES: dict[str, Any] = {
    AgendaItem.Status.ACCEPTED: gettext_lazy("Op de agenda gezet."),
    AgendaItem.Status.PARKED: gettext_lazy("Geparkeerd."),
    AgendaItem.Status.DONE: gettext_lazy("Als besproken gemarkeerd."),
}


@require_POST
def agenda_item_status(request: AuthedHttpRequest, item_pk: int) -> HttpResponse:
    """Accept or park a proposal; park or unpark an item."""
    item = _managed_item(request, item_pk)
    status = request.POST.get("status", "")
    try:
        agenda_services.agenda_item_set_status(actor=request.user, item=item, status=status)
    except MeetingLocked:
        return _locked_response(request, item.meeting)
    except ValidationError as exc:
        return _agenda_refused(request, item.meeting, exc)
    return _agenda_saved(request, item.meeting, str(STATUS_NOTICES.get(status, "")))


@require_http_methods(["GET", "POST"])
def agenda_item_edit(request: AuthedHttpRequest, item_pk: int) -> HttpResponse:
    item = _managed_item(request, item_pk)
    meeting = item.meeting
    if meeting.is_locked:
        return _locked_response(request, meeting)
    form = AgendaItemForm(
        request.POST or None,
        initial=AgendaItemForm.initial_for(item),
        initiatives=_initiative_options(user=request.user),
        current_label=item.title,
        manage=True,
        edit=True,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agenda_services.agenda_item_update(
                actor=request.user,
                item=item,
                title=data["title"],
                initiative=data["initiative"],
                description=data["description"],
                timebox_minutes=data["timebox_minutes"],
                chatham_house=data["chatham_house"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except MeetingLocked:
            return _locked_response(request, meeting)
        else:
            messages.success(request, _("Het agendapunt is bijgewerkt."))
            return redirect(f"{meeting.get_absolute_url()}#item-{item.pk}")
    return render(request, ITEM_FORM, {"form": form, "item": item, "meeting": meeting})
