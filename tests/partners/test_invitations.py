"""Accepting invitations: new accounts, existing accounts, and every way a link can be bad."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from lmi_portal.core.models import AuditEvent, OutboxEmail
from partners.models import Invitation, Membership, Organisation, User
from partners.services import invitations as invitation_services
from partners.services.invitations import (
    InvitationProblem,
    InvitationUnavailable,
    invitation_accept_existing_user,
    invitation_accept_new_user,
    invitation_create,
    invitation_revoke,
)
from tests.factories import OrganisationFactory, member_of

pytestmark = pytest.mark.django_db

PASSWORD = "een-sterk-wachtwoord-2026"
NEW_EMAIL = "nieuw@bp3d.example"


@pytest.fixture
def invited_org(db) -> Organisation:
    """A company that was just created and invited; nobody has accepted yet."""
    return OrganisationFactory(name="Brabant Precisie 3D", status=Organisation.Status.INVITED)


def invite(actor, organisation, email=NEW_EMAIL, **kwargs) -> tuple[Invitation, str]:
    """Invite through the real service and read the link token from the queued email."""
    invitation = invitation_create(actor=actor, organisation=organisation, email=email, **kwargs)
    body = OutboxEmail.objects.filter(to=email).latest("pk").body_text
    token = re.search(r"/uitnodiging/([^/\s]+)/", body).group(1)
    return invitation, token


def accept_url(token: str) -> str:
    return reverse("partners:invitation_accept", args=[token])


def new_account_form(**overrides) -> dict[str, str]:
    return {
        "first_name": "Nina",
        "last_name": "de Boer",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }


def nothing_was_made(email: str = NEW_EMAIL) -> bool:
    return (
        not User.objects.filter(email__iexact=email).exists()
        and not EmailAddress.objects.filter(email__iexact=email).exists()
        and not Membership.objects.filter(user__email__iexact=email).exists()
    )


# --- A new account ----------------------------------------------------------------------------


def test_valid_link_shows_the_new_account_form(client, portal_admin, invited_org):
    _invitation, token = invite(portal_admin, invited_org, full_name="Nina de Boer")
    response = client.get(accept_url(token))
    body = response.content.decode()
    assert response.status_code == 200
    assert NEW_EMAIL in body
    assert 'name="password1"' in body
    assert response.context["form"].initial == {"first_name": "Nina", "last_name": "de Boer"}


def test_accepting_makes_a_verified_account_membership_and_signs_in(
    client, portal_admin, invited_org
):
    invitation, token = invite(
        portal_admin, invited_org, job_title="Planner", language="en", role="member"
    )
    response = client.post(accept_url(token), new_account_form())

    user = User.objects.get(email=NEW_EMAIL)
    assert (user.first_name, user.last_name, user.language) == ("Nina", "de Boer", "en")
    assert user.check_password(PASSWORD)
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == (NEW_EMAIL, True, True)
    membership = Membership.objects.get(user=user)
    assert (membership.organisation, membership.role, membership.job_title) == (
        invited_org,
        Membership.Role.MEMBER,
        "Planner",
    )
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.accepted_by == user
    invited_org.refresh_from_db()
    assert invited_org.status == Organisation.Status.ONBOARDING
    assert AuditEvent.objects.filter(action="invitation.accepted", actor=user).exists()
    assert AuditEvent.objects.filter(
        action="organisation.status_changed", target_id=str(invited_org.pk)
    ).exists()
    # Signed in as the new user, and on to the common understanding with an MFA nudge.
    assert client.session["_auth_user_id"] == str(user.pk)
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:common_understanding")
    page = client.get(response["Location"])
    assert "tweestapsverificatie" in page.content.decode().lower()


def test_new_org_admin_goes_to_mfa_setup_first(client, portal_admin, invited_org):
    _invitation, token = invite(portal_admin, invited_org, role=Membership.Role.ORG_ADMIN)
    response = client.post(accept_url(token), new_account_form())
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # The password was just set: setting up TOTP does not ask for it again.
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert 'name="code"' in page.content.decode()


def test_accepting_in_an_active_organisation_leaves_its_status(client, portal_admin, company):
    _invitation, token = invite(portal_admin, company)
    client.post(accept_url(token), new_account_form())
    company.refresh_from_db()
    assert company.status == Organisation.Status.ACTIVE
    assert Membership.objects.filter(user__email=NEW_EMAIL, organisation=company).exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"password2": "iets-heel-anders-2026"},
        {"password1": "kort", "password2": "kort"},
        {"password1": "123456789012345", "password2": "123456789012345"},
        {"first_name": ""},
    ],
    ids=["mismatch", "too-short", "numeric", "no-first-name"],
)
def test_bad_form_rerenders_with_input_kept_and_saves_nothing(
    client, portal_admin, invited_org, overrides
):
    invitation, token = invite(portal_admin, invited_org)
    response = client.post(accept_url(token), new_account_form(**overrides))
    assert response.status_code == 200
    assert response.context["form"].errors
    if overrides.get("first_name", "Nina"):
        assert 'value="Nina"' in response.content.decode()
    assert nothing_was_made()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert "_auth_user_id" not in client.session


# --- Abuse: every bad link fails safely ---------------------------------------------------------


def _expired(client, admin, org):
    invitation, token = invite(admin, org)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    return token


def _revoked(client, admin, org):
    invitation, token = invite(admin, org)
    invitation_revoke(actor=admin, invitation=invitation)
    return token


def _replaced_by_resend(client, admin, org):
    invitation, token = invite(admin, org)
    invitation_services.invitation_resend(actor=admin, invitation=invitation)
    return token


def _tampered(client, admin, org):
    _invitation, token = invite(admin, org)
    raw, _sep, signature = token.rpartition(":")
    return f"{raw[:-1]}{'A' if raw[-1] != 'A' else 'B'}:{signature}"


def _unknown(client, admin, org):
    return signing.Signer(salt="partners.invitation").sign("nooit-uitgegeven-token")


def _suspended(client, admin, org):
    _invitation, token = invite(admin, org)
    Organisation.objects.filter(pk=org.pk).update(status=Organisation.Status.SUSPENDED)
    return token


BAD_LINKS = {
    "expired": (_expired, "verlopen"),
    "revoked": (_revoked, "ingetrokken"),
    "replaced-by-resend": (_replaced_by_resend, "bestaat niet"),
    "tampered": (_tampered, "klopt niet"),
    "unknown": (_unknown, "bestaat niet"),
    "organisation-suspended": (_suspended, "neemt nu niet deel"),
}


@pytest.mark.parametrize("case", list(BAD_LINKS))
def test_bad_link_shows_what_to_do_and_makes_no_account(client, portal_admin, invited_org, case):
    make_token, phrase = BAD_LINKS[case]
    token = make_token(client, portal_admin, invited_org)

    page = client.get(accept_url(token))
    posted = client.post(accept_url(token), new_account_form())

    for response in (page, posted):
        assert response.status_code == 410
        body = response.content.decode()
        assert phrase in body
        assert "Traceback" not in body
        assert 'name="password1"' not in body
    assert nothing_was_made()
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(action="invitation.accepted").exists()


def test_link_expires_after_fourteen_days(client, portal_admin, invited_org):
    _invitation, token = invite(portal_admin, invited_org)
    with time_machine.travel(timezone.now() + timedelta(days=14, minutes=1)):
        response = client.post(accept_url(token), new_account_form())
    assert response.status_code == 410
    assert nothing_was_made()


def test_used_link_cannot_make_a_second_account(client, portal_admin, invited_org):
    _invitation, token = invite(portal_admin, invited_org)
    first = client.post(accept_url(token), new_account_form())
    assert first.status_code == 302
    client.logout()

    second = client.post(accept_url(token), new_account_form(first_name="Indringer"))

    assert second.status_code == 410
    assert "al gebruikt" in second.content.decode()
    assert User.objects.filter(email=NEW_EMAIL).count() == 1
    assert not User.objects.filter(first_name="Indringer").exists()
    assert Membership.objects.filter(user__email=NEW_EMAIL).count() == 1


def test_double_submit_claims_the_invitation_once(portal_admin, invited_org, monkeypatch):
    """Two submits that both passed the page's checks: the conditional UPDATE lets one win."""
    invitation, _token = invite(portal_admin, invited_org)
    stale = Invitation.objects.select_related("organisation").get(pk=invitation.pk)
    invitation_accept_new_user(
        invitation=invitation, first_name="Nina", last_name="de Boer", password=PASSWORD
    )
    # The second request looked before the first committed: it saw no account yet.
    monkeypatch.setattr(invitation_services, "invitation_existing_account", lambda **kw: None)

    with pytest.raises(InvitationUnavailable) as raised:
        invitation_accept_new_user(
            invitation=stale, first_name="Nina", last_name="de Boer", password=PASSWORD
        )

    assert raised.value.problem is InvitationProblem.USED
    assert User.objects.filter(email=NEW_EMAIL).count() == 1
    assert Membership.objects.filter(user__email=NEW_EMAIL).count() == 1


