"""The common understanding: read and accept the current version; admins publish new ones."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..access import is_active_member, managed_organisation_ids, onboarding_organisation_ids
from ..decorators import onboarding_allowed
from ..forms_invitations import PublishForm
from ..http import AuthedHttpRequest
from ..middleware import user_has_second_factor
from ..services.common_understanding import (
    common_understanding_accept,
    common_understanding_acceptance,
    common_understanding_current,
    common_understanding_publish,
)


def _safe_next(request: AuthedHttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _after_acceptance(request: AuthedHttpRequest, next_url: str) -> str:
    """Where to go on: back where the user was headed; the admin of an organisation that is
    still onboarding goes on to its profile, since the rest of the portal is not open yet."""
    dashboard = reverse("dashboard")
    if next_url and next_url != dashboard:
        return next_url
    if not is_active_member(request.user):
        onboarding = managed_organisation_ids(request.user) & onboarding_organisation_ids(
            request.user
        )
        if onboarding:
            return reverse("partners:organisation_profile", args=[min(onboarding)])
    return dashboard


@onboarding_allowed
@require_http_methods(["GET", "POST"])
def common_understanding(request: AuthedHttpRequest) -> HttpResponse:
    current = common_understanding_current()
    acceptance = (
        common_understanding_acceptance(user=request.user, version=current) if current else None
    )
    next_url = _safe_next(request)
    if request.method == "POST" and current is not None:
        common_understanding_accept(user=request.user, version=current, request=request)
        if acceptance is None:
            messages.success(
                request, _("Dank u wel: u heeft het gemeenschappelijk begrip geaccepteerd.")
            )
        return redirect(_after_acceptance(request, next_url))
    text = ""
    if current is not None:
        english = (get_language() or "").startswith("en")
        text = current.text_en if english and current.text_en else current.text_nl
    context: dict[str, Any] = {
        "current": current,
        "text": text,
        "acceptance": acceptance,
        "next_url": next_url,
        "nudge_mfa": not user_has_second_factor(request.user),
        "can_publish": request.user.is_portal_admin,
    }
    return render(request, "partners/common_understanding/detail.html", context)


@onboarding_allowed
@require_http_methods(["GET", "POST"])
def common_understanding_new(request: AuthedHttpRequest) -> HttpResponse:
    if not request.user.is_portal_admin:
        raise Http404
    current = common_understanding_current()
    initial = {"text_nl": current.text_nl, "text_en": current.text_en} if current else {}
    form = PublishForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = common_understanding_publish(
                actor=request.user,
                text_nl=form.cleaned_data["text_nl"],
                text_en=form.cleaned_data["text_en"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "Versie %(version)s is gepubliceerd; iedereen accepteert die bij het "
                    "volgende bezoek."
                )
                % {"version": version.version},
            )
            return redirect("partners:common_understanding")
    return render(
        request, "partners/common_understanding/new.html", {"form": form, "current": current}
    )
