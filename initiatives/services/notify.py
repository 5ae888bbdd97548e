"""Telling followers what happened to an initiative, through the access policy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..models import Initiative


def initiative_followers_notify(
    *, initiative: Initiative, verb: str, text: Callable[[], str], actor: Any = None
) -> int:
    """Notify (in-app) everyone following the initiative, its themes, systems or
    organisations, who may see it. Call inside the writing transaction. Returns the count."""
    return 0
