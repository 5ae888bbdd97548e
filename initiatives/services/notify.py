"""Telling followers what happened to an initiative, through the access policy."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from lmi_portal.core.models import System, Theme
from lmi_portal.core.notifications import followers_of_any, notification_send
from partners.access import can_view
from partners.models import TLP, Organisation
from partners.selectors import active_member_users

from ..models import Initiative, Participation

logger = logging.getLogger(__name__)

# Restricted items cost a few policy queries per candidate; a theme with more followers than
# this is a sign that something else is wrong, so we stop there and say so in the log.
MAX_RESTRICTED_CANDIDATES = 500


def _followers(initiative: Initiative) -> Any:
    """Active users with a current membership who follow the initiative, one of its themes or
    systems, its owner organisation or a participating organisation (one query when read)."""
    through_themes = Initiative.themes.through.objects.filter(initiative_id=initiative.pk)
    through_systems = Initiative.systems.through.objects.filter(initiative_id=initiative.pk)
    participants = Participation.objects.filter(initiative_id=initiative.pk)
    follower_ids = followers_of_any(
        targets=[
            (Initiative, [initiative.pk]),
            (Theme, through_themes.values("theme_id")),
            (System, through_systems.values("system_id")),
            (Organisation, [initiative.owner_organisation_id]),
            (Organisation, participants.values("organisation_id")),
        ]
    )
    return active_member_users().filter(pk__in=follower_ids).order_by("pk")


def initiative_followers_notify(
    *, initiative: Initiative, verb: str, text: Callable[[], str], actor: Any = None
) -> int:
    """Notify (in-app) everyone following the initiative, its themes, systems or
    organisations, who may see it. Call inside the writing transaction. Returns the count."""
    candidates = _followers(initiative)
    if actor is not None and actor.pk is not None:
        candidates = candidates.exclude(pk=actor.pk)
    if initiative.tlp in (TLP.CLEAR, TLP.GREEN):
        # Every active member may see these, and the candidates are exactly active members.
        recipients = list(candidates)
    else:
        limited = list(candidates[: MAX_RESTRICTED_CANDIDATES + 1])
        if len(limited) > MAX_RESTRICTED_CANDIDATES:
            logger.warning(
                "Initiative %s has more than %s followers to check; notifying the first ones",
                initiative.pk,
                MAX_RESTRICTED_CANDIDATES,
            )
            limited = limited[:MAX_RESTRICTED_CANDIDATES]
        recipients = [user for user in limited if can_view(user, initiative)]
    return notification_send(
        recipients=recipients,
        verb=verb,
        text=text,
        url=initiative.get_absolute_url(),
        target=initiative,
        actor=actor,
    )
