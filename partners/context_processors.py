from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .access import is_active_member
from .middleware import GATE_OPEN_PATHS


def portal(request: HttpRequest) -> dict[str, Any]:
    """Navigation flags; templates only display what these say."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    is_member = signed_in and is_active_member(user)
    return {
        "nav_signed_in": signed_in,
        "nav_is_member": is_member,
        "nav_is_programme_manager": signed_in and getattr(user, "is_programme_manager", False),
        "nav_is_admin": signed_in and getattr(user, "is_portal_admin", False),
        # Loaded by htmx; on a gate page its request would be redirected to that same step
        # and reload the page (restarting a TOTP setup), so it waits until the gates are passed.
        "nav_load_badge": is_member and not request.path.startswith(GATE_OPEN_PATHS),
    }
