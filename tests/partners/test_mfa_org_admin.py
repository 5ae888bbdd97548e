"""A second factor is mandatory for organisation admins, optional (and nudged) for members."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse
from django.utils import timezone

from partners.middleware import MFA_NOT_REQUIRED_TTL
from partners.models import Membership, Organisation
from tests.conftest import TOTP_SECRET
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def org_admin_of(organisation: Organisation, **user_kwargs):
    user = UserFactory(**user_kwargs)
    MembershipFactory(user=user, organisation=organisation, role=Membership.Role.ORG_ADMIN)
    return user


def test_org_admin_without_mfa_is_sent_to_mfa_setup(client, company):
    admin = org_admin_of(company)
    client.force_login(admin)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_org_admin_without_mfa_gets_hx_redirect_on_htmx_requests(client, company):
    client.force_login(org_admin_of(company))
    response = client.get(reverse("initiatives:list"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("mfa_activate_totp")


def test_org_admin_of_an_onboarding_organisation_needs_mfa_too(client):
    admin = org_admin_of(OrganisationFactory(onboarding=True))
    client.force_login(admin)
    response = client.get(reverse("partners:common_understanding"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_org_admin_without_mfa_can_still_reach_the_mfa_pages(client, company):
    client.force_login(org_admin_of(company))
    assert client.get(reverse("mfa_index")).status_code == 200


def test_org_admin_with_totp_reaches_the_portal(client, company):
    admin = org_admin_of(company)
    TOTP.activate(admin, TOTP_SECRET)
    client.force_login(admin)
    assert client.get(reverse("dashboard")).status_code == 200


def test_member_without_mfa_is_not_sent_to_mfa_setup(client, member):
    client.force_login(member)
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get(reverse("initiatives:list")).status_code == 200


def test_ended_org_admin_membership_no_longer_requires_mfa(client, company, competitor):
    admin = org_admin_of(company)
    MembershipFactory(user=admin, organisation=competitor)
    Membership.objects.filter(user=admin, organisation=company).update(
        end_date=timezone.localdate() - timedelta(days=1)
    )
    client.force_login(admin)
    assert client.get(reverse("dashboard")).status_code == 200


def test_member_promoted_to_org_admin_needs_mfa_within_a_minute(client, member, company):
    client.force_login(member)
    assert client.get(reverse("dashboard")).status_code == 200
    Membership.objects.filter(user=member, organisation=company).update(
        role=Membership.Role.ORG_ADMIN
    )
    with time_machine.travel(timezone.now() + timedelta(seconds=MFA_NOT_REQUIRED_TTL + 1)):
        response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
