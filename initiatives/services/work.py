"""Writes on the work of an initiative: obstacles (belemmeringen) and actions (actiepunten),
and the handover mover for open actions."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lmi_portal.core.notifications import notification_send
from lmi_portal.core.services import activity_record, audit_log
from partners.access import can_view
from partners.models import User

from ..models import ActionItem, Initiative, Obstacle
from ..permissions import can_contribute
from ..selectors.work import initiative_owner_ids
from . import notify
from .activity import initiative_touch


def _not_allowed() -> PermissionDenied:
    return PermissionDenied(_("Dat mag u bij dit initiatief niet doen."))


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Geef een korte titel.")})
    return title


def _check_choice(field: str, value: str, choices: Any, message: str) -> None:
    if value not in choices.values:
        raise ValidationError({field: message})


def _check_owner(initiative: Initiative, owner: User | None) -> None:
    """An owner is an active member of the owner organisation or of a participant."""
    if owner is not None and owner.pk not in initiative_owner_ids(initiative=initiative):
        raise ValidationError(
            {
                "owner": _(
                    "De eigenaar moet werken bij de eigenaar van het initiatief of bij een "
                    "deelnemende organisatie."
                )
            }
        )


# --- Obstacles ----------------------------------------------------------------------------


@transaction.atomic
def obstacle_create(
    *,
    actor: User,
    initiative: Initiative,
    title: str,
    category: str,
    description: str = "",
    owner: User | None = None,
) -> Obstacle:
    """Raise an obstacle; followers of the initiative hear of it."""
    if not can_contribute(actor, initiative):
        raise _not_allowed()
    title = _clean_title(title)
    _check_choice("category", category, Obstacle.Category, _("Kies een categorie uit de lijst."))
    _check_owner(initiative, owner)
    obstacle = Obstacle(
        initiative=initiative,
        title=title,
        category=category,
        description=(description or "").strip(),
        owner=owner,
        created_by=actor,
    )
    obstacle.full_clean()
    obstacle.save()
    notify.initiative_followers_notify(
        initiative=initiative,
        verb="initiative.obstacle_raised",
        text=lambda: (
            _("Nieuwe belemmering bij “%(initiative)s”: %(title)s")
            % {"initiative": initiative.title, "title": title}
        ),
        actor=actor,
    )
    audit_log(
        action="obstacle.created",
        actor=actor,
        target=initiative,
        data={"obstacle": obstacle.pk, "category": category},
    )
    activity_record(
        verb="initiative.obstacle_raised", target=initiative, actor=actor, summary=title
    )
    initiative_touch(initiative)
    return obstacle


@transaction.atomic
def obstacle_update(
    *,
    actor: User,
    obstacle: Obstacle,
    status: str,
    category: str,
    owner: User | None,
    title: str | None = None,
    description: str | None = None,
) -> Obstacle:
    """Change an obstacle's status, category and owner (and, when given, its text).
    Resolving dates it today; reopening clears that date."""
    initiative = obstacle.initiative
    if not can_contribute(actor, initiative):
        raise _not_allowed()
    _check_choice("status", status, Obstacle.Status, _("Kies een status uit de lijst."))
    _check_choice("category", category, Obstacle.Category, _("Kies een categorie uit de lijst."))
    if owner is not None and owner.pk != obstacle.owner_id:
        _check_owner(initiative, owner)
    previous_status = obstacle.status
    if title is not None:
        obstacle.title = _clean_title(title)
    if description is not None:
        obstacle.description = description.strip()
    obstacle.category = category
    obstacle.owner = owner
    obstacle.status = status
    if status == Obstacle.Status.RESOLVED:
        if previous_status != Obstacle.Status.RESOLVED:
            obstacle.resolved_on = timezone.localdate()
    else:
        obstacle.resolved_on = None
    obstacle.full_clean()
    obstacle.save()
    audit_log(
        action="obstacle.updated",
        actor=actor,
        target=initiative,
        data={"obstacle": obstacle.pk, "status": status, "from_status": previous_status},
    )
    verb = (
        "initiative.obstacle_resolved"
        if status == Obstacle.Status.RESOLVED and previous_status != status
        else "initiative.obstacle_updated"
    )
    activity_record(verb=verb, target=initiative, actor=actor, summary=obstacle.title)
    initiative_touch(initiative)
    return obstacle


@transaction.atomic
def obstacle_escalate(*, actor: User, obstacle: Obstacle) -> Obstacle:
    """Put an obstacle on the werkgroep's list. Once: asking again changes nothing."""
    initiative = obstacle.initiative
    if not can_contribute(actor, initiative):
        raise _not_allowed()
    locked = Obstacle.objects.select_for_update().get(pk=obstacle.pk)
    if locked.escalated_at is not None:
        obstacle.escalated_at, obstacle.escalated_by_id = (
            locked.escalated_at,
            locked.escalated_by_id,
        )
        return obstacle
    if locked.status == Obstacle.Status.RESOLVED:
        raise ValidationError(_("Deze belemmering is al opgelost; de werkgroep hoeft er niet bij."))
    now = timezone.now()
    Obstacle.objects.filter(pk=locked.pk).update(
        escalated_at=now, escalated_by=actor, updated_at=now
    )
    obstacle.escalated_at, obstacle.escalated_by = now, actor
    audit_log(
        action="obstacle.escalated", actor=actor, target=initiative, data={"obstacle": obstacle.pk}
    )
    activity_record(
        verb="initiative.obstacle_escalated", target=initiative, actor=actor, summary=obstacle.title
    )
    initiative_touch(initiative)
    return obstacle


