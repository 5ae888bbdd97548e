"""Members and roles: only the organisation's own admins manage them; one admin always remains."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lmi_portal.core.models import AuditEvent, OutboxEmail
from partners.models import Invitation, Membership, User
from partners.services import invitations as invitation_services
from partners.services import members as services
from tests.conftest import TOTP_SECRET
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def other_org_admin(competitor) -> User:
    """An organisation admin, but of the competing company."""
    user = UserFactory(email="beheerder@rmmv.example")
    MembershipFactory(user=user, organisation=competitor, role=Membership.Role.ORG_ADMIN)
    return user


def sign_in(client, user: User) -> None:
    """Sign in; organisation admins need a second factor, so they get one first."""
    is_org_admin = Membership.objects.filter(user=user, role=Membership.Role.ORG_ADMIN).exists()
    if is_org_admin and not Authenticator.objects.filter(user=user).exists():
        TOTP.activate(user, TOTP_SECRET)
    client.force_login(user)


def membership(user, organisation) -> Membership:
    return Membership.objects.get(user=user, organisation=organisation)


def members_url(organisation):
    return reverse("partners:members", args=[organisation.pk])


def role_url(m: Membership):
    return reverse("partners:member_role", args=[m.organisation_id, m.pk])


def deactivate_url(m: Membership):
    return reverse("partners:member_deactivate", args=[m.organisation_id, m.pk])


# --- The members page -----------------------------------------------------------------------


def test_org_admin_sees_members_and_open_invitations(client, org_admin, member, company):
    Membership.objects.filter(user=member).update(job_title="Monteur")
    invitation_services.invitation_create(
        actor=org_admin,
        organisation=company,
        email="nieuw@ddvs.example",
        full_name="Nieuwe Collega",
    )
    sign_in(client, org_admin)
    response = client.get(members_url(company))
    body = response.content.decode()
    assert response.status_code == 200
    assert member.email in body and "Monteur" in body
    assert "nieuw@ddvs.example" in body and "Nieuwe Collega" in body
    assert reverse("partners:member_import", args=[company.pk]) in body
    assert 'id="invite-form"' in body


def test_other_organisations_admin_gets_404_on_members_page(client, other_org_admin, company):
    sign_in(client, other_org_admin)
    assert client.get(members_url(company)).status_code == 404


def test_plain_member_gets_404_on_members_page(client, member, company):
    sign_in(client, member)
    assert client.get(members_url(company)).status_code == 404


def test_missing_organisation_is_404_like_a_forbidden_one(client, org_admin):
    sign_in(client, org_admin)
    assert client.get(reverse("partners:members", args=[999999])).status_code == 404


def test_org_admin_of_onboarding_organisation_reaches_members_page(client):
    organisation = OrganisationFactory(onboarding=True)
    admin = UserFactory()
    MembershipFactory(user=admin, organisation=organisation, role=Membership.Role.ORG_ADMIN)
    sign_in(client, admin)
    assert client.get(members_url(organisation)).status_code == 200


def test_ended_members_are_not_listed(client, org_admin, member, company):
    services.membership_deactivate(actor=org_admin, membership=membership(member, company))
    sign_in(client, org_admin)
    assert member.email not in client.get(members_url(company)).content.decode()


def _add_members_and_invitations(organisation, count: int) -> None:
    for n in range(count):
        member_of(organisation)
        Invitation.objects.create(
            organisation=organisation,
            email=f"uitgenodigd{n}@ddvs.example",
            token_hash=f"{n:064d}",
            expires_at="2999-01-01T00:00Z",
        )


def test_members_page_query_count_is_constant(
    client, org_admin, company, django_assert_num_queries
):
    sign_in(client, org_admin)
    client.get(members_url(company))  # warm per-process caches
    with CaptureQueriesContext(connection) as one_member:
        response = client.get(members_url(company))
    assert len(response.context["memberships"]) == 1

    _add_members_and_invitations(company, 9)
    # The same queries for 10 members and 9 invitations as for 1 member: session, user,
    # middleware checks, organisation, memberships with users, open invitations.
    with django_assert_num_queries(len(one_member)):
        response = client.get(members_url(company))
    assert len(response.context["memberships"]) == 10
    assert response.content.decode().count('<tr id="membership-') == 10
    assert len(response.context["invitations"]) == 9


# --- Inviting one colleague ------------------------------------------------------------------


def test_invite_one_colleague_sends_an_invitation(
    client, org_admin, company, mailoutbox, django_capture_on_commit_callbacks
):
    sign_in(client, org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("partners:member_invite", args=[company.pk]),
            {
                "full_name": "Jan Testpersoon",
                "email": "Jan@DDVS.example",
                "job_title": "Planner",
                "role": Membership.Role.MEMBER,
            },
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(organisation=company)
    assert (invitation.email, invitation.full_name, invitation.job_title) == (
        "jan@ddvs.example",
        "Jan Testpersoon",
        "Planner",
    )
    assert invitation.invited_by == org_admin
    assert [m.to for m in mailoutbox] == [["jan@ddvs.example"]]
    assert AuditEvent.objects.filter(action="invitation.created", actor=org_admin).exists()


def test_invite_by_htmx_redirects_with_hx_redirect(client, org_admin, company):
    sign_in(client, org_admin)
    response = client.post(
        reverse("partners:member_invite", args=[company.pk]),
        {"full_name": "Jan", "email": "jan@ddvs.example", "role": Membership.Role.ORG_ADMIN},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == members_url(company)
    assert Invitation.objects.get().role == Membership.Role.ORG_ADMIN


@pytest.mark.parametrize("htmx", [False, True])
def test_invalid_invite_rerenders_the_form_and_saves_nothing(client, org_admin, company, htmx):
    sign_in(client, org_admin)
    response = client.post(
        reverse("partners:member_invite", args=[company.pk]),
        {"full_name": "", "email": "geen-adres", "role": Membership.Role.MEMBER},
        headers=HTMX if htmx else {},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "er is nog niets verstuurd" in body
    assert ("<html" in body) is not htmx
    assert not Invitation.objects.exists()
    assert not OutboxEmail.objects.exists()


def test_inviting_a_current_member_is_refused(client, org_admin, member, company):
    sign_in(client, org_admin)
    response = client.post(
        reverse("partners:member_invite", args=[company.pk]),
        {"full_name": "Lid", "email": member.email, "role": Membership.Role.MEMBER},
    )
    assert "al lid van deze organisatie" in response.content.decode()
    assert not Invitation.objects.exists()


def test_other_organisations_admin_cannot_invite_into_it(client, other_org_admin, company):
    sign_in(client, other_org_admin)
    response = client.post(
        reverse("partners:member_invite", args=[company.pk]),
        {"full_name": "Spion", "email": "spion@rmmv.example", "role": Membership.Role.ORG_ADMIN},
    )
    assert response.status_code == 404
    assert not Invitation.objects.exists()


def test_resend_by_htmx_returns_the_invitations_fragment(client, org_admin, company):
    invitation = invitation_services.invitation_create(
        actor=org_admin, organisation=company, email="nieuw@ddvs.example"
    )
    old_hash = invitation.token_hash
    sign_in(client, org_admin)
    response = client.post(
        reverse("partners:member_invitation_resend", args=[company.pk, invitation.pk]),
        headers=HTMX,
    )
    body = response.content.decode()
    invitation.refresh_from_db()
    assert body.lstrip().startswith('<section id="invitations"')
    assert "opnieuw verstuurd" in body
    assert invitation.token_hash != old_hash and invitation.sent_count == 2


def test_revoke_removes_the_invitation_from_the_list(client, org_admin, company):
    invitation = invitation_services.invitation_create(
        actor=org_admin, organisation=company, email="nieuw@ddvs.example"
    )
    sign_in(client, org_admin)
    response = client.post(
        reverse("partners:member_invitation_revoke", args=[company.pk, invitation.pk])
    )
    invitation.refresh_from_db()
    assert response.status_code == 302
    assert invitation.revoked_at is not None
    page = client.get(members_url(company))
    assert "ingetrokken" in page.content.decode()
    assert list(page.context["invitations"]) == []
    assert AuditEvent.objects.filter(action="invitation.revoked").exists()


def test_other_organisations_admin_cannot_revoke_its_invitations(
    client, org_admin, other_org_admin, company, competitor
):
    invitation = invitation_services.invitation_create(
        actor=org_admin, organisation=company, email="nieuw@ddvs.example"
    )
    sign_in(client, other_org_admin)
    for url in (
        reverse("partners:member_invitation_revoke", args=[company.pk, invitation.pk]),
        # Their own organisation's URL with our invitation's id is no way in either.
        reverse("partners:member_invitation_revoke", args=[competitor.pk, invitation.pk]),
    ):
        assert client.post(url).status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# --- Roles -----------------------------------------------------------------------------------


def test_org_admin_promotes_a_member_and_htmx_gets_the_updated_row(
    client, org_admin, member, company
):
    target = membership(member, company)
    sign_in(client, org_admin)
    response = client.post(role_url(target), {"role": Membership.Role.ORG_ADMIN}, headers=HTMX)
    body = response.content.decode()
    target.refresh_from_db()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="membership-{target.pk}"')
    assert "Rol opgeslagen" in body
    assert target.role == Membership.Role.ORG_ADMIN
    event = AuditEvent.objects.get(action="membership.role_changed", actor=org_admin)
    assert event.data == {"organisation": company.pk, "from": "member", "to": "org_admin"}


def test_role_change_without_htmx_redirects_back_to_the_page(client, org_admin, member, company):
    sign_in(client, org_admin)
    response = client.post(
        role_url(membership(member, company)), {"role": Membership.Role.ORG_ADMIN}
    )
    assert response.status_code == 302 and response["Location"] == members_url(company)


def test_member_cannot_raise_their_own_role(client, member, company):
    own = membership(member, company)
    sign_in(client, member)
    response = client.post(role_url(own), {"role": Membership.Role.ORG_ADMIN}, headers=HTMX)
    own.refresh_from_db()
    assert response.status_code == 404
    assert own.role == Membership.Role.MEMBER
    assert not AuditEvent.objects.filter(action="membership.role_changed").exists()


def test_member_cannot_raise_their_own_role_through_the_service(member, company):
    with pytest.raises(PermissionDenied):
        services.membership_change_role(
            actor=member, membership=membership(member, company), role=Membership.Role.ORG_ADMIN
        )
    assert membership(member, company).role == Membership.Role.MEMBER


def test_other_organisations_admin_gets_404_on_role_change(
    client, other_org_admin, member, company
):
    sign_in(client, other_org_admin)
    response = client.post(
        role_url(membership(member, company)), {"role": Membership.Role.ORG_ADMIN}
    )
    assert response.status_code == 404
    assert membership(member, company).role == Membership.Role.MEMBER


def test_last_org_admin_cannot_demote_themselves(client, org_admin, company):
    own = membership(org_admin, company)
    sign_in(client, org_admin)
    response = client.post(role_url(own), {"role": Membership.Role.MEMBER}, headers=HTMX)
    own.refresh_from_db()
    assert response.status_code == 200
    assert "minstens één beheerder" in response.content.decode()
    assert own.role == Membership.Role.ORG_ADMIN


def test_last_org_admin_invariant_holds_in_the_service(org_admin, company):
    with pytest.raises(ValidationError, match="minstens één beheerder"):
        services.membership_change_role(
            actor=org_admin, membership=membership(org_admin, company), role="member"
        )


def test_suspended_account_does_not_count_as_the_remaining_admin(org_admin, company):
    other = UserFactory(suspended=True)
    MembershipFactory(user=other, organisation=company, role=Membership.Role.ORG_ADMIN)
    with pytest.raises(ValidationError):
        services.membership_change_role(
            actor=org_admin, membership=membership(org_admin, company), role="member"
        )


def test_org_admin_may_step_down_when_another_admin_remains(client, org_admin, member, company):
    services.membership_change_role(
        actor=org_admin, membership=membership(member, company), role=Membership.Role.ORG_ADMIN
    )
    sign_in(client, org_admin)
    response = client.post(
        role_url(membership(org_admin, company)), {"role": Membership.Role.MEMBER}, headers=HTMX
    )
    # Stepping down ends their right to this page, so htmx goes elsewhere (not a bare 302).
    assert response["HX-Redirect"] == reverse("dashboard")
    assert membership(org_admin, company).role == Membership.Role.MEMBER
    assert client.get(members_url(company)).status_code == 404


def test_invalid_role_is_refused(client, org_admin, member, company):
    sign_in(client, org_admin)
    response = client.post(role_url(membership(member, company)), {"role": "god"}, headers=HTMX)
    assert "Kies een geldige rol" in response.content.decode()
    assert membership(member, company).role == Membership.Role.MEMBER


# --- Deactivation ----------------------------------------------------------------------------


def test_deactivation_page_asks_for_confirmation(client, org_admin, member, company):
    sign_in(client, org_admin)
    response = client.get(deactivate_url(membership(member, company)))
    assert response.status_code == 200
    assert "op alle apparaten afgemeld" in response.content.decode()
    assert membership(member, company).end_date is None


def test_deactivated_member_is_signed_out_at_their_next_request(client, org_admin, member, company):
    sign_in(client, member)
    assert client.get(reverse("dashboard")).status_code == 200
    epoch = member.session_epoch

    services.membership_deactivate(actor=org_admin, membership=membership(member, company))

    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    member.refresh_from_db()
    assert member.session_epoch == epoch + 1
    assert membership(member, company).end_date is not None


def test_deactivation_through_the_page_is_audited(client, org_admin, member, company):
    target = membership(member, company)
    sign_in(client, org_admin)
    response = client.post(deactivate_url(target))
    assert response.status_code == 302 and response["Location"] == members_url(company)
    assert AuditEvent.objects.filter(action="membership.ended", target_id=str(target.pk)).exists()
    event = AuditEvent.objects.get(action="membership.deactivated", actor=org_admin)
    assert event.data["user"] == member.pk and event.data["sessions_ended"] is True
    # Deactivated: no longer in the list and no second deactivation.
    assert client.post(deactivate_url(target)).status_code == 404


def test_deactivate_by_htmx_gets_hx_redirect(client, org_admin, member, company):
    sign_in(client, org_admin)
    response = client.post(deactivate_url(membership(member, company)), headers=HTMX)
    assert response["HX-Redirect"] == members_url(company)


def test_last_org_admin_cannot_be_deactivated(client, org_admin, company):
    sign_in(client, org_admin)
    response = client.post(deactivate_url(membership(org_admin, company)), follow=True)
    assert "laatste beheerder" in response.content.decode()
    assert membership(org_admin, company).end_date is None
    org_admin.refresh_from_db()
    assert org_admin.session_epoch == 0


def test_an_admin_can_be_deactivated_when_another_admin_remains(org_admin, member, company):
    second = UserFactory()
    MembershipFactory(user=second, organisation=company, role=Membership.Role.ORG_ADMIN)
    services.membership_deactivate(actor=second, membership=membership(org_admin, company))
    assert membership(org_admin, company).end_date is not None


def test_other_organisations_admin_gets_404_on_deactivation(
    client, other_org_admin, member, company
):
    sign_in(client, other_org_admin)
    assert client.get(deactivate_url(membership(member, company))).status_code == 404
    assert client.post(deactivate_url(membership(member, company))).status_code == 404
    assert membership(member, company).end_date is None
