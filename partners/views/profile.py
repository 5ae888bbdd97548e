"""The profile wizard an organisation admin uses to present their organisation (three steps)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ..access import get_managed_organisation_or_404
from ..decorators import onboarding_allowed
from ..forms_profile import ProfileAboutForm, ProfileExpertiseForm, ProfileLogoForm
from ..http import AuthedHttpRequest
from ..models import Organisation
from ..services.profile import organisation_set_logo, organisation_update_profile

STEPS = (
    (1, gettext_lazy("Over uw organisatie")),
    (2, gettext_lazy("Expertise en systemen")),
    (3, gettext_lazy("Logo")),
)


def _step_url(organisation: Organisation, step: int) -> str:
    if step == 1:
        return reverse("partners:organisation_profile", args=[organisation.pk])
    return reverse("partners:organisation_profile_step", args=[organisation.pk, step])


@onboarding_allowed
@require_http_methods(["GET", "POST"])
def organisation_profile(request: AuthedHttpRequest, pk: int, step: int = 1) -> HttpResponse:
    organisation = get_managed_organisation_or_404(request.user, pk)
    if step not in dict(STEPS):
        raise Http404
    post = request.method == "POST"
    form: Any
    if step == 1:
        form = ProfileAboutForm(
            request.POST if post else None,
            initial={"description": organisation.description, "website": organisation.website},
        )
    elif step == 2:
        form = ProfileExpertiseForm(
            request.POST if post else None,
            organisation=organisation,
            initial={
                "themes": list(organisation.themes.values_list("pk", flat=True)),
                "systems": list(organisation.systems.values_list("pk", flat=True)),
            },
        )
    else:
        form = ProfileLogoForm(request.POST if post else None, request.FILES if post else None)

    if post and form.is_valid():
        data = form.cleaned_data
        try:
            if step == 1:
                organisation_update_profile(
                    actor=request.user,
                    organisation=organisation,
                    description=data["description"],
                    website=data["website"],
                    request=request,
                )
            elif step == 2:
                organisation_update_profile(
                    actor=request.user,
                    organisation=organisation,
                    themes=data["themes"],
                    systems=data["systems"],
                    request=request,
                )
            elif data["logo"] is not None:
                # The logo is optional: finishing without one keeps the current logo, if any.
                upload = data["logo"]
                organisation_set_logo(
                    actor=request.user,
                    organisation=organisation,
                    upload=upload,
                    size=upload.size,
                    request=request,
                )
        except ValidationError as exc:
            if step == 3:
                form.add_error("logo", exc)
            else:
                form.add_error(None, exc)
        else:
            if step < len(STEPS):
                return redirect(_step_url(organisation, step + 1))
            messages.success(request, _("Het profiel is bijgewerkt."))
            return redirect("partners:organisation_detail", pk=organisation.pk)

    steps = [
        {"number": n, "label": label, "url": _step_url(organisation, n), "current": n == step}
        for n, label in STEPS
    ]
    return render(
        request,
        "partners/profile/wizard.html",
        {
            "organisation": organisation,
            "form": form,
            "step": step,
            "step_count": len(STEPS),
            "step_label": dict(STEPS)[step],
            "steps": steps,
            "previous_url": _step_url(organisation, step - 1) if step > 1 else "",
            "action_url": _step_url(organisation, step),
        },
    )
