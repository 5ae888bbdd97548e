"""The werkgroep calendar: the page where a member makes, renews or stops their private feed
address, and the feed itself (no login: the token in the address is the key)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from lmi_portal.core.ratelimit import limit_per_address
from partners.access import is_active_member
from partners.http import AuthedHttpRequest

from ..services import calendar as services

# Calendar apps poll every 15 minutes to a few hours; this is far above that.


@never_cache  # shows the private address right after it is made
@require_http_methods(["GET", "POST"])
def calendar_settings(request: AuthedHttpRequest) -> HttpResponse:
    if not is_active_member(request.user):
        raise Http404
    token = ""
    stopped = False
    if request.method == "POST":
        if request.POST.get("doe") == "stop":
            stopped = services.calendar_feed_delete(actor=request.user)
        else:
            token = services.calendar_feed_issue(actor=request.user)
    feed_url = ""
    if token:
        path = reverse("initiatives:calendar_feed", kwargs={"token": token})
        feed_url = request.build_absolute_uri(path)
    context = {
        "feed": services.calendar_feed_for(user=request.user),
        "feed_url": feed_url,
        "stopped": stopped,
    }
    return render(request, "initiatives/werkgroep/calendar.html", context)


@login_not_required
@never_cache
@require_GET
@limit_per_address("werkgroep-feed")
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The meetings the feed's owner may see now; unknown, revoked or cut-off → 404."""
    try:
        user = services.calendar_feed_user(token=token)
    except services.CalendarFeedInvalid:
        raise Http404 from None
    body = services.calendar_ics(
        meetings=services.calendar_meetings(user=user), language=user.language
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="lmi-werkgroep.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
