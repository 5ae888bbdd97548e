"""Writes of the partners app, one module per area; account services are re-exported here."""

from .accounts import (
    membership_changed,
    membership_end,
    membership_set,
    organisation_set_status,
    user_record_created,
    user_set_language,
    user_set_portal_role,
)

__all__ = [
    "membership_changed",
    "membership_end",
    "membership_set",
    "organisation_set_status",
    "user_record_created",
    "user_set_language",
    "user_set_portal_role",
]
