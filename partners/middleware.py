"""Per-request account rules: language, organisation access and mandatory MFA."""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from .access import is_active_member, onboarding_organisation_ids

Handler = Callable[[HttpRequest], HttpResponse]

# Paths a signed-in user can always reach, whatever else is still to do.
_ALWAYS_OPEN = ("/accounts/", "/static/", "/health/", "/i18n/", "/taal/")


def _always_open(path: str) -> bool:
    return path.startswith(_ALWAYS_OPEN)


class UserLanguageMiddleware:
    """A signed-in user's stored language wins over the browser's."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class ActiveAccountMiddleware:
    """Without a current membership of an active organisation, a user reaches only account pages.

    Suspended accounts are already signed out by Django (inactive users do not authenticate);
    this covers users whose organisation was suspended or offboarded, at their next request.
    Members of an organisation that is still onboarding reach the views marked
    ``@onboarding_allowed``. Portal admins keep access to manage accounts.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., HttpResponse], *args: object
    ) -> HttpResponse | None:
        user = request.user
        if (
            not user.is_authenticated
            or getattr(user, "is_portal_admin", False)
            or _always_open(request.path)
            or getattr(view_func, "login_required", True) is False
            or is_active_member(user)
        ):
            return None
        if getattr(view_func, "onboarding_allowed", False) and onboarding_organisation_ids(user):
            return None
        return render(request, "partners/no_access.html", status=403)


class MFARequiredMiddleware:
    """Portal admins and programme managers must set up a second factor before anything else."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "portal_role", None) in settings.MFA_REQUIRED_ROLES
            and not _always_open(request.path)
            and not Authenticator.objects.filter(user=user)
            .exclude(type=Authenticator.Type.RECOVERY_CODES)
            .exists()
        ):
            target = reverse("mfa_activate_totp")
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return HttpResponseRedirect(f"{target}?required=1")
        return self.get_response(request)
