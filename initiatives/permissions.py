from __future__ import annotations

from typing import Any

from partners.access import is_active_member, user_organisation_ids

from .models import Initiative


def can_create_initiative(user: Any) -> bool:
    return is_active_member(user)


def can_edit_initiative(user: Any, initiative: Initiative) -> bool:
    """Members of the owner organisation edit; seeing it is checked before this is asked."""
    return initiative.owner_organisation_id in user_organisation_ids(user)