def test_revoked_after_the_page_was_opened_still_fails_on_submit(portal_admin, invited_org):
    invitation, _token = invite(portal_admin, invited_org)
    stale = Invitation.objects.select_related("organisation").get(pk=invitation.pk)
    invitation_revoke(actor=portal_admin, invitation=invitation)
    with pytest.raises(InvitationUnavailable) as raised:
        invitation_accept_new_user(
            invitation=stale, first_name="Nina", last_name="de Boer", password=PASSWORD
        )
    assert raised.value.problem is InvitationProblem.REVOKED
    assert nothing_was_made()


def test_signed_in_visitor_cannot_make_an_account_from_someone_elses_link(
    client, portal_admin, invited_org, member
):
    _invitation, token = invite(portal_admin, invited_org)
    client.force_login(member)
    response = client.post(accept_url(token), new_account_form())
    assert response.status_code == 200
    assert "Afmelden en verdergaan" in response.content.decode()
    assert nothing_was_made()
    assert client.session["_auth_user_id"] == str(member.pk)


# --- An address that already has an account ---------------------------------------------------


def test_existing_account_signed_in_joins_with_one_click(client, portal_admin, company, competitor):
    person = member_of(competitor, email="twee.petten@rmmv.example")
    invitation, token = invite(portal_admin, company, email=person.email, job_title="Adviseur")
    client.force_login(person)

    page = client.get(accept_url(token))
    assert page.status_code == 200
    assert f"Lid worden van {company.name}" in page.content.decode()
    assert not Membership.objects.filter(user=person, organisation=company).exists()

    response = client.post(accept_url(token))

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    membership = Membership.objects.get(user=person, organisation=company)
    assert (membership.role, membership.job_title) == (Membership.Role.MEMBER, "Adviseur")
    invitation.refresh_from_db()
    assert invitation.accepted_by == person
    assert User.objects.filter(email=person.email).count() == 1


