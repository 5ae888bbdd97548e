"""Join by domain: ask to join an organisation; its organisation admins decide."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from ..access import get_managed_organisation_or_404
from ..decorators import membership_not_required, onboarding_allowed
from ..forms_invitations import DecisionForm, JoinForm
from ..http import AuthedHttpRequest
from ..models import JoinRequest, Organisation
from ..services.join_requests import (
    join_request_approve,
    join_request_candidates,
    join_request_create,
    join_request_decline,
    join_request_pending,
)


@membership_not_required
@require_http_methods(["GET", "POST"])
def join_organisation(request: AuthedHttpRequest) -> HttpResponse:
    candidates = join_request_candidates(user=request.user)
    form = JoinForm(request.POST or None, candidates=candidates)
    if request.method == "POST":
        if form.is_valid():
            organisation = form.cleaned_data["organisation"]
            try:
                join_request_create(
                    user=request.user,
                    organisation=organisation,
                    motivation=form.cleaned_data["motivation"],
                    request=request,
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            except PermissionDenied:
                raise Http404 from None
            else:
                messages.success(
                    request,
                    _(
                        "Uw verzoek is verstuurd naar de beheerders van %(organisation)s; "
                        "u krijgt bericht zodra zij besluiten."
                    )
                    % {"organisation": organisation.name},
                )
            return redirect("partners:join_organisation")
        if "organisation" in form.errors:
            raise Http404
    pending = set(
        JoinRequest.objects.filter(
            user=request.user, status=JoinRequest.Status.PENDING
        ).values_list("organisation_id", flat=True)
    )
    # A refused motivation comes back on its own organisation's card, with the reason.
    failed = form.cleaned_data.get("organisation") if form.is_bound else None
    organisations: list[dict[str, Any]] = [
        {
            "organisation": organisation,
            "pending": organisation.pk in pending,
            "motivation": (
                form.data.get("motivation", "").replace("\x00", "")
                if organisation == failed
                else ""
            ),
            "errors": form.errors.get("motivation", []) if organisation == failed else [],
        }
        for organisation in candidates
    ]
    return render(
        request,
        "partners/join_requests/join.html",
        {"organisations": organisations, "form": form},
    )


def _list_context(organisation: Organisation, **extra: Any) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "join_requests": list(join_request_pending(organisation=organisation)),
        "errors": {},
        "notice": "",
        "problem": "",
        **extra,
    }


@onboarding_allowed
@require_http_methods(["GET"])
@vary_on_headers("HX-Request")
def join_request_list(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    organisation = get_managed_organisation_or_404(request.user, pk)
    template = "partners/join_requests/list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#join-requests"
    return render(request, template, _list_context(organisation))


@onboarding_allowed
@require_POST
def join_request_decide(request: AuthedHttpRequest, pk: int, request_pk: int) -> HttpResponse:
    organisation = get_managed_organisation_or_404(request.user, pk)
    join_request = get_object_or_404(
        JoinRequest.objects.select_related("user", "organisation"),
        pk=request_pk,
        organisation=organisation,
    )
    form = DecisionForm(request.POST)
    errors: dict[int, str] = {}
    notice = problem = ""
    if not form.is_valid():
        errors[join_request.pk] = " ".join(
            str(message) for messages_ in form.errors.values() for message in messages_
        )
    else:
        name = join_request.user.get_full_name() or join_request.email
        try:
            if form.cleaned_data["decision"] == "approve":
                join_request_approve(
                    actor=request.user,
                    join_request=join_request,
                    comment=form.cleaned_data["comment"],
                    request=request,
                )
                notice = _("%(name)s is nu lid van %(organisation)s.")
            else:
                join_request_decline(
                    actor=request.user,
                    join_request=join_request,
                    comment=form.cleaned_data["comment"],
                    request=request,
                )
                notice = _("Het verzoek van %(name)s is afgewezen.")
            notice %= {"name": name, "organisation": organisation.name}
        except ValidationError as exc:  # decided already, e.g. by another admin
            problem = " ".join(exc.messages)
        except PermissionDenied:
            raise Http404 from None
    if request.htmx:
        return render(
            request,
            "partners/join_requests/list.html#join-requests",
            _list_context(organisation, errors=errors, notice=notice, problem=problem),
        )
    if errors or problem:
        messages.error(request, problem or errors[join_request.pk])
    elif notice:
        messages.success(request, notice)
    return redirect("partners:join_request_list", pk=organisation.pk)
