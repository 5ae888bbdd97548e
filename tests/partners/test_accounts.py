"""Accounts: invite-only, verified email, MFA for admins and programme managers, audit rows."""

from __future__ import annotations

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from lmi_portal.core.models import AuditEvent, OutboxEmail
from partners import services
from partners.models import User
from tests.conftest import TOTP_SECRET
from tests.factories import UserFactory, member_of

pytestmark = pytest.mark.django_db

PASSWORD = "test-wachtwoord-123"


def login(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_there_is_no_public_signup(client):
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    assert "signup_closed" in response.templates[0].name or "gesloten" in response.content.decode()
    client.post(reverse("account_signup"), {"email": "nieuw@test.example", "password1": "x" * 14,
                                            "password2": "x" * 14})  # fmt: skip
    assert not User.objects.filter(email="nieuw@test.example").exists()


def test_member_logs_in_with_email_and_password(client, member):
    response = login(client, member.email)
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.login", actor=member).exists()


def test_failed_login_is_audited_without_password(client, member):
    response = login(client, member.email, "verkeerd-wachtwoord")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.data == {"email": member.email}


def test_logout_is_audited(client, member):
    client.force_login(member)
    client.post(reverse("account_logout"))
    assert AuditEvent.objects.filter(action="auth.logout", actor=member).exists()


def test_login_attempts_are_rate_limited(client, member):
    for _ in range(5):
        login(client, member.email, "verkeerd-wachtwoord")
    response = login(client, member.email, PASSWORD)
    # Even the right password is refused for a while, with a clear message.
    assert "_auth_user_id" not in client.session
    assert "Te veel inlogpogingen" in response.content.decode()


def test_unverified_email_cannot_sign_in_and_gets_a_verification_mail(client, company):
    user = member_of(company, email="nieuw@ddvs.example", verified=False)
    response = login(client, user.email)
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert OutboxEmail.objects.filter(to=user.email).exists()


def test_password_reset_mail_goes_through_the_outbox(
    client, member, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": member.email})
    email = OutboxEmail.objects.get(to=member.email)
    assert email.status == OutboxEmail.Status.SENT
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/key/" in mailoutbox[0].body


def test_pages_need_login_but_login_and_health_do_not(client):
    assert client.get(reverse("dashboard")).status_code == 302
    assert client.get(reverse("account_login")).status_code == 200
    assert client.get(reverse("account_reset_password")).status_code == 200
    assert client.get(reverse("health")).status_code in (200, 503)


def test_programme_manager_without_mfa_is_sent_to_mfa_setup(client, lmi_cell):
    pm = member_of(lmi_cell, programme_manager=True)
    client.force_login(pm)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    htmx = client.get(reverse("initiatives:list"), headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == reverse("mfa_activate_totp")


def test_portal_admin_without_mfa_cannot_reach_the_admin(client):
    admin = UserFactory(portal_admin=True)
    client.force_login(admin)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_member_does_not_need_mfa(client, member):
    client.force_login(member)
    assert client.get(reverse("dashboard")).status_code == 200


def test_programme_manager_signs_in_with_totp(client, programme_manager):
    response = login(client, programme_manager.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    code = pyotp.TOTP(TOTP_SECRET).now()
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_mfa_added_and_removed_are_audited(client, member):
    from allauth.mfa import signals

    client.force_login(member)
    authenticator = Authenticator.objects.create(user=member, type=Authenticator.Type.TOTP, data={})
    signals.authenticator_added.send(
        sender=Authenticator, request=None, user=member, authenticator=authenticator
    )
    signals.authenticator_removed.send(
        sender=Authenticator, request=None, user=member, authenticator=authenticator
    )
    actions = set(
        AuditEvent.objects.filter(target_id=str(member.pk)).values_list("action", flat=True)
    )
    assert {"mfa.added", "mfa.removed"} <= actions


def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_role_change_is_audited_and_grants_admin_site(member, portal_admin):
    services.user_set_portal_role(actor=portal_admin, user=member, role=User.PortalRole.ADMIN)
    member.refresh_from_db()
    assert member.is_staff
    event = AuditEvent.objects.get(action="user.role_changed")
    assert event.data == {"from": "member", "to": "admin"}
    assert event.actor == portal_admin


def test_suspended_user_is_signed_out_at_next_request(client, member):
    client.force_login(member)
    User.objects.filter(pk=member.pk).update(is_active=False)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_member_of_suspended_organisation_loses_access_at_next_request(
    client, member, company, portal_admin
):
    client.force_login(member)
    assert client.get(reverse("initiatives:list")).status_code == 200
    services.organisation_set_status(actor=portal_admin, organisation=company, status="suspended")
    response = client.get(reverse("initiatives:list"))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="organisation.status_changed").exists()


def test_language_choice_is_stored_on_the_user(client, member):
    client.force_login(member)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    member.refresh_from_db()
    assert member.language == "en"
    body = client.get(reverse("dashboard")).content.decode()
    assert 'lang="en"' in body


def test_dutch_is_the_default_language(client, member):
    client.force_login(member)
    body = client.get(reverse("dashboard")).content.decode()
    assert 'lang="nl"' in body
    assert "Dit portaal bevat geen gerubriceerde informatie" in body
