"""View markers read by partners.middleware."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

V = TypeVar("V", bound=Callable[..., object])


def onboarding_allowed(view: V) -> V:
    """Let members of an organisation that is still onboarding reach this view.

    Everything else needs a current membership of an active organisation. The view itself
    still checks what the user may do there.
    """
    view.onboarding_allowed = True  # type: ignore[attr-defined]
    return view


def membership_not_required(view: V) -> V:
    """Let a signed-in user without any current membership reach this view.

    For the few pages that help such a person back in, like asking to join an organisation.
    """
    view.membership_not_required = True  # type: ignore[attr-defined]
    return view
