"""An organisation admin's pages: members and roles, invitations, CSV import.

Every view starts with get_managed_organisation_or_404: anyone who does not administer the
organisation gets the same 404 as for an organisation that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from .. import selectors_members as selectors
from ..access import get_managed_organisation_or_404
from ..decorators import onboarding_allowed
from ..forms_members import MemberImportForm, MemberInviteForm, MembershipRoleForm
from ..http import AuthedHttpRequest
from ..models import MemberImport, Membership, Organisation
from ..services import invitations as invitation_services
from ..services import members as services

MEMBERS_TEMPLATE = "partners/members/list.html"
IMPORT_TEMPLATE = "partners/members/import.html"
IMPORT_DETAIL_TEMPLATE = "partners/members/import_detail.html"


def _redirect(request: AuthedHttpRequest, url: str) -> HttpResponse:
    """A redirect that htmx follows as a full page load (never a bare 302 to htmx)."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _members_url(organisation: Organisation) -> str:
    return reverse("partners:members", args=[organisation.pk])


def _members_context(
    request: AuthedHttpRequest, organisation: Organisation, form: MemberInviteForm
) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "memberships": selectors.organisation_current_memberships(organisation=organisation),
        "invitations": selectors.organisation_open_invitations(organisation=organisation),
        "form": form,
        "role_choices": Membership.Role.choices,
    }


