"""Handover pages: the status list, and one handover (successor, execute, introductions).

Every view fetches through ``handover_get_for_user`` / ``handover_list``: whoever may not see
a handover gets the same 404 as for one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from partners.http import AuthedHttpRequest

from ..forms_handovers import (
    IntroductionsForm,
    SuccessorChooseForm,
    SuccessorInviteForm,
    SuccessorSearchForm,
)
from ..models import Handover, Person
from ..services import handovers as services

LIST_TEMPLATE = "network/handovers/list.html"
DETAIL_TEMPLATE = "network/handovers/detail.html"


def _redirect(request: AuthedHttpRequest, url: str) -> HttpResponse:
    """A redirect that htmx follows as a full page load (never a bare 302 to htmx)."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _detail_url(handover: Handover) -> str:
    return reverse("network:handover_detail", args=[handover.pk])


@require_GET
def handover_list(request: AuthedHttpRequest) -> HttpResponse:
    page = Paginator(services.handover_list(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, LIST_TEMPLATE, {"page": page, "today": timezone.localdate()})


def _detail_context(
    request: AuthedHttpRequest,
    handover: Handover,
    *,
    search_form: SuccessorSearchForm | None = None,
    invite_form: SuccessorInviteForm | None = None,
    intro_form: IntroductionsForm | None = None,
) -> dict[str, Any]:
    user = request.user
    is_open = handover.status == Handover.Status.OPEN
    can_invite = is_open and services.can_invite_successor(user=user, handover=handover)
    search_form = search_form or SuccessorSearchForm(request.GET or None)
    query = search_form.cleaned_data["q"] if search_form.is_valid() else ""
    context: dict[str, Any] = {
        "handover": handover,
        "today": timezone.localdate(),
        "is_open": is_open,
        "stewarded": list(services.handover_stewarded(handover=handover)[:50]),
        "search_form": search_form,
        "query": query,
        "candidates": services.successor_candidates(handover=handover, query=query)
        if is_open
        else [],
        "can_invite": can_invite,
        "invite_form": invite_form or (SuccessorInviteForm() if can_invite else None),
        "can_execute": is_open and handover.successor is not None,
    }
    if is_open:
        context["preview"] = services.moved_lines(services.handover_preview(handover=handover))
    else:
        context["moved"] = services.moved_lines(handover.moved)
    if handover.status == Handover.Status.DONE and handover.successor is not None:
        can_introduce = services.can_send_introductions(user=user, handover=handover)
        contacts = services.handover_top_contacts(handover=handover) if can_introduce else []
        context.update(
            can_introduce=can_introduce,
            contacts=contacts,
            introduced=services.handover_introduced_ids(handover=handover, contacts=contacts),
            intro_form=intro_form or IntroductionsForm(contacts=contacts),
        )
    return context


@require_GET
@vary_on_headers("HX-Request")
def handover_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The handover; htmx asks only for the successor search results."""
    handover = services.handover_get_for_user(user=request.user, pk=pk)
    template = DETAIL_TEMPLATE
    if request.htmx and not request.htmx.boosted:
        template += "#successor-candidates"
    return render(request, template, _detail_context(request, handover))


@require_POST
def handover_successor(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    handover = services.handover_get_for_user(user=request.user, pk=pk)
    form = SuccessorChooseForm(request.POST)
    if not form.is_valid():
        raise Http404
    successor = Person.objects.filter(
        pk=form.cleaned_data["person"], anonymised_at__isnull=True
    ).first()
    if successor is None:
        raise Http404
    try:
        services.handover_successor_set(actor=request.user, handover=handover, successor=successor)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("%(name)s is gekozen als opvolger.") % {"name": successor.full_name}
        )
    return _redirect(request, _detail_url(handover))


@require_POST
def handover_invite(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    handover = services.handover_get_for_user(user=request.user, pk=pk)
    if not services.can_invite_successor(user=request.user, handover=handover):
        raise Http404
    form = SuccessorInviteForm(request.POST)
    if form.is_valid():
        try:
            person = services.handover_successor_invite(
                actor=request.user, handover=handover, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("%(name)s is uitgenodigd en gekozen als opvolger.") % {"name": person.full_name},
            )
            return _redirect(request, _detail_url(handover))
    template = DETAIL_TEMPLATE + "#invite-form" if request.htmx else DETAIL_TEMPLATE
    return render(request, template, _detail_context(request, handover, invite_form=form))


@require_POST
def handover_execute(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    handover = services.handover_get_for_user(user=request.user, pk=pk)
    if handover.successor is None:
        messages.error(request, _("Kies eerst een opvolger."))
        return _redirect(request, _detail_url(handover))
    try:
        services.handover_execute(
            actor=request.user, handover=handover, successor=handover.successor
        )
    except ValidationError as exc:
        messages.error(
            request, _("Er is niets overgedragen: %(reason)s") % {"reason": " ".join(exc.messages)}
        )
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(
            request,
            _("De overdracht aan %(name)s is uitgevoerd.") % {"name": handover.successor},
        )
    return _redirect(request, _detail_url(handover))


@require_POST
def handover_introductions(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    handover = services.handover_get_for_user(user=request.user, pk=pk)
    if not services.can_send_introductions(user=request.user, handover=handover):
        raise Http404
    contacts = services.handover_top_contacts(handover=handover)
    form = IntroductionsForm(request.POST, contacts=contacts)
    if form.is_valid():
        try:
            queued = services.handover_introductions_send(
                actor=request.user, handover=handover, contact_ids=form.cleaned_data["contacts"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if queued:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s introductie verstuurd.",
                        "%(count)s introducties verstuurd.",
                        queued,
                    )
                    % {"count": queued},
                )
            else:
                messages.info(request, _("Deze contacten hebben de introductie al gekregen."))
            return _redirect(request, _detail_url(handover))
    return render(request, DETAIL_TEMPLATE, _detail_context(request, handover, intro_form=form))
