"""Email preferences, the preview of the next digest, and the one-click unsubscribe link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .digests import (
    digest_preview,
    digest_render,
    digest_unsubscribe,
    preference_for,
    preference_update,
    unsubscribe_user,
)
from .forms import DigestPreferenceForm
from .ratelimit import limit_per_address


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """How and when the signed-in user gets email; an invalid form keeps what was entered."""
    preference = preference_for(user=request.user)
    if request.method == "POST":
        form = DigestPreferenceForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            preference_update(
                user=request.user,
                frequency=data["frequency"],
                weekday=data["weekday"],
                hour=data["hour"],
                instant_events=data["instant_events"],
                language=data["language"],
            )
            translation.activate(data["language"])
            messages.success(request, _("Uw e-mailvoorkeuren zijn opgeslagen."))
            return redirect("core:digest_preferences")
    else:
        form = DigestPreferenceForm.for_preference(preference)
    return render(request, "core/digest_preferences.html", {"form": form})


@require_http_methods(["GET"])
def preview(request: HttpRequest) -> HttpResponse:
    """'Wat krijg ik deze week?': the next digest as it would be sent now, nothing stored."""
    preference = preference_for(user=request.user)
    period, content = digest_preview(user=request.user)
    rendered = digest_render(
        user=request.user, period=period, content=content, nonce=preference.unsubscribe_nonce
    )
    return render(
        request,
        "core/digest_preview.html",
        {
            "period": period,
            "parts": content.parts(),
            "is_empty": content.is_empty,
            "subject": rendered["subject"],
            "body_text": rendered["body_text"],
            "frequency": preference.get_frequency_display(),
        },
    )


@login_not_required
@never_cache
@csrf_exempt  # RFC 8058: the mail client POSTs without a session; the signed token is the key
@require_http_methods(["GET", "POST"])
@limit_per_address("digest-unsubscribe")
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for confirmation (link scanners must not unsubscribe anyone); POST, from the
    page or the mail client's one-click button, turns the digest off. A link works once."""
    if request.method == "POST":
        user = digest_unsubscribe(token=token)
        if user is None:
            return render(request, "core/digest_unsubscribe.html", {"state": "invalid"}, status=404)
        with translation.override(user.language):
            return render(request, "core/digest_unsubscribe.html", {"state": "done"})
    user = unsubscribe_user(token=token)
    if user is None:
        return render(request, "core/digest_unsubscribe.html", {"state": "invalid"}, status=404)
    with translation.override(user.language):
        return render(request, "core/digest_unsubscribe.html", {"state": "confirm"})
