"""Who takes part: the participants section of an initiative, and the organisation admin's
page of invitations to answer."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from partners.access import can_view, managed_organisation_ids
from partners.http import AuthedHttpRequest

from ..forms_work import InviteForm, ParticipationForm
from ..models import Participation, ParticipationInvite
from ..permissions import can_edit_initiative, can_leave, can_manage_participants
from ..selectors import initiative_get
from ..selectors.work import (
    invitable_organisations,
    participation_invite_for_admin,
    participation_invites_for_admin,
)
from ..services import participants as services
from .work import (
    add_service_errors,
    render_section,
    section_refused,
    section_saved,
    section_submit,
    section_view,
)

SECTION = "participants"
INVITES_TEMPLATE = "initiatives/invites.html"


@require_GET
@vary_on_headers("HX-Request")
def participants(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return section_view(request, pk, SECTION)


@require_POST
def participation_invite(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    initiative = initiative_get(user=request.user, pk=pk)
    if not can_manage_participants(request.user, initiative):
        raise Http404
    form = InviteForm(request.POST, organisations=invitable_organisations(initiative=initiative))
    if form.is_valid():
        organisation = form.cleaned_data["organisation"]
        try:
            services.participation_invite(
                actor=request.user,
                initiative=initiative,
                organisation=organisation,
                message=form.cleaned_data["message"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            notice = _("%(org)s is uitgenodigd; de beheerders van die organisatie beslissen.") % {
                "org": organisation.name
            }
            return section_saved(request, initiative, SECTION, notice)
    return render_section(request, initiative, SECTION, forms={"invite_form": form})


@require_POST
def participation_invite_withdraw(
    request: AuthedHttpRequest, pk: int, invite_pk: int
) -> HttpResponse:
    initiative = initiative_get(user=request.user, pk=pk)
    if not can_manage_participants(request.user, initiative):
        raise Http404
    invite = get_object_or_404(ParticipationInvite, initiative=initiative, pk=invite_pk)
    try:
        services.participation_invite_withdraw(actor=request.user, invite=invite)
    except ValidationError as exc:
        return section_refused(request, initiative, SECTION, exc)
    notice = _("De uitnodiging aan %(org)s is ingetrokken.") % {"org": invite.organisation.name}
    return section_saved(request, initiative, SECTION, notice)


@require_POST
def participation_update(
    request: AuthedHttpRequest, pk: int, participation_pk: int
) -> HttpResponse:
    initiative = initiative_get(user=request.user, pk=pk)
    participation = get_object_or_404(
        Participation.objects.select_related("organisation"),
        initiative=initiative,
        pk=participation_pk,
    )
    participation.initiative = initiative
    if not services.can_update_participation(request.user, participation):
        raise Http404
    form = ParticipationForm(request.POST, instance=participation)
    return section_submit(
        request,
        initiative,
        SECTION,
        form=form,
        form_key=f"participation:{participation.pk}",
        write=lambda data: services.participation_update(
            actor=request.user,
            participation=participation,
            role=data["role"],
            brings=data["brings"],
            gets=data["gets"],
        ),
        notice=_("Bijgewerkt wat %(org)s brengt en haalt.")
        % {"org": participation.organisation.name},
    )


@require_POST
def participation_leave(request: AuthedHttpRequest, pk: int, participation_pk: int) -> HttpResponse:
    initiative = initiative_get(user=request.user, pk=pk)
    participation = get_object_or_404(
        Participation.objects.select_related("organisation"),
        initiative=initiative,
        pk=participation_pk,
    )
    participation.initiative = initiative
    if not (
        can_leave(request.user, participation) or can_edit_initiative(request.user, initiative)
    ):
        raise Http404
    organisation = participation.organisation
    services.participation_leave(actor=request.user, participation=participation)
    notice = _("%(org)s neemt niet meer deel aan dit initiatief.") % {"org": organisation.name}
    if not can_view(request.user, initiative):
        # The organisation's sight of an AMBER initiative ended with its participation.
        messages.success(request, notice)
        url = reverse("initiatives:list")
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return section_saved(request, initiative, SECTION, notice)


# --- The organisation admin's invitations -------------------------------------------------


def _invites_context(request: AuthedHttpRequest, **extra: Any) -> dict[str, Any]:
    return {"invites": list(participation_invites_for_admin(user=request.user)), **extra}


@require_GET
@vary_on_headers("HX-Request")
def invites(request: AuthedHttpRequest) -> HttpResponse:
    """Pending invitations for the organisations the user administers."""
    if not managed_organisation_ids(request.user):
        raise Http404
    template = INVITES_TEMPLATE
    if request.htmx and not request.htmx.boosted:
        template += "#invites"
    return render(request, template, _invites_context(request))


@require_POST
def invite_respond(request: AuthedHttpRequest, invite_pk: int) -> HttpResponse:
    invite = participation_invite_for_admin(user=request.user, pk=invite_pk)
    answer = request.POST.get("answer", "")
    error = ""
    if answer not in ("accept", "decline"):
        error = _("Kies accepteren of afwijzen.")
    else:
        try:
            services.participation_invite_respond(
                actor=request.user, invite=invite, accept=answer == "accept"
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    if error:
        if request.htmx:
            return render(
                request, INVITES_TEMPLATE + "#invites", _invites_context(request, error=error)
            )
        messages.error(request, error)
        return redirect("initiatives:invites")

    title = invite.initiative.title
    if answer == "accept":
        notice = _("%(org)s neemt nu deel aan “%(title)s”.") % {
            "org": invite.organisation.name,
            "title": title,
        }
        url = invite.initiative.get_absolute_url()
    else:
        notice = _("U heeft de uitnodiging voor “%(title)s” afgewezen.") % {"title": title}
        url = ""
    if request.htmx:
        return render(
            request,
            INVITES_TEMPLATE + "#invites",
            _invites_context(request, notice=notice, notice_url=url),
        )
    messages.success(request, notice)
    return redirect(url or reverse("initiatives:invites"))
