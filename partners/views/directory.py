from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from .. import selectors, services


@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = selectors.organisation_list(user=request.user)
    return render(request, "partners/organisation_list.html", {"organisations": organisations})


@require_GET
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get(user=request.user, pk=pk)
    members = selectors.organisation_members(organisation=organisation)
    return render(
        request,
        "partners/organisation_detail.html",
        {"organisation": organisation, "members": members},
    )


@login_not_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the UI language; a signed-in user keeps the choice on their account."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_set_language(user=user, language=language)
    return response