@onboarding_allowed
@require_GET
def members(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    organisation = get_managed_organisation_or_404(request.user, pk)
    return render(
        request, MEMBERS_TEMPLATE, _members_context(request, organisation, MemberInviteForm())
    )


@onboarding_allowed
@require_POST
def member_invite(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    organisation = get_managed_organisation_or_404(request.user, pk)
    form = MemberInviteForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            invitation = services.member_invite(
                actor=request.user,
                organisation=organisation,
                email=data["email"],
                full_name=data["full_name"],
                job_title=data["job_title"],
                role=data["role"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Uitnodiging verstuurd naar %(email)s.") % {"email": invitation.email}
            )
            return _redirect(request, _members_url(organisation))
    template = MEMBERS_TEMPLATE + "#invite-form" if request.htmx else MEMBERS_TEMPLATE
    return render(request, template, _members_context(request, organisation, form))


@onboarding_allowed
@require_POST
def member_role(request: AuthedHttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    organisation = get_managed_organisation_or_404(request.user, pk)
    membership = selectors.membership_get_current(organisation=organisation, pk=membership_pk)
    form = MembershipRoleForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("Kies een geldige rol.")
    else:
        try:
            services.membership_change_role(
                actor=request.user,
                membership=membership,
                role=form.cleaned_data["role"],
                request=request,
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    demoted_self = (
        not error
        and membership.user_id == request.user.pk
        and membership.role != Membership.Role.ORG_ADMIN
    )
    if demoted_self:
        # They no longer manage this organisation, so the members page would be a 404.
        messages.success(request, _("U bent nu gewoon lid van %(org)s.") % {"org": organisation})
        return _redirect(request, reverse("dashboard"))
    if request.htmx:
        return render(
            request,
            MEMBERS_TEMPLATE + "#member-row",
            {
                "organisation": organisation,
                "membership": membership,
                "role_choices": Membership.Role.choices,
                "row_error": error,
                "row_saved": not error,
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request,
            _("De rol van %(name)s is nu: %(role)s.")
            % {"name": membership.user, "role": membership.get_role_display()},
        )
    return redirect(_members_url(organisation))


@onboarding_allowed
@require_http_methods(["GET", "POST"])
def member_deactivate(request: AuthedHttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    organisation = get_managed_organisation_or_404(request.user, pk)
    membership = selectors.membership_get_current(organisation=organisation, pk=membership_pk)
    if request.method == "POST":
        try:
            services.membership_deactivate(
                actor=request.user, membership=membership, request=request
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return _redirect(request, _members_url(organisation))
        messages.success(
            request,
            _("%(name)s is gedeactiveerd en overal afgemeld.") % {"name": membership.user},
        )
        if membership.user_id == request.user.pk:
            return _redirect(request, reverse("dashboard"))
        return _redirect(request, _members_url(organisation))
    return render(
        request,
        "partners/members/deactivate.html",
        {
            "organisation": organisation,
            "membership": membership,
            "is_self": membership.user_id == request.user.pk,
        },
    )


def _invitations_response(
    request: AuthedHttpRequest, organisation: Organisation, *, notice: str, error: str
) -> HttpResponse:
    """htmx gets the updated list with the outcome in it; a plain form goes back to the page."""
    if request.htmx:
        return render(
            request,
            MEMBERS_TEMPLATE + "#invitations",
            {
                "organisation": organisation,
                "invitations": selectors.organisation_open_invitations(organisation=organisation),
                "invitations_notice": notice,
                "invitations_error": error,
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect(_members_url(organisation))


@onboarding_allowed
@require_POST
def member_invitation_resend(
    request: AuthedHttpRequest, pk: int, invitation_pk: int
) -> HttpResponse:
    organisation = get_managed_organisation_or_404(request.user, pk)
    invitation = selectors.invitation_get_open(organisation=organisation, pk=invitation_pk)
    notice = error = ""
    try:
        invitation_services.invitation_resend(actor=request.user, invitation=invitation)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    else:
        notice = _("Uitnodiging opnieuw verstuurd naar %(email)s.") % {"email": invitation.email}
    return _invitations_response(request, organisation, notice=notice, error=error)


@onboarding_allowed
@require_POST
def member_invitation_revoke(
    request: AuthedHttpRequest, pk: int, invitation_pk: int
) -> HttpResponse:
    organisation = get_managed_organisation_or_404(request.user, pk)
    invitation = selectors.invitation_get_open(organisation=organisation, pk=invitation_pk)
    notice = error = ""
    try:
        invitation_services.invitation_revoke(actor=request.user, invitation=invitation)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    else:
        notice = _("Uitnodiging voor %(email)s ingetrokken.") % {"email": invitation.email}
    return _invitations_response(request, organisation, notice=notice, error=error)


# --- CSV import ----------------------------------------------------------------------------


@onboarding_allowed
@require_http_methods(["GET", "POST"])
def member_import(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    organisation = get_managed_organisation_or_404(request.user, pk)
    form = MemberImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            started = services.member_import_start(
                actor=request.user,
                organisation=organisation,
                filename=form.filename,
                text=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return _redirect(
                request, reverse("partners:member_import_detail", args=[pk, started.pk])
            )
    return render(
        request,
        IMPORT_TEMPLATE,
        {
            "organisation": organisation,
            "form": form,
            "imports": selectors.member_import_recent(organisation=organisation),
        },
    )


@onboarding_allowed
@require_GET
@vary_on_headers("HX-Request")
def member_import_detail(request: AuthedHttpRequest, pk: int, import_pk: int) -> HttpResponse:
    """The import's progress while validating, then its preview; htmx polls the status part."""
    organisation = get_managed_organisation_or_404(request.user, pk)
    member_import = selectors.member_import_get(organisation=organisation, pk=import_pk)
    rows = member_import.rows
    error_count = services.member_import_error_count(member_import)
    only_errors = request.GET.get("fouten") == "1" and error_count > 0
    if only_errors:
        rows = [row for row in rows if row.get("errors")]
    context = {
        "organisation": organisation,
        "member_import": member_import,
        "rows": rows,
        "error_count": error_count,
        "only_errors": only_errors,
        "polling": member_import.status
        in (MemberImport.Status.VALIDATING, MemberImport.Status.IMPORTING),
        "can_confirm": member_import.status == MemberImport.Status.PREVIEW
        and error_count == 0
        and bool(member_import.rows),
        "can_cancel": member_import.status
        in (MemberImport.Status.VALIDATING, MemberImport.Status.PREVIEW),
    }
    template = IMPORT_DETAIL_TEMPLATE
    if request.htmx and not request.htmx.boosted:
        template += "#import-status"
    return render(request, template, context)


@onboarding_allowed
@require_POST
def member_import_confirm(request: AuthedHttpRequest, pk: int, import_pk: int) -> HttpResponse:
    organisation = get_managed_organisation_or_404(request.user, pk)
    member_import = selectors.member_import_get(organisation=organisation, pk=import_pk)
    detail_url = reverse("partners:member_import_detail", args=[pk, import_pk])
    try:
        queued = services.member_import_confirm_request(
            actor=request.user, member_import=member_import
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if not queued:
            messages.info(
                request, _("Deze import is al bevestigd; er wordt niemand dubbel uitgenodigd.")
            )
    return _redirect(request, detail_url)


@onboarding_allowed
@require_POST
def member_import_cancel(request: AuthedHttpRequest, pk: int, import_pk: int) -> HttpResponse:
    organisation = get_managed_organisation_or_404(request.user, pk)
    member_import = selectors.member_import_get(organisation=organisation, pk=import_pk)
    services.member_import_cancel(actor=request.user, member_import=member_import)
    if member_import.status == MemberImport.Status.CANCELLED:
        messages.info(request, _("Import geannuleerd; er is niemand uitgenodigd."))
    else:
        messages.error(request, _("Deze import kan niet meer worden geannuleerd."))
    return _redirect(request, reverse("partners:member_import", args=[pk]))
