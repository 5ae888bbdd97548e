"""The portal admin's pages under /beheer/: onboarding, organisations, sharing groups, audit log.

Every view answers 404 to anyone who is not a portal admin, so the pages' existence is not
advertised. Admins manage organisations and accounts here, never content.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from lmi_portal.core.csv_export import csv_response
from lmi_portal.core.services import audit_log

from .. import selectors_beheer as selectors
from ..forms_beheer import (
    AuditFilterForm,
    ContactInviteForm,
    OnboardingFilterForm,
    OptionalReasonForm,
    OrganisationCreateForm,
    ReasonForm,
    SharingGroupForm,
)
from ..http import AuthedHttpRequest
from ..models import Invitation, Membership, Organisation
from ..services import invitations as invitation_services
from ..services import organisations as services
from ..services.onboarding import checklist_for

BOARD_PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 50

V = TypeVar("V", bound=Callable[..., HttpResponseBase])


def portal_admin_required(view: V) -> V:
    """Portal admins only; everyone else gets the same 404 as for a page that does not exist."""

    @wraps(view)
    def wrapped(request: AuthedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_portal_admin):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]


def _template(request: AuthedHttpRequest, name: str, partial: str) -> str:
    """The full page, or only its partial for an htmx request that swaps it."""
    if request.htmx and not request.htmx.boosted:
        return f"{name}#{partial}"
    return name


def _filter_query(request: AuthedHttpRequest) -> Any:
    query = request.GET.copy()
    query.pop("page", None)
    return query


# --- Landing page ---------------------------------------------------------------------------


@require_GET
@portal_admin_required
def beheer_index(request: AuthedHttpRequest) -> HttpResponse:
    counts = dict.fromkeys(Organisation.Status.values, 0)
    counts.update(
        Organisation.objects.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    status_counts = [(label, counts[value]) for value, label in Organisation.Status.choices]
    return render(
        request,
        "partners/beheer/index.html",
        {"status_counts": status_counts, "stuck_count": selectors.onboarding_stuck_count()},
    )


# --- Onboarding board -----------------------------------------------------------------------


@require_GET
@vary_on_headers("HX-Request")
@portal_admin_required
def onboarding_board(request: AuthedHttpRequest) -> HttpResponse:
    form = OnboardingFilterForm(request.GET or None)
    status = query = ""
    stuck_only = False
    if form.is_valid():
        status = form.cleaned_data["status"]
        query = form.cleaned_data["q"]
        stuck_only = form.cleaned_data["stuck"]
    now = timezone.now()
    organisations = selectors.onboarding_board(
        status=status, query=query, stuck_candidates_only=stuck_only
    )
    page: Page[Any]
    if stuck_only:
        # Being stuck depends on the checklist, so it is decided after the (single) query.
        stuck_rows = selectors.onboarding_rows(organisations, now=now, stuck_only=True)
        page = Paginator(stuck_rows, BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
    else:
        page = Paginator(organisations, BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
        rows = selectors.onboarding_rows(page.object_list, now=now)
    context = {"form": form, "page": page, "rows": rows, "filter_query": _filter_query(request)}
    return render(request, _template(request, "partners/beheer/onboarding.html", "board"), context)


# --- Organisations --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@portal_admin_required
def organisation_create(request: AuthedHttpRequest) -> HttpResponse:
    form = OrganisationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation = services.organisation_create(
                actor=request.user,
                name=data["name"],
                kind=data["kind"],
                kvk_number=data["kvk_number"],
                country=data["country"],
                website=data["website"],
                domains=data["domains"],
                sharing_groups=data["sharing_groups"],
                default_tlp=data["default_tlp"],
                contact_name=data["contact_name"],
                contact_email=data["contact_email"],
                contact_language=data["contact_language"],
                request=request,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if data["contact_email"]:
                messages.success(
                    request,
                    _("Organisatie aangemaakt; de uitnodiging aan %(email)s is verstuurd.")
                    % {"email": data["contact_email"]},
                )
            else:
                messages.success(request, _("Organisatie aangemaakt."))
            url = reverse("partners:beheer_organisation", args=[organisation.pk])
            if request.htmx:
                return HttpResponseClientRedirect(url)
            return redirect(url)
    template = _template(request, "partners/beheer/organisation_form.html", "organisation-form")
    return render(request, template, {"form": form})


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _detail_context(organisation_pk: int, forms: dict[str, Any] | None = None) -> dict[str, Any]:
    organisation = selectors.beheer_organisation_get(pk=organisation_pk)
    status = organisation.status
    S = Organisation.Status
    forms = forms or {}
    checklist = checklist_for(organisation)
    return {
        "organisation": organisation,
        "checklist": checklist,
        "stuck": checklist.is_stuck(timezone.now()),
        "days_waiting": checklist.days_waiting(timezone.now()),
        "invitations": selectors.beheer_organisation_invitations(organisation=organisation),
        "audit_url": reverse("partners:beheer_audit") + f"?organisation={organisation.pk}",
        "can_approve": status in (S.INVITED, S.ONBOARDING),
        "can_suspend": status in (S.INVITED, S.ONBOARDING, S.ACTIVE),
        "can_offboard": status != S.OFFBOARDED,
        "can_reactivate": status in (S.SUSPENDED, S.OFFBOARDED),
        "can_invite": status in _INVITABLE,
        "invite_form": forms.get("invite") or ContactInviteForm(prefix="invite"),
        "suspend_form": forms.get("suspend") or ReasonForm(prefix="suspend"),
        "offboard_form": forms.get("offboard") or ReasonForm(prefix="offboard"),
        "reactivate_form": forms.get("reactivate") or OptionalReasonForm(prefix="reactivate"),
    }


@require_GET
@portal_admin_required
def organisation_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return render(request, "partners/beheer/organisation_detail.html", _detail_context(pk))


# Invitations only make sense while the organisation is open (the link refuses closed ones).
_INVITABLE = (
    Organisation.Status.INVITED,
    Organisation.Status.ONBOARDING,
    Organisation.Status.ACTIVE,
)


@require_POST
@portal_admin_required
def organisation_invite_contact(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Invite a (further) organisation admin, e.g. the primary contact left out at creation."""
    organisation = selectors.beheer_organisation_get(pk=pk)
    if organisation.status not in _INVITABLE:
        messages.error(
            request, _("Een geschorste of vertrokken organisatie kan niemand uitnodigen.")
        )
        return redirect("partners:beheer_organisation", pk=pk)
    form = ContactInviteForm(request.POST, prefix="invite")
    if form.is_valid():
        data = form.cleaned_data
        try:
            invitation_services.invitation_create(
                actor=request.user,
                organisation=organisation,
                email=data["email"],
                role=Membership.Role.ORG_ADMIN,
                full_name=data["full_name"],
                language=data["language"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("Uitnodiging verstuurd naar %(email)s.") % {"email": data["email"]}
            )
            return redirect("partners:beheer_organisation", pk=pk)
    return render(
        request, "partners/beheer/organisation_detail.html", _detail_context(pk, {"invite": form})
    )


@require_POST
@portal_admin_required
def invitation_resend(request: AuthedHttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    """A fresh link with a new 14-day validity; the old link stops working."""
    organisation = selectors.beheer_organisation_get(pk=pk)
    try:
        invitation = organisation.invitations.get(pk=invitation_pk)
    except Invitation.DoesNotExist:
        raise Http404 from None
    if organisation.status not in _INVITABLE:
        messages.error(
            request, _("Een geschorste of vertrokken organisatie kan niemand uitnodigen.")
        )
        return redirect("partners:beheer_organisation", pk=pk)
    try:
        invitation_services.invitation_resend(actor=request.user, invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Nieuwe uitnodiging verstuurd naar %(email)s.") % {"email": invitation.email}
        )
    return redirect("partners:beheer_organisation", pk=pk)


_STATUS_ACTIONS: dict[str, tuple[Callable[..., Organisation], type[Any], Any]] = {
    "suspend": (
        services.organisation_suspend,
        ReasonForm,
        gettext_lazy("Organisatie geschorst; de leden hebben geen toegang meer."),
    ),
    "offboard": (
        services.organisation_offboard,
        ReasonForm,
        gettext_lazy("Organisatie is vertrokken; de leden hebben geen toegang meer."),
    ),
    "reactivate": (
        services.organisation_reactivate,
        OptionalReasonForm,
        gettext_lazy("Organisatie is weer toegelaten."),
    ),
}


@require_POST
@portal_admin_required
def organisation_approve(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.beheer_organisation_get(pk=pk)
    try:
        services.organisation_approve(
            actor=request.user, organisation=organisation, request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Organisatie goedgekeurd; de leden hebben nu toegang."))
    return redirect("partners:beheer_organisation", pk=pk)


@require_POST
@portal_admin_required
def organisation_status(request: AuthedHttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in _STATUS_ACTIONS:
        raise Http404
    service, form_class, done = _STATUS_ACTIONS[action]
    organisation = selectors.beheer_organisation_get(pk=pk)
    form = form_class(request.POST, prefix=action)
    if form.is_valid():
        try:
            service(
                actor=request.user,
                organisation=organisation,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, done)
        return redirect("partners:beheer_organisation", pk=pk)
    context = _detail_context(pk, {action: form})
    return render(request, "partners/beheer/organisation_detail.html", context)


# --- Sharing groups -------------------------------------------------------------------------


@require_GET
@portal_admin_required
def sharing_group_list(request: AuthedHttpRequest) -> HttpResponse:
    return render(
        request,
        "partners/beheer/sharing_group_list.html",
        {"groups": selectors.sharing_group_list()},
    )


@require_http_methods(["GET", "POST"])
@portal_admin_required
def sharing_group_edit(request: AuthedHttpRequest, pk: int | None = None) -> HttpResponse:
    group = selectors.sharing_group_get(pk=pk) if pk is not None else None
    initial = None
    if group is not None:
        initial = {
            "name": group.name,
            "description": group.description,
            "membership_hidden": group.membership_hidden,
            "organisations": list(group.organisations.values_list("pk", flat=True)),
        }
    form = SharingGroupForm(request.POST or None, initial=initial, group=group)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if group is None:
                services.sharing_group_create(actor=request.user, request=request, **data)
                messages.success(request, _("Deelgroep aangemaakt."))
            else:
                services.sharing_group_update(
                    actor=request.user, group=group, request=request, **data
                )
                messages.success(request, _("Deelgroep opgeslagen."))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect("partners:beheer_sharing_groups")
    return render(
        request, "partners/beheer/sharing_group_form.html", {"form": form, "group": group}
    )


# --- Audit log ------------------------------------------------------------------------------


def _audit_filters(request: AuthedHttpRequest) -> tuple[AuditFilterForm, dict[str, Any]]:
    form = AuditFilterForm(request.GET or None, actions=selectors.audit_actions())
    filters: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        # Apply every filter that is valid; the invalid ones show their error on the page.
        data = form.cleaned_data
        organisation = data.get("organisation")
        filters = {
            "organisation_id": organisation.pk if organisation else None,
            "actor": data.get("actor") or "",
            "action": data.get("action") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }
    return form, filters


@require_GET
@vary_on_headers("HX-Request")
@portal_admin_required
def audit_log_view(request: AuthedHttpRequest) -> HttpResponse:
    form, filters = _audit_filters(request)
    events = selectors.audit_event_list(**filters)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    names = selectors.audit_organisation_names(page.object_list)
    rows = []
    for event in page.object_list:
        org_id = selectors.audit_event_organisation_id(event)
        rows.append(
            {
                "event": event,
                "organisation_id": org_id,
                "organisation_name": names.get(org_id) if org_id is not None else None,
                "data": json.dumps(event.data, ensure_ascii=False, sort_keys=True),
            }
        )
    filter_query = _filter_query(request)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "filter_query": filter_query,
        "export_url": reverse("partners:beheer_audit_export") + "?" + filter_query.urlencode(),
    }
    return render(
        request, _template(request, "partners/beheer/audit.html", "audit-results"), context
    )


@require_GET
@portal_admin_required
def audit_log_export(request: AuthedHttpRequest) -> HttpResponseBase:
    form, filters = _audit_filters(request)
    if form.is_bound and not form.is_valid():
        return redirect(reverse("partners:beheer_audit") + "?" + request.GET.urlencode())
    events = selectors.audit_event_list(**filters)
    # Exporting the audit trail is itself worth a trace.
    audit_log(
        action="audit.exported",
        actor=request.user,
        request=request,
        data={k: str(v) for k, v in filters.items() if v},
    )

    def rows() -> Iterator[list[Any]]:
        for event in events.iterator(chunk_size=2000):
            yield [
                timezone.localtime(event.created_at).isoformat(timespec="seconds"),
                event.action,
                event.actor.email if event.actor else "",
                event.target_type,
                event.target_id,
                selectors.audit_event_organisation_id(event) or "",
                event.ip_address or "",
                json.dumps(event.data, ensure_ascii=False, sort_keys=True),
            ]

    stamp = timezone.localdate().isoformat()
    return csv_response(
        filename=f"auditlog-{stamp}.csv",
        header=[
            _("tijdstip"),
            _("actie"),
            _("door"),
            _("soort object"),
            _("object-id"),
            _("organisatie-id"),
            _("IP-adres"),
            _("gegevens"),
        ],
        rows=rows(),
    )
