"""Reads of participants, obstacles, actions and comments, for the initiative's page."""

from __future__ import annotations

from typing import Any

from ..models import Initiative


def initiative_work_context(*, user: Any, initiative: Initiative) -> dict[str, Any]:
    """Template context for the participants, obstacles, actions and comments partials."""
    return {}
