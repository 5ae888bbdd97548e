"""Who may do what with a knowledge item. Seeing it is decided by partners.access, always first:
these predicates are only asked about items the user may already see."""

from __future__ import annotations

from typing import Any

from partners.access import (
    can_view,
    is_active_member,
    managed_organisation_ids,
    user_organisation_ids,
)

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


def can_publish_item(user: Any, item: KnowledgeItem) -> bool:
    """Editors publish a draft; bringing an archived item back is for those who archive."""
    if item.status == KnowledgeItem.Status.DRAFT:
        return can_edit_item(user, item)
    if item.status == KnowledgeItem.Status.ARCHIVED:
        return can_attest_item(user, item)
    return False


def can_change_lesson_stage(user: Any, item: KnowledgeItem) -> bool:
    return item.kind == KnowledgeItem.Kind.LESSON and can_edit_item(user, item)


def can_view_item(user: Any, item: KnowledgeItem) -> bool:
    """The access policy's answer, plus the rule of drafts (see selectors.items)."""
    if not can_view(user, item):
        return False
    if item.status != KnowledgeItem.Status.DRAFT:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return item.owner_organisation_id in user_organisation_ids(user) or (
        item.created_by_id is not None and item.created_by_id == user.pk
    )
