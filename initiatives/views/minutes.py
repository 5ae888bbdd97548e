"""Live minutes on the meeting page (text per agenda item, decisions, actions), publishing, and
the minutes as a print page and a DOCX file.

Every view loads the meeting (or the agenda item's meeting) through the access policy first:
404 for anyone who may not see it. Writing takes a writer (a programme manager who can see the
meeting, or an attendee); anyone else gets 404 too, and nothing is written. Once published, a
write answers 409 with the reason (htmx gets the reason in place, with status 200).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from lmi_portal.core.services import audit_log
from partners.http import AuthedHttpRequest

from ..forms_minutes import DecisionForm, MeetingActionForm, MinutesForm, PublishForm
from ..minutes_export import minutes_docx
from ..models import ActionItem, AgendaItem, Decision, Meeting
from ..selectors.meetings import agenda_item_get, can_edit_minutes, can_manage_meeting, meeting_get
from ..services import minutes as services
from ..services.meetings import MeetingLocked

TEMPLATE = "initiatives/werkgroep/_minutes.html"
PAGE = "initiatives/werkgroep/minutes_page.html"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def minutes_context(*, user: Any, meeting: Meeting) -> dict[str, Any]:
    """What the meeting page needs around the minutes (a fixed number of queries)."""
    can_edit = can_edit_minutes(user, meeting)
    owners = list(services.minutes_owner_choices(meeting=meeting)) if can_edit else []
    return {
        "can_edit_minutes": can_edit,
        "minutes_owner_options": [(owner, str(owner)) for owner in owners],
        "can_publish": not meeting.is_locked and can_manage_meeting(user, meeting),
        "publish_form": PublishForm(meeting=meeting),
        "can_print_minutes": services.can_read_minutes_document(user, meeting),
    }


def _writable_item(request: AuthedHttpRequest, item_pk: int) -> AgendaItem:
    """The agenda item, if the user may see its meeting and write its minutes; else 404."""
    item = agenda_item_get(user=request.user, pk=item_pk)
    if not services.is_minutes_writer(request.user, item.meeting):
        raise Http404
    return item


def _item_with_outcomes(item: AgendaItem) -> AgendaItem:
    fresh = (
        AgendaItem.objects.prefetch_related(
            "decisions",
            Prefetch(
                "actions",
                queryset=ActionItem.objects.select_related("owner").order_by("due_date", "id"),
            ),
        )
        .select_related("initiative")
        .get(pk=item.pk)
    )
    fresh.meeting = item.meeting
    return fresh


def _render(
    request: AuthedHttpRequest,
    item: AgendaItem,
    partial: str,
    *,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    """A partial of the minutes for htmx, or the item's minutes as a page of their own."""
    meeting = item.meeting
    context = minutes_context(user=request.user, meeting=meeting)
    context.update(item=item, meeting=meeting, **extra)
    if request.htmx:
        return render(request, f"{TEMPLATE}#{partial}", context, status=status)
    return render(request, PAGE, context, status=409 if meeting.is_locked else status)


def _back_to_meeting(request: AuthedHttpRequest, item: AgendaItem, notice: str) -> HttpResponse:
    messages.success(request, notice)
    return redirect(f"{item.meeting.get_absolute_url()}#minutes-{item.pk}")


def _locked(
    request: AuthedHttpRequest, item: AgendaItem, partial: str, **extra: Any
) -> HttpResponse:
    item.meeting.refresh_from_db()
    return _render(
        request,
        _item_with_outcomes(item),
        partial,
        minutes_error=_("Het verslag is gepubliceerd en kan niet meer wijzigen."),
        **extra,
    )


# --- Minutes text ---------------------------------------------------------------------------


@require_POST
def minutes_save(request: AuthedHttpRequest, item_pk: int) -> HttpResponse:
    """Save the item's minutes (htmx as you type, or the "Opslaan" button without JS)."""
    item = _writable_item(request, item_pk)
    if (
        request.htmx
        and request.POST.get("in_conflict")
        and request.htmx.trigger == f"minutes-text-{item.pk}"
    ):
        # While a conflict is on screen, typing does not save: the writer first chooses a
        # version. Leaving the panel as it is (204: htmx swaps nothing) keeps its buttons.
        return HttpResponse(status=204)
    form = MinutesForm(request.POST)
    if not form.is_valid():
        return _render(
            request,
            _item_with_outcomes(item),
            "minutes-status",
            minutes_text=request.POST.get("text", ""),
            form_version=request.POST.get("version", item.version),
            minutes_error=_("Het verslag kon niet worden opgeslagen: %(reason)s")
            % {"reason": " ".join(str(e) for errors in form.errors.values() for e in errors)},
        )
    data = form.cleaned_data
    if data["reload"]:
        # "Opgeslagen versie overnemen": the stored text replaces what was typed.
        if request.htmx:
            return _render(request, _item_with_outcomes(item), "minutes-editor")
        return redirect(f"{item.meeting.get_absolute_url()}#minutes-{item.pk}")
    try:
        saved = services.minutes_save(
            actor=request.user, item=item, text=data["text"], version=form.base_version()
        )
    except MeetingLocked:
        return _locked(request, item, "minutes-status", minutes_text=data["text"])
    except services.MinutesConflict as conflict:
        return _render(
            request,
            _item_with_outcomes(conflict.item),
            "minutes-status",
            minutes_text=data["text"],
            form_version=data["version"],
            minutes_conflict=conflict,
        )
    except ValidationError as exc:
        return _render(
            request,
            _item_with_outcomes(item),
            "minutes-status",
            minutes_text=data["text"],
            form_version=data["version"],
            minutes_error=" ".join(exc.messages),
        )
    if request.htmx:
        saved.meeting = item.meeting
        return _render(
            request,
            saved,
            "minutes-status",
            form_version=saved.version,
            minutes_saved_at=timezone.localtime(saved.updated_at),
        )
    return _back_to_meeting(request, item, _("Verslag opgeslagen."))


