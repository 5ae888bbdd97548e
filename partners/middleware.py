"""Per-request account rules: language, organisation access, mandatory MFA and the common
understanding."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils import translation

from .access import is_active_member, managed_organisation_ids, onboarding_organisation_ids
from .services.common_understanding import common_understanding_has_accepted_current

Handler = Callable[[HttpRequest], HttpResponse]

# Paths a signed-in user can always reach, whatever else is still to do.
_ALWAYS_OPEN = ("/accounts/", "/static/", "/health/", "/i18n/", "/taal/", "/uitnodiging/")
# ... and the common-understanding pages themselves, which the redirect leads to: every page a
# user may see while a step (second factor, common understanding, invitation) is still open.
GATE_OPEN_PATHS = (*_ALWAYS_OPEN, "/gemeenschappelijk-begrip/")


def _always_open(path: str) -> bool:
    return path.startswith(_ALWAYS_OPEN)


def _redirect(request: HttpRequest, target: str, query: dict[str, str]) -> HttpResponse:
    """A redirect; htmx requests get HX-Redirect instead of a 302 that htmx would follow."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return HttpResponseRedirect(f"{target}?{urlencode(query)}" if query else target)


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
    ``@onboarding_allowed``, and everyone reaches the views marked ``@membership_not_required``
    (e.g. asking to join an organisation). Portal admins keep access to manage accounts.
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
        if getattr(view_func, "membership_not_required", False):
            return None
        if getattr(view_func, "onboarding_allowed", False) and onboarding_organisation_ids(user):
            return None
        return render(request, "partners/no_access.html", status=403)


# A member who needs no second factor is asked again after this many seconds, so an ordinary
# request costs no query; promotion to organisation admin takes effect within this time.
MFA_NOT_REQUIRED_TTL = 60
_MFA_NOT_REQUIRED_UNTIL = "lmi_mfa_not_required_until"


def forget_mfa_decision(request: HttpRequest) -> None:
    """Make the next request decide afresh whether the user needs a second factor."""
    request.session.pop(_MFA_NOT_REQUIRED_UNTIL, None)


def user_has_second_factor(user: Any) -> bool:
    return (
        Authenticator.objects.filter(user=user)
        .exclude(type=Authenticator.Type.RECOVERY_CODES)
        .exists()
    )


class MFARequiredMiddleware:
    """Portal admins, programme managers and organisation admins must set up a second factor
    before anything else. For members it is optional (the pages nudge them)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not _always_open(request.path)
            and self._requires_mfa(request, user)
            and not user_has_second_factor(user)
        ):
            return _redirect(request, reverse("mfa_activate_totp"), {"required": "1"})
        return self.get_response(request)

    @staticmethod
    def _requires_mfa(request: HttpRequest, user: Any) -> bool:
        if getattr(user, "portal_role", None) in settings.MFA_REQUIRED_ROLES:
            return True
        now = time.time()
        until = request.session.get(_MFA_NOT_REQUIRED_UNTIL)
        if isinstance(until, int | float) and now < until <= now + MFA_NOT_REQUIRED_TTL:
            return False
        if managed_organisation_ids(user):
            return True
        request.session[_MFA_NOT_REQUIRED_UNTIL] = now + MFA_NOT_REQUIRED_TTL
        return False


class CommonUnderstandingMiddleware:
    """A signed-in user first accepts the current version of the common understanding.

    Publishing a new version makes everyone accept again at their next request. Public views
    (``@login_not_required``) and the account pages stay reachable. This runs before the views
    are chosen (like the MFA rule), so a new user of an onboarding organisation is led here
    rather than to the "no access" page.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(GATE_OPEN_PATHS)
            and not common_understanding_has_accepted_current(user=user, session=request.session)
            and not _is_public_view(request)
        ):
            query = {"next": request.get_full_path()} if request.method == "GET" else {}
            return _redirect(request, reverse("partners:common_understanding"), query)
        return self.get_response(request)


def _is_public_view(request: HttpRequest) -> bool:
    """Whether the path leads to a view marked ``@login_not_required`` (or to no view at all)."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return True  # the 404 page says more than a redirect would
    return getattr(match.func, "login_required", True) is False