# --- Actions ------------------------------------------------------------------------------


def _notify_assigned(action: ActionItem, initiative: Initiative, actor: User) -> None:
    """Tell the new owner, if they may see the initiative; otherwise nobody hears of it."""
    owner = action.owner
    if owner is None or not can_view(owner, initiative):
        return
    title = action.title
    notification_send(
        recipients=[owner],
        verb="action.assigned",
        email_event="assigned",
        text=lambda: (
            _("U bent eigenaar van de actie “%(action)s” bij “%(initiative)s”.")
            % {"action": title, "initiative": initiative.title}
        ),
        url=f"{initiative.get_absolute_url()}#action-{action.pk}",
        target=initiative,
        actor=actor,
    )


@transaction.atomic
def action_create(
    *,
    actor: User,
    initiative: Initiative,
    title: str,
    owner: User | None = None,
    due_date: date | None = None,
) -> ActionItem:
    """Add an action; its owner is told in-app."""
    if not can_contribute(actor, initiative):
        raise _not_allowed()
    title = _clean_title(title)
    _check_owner(initiative, owner)
    action = ActionItem(
        initiative=initiative, title=title, owner=owner, due_date=due_date, created_by=actor
    )
    action.full_clean()
    action.save()
    _notify_assigned(action, initiative, actor)
    audit_log(action="action.created", actor=actor, target=initiative, data={"action": action.pk})
    activity_record(verb="initiative.action_added", target=initiative, actor=actor, summary=title)
    initiative_touch(initiative)
    return action


def _action_initiative(action: ActionItem) -> Initiative:
    if action.initiative is None:
        # Meeting actions without an initiative are the werkgroep's, not edited here.
        raise PermissionDenied(_("Dat mag u bij dit initiatief niet doen."))
    return action.initiative


@transaction.atomic
def action_update(
    *,
    actor: User,
    action: ActionItem,
    title: str,
    owner: User | None,
    due_date: date | None,
) -> ActionItem:
    """Change an action's title, owner and due date; a new owner is told in-app."""
    initiative = _action_initiative(action)
    if not can_contribute(actor, initiative):
        raise _not_allowed()
    title = _clean_title(title)
    new_owner = owner is not None and owner.pk != action.owner_id
    if new_owner:
        _check_owner(initiative, owner)
    action.title = title
    action.owner = owner
    action.due_date = due_date
    action.full_clean()
    action.save()
    if new_owner:
        _notify_assigned(action, initiative, actor)
    audit_log(action="action.updated", actor=actor, target=initiative, data={"action": action.pk})
    activity_record(verb="initiative.action_updated", target=initiative, actor=actor, summary=title)
    initiative_touch(initiative)
    return action


@transaction.atomic
def action_set_status(*, actor: User, action: ActionItem, status: str) -> ActionItem:
    """Open, done (dated now) or cancelled."""
    initiative = _action_initiative(action)
    if not can_contribute(actor, initiative):
        raise _not_allowed()
    _check_choice("status", status, ActionItem.Status, _("Kies een status uit de lijst."))
    if status == action.status:
        return action
    previous = action.status
    action.status = status
    action.done_at = timezone.now() if status == ActionItem.Status.DONE else None
    action.full_clean()
    action.save(update_fields=["status", "done_at", "updated_at"])
    audit_log(
        action="action.status_changed",
        actor=actor,
        target=initiative,
        data={"action": action.pk, "status": status, "from_status": previous},
    )
    activity_record(
        verb=f"initiative.action_{status}", target=initiative, actor=actor, summary=action.title
    )
    initiative_touch(initiative)
    return action


def action_owners_move(departing: Any, successor: Any, dry_run: bool = False) -> dict[str, int]:
    """Handover mover: the departing person's OPEN actions go to the successor.

    Runs inside the handover's transaction (see ``core.registry.handover_movers``). An owner is
    an account, so a successor without one cannot take over: raise before changing anything,
    and the whole handover stops. Finished and cancelled actions keep their owner (history).
    Nothing to move reports nothing, so the handover summary lists only what applies.
    """
    if departing.user_id is None:
        return {}
    open_actions = ActionItem.objects.filter(
        owner_id=departing.user_id, status=ActionItem.Status.OPEN
    )
    count = open_actions.count()
    if count == 0:
        return {}
    if dry_run:
        return {"action_owners": count}
    if successor is None or successor.user_id is None:
        raise ValidationError(
            ngettext(
                "De opvolger heeft nog geen account en kan dus nog geen eigenaar worden van "
                "%(count)s open actie. Wacht tot de uitnodiging is geaccepteerd.",
                "De opvolger heeft nog geen account en kan dus nog geen eigenaar worden van "
                "%(count)s open acties. Wacht tot de uitnodiging is geaccepteerd.",
                count,
            )
            % {"count": count}
        )
    moved = open_actions.update(owner_id=successor.user_id, updated_at=timezone.now())
    return {"action_owners": moved}
