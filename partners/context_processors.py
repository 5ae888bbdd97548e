from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .access import is_active_member


def portal(request: HttpRequest) -> dict[str, Any]:
    """Navigation flags; templates only display what these say."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "nav_signed_in": signed_in,
        "nav_is_member": signed_in and is_active_member(user),
        "nav_is_programme_manager": signed_in and getattr(user, "is_programme_manager", False),
        "nav_is_admin": signed_in and getattr(user, "is_portal_admin", False),
    }
