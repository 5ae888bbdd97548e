"""Writes from the actions dashboard: marking an action done, whether it came from an
initiative or from a werkgroep meeting."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lmi_portal.core.services import activity_record, audit_log
from partners.models import User

from ..models import ActionItem
from ..selectors.actions import action_get, can_mark_done
from .activity import initiative_touch


@transaction.atomic
def action_mark_done(*, actor: User, action: ActionItem) -> ActionItem:
    """Mark an open action done (dated now). Marking a done action again changes nothing."""
    locked = action_get(user=actor, pk=action.pk, for_update=True)
    if not can_mark_done(actor, locked):
        raise PermissionDenied(_("Alleen de eigenaar of wie het initiatief beheert rondt af."))
    if locked.status == ActionItem.Status.DONE:
        return locked
    if locked.status != ActionItem.Status.OPEN:
        raise ValidationError(_("Alleen een open actie kan worden afgerond."))
    locked.status = ActionItem.Status.DONE
    locked.done_at = timezone.now()
    locked.save(update_fields=["status", "done_at", "updated_at"])
    target = locked.initiative or locked.meeting
    audit_log(
        action="action.status_changed",
        actor=actor,
        target=target,
        data={"action": locked.pk, "status": locked.status, "from_status": "open"},
    )
    if locked.initiative is not None:
        activity_record(
            verb="initiative.action_done",
            target=locked.initiative,
            actor=actor,
            summary=locked.title,
        )
        initiative_touch(locked.initiative)
    return locked
