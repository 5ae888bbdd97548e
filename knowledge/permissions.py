"""Who may do what with a knowledge item. Seeing it is decided by partners.access, always first:
these predicates are only asked about items the user may already see."""

from __future__ import annotations

from typing import Any

from partners.access import is_active_member, managed_organisation_ids, user_organisation_ids

from .models import KnowledgeItem


def can_create_item(user: Any) -> bool:
    return is_active_member(user)


def can_edit_item(user: Any, item: KnowledgeItem) -> bool:
    """Members of the owner organisation and the item's owner edit it and add versions."""
    if not is_active_member(user):
        return False
    return item.owner_organisation_id in user_organisation_ids(user) or user.pk == item.owner_id


def can_attest_item(user: Any, item: KnowledgeItem) -> bool:
    """The item's owner, or an admin of the owner organisation, vouches that it is valid."""
    if not is_active_member(user):
        return False
    return user.pk == item.owner_id or item.owner_organisation_id in managed_organisation_ids(user)
