"""Following initiatives and topics (themes, systems, organisations). Idempotent writes."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from lmi_portal.core.models import System, Theme
from lmi_portal.core.notifications import follow_set
from partners.access import can_view
from partners.models import Organisation

from ..models import Initiative
from ..selectors.follow import TopicKind, can_follow, follow_topic_get


@transaction.atomic
def initiative_follow_set(*, user: Any, initiative: Initiative, following: bool) -> bool:
    """Follow or unfollow an initiative the user may see; returns whether they now follow it."""
    if following and not (can_follow(user) and can_view(user, initiative)):
        raise PermissionDenied
    return follow_set(user=user, target=initiative, following=following)


@transaction.atomic
def topic_follow_set(
    *, user: Any, kind: TopicKind, pk: int, following: bool
) -> Theme | System | Organisation:
    """Follow or unfollow an active theme or system or a visible organisation (404 for
    anything else); returns the topic."""
    if following and not can_follow(user):
        raise PermissionDenied
    target = follow_topic_get(user=user, kind=kind, pk=pk)
    follow_set(user=user, target=target, following=following)
    return target
