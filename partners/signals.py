"""Audit rows for authentication events raised by Django and allauth."""

from __future__ import annotations

from typing import Any

from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from lmi_portal.core.services import audit_log


@receiver(auth_signals.user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_log(action="auth.login", actor=user, target=user, request=request)


@receiver(auth_signals.user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_log(action="auth.logout", actor=user, target=user, request=request)


@receiver(auth_signals.user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # Only the address typed is kept; never the password.
    audit_log(
        action="auth.login_failed",
        request=request,
        data={"email": str(credentials.get("email") or credentials.get("username") or "")[:254]},
    )


@receiver(mfa_signals.authentication_failed)
def _mfa_failed(
    sender: Any, request: Any, user: Any, authenticator: Any = None, **kwargs: Any
) -> None:
    audit_log(action="auth.mfa_failed", actor=None, target=user, request=request)


_MFA_ACTIONS = {
    mfa_signals.authenticator_added: "mfa.added",
    mfa_signals.authenticator_removed: "mfa.removed",
    mfa_signals.authenticator_reset: "mfa.reset",
}


@receiver(list(_MFA_ACTIONS))
def _mfa_changed(
    sender: Any, signal: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any
) -> None:
    audit_log(
        action=_MFA_ACTIONS[signal],
        actor=user,
        target=user,
        request=request,
        data={"type": authenticator.type},
    )
