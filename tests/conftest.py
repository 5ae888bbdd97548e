"""The shared cast: two competing companies, the LMI cell and an outsider."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from partners.models import Membership, Organisation, User

from .factories import MembershipFactory, OrganisationFactory, UserFactory, member_of

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate limits and TOTP replay protection live in the cache; keep tests independent.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def company(db) -> Organisation:
    return OrganisationFactory(name="Dutch Defence Vehicle Systems", short_name="DDVS")


@pytest.fixture
def competitor(db) -> Organisation:
    return OrganisationFactory(name="Rheinmetall MAN Military Vehicles Nederland")


@pytest.fixture
def lmi_cell(db) -> Organisation:
    return OrganisationFactory(name="LMI-cel", kind=Organisation.Kind.DEFENCE_UNIT)


@pytest.fixture
def member(company) -> User:
    return member_of(company, email="lid@ddvs.example")


@pytest.fixture
def org_admin(company) -> User:
    """An organisation admin of ``company``, with TOTP (mandatory for organisation admins)."""
    user = UserFactory(email="beheerder@ddvs.example")
    MembershipFactory(user=user, organisation=company, role=Membership.Role.ORG_ADMIN)
    TOTP.activate(user, TOTP_SECRET)
    return user


@pytest.fixture
def outsider(competitor) -> User:
    """An active member of the portal, at a competing company."""
    return member_of(competitor, email="concurrent@rmmv.example")


@pytest.fixture
def programme_manager(lmi_cell) -> User:
    user = member_of(lmi_cell, email="pm@lmi.example", programme_manager=True)
    TOTP.activate(user, TOTP_SECRET)
    return user


@pytest.fixture
def portal_admin(db) -> User:
    user = UserFactory(email="beheer@lmi.example", portal_admin=True)
    TOTP.activate(user, TOTP_SECRET)
    return user


@pytest.fixture
def admin_client_with_mfa(client, portal_admin):
    client.force_login(portal_admin)
    return client
