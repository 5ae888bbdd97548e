"""The organisation directory, profile pages and logos."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django.views.i18n import set_language as django_set_language

from lmi_portal.core.csv_export import csv_response

from .. import selectors, services
from ..access import managed_organisation_ids, onboarding_organisation_ids, user_organisation_ids
from ..decorators import onboarding_allowed
from ..forms_directory import OrganisationFilterForm
from ..http import AuthedHttpRequest
from ..models import Organisation

PAGE_SIZE = 25

# We only ever store PNG; the others cover logos put in place by hand (e.g. the Django admin).
LOGO_CONTENT_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
}


@require_GET
@vary_on_headers("HX-Request")
def organisation_list(request: AuthedHttpRequest) -> HttpResponseBase:
    is_admin = request.user.is_portal_admin
    form = OrganisationFilterForm(request.GET or None, show_status=is_admin)
    # Apply every filter that is valid; an unknown theme in the URL just filters on nothing.
    data: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
    organisations = selectors.organisation_directory(
        user=request.user,
        query=data.get("q") or "",
        kind=data.get("kind") or "",
        theme=data.get("theme"),
        system=data.get("system"),
        status=data.get("status") or "",
    )
    if request.GET.get("format") == "csv":
        return _directory_csv(organisations, with_status=is_admin)
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    filter_query = request.GET.copy()
    filter_query.pop("page", None)
    filter_query.pop("format", None)
    csv_query = filter_query.copy()
    csv_query["format"] = "csv"
    context = {
        "form": form,
        "page": page,
        "filter_query": filter_query,
        "csv_query": csv_query,
        "show_status": is_admin,
    }
    template = "partners/organisation_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


def _directory_csv(organisations: Any, *, with_status: bool) -> StreamingHttpResponse:
    header = [
        _("Naam"),
        _("Korte naam"),
        _("Soort"),
        _("Land"),
        _("Website"),
        _("Thema's"),
        _("Systemen"),
        _("Leden"),
    ]
    if with_status:
        header.append(_("Status"))
    # Built now, in the request's language, rather than while the response streams.
    rows = []
    for org in organisations:
        row = [
            org.name,
            org.short_name,
            org.get_kind_display(),
            org.country,
            org.website,
            "; ".join(theme.name for theme in org.themes.all()),
            "; ".join(system.name for system in org.systems.all()),
            org.member_count,
        ]
        if with_status:
            row.append(org.get_status_display())
        rows.append(row)
    return csv_response(filename="organisaties.csv", header=header, rows=rows)


@onboarding_allowed
@require_GET
def organisation_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get(user=request.user, pk=pk)
    own = pk in user_organisation_ids(request.user) or pk in onboarding_organisation_ids(
        request.user
    )
    return render(
        request,
        "partners/organisation_detail.html",
        {
            "organisation": organisation,
            "people": selectors.organisation_people(organisation=organisation),
            # Contact details stay within the organisation; others see names and posts.
            "show_contact": own,
            "sections": selectors.organisation_sections_for(
                user=request.user, organisation=organisation
            ),
            "can_edit": pk in managed_organisation_ids(request.user),
            "show_status": request.user.is_portal_admin
            or organisation.status != Organisation.Status.ACTIVE,
        },
    )


@onboarding_allowed
@require_GET
def organisation_logo(request: AuthedHttpRequest, pk: int) -> FileResponse:
    """A logo, only for organisations the viewer may see in the directory (404 otherwise)."""
    name = selectors.organisation_logo_name(user=request.user, pk=pk)
    content_type = LOGO_CONTENT_TYPES.get(PurePosixPath(name).suffix.lower())
    if not name or content_type is None:
        raise Http404
    try:
        handle = default_storage.open(name, "rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


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
