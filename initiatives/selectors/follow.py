"""Reads of follows and followers."""

from __future__ import annotations

from typing import Any

from ..models import Initiative


def initiative_follow_context(*, user: Any, initiative: Initiative) -> dict[str, Any]:
    """Template context for the follow button and the followers partials."""
    return {}