def test_existing_account_not_signed_in_is_asked_to_sign_in_first(
    client, portal_admin, company, outsider
):
    invitation, token = invite(portal_admin, company, email=outsider.email)
    response = client.get(accept_url(token))
    body = response.content.decode()
    assert response.status_code == 200
    assert f"{reverse('account_login')}?{urlencode({'next': accept_url(token)})}" in body
    assert 'name="password1"' not in body
    client.post(accept_url(token), new_account_form())
    assert not Membership.objects.filter(user=outsider, organisation=company).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_existing_account_link_used_by_someone_else_adds_nothing(
    client, portal_admin, company, outsider, member
):
    invitation, token = invite(portal_admin, company, email=outsider.email)
    client.force_login(member)
    response = client.post(accept_url(token))
    assert response.status_code == 200
    assert "Afmelden en opnieuw aanmelden" in response.content.decode()
    assert not Membership.objects.filter(user=outsider, organisation=company).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_invitation_never_lowers_an_existing_role(org_admin, company, portal_admin):
    invitation, _token = invite(portal_admin, company, email=org_admin.email, role="member")
    membership = invitation_accept_existing_user(invitation=invitation, user=org_admin)
    assert membership.role == Membership.Role.ORG_ADMIN


def test_former_member_comes_back_through_an_invitation(portal_admin, company, member):
    Membership.objects.filter(user=member).update(end_date=timezone.localdate() - timedelta(1))
    invitation, _token = invite(portal_admin, company, email=member.email, role="org_admin")
    membership = invitation_accept_existing_user(invitation=invitation, user=member)
    assert membership.end_date is None
    assert membership.role == Membership.Role.ORG_ADMIN
    assert Membership.objects.current().filter(user=member, organisation=company).exists()


def test_existing_org_admin_invitation_requires_mfa_at_the_next_request(
    client, portal_admin, company, competitor
):
    person = member_of(competitor, email="twee.petten@rmmv.example")
    _invitation, token = invite(portal_admin, company, email=person.email, role="org_admin")
    client.force_login(person)
    assert client.get(reverse("dashboard")).status_code == 200  # a plain member until now
    client.post(accept_url(token))
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
