"""The Django admin: admins manage accounts and vocabularies, never content."""

import pytest
from django.urls import reverse

from lmi_portal.core.models import AuditEvent
from partners.models import User

pytestmark = pytest.mark.django_db


def test_admin_pages_for_accounts_render(admin_client_with_mfa, member):
    client = admin_client_with_mfa
    assert client.get(reverse("admin:partners_user_changelist")).status_code == 200
    assert client.get(reverse("admin:partners_user_add")).status_code == 200
    assert client.get(reverse("admin:partners_user_change", args=[member.pk])).status_code == 200
    assert client.get(reverse("admin:partners_organisation_changelist")).status_code == 200
    assert client.get(reverse("admin:core_theme_changelist")).status_code == 200


def test_admin_creates_an_account_with_an_audited_role(admin_client_with_mfa, portal_admin):
    response = admin_client_with_mfa.post(
        reverse("admin:partners_user_add"),
        {
            "email": "nieuw@lmi.example",
            "password1": "een-lang-wachtwoord-2026",
            "password2": "een-lang-wachtwoord-2026",
            "portal_role": "programme_manager",
            "usable_password": "true",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="nieuw@lmi.example")
    assert user.portal_role == "programme_manager"
    assert not user.is_staff
    actions = set(
        AuditEvent.objects.filter(target_id=str(user.pk)).values_list("action", flat=True)
    )
    assert {"user.created", "user.role_changed"} <= actions


def test_content_is_not_in_the_admin(admin_client_with_mfa):
    assert admin_client_with_mfa.get("/admin/initiatives/initiative/").status_code == 404


def test_members_cannot_use_the_admin(client, member):
    client.force_login(member)
    response = client.get("/admin/")
    assert response.status_code == 302
