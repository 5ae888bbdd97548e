"""The weekly view "Sinds vorige werkgroep" and its one-click "op de agenda"."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from partners.http import AuthedHttpRequest

from ..selectors.meetings import meeting_in_preparation
from ..selectors.weekly import (
    WeeklyRow,
    agenda_dom_id,
    weekly_agenda_source,
    weekly_can_view,
    weekly_overview,
)
from ..services.agenda import agenda_item_add
from ..services.meetings import MeetingLocked

AGENDA_BUTTON_TEMPLATE = "initiatives/werkgroep/_weekly_agenda_button.html"


@require_GET
def werkgroep(request: AuthedHttpRequest) -> HttpResponse:
    if not weekly_can_view(request.user):
        raise Http404
    overview = weekly_overview(user=request.user)
    return render(request, "initiatives/werkgroep/weekly.html", {"overview": overview})


@require_POST
def agenda_put(request: AuthedHttpRequest) -> HttpResponse:
    """Put the item behind ``key`` on the agenda of the meeting in preparation; asking twice
    adds it once. htmx swaps the line's button, otherwise back to the weekly view."""
    source = weekly_agenda_source(user=request.user, key=request.POST.get("key", ""))
    preparing = meeting_in_preparation(user=request.user)
    error = ""
    if preparing is not None:
        try:
            agenda_item_add(
                actor=request.user,
                meeting=preparing,
                title=source.line.text[:300],
                initiative=source.initiative,
                source_key=source.key,
                link_url=source.line.url[:300],
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except MeetingLocked as exc:
            error = str(exc)
    on_agenda = preparing is not None and not error
    if request.htmx:
        row = WeeklyRow(line=source.line, dom_id=agenda_dom_id(source.key), on_agenda=on_agenda)
        context = {"row": row, "preparing": preparing, "error": error}
        return render(request, AGENDA_BUTTON_TEMPLATE, context)
    if on_agenda:
        messages.success(
            request, _("“%(title)s” staat op de agenda.") % {"title": source.line.text}
        )
    elif error:
        messages.error(request, error)
    else:
        messages.info(
            request, _("Er is geen bijeenkomst in voorbereiding. Plan eerst een bijeenkomst.")
        )
    return redirect("initiatives:werkgroep")
