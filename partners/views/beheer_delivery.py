"""The portal admin's delivery pages: who receives what ("Ontvangers") and the delivery log.

Admin-only like every /beheer/ page (404 to anyone else). Admins see recipients, the kind of
message and whether it arrived, never its subject or body (a subject can name an item).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from lmi_portal.core.models import DigestPreference, OutboxEmail

from .. import selectors_delivery as selectors
from ..forms_beheer import DeliveryLogFilterForm, DeliveryRecipientFilterForm
from ..http import AuthedHttpRequest
from ..services.delivery import outbox_email_mark_bounced
from .beheer import _filter_query, _template, portal_admin_required

PAGE_SIZE = 50


@require_GET
@vary_on_headers("HX-Request")
@portal_admin_required
def delivery_recipients(request: AuthedHttpRequest) -> HttpResponse:
    form = DeliveryRecipientFilterForm(request.GET or None)
    query, problems_only = "", False
    if form.is_valid():
        query = form.cleaned_data["q"]
        problems_only = form.cleaned_data["problems"]
    recipients = selectors.delivery_recipient_list(query=query, problems_only=problems_only)
    page = Paginator(recipients, PAGE_SIZE).get_page(request.GET.get("page"))
    log_url = reverse("partners:beheer_delivery_log")
    frequencies = dict(DigestPreference.Frequency.choices)
    statuses = dict(OutboxEmail.Status.choices)
    users: list[Any] = list(page.object_list)  # annotated by the selector
    rows = [
        {
            "user": user,
            "frequency": frequencies.get(user.digest_frequency, user.digest_frequency),
            "digest_status": statuses.get(user.last_digest_email_status or "", ""),
            "log_url": f"{log_url}?{urlencode({'to': user.email})}",
        }
        for user in users
    ]
    context = {"form": form, "page": page, "rows": rows, "filter_query": _filter_query(request)}
    return render(
        request,
        _template(request, "partners/beheer/delivery_recipients.html", "recipient-results"),
        context,
    )


@require_GET
@vary_on_headers("HX-Request")
@portal_admin_required
def delivery_log(request: AuthedHttpRequest) -> HttpResponse:
    form = DeliveryLogFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {key: form.cleaned_data[key] for key in ("status", "category", "to")}
    emails = selectors.delivery_log(**filters)
    page = Paginator(emails, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for email in rows:
        email.message_kind = selectors.message_kind(email=email)  # type: ignore[attr-defined]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "failed": OutboxEmail.Status.FAILED,
        "filter_query": _filter_query(request),
        "here": request.get_full_path(),
    }
    return render(
        request,
        _template(request, "partners/beheer/delivery_log.html", "delivery-results"),
        context,
    )


@require_POST
@portal_admin_required
def delivery_mark_bounced(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    email = selectors.delivery_failed_email_get(pk=pk)
    try:
        marked = outbox_email_mark_bounced(actor=request.user, email=email, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            ngettext(
                "%(address)s is gemarkeerd als onbestelbaar; %(count)s contactpersoon gemarkeerd.",
                "%(address)s is gemarkeerd als onbestelbaar; %(count)s contactpersonen gemarkeerd.",
                marked,
            )
            % {"address": email.to, "count": marked},
        )
    log_url = reverse("partners:beheer_delivery_log")
    back = request.POST.get("next", "")
    # Back to the same filtered page of the log, never anywhere else.
    if not (
        back.startswith(log_url)
        and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    ):
        back = log_url
    return redirect(back)
