"""Pages of the Samenwerkingsmonitor: rounds and results for programme managers (everyone else
gets 404), and the answer page for invited respondents."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from lmi_portal.core.csv_export import csv_response
from partners.http import AuthedHttpRequest

from ..forms_pulse import PulseAnswerForm, PulseRoundOpenForm
from ..models import PulseForm
from ..permissions import is_programme_manager
from ..pulse_items import MIN_GROUP
from ..selectors import pulse as selectors
from ..selectors.initiatives import initiative_get
from ..services import pulse as services

PAGE_SIZE = 25


def _pk_or_404(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise Http404 from None


def _done(request: AuthedHttpRequest, url: str) -> HttpResponse:
    """After a successful POST: HX-Redirect for htmx, an ordinary redirect otherwise."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


@require_GET
def pulse_list(request: AuthedHttpRequest) -> HttpResponse:
    if not is_programme_manager(request.user):
        raise Http404
    rounds = selectors.pulse_rounds_for_manager(user=request.user)
    page = Paginator(rounds, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "initiatives/pulse/list.html", {"page": page, "min_group": MIN_GROUP})


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def pulse_open(request: AuthedHttpRequest) -> HttpResponse:
    if not is_programme_manager(request.user):
        raise Http404
    choices = selectors.pulse_initiative_choices(user=request.user)
    initial: dict[str, Any] = {}
    preset = request.GET.get("initiative")
    if preset:
        initiative = initiative_get(user=request.user, pk=_pk_or_404(preset))
        if initiative.pk not in {pk for pk, _title in choices}:
            choices.insert(0, (initiative.pk, initiative.title))
        initial = {"initiative": initiative.pk, "questionnaire": PulseForm.SHORT}
    form = PulseRoundOpenForm(request.POST or None, initial=initial, initiative_choices=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Loaded through the access policy: an initiative the manager cannot see is a 404.
        chosen = (
            initiative_get(user=request.user, pk=data["initiative"]) if data["initiative"] else None
        )
        try:
            round_ = services.pulse_round_open(
                actor=request.user,
                title=data["title"],
                form=data["questionnaire"],
                closes_at=form.closes_at(),
                initiative=chosen,
                organisations=data["organisations"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("De ronde is geopend en de uitnodigingen zijn verstuurd."))
            return _done(request, round_.get_absolute_url())
    template = "initiatives/pulse/open.html"
    if request.htmx:
        template += "#pulse-open-form"
    return render(request, template, {"form": form})


@require_GET
def pulse_results(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    round_ = selectors.pulse_round_get_for_manager(user=request.user, pk=pk)
    results = selectors.pulse_results(round=round_)
    context = {
        "round": round_,
        "results": results,
        "min_group": MIN_GROUP,
        "can_close": round_.closed_at is None,
        "can_answer": selectors.pulse_can_answer(user=request.user, round=round_),
    }
    return render(request, "initiatives/pulse/results.html", context)


@require_GET
def pulse_export(request: AuthedHttpRequest, pk: int) -> StreamingHttpResponse:
    round_ = selectors.pulse_round_get_for_manager(user=request.user, pk=pk)
    results = selectors.pulse_results(round=round_)
    return csv_response(
        filename=f"samenwerkingsmonitor-{round_.pk}.csv",
        header=selectors.pulse_export_header(),
        rows=selectors.pulse_export_rows(results),
    )


@require_POST
def pulse_close(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    round_ = selectors.pulse_round_get_for_manager(user=request.user, pk=pk)
    services.pulse_round_close(actor=request.user, round=round_)
    messages.success(request, _("De ronde is gesloten."))
    return _done(request, round_.get_absolute_url())


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def pulse_answer(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    invitation = selectors.pulse_invitation_get(user=request.user, round_pk=pk)
    round_ = invitation.round
    form = None
    if not invitation.answered and round_.is_open:
        suggestion = (
            ""
            if request.method == "POST"
            else selectors.pulse_org_kind_suggestion(user=request.user)
        )
        form = PulseAnswerForm(
            request.POST or None, round_form=round_.form, suggested_org_kind=suggestion
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.pulse_answer_submit(
                    user=request.user,
                    round=round_,
                    org_kind=data["org_kind"],
                    level=data["level"],
                    answers=form.answers(),
                    open_answer=data.get("open_answer", ""),
                    worked=data.get("worked", ""),
                    to_change=data.get("to_change", ""),
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                return _done(request, reverse("initiatives:pulse_thanks", kwargs={"pk": pk}))
    if form is None and request.htmx and request.method == "POST":
        # A stale page posting again: show the whole page, which says why there is no form.
        return HttpResponseClientRedirect(request.path)
    context = {
        "round": round_,
        "form": form,
        "answered": invitation.answered,
        "min_group": MIN_GROUP,
    }
    template = "initiatives/pulse/answer.html"
    if request.htmx and form is not None:
        template += "#pulse-answer-form"
    return render(request, template, context)


@require_GET
def pulse_thanks(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    invitation = selectors.pulse_invitation_get(user=request.user, round_pk=pk)
    if not invitation.answered:
        return redirect("initiatives:pulse_answer", pk=pk)
    return render(request, "initiatives/pulse/thanks.html", {"round": invitation.round})