# --- Decisions and actions ------------------------------------------------------------------


def _outcomes_saved(request: AuthedHttpRequest, item: AgendaItem, notice: str) -> HttpResponse:
    if request.htmx:
        return _render(
            request, _item_with_outcomes(item), "minutes-outcomes", outcomes_notice=notice
        )
    return _back_to_meeting(request, item, notice)


@require_POST
def decision_add(request: AuthedHttpRequest, item_pk: int) -> HttpResponse:
    item = _writable_item(request, item_pk)
    form = DecisionForm(request.POST, id_prefix=f"decision-{item.pk}")
    if form.is_valid():
        try:
            services.decision_add(actor=request.user, item=item, text=form.cleaned_data["text"])
        except MeetingLocked:
            return _locked(request, item, "minutes-outcomes")
        except ValidationError as exc:
            form.add_error("text", exc.messages)
        else:
            return _outcomes_saved(request, item, _("Besluit vastgelegd."))
    return _render(request, _item_with_outcomes(item), "minutes-outcomes", decision_form=form)


@require_POST
def decision_delete(request: AuthedHttpRequest, item_pk: int, decision_pk: int) -> HttpResponse:
    item = _writable_item(request, item_pk)
    decision = get_object_or_404(Decision, agenda_item=item, pk=decision_pk)
    try:
        services.decision_delete(actor=request.user, decision=decision)
    except MeetingLocked:
        return _locked(request, item, "minutes-outcomes")
    return _outcomes_saved(request, item, _("Besluit verwijderd."))


@require_POST
def meeting_action_add(request: AuthedHttpRequest, item_pk: int) -> HttpResponse:
    item = _writable_item(request, item_pk)
    owners = services.minutes_owner_choices(meeting=item.meeting)
    form = MeetingActionForm(
        request.POST,
        owners=[(owner, str(owner)) for owner in owners],
        id_prefix=f"action-{item.pk}",
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_action_add(
                actor=request.user,
                item=item,
                title=data["title"],
                owner=data["owner"],
                due_date=data["due_date"],
            )
        except MeetingLocked:
            return _locked(request, item, "minutes-outcomes")
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return _outcomes_saved(request, item, _("Actie vastgelegd."))
    return _render(request, _item_with_outcomes(item), "minutes-outcomes", action_form=form)


@require_POST
def meeting_action_delete(request: AuthedHttpRequest, item_pk: int, action_pk: int) -> HttpResponse:
    item = _writable_item(request, item_pk)
    action = get_object_or_404(ActionItem, meeting=item.meeting, agenda_item=item, pk=action_pk)
    try:
        services.meeting_action_delete(actor=request.user, action=action)
    except MeetingLocked:
        return _locked(request, item, "minutes-outcomes")
    return _outcomes_saved(request, item, _("Actie verwijderd."))


# --- Publishing, print and export -----------------------------------------------------------


@require_POST
def meeting_publish(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Publish the minutes (programme managers; others 404)."""
    meeting = meeting_get(user=request.user, pk=pk)
    if not can_manage_meeting(request.user, meeting):
        raise Http404
    form = PublishForm(request.POST, meeting=meeting)
    if not form.is_valid():
        messages.error(request, _("Kies een rubricering uit de lijst."))
    else:
        try:
            published = services.meeting_publish(
                actor=request.user, meeting=meeting, tlp=form.cleaned_data["tlp"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if published:
                messages.success(
                    request,
                    _("Het verslag is gepubliceerd. De deelnemers krijgen het per e-mail."),
                )
            else:
                messages.info(request, _("Het verslag was al gepubliceerd."))
    if request.htmx:
        return HttpResponseClientRedirect(meeting.get_absolute_url())
    return redirect(meeting.get_absolute_url())


def _readable_meeting(request: AuthedHttpRequest, pk: int) -> Meeting:
    meeting = meeting_get(user=request.user, pk=pk)
    if not services.can_read_minutes_document(request.user, meeting):
        raise Http404
    return meeting


@require_GET
def meeting_print(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The minutes laid out for paper (A4); a draft only for programme managers."""
    meeting = _readable_meeting(request, pk)
    context = services.minutes_document(meeting, viewer=request.user)
    return render(request, "initiatives/werkgroep/print.html", context)


@require_GET
def meeting_export(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The minutes as a Word document; a draft only for programme managers."""
    meeting = _readable_meeting(request, pk)
    content = minutes_docx(services.minutes_document(meeting))
    audit_log(
        action="werkgroep.exported",
        actor=request.user,
        target=meeting,
        request=request,
        data={"format": "docx"},
    )
    response = HttpResponse(content, content_type=DOCX_CONTENT_TYPE)
    date_text = timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="verslag-werkgroep-{date_text}.docx"'
    return response
