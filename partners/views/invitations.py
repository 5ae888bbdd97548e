"""Accepting an invitation: the link from the email leads here, signed in or not."""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.account.internal.flows.login import record_authentication
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from lmi_portal.core.ratelimit import limit_per_address

from ..forms_invitations import NewAccountForm
from ..middleware import forget_mfa_decision
from ..models import Invitation, Membership, User
from ..services.invitations import (
    InvitationProblem,
    InvitationUnavailable,
    invitation_accept_existing_user,
    invitation_accept_new_user,
    invitation_check,
    invitation_existing_account,
)

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _problem(
    request: HttpRequest, problem: InvitationProblem, invitation: Invitation | None
) -> HttpResponse:
    """A page that says what is wrong with the link and what to do; no account is made."""
    accepted_by_visitor = (
        problem is InvitationProblem.USED
        and invitation is not None
        and request.user.is_authenticated
        and invitation.accepted_by_id == request.user.pk
    )
    context = {
        "problem": problem.value,
        "organisation": invitation.organisation if invitation is not None else None,
        "accepted_by_visitor": accepted_by_visitor,
    }
    return render(request, "partners/invitations/problem.html", context, status=410)


def _login_url(request: HttpRequest) -> str:
    return f"{reverse('account_login')}?{urlencode({'next': request.path})}"


@login_not_required
@never_cache  # the page is reached through a secret link and shows whom it is for
@require_http_methods(["GET", "POST"])
@limit_per_address("invitation-accept")
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    check = invitation_check(token=token)
    if check.problem is not None or check.invitation is None:
        return _problem(request, check.problem or InvitationProblem.UNKNOWN, check.invitation)
    invitation = check.invitation
    account = invitation_existing_account(invitation=invitation)
    if account is not None:
        return _accept_as_existing_account(request, invitation, account)
    if request.user.is_authenticated:
        # Making a new account would sign the visitor out of theirs: let them choose to.
        return render(
            request,
            "partners/invitations/sign_in_first.html",
            {"invitation": invitation, "login_url": _login_url(request), "new_account": True},
        )

    form = NewAccountForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = invitation_accept_new_user(
                invitation=invitation,
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password1"],
                request=request,
            )
        except InvitationUnavailable as exc:
            return _problem(request, exc.problem, invitation)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            login(request, user, backend=MODEL_BACKEND)
            # The password was chosen a moment ago, so it counts as a fresh (re)authentication:
            # allauth does not ask for it again before the new user sets up MFA.
            record_authentication(
                request, user, method="password", email=user.email, reauthenticated=True
            )
            return _after_joining(request, invitation, new_account=True)
    return render(
        request, "partners/invitations/accept.html", {"form": form, "invitation": invitation}
    )


def _accept_as_existing_account(
    request: HttpRequest, invitation: Invitation, account: User
) -> HttpResponse:
    if request.user.is_authenticated and request.user.pk == account.pk:
        if request.method == "POST":
            try:
                invitation_accept_existing_user(
                    invitation=invitation, user=account, request=request
                )
            except InvitationUnavailable as exc:
                return _problem(request, exc.problem, invitation)
            except ValidationError as exc:  # the address moved to another account meanwhile
                messages.error(request, " ".join(exc.messages))
                return redirect("dashboard")
            return _after_joining(request, invitation, new_account=False)
        return render(request, "partners/invitations/join.html", {"invitation": invitation})
    return render(
        request,
        "partners/invitations/sign_in_first.html",
        {"invitation": invitation, "login_url": _login_url(request), "new_account": False},
    )


def _after_joining(
    request: HttpRequest, invitation: Invitation, *, new_account: bool
) -> HttpResponse:
    organisation = invitation.organisation.name
    if invitation.role == Membership.Role.ORG_ADMIN:
        forget_mfa_decision(request)
        if new_account:
            messages.info(
                request,
                _(
                    "Welkom! Als beheerder van %(organisation)s beveiligt u uw account eerst "
                    "met tweestapsverificatie: scan de QR-code met een authenticator-app."
                )
                % {"organisation": organisation},
            )
            return redirect("mfa_activate_totp")
    if new_account:
        messages.info(
            request,
            _(
                "Welkom bij het LMI Portaal! Tip: beveilig uw account met tweestapsverificatie "
                "(menu rechtsboven)."
            ),
        )
        return redirect("partners:common_understanding")
    messages.success(
        request, _("U bent nu lid van %(organisation)s.") % {"organisation": organisation}
    )
    return redirect("dashboard")
