"""Dormant initiatives: the daily scan that flags initiatives nobody has worked on for a while.

An initiative in an active phase whose last activity is older than
``INITIATIVE_DORMANT_AFTER_DAYS`` is flagged once per dormant spell: ``dormant_since`` is set,
and only unflagged rows are selected, so a second run (or two at once) flags nothing new. The
next real activity (``initiative_touch``) clears the flag, so a later spell is flagged again.
The lead and the programme managers who may see the initiative get an in-app notification.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lmi_portal.core.notifications import notification_send
from lmi_portal.core.services import activity_record, audit_log
from partners.access import can_view, is_active_member
from partners.models import User
from partners.selectors import active_member_users

from ..models import Initiative
from ..models.initiative import ACTIVE_PHASES

BATCH_SIZE = 200
VERB = "initiative.dormant"


def _programme_managers() -> list[User]:
    return list(
        active_member_users().filter(portal_role=User.PortalRole.PROGRAMME_MANAGER).order_by("pk")
    )


def _notify(*, initiative: Initiative, managers: list[User], now: datetime) -> int:
    candidates: list[User] = list(managers)
    lead = initiative.lead
    if lead is not None and lead.is_active and all(lead.pk != m.pk for m in managers):
        candidates.append(lead)
    recipients = [u for u in candidates if is_active_member(u) and can_view(u, initiative)]
    title = initiative.title
    days = (now - initiative.last_activity_at).days
    return notification_send(
        recipients=recipients,
        verb=VERB,
        text=lambda: (
            _(
                "Het initiatief “%(title)s” ligt stil: al %(days)s dagen geen activiteit. "
                "Werk het bij, pauzeer het of sluit het af."
            )
            % {"title": title, "days": days}
        ),
        url=initiative.get_absolute_url(),
        target=initiative,
    )


def _flag_batch(*, now: datetime, cutoff: datetime, managers: list[User]) -> int:
    with transaction.atomic():
        # Rows another run has locked are skipped (PostgreSQL); that run flags them.
        ids = list(
            Initiative.objects.select_for_update(skip_locked=True)
            .filter(
                phase__in=ACTIVE_PHASES, last_activity_at__lt=cutoff, dormant_since__isnull=True
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH_SIZE]
        )
        if not ids:
            return 0
        Initiative.objects.filter(pk__in=ids, dormant_since__isnull=True).update(dormant_since=now)
        for initiative in Initiative.objects.filter(pk__in=ids).select_related("lead"):
            _notify(initiative=initiative, managers=managers, now=now)
            activity_record(verb=VERB, target=initiative, summary=initiative.title)
        audit_log(action="initiative.dormant_flagged", data={"ids": ids})
        return len(ids)


def initiatives_flag_dormant(*, now: datetime | None = None) -> int:
    """Flag every newly dormant initiative and notify its lead and programme managers.

    Works in batches, each in its own transaction; returns how many were flagged."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.INITIATIVE_DORMANT_AFTER_DAYS)
    managers = _programme_managers()
    total = 0
    while flagged := _flag_batch(now=now, cutoff=cutoff, managers=managers):
        total += flagged
    return total
