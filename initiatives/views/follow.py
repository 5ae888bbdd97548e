"""Following: the follow button on an initiative, topic toggles and the Volgen page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from partners.http import AuthedHttpRequest

from ..selectors.follow import (
    TopicKind,
    can_follow,
    following_overview,
    initiative_follow_context,
)
from ..selectors.initiatives import initiative_get
from ..services.follow import initiative_follow_set, topic_follow_set

FOLLOWING_TEMPLATE = "initiatives/following.html"

# URL words for the kinds of topic one can follow.
TOPIC_KIND_SLUGS: dict[str, TopicKind] = {
    "thema": "theme",
    "systeem": "system",
    "organisatie": "organisation",
}


def _safe_next(request: AuthedHttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _wants_following(request: AuthedHttpRequest) -> bool:
    return request.POST.get("following") == "1"


@require_POST
def initiative_follow(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Follow or unfollow (``following=1|0``); htmx swaps the button, otherwise redirect."""
    initiative = initiative_get(user=request.user, pk=pk)
    if not can_follow(request.user):
        raise Http404
    following = initiative_follow_set(
        user=request.user, initiative=initiative, following=_wants_following(request)
    )
    next_url = _safe_next(request)
    if request.htmx:
        context = initiative_follow_context(user=request.user, initiative=initiative)
        context.update(initiative=initiative, next=next_url, oob=not next_url)
        return render(request, "initiatives/partials/_follow_response.html", context)
    if following:
        messages.success(request, _("U volgt dit initiatief nu."))
    else:
        messages.success(request, _("U volgt dit initiatief niet meer."))
    return redirect(next_url or initiative.get_absolute_url())


@require_POST
def topic_follow(request: AuthedHttpRequest, kind: str, pk: int) -> HttpResponse:
    """Follow or unfollow a theme, system or organisation from the Volgen page."""
    topic_kind = TOPIC_KIND_SLUGS.get(kind)
    if topic_kind is None or not can_follow(request.user):
        raise Http404
    following = _wants_following(request)
    topic = topic_follow_set(user=request.user, kind=topic_kind, pk=pk, following=following)
    if request.htmx:
        return render(
            request,
            "initiatives/partials/_follow_topic.html",
            {"item": topic, "kind": kind, "is_following": following},
        )
    if following:
        messages.success(request, _("U volgt “%(name)s” nu.") % {"name": topic})
    else:
        messages.success(request, _("U volgt “%(name)s” niet meer.") % {"name": topic})
    return redirect("initiatives:following")


@require_GET
def following(request: AuthedHttpRequest) -> HttpResponse:
    """The Volgen page: what the user follows, with toggles."""
    if not can_follow(request.user):
        raise Http404
    context = following_overview(user=request.user)
    context["next"] = reverse("initiatives:following")
    return render(request, FOLLOWING_TEMPLATE, context)
