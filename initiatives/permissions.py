"""Who may do what with an initiative. Seeing it is decided by partners.access, always first:
these predicates are only asked about initiatives the user may already see."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from partners.access import is_active_member, managed_organisation_ids, user_organisation_ids

from .models import Initiative, Participation, ParticipationInvite


def can_create_initiative(user: Any) -> bool:
    return is_active_member(user)


def is_programme_manager(user: Any) -> bool:
    return bool(getattr(user, "is_programme_manager", False)) and is_active_member(user)


def can_edit_initiative(user: Any, initiative: Initiative) -> bool:
    """The owner organisation's members, the lead and deputy, and programme managers (the
    LMI cell carries initiatives through their phases) edit and move an initiative."""
    if not is_active_member(user):
        return False
    return (
        initiative.owner_organisation_id in user_organisation_ids(user)
        or user.pk in (initiative.lead_id, initiative.deputy_id)
        or is_programme_manager(user)
    )


def is_participant(
    user: Any, initiative: Initiative, participations: Iterable[Participation] | None = None
) -> bool:
    """Whether one of the user's organisations takes part: one query, or none when the
    caller has the initiative's ``participations`` in hand already."""
    orgs = user_organisation_ids(user)
    if not orgs:
        return False
    if participations is not None:
        return any(p.organisation_id in orgs for p in participations)
    return Participation.objects.filter(initiative=initiative, organisation_id__in=orgs).exists()


def can_contribute(
    user: Any, initiative: Initiative, participations: Iterable[Participation] | None = None
) -> bool:
    """Editors and members of participating organisations raise obstacles and actions."""
    return can_edit_initiative(user, initiative) or is_participant(user, initiative, participations)


def can_comment(user: Any, initiative: Initiative) -> bool:
    """Every active member who can see the initiative may react to it."""
    return is_active_member(user)


def can_manage_participants(user: Any, initiative: Initiative) -> bool:
    return can_edit_initiative(user, initiative)


def can_respond_to_invite(user: Any, invite: ParticipationInvite) -> bool:
    """An admin of the invited organisation accepts or declines."""
    return invite.organisation_id in managed_organisation_ids(user)


def can_leave(user: Any, participation: Participation) -> bool:
    """An admin of the participating organisation takes it out again."""
    return participation.organisation_id in managed_organisation_ids(user)
