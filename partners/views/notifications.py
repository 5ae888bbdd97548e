"""In-app notifications: the list, marking read, and the unread badge in the navigation.

Visibility is checked again when notifications are shown: a notification about an item the
user may no longer see (an initiative whose audience changed, an organisation that left) is
left out of the list, the badge and the mark-read actions.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from lmi_portal.core.models import Notification
from lmi_portal.core.notifications import (
    TargetVisibility,
    notification_list,
    notification_unread_count,
    notifications_mark_read,
)

from ..access import visible_queryset
from ..http import AuthedHttpRequest
from ..models import Shareable

PAGE_SIZE = 25
LIST_TEMPLATE = "partners/notifications/list.html"
# Sent to the page after marking read, so the badge in the navigation reloads itself.
READ_EVENT = "notifications-read"


def _visibility_for(user: Any) -> TargetVisibility:
    """Shareable targets go through the access policy; other targets need no check."""

    def visible(model: type[Model]) -> QuerySet[Any, Any] | None:
        if issubclass(model, Shareable):
            return visible_queryset(user, model._default_manager.all())
        return None

    return visible


def _notifications(user: Any) -> QuerySet[Notification, Any]:
    return notification_list(user=user, visible=_visibility_for(user))


@require_GET
def notifications(request: AuthedHttpRequest) -> HttpResponse:
    """The user's notifications, newest first, 25 a page; unread ones stand out."""
    qs = _notifications(request.user)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    has_unread = qs.filter(read_at__isnull=True).exists()
    return render(
        request,
        LIST_TEMPLATE,
        {"page": page, "filter_query": QueryDict(), "has_unread": has_unread},
    )


@require_POST
def notifications_mark_read_all(request: AuthedHttpRequest) -> HttpResponse:
    notifications_mark_read(user=request.user)
    messages.success(request, _("Alle meldingen zijn als gelezen gemarkeerd."))
    if request.htmx:
        return HttpResponseClientRedirect(reverse("partners:notifications"))
    return redirect("partners:notifications")


@require_POST
def notification_mark_read(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's own (still visible) notifications read; anything else is 404."""
    notification = _notifications(request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    notifications_mark_read(user=request.user, ids=[notification.pk])
    if request.htmx:
        notification.refresh_from_db(fields=["read_at"])
        response = render(
            request, LIST_TEMPLATE + "#notification-read", {"notification": notification}
        )
        return trigger_client_event(response, READ_EVENT)
    messages.success(request, _("Melding als gelezen gemarkeerd."))
    return redirect("partners:notifications")


@require_GET
def notifications_badge(request: AuthedHttpRequest) -> HttpResponse:
    """The unread count as a small badge, loaded by the navigation with htmx."""
    count = notification_unread_count(user=request.user, visible=_visibility_for(request.user))
    return render(request, "partners/notifications/_badge.html", {"unread_count": count})
