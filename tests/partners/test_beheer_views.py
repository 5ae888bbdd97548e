"""The portal admin's pages under /beheer/."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse
from django.utils import timezone

from lmi_portal.core.models import AuditEvent
from lmi_portal.core.services import audit_log
from partners.models import (
    Invitation,
    Membership,
    Organisation,
    OrganisationDomain,
    SharingGroup,
)
from tests.conftest import TOTP_SECRET
from tests.factories import MembershipFactory, OrganisationFactory, SharingGroupFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(db):
    return OrganisationFactory(onboarding=True, name="Veldwerk Robotics B.V.")


@pytest.fixture
def group(db):
    return SharingGroupFactory(name="LMI-kern")


def beheer_urls(org, group):
    pk = org.pk
    return {
        "get": [
            reverse("partners:beheer"),
            reverse("partners:beheer_onboarding"),
            reverse("partners:beheer_organisation_create"),
            reverse("partners:beheer_organisation", args=[pk]),
            reverse("partners:beheer_sharing_groups"),
            reverse("partners:beheer_sharing_group_create"),
            reverse("partners:beheer_sharing_group_edit", args=[group.pk]),
            reverse("partners:beheer_audit"),
            reverse("partners:beheer_audit_export"),
        ],
        "post": [
            reverse("partners:beheer_organisation_create"),
            reverse("partners:beheer_organisation_approve", args=[pk]),
            reverse("partners:beheer_organisation_suspend", args=[pk]),
            reverse("partners:beheer_organisation_offboard", args=[pk]),
            reverse("partners:beheer_organisation_reactivate", args=[pk]),
            reverse("partners:beheer_organisation_invite", args=[pk]),
            reverse("partners:beheer_sharing_group_create"),
            reverse("partners:beheer_sharing_group_edit", args=[group.pk]),
        ],
    }


# --- Who may enter ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "org_admin", "programme_manager"])
def test_non_admins_get_404_on_every_beheer_page(client, request, org, group, who):
    user = request.getfixturevalue(who)
    if not Authenticator.objects.filter(user=user).exists():
        TOTP.activate(user, TOTP_SECRET)  # past any MFA requirement, so the 404 is the page's
    client.force_login(user)
    urls = beheer_urls(org, group)
    for url in urls["get"]:
        assert client.get(url).status_code == 404, url
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 404, url
    for url in urls["post"]:
        assert client.post(url, {"suspend-reason": "x", "name": "x"}).status_code == 404, url
    org.refresh_from_db()
    assert org.status == Organisation.Status.ONBOARDING
    assert not AuditEvent.objects.filter(action__startswith="organisation.").exists()
    assert SharingGroup.objects.count() == 1
    assert not Invitation.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login_page(client, org, group):
    for url in beheer_urls(org, group)["get"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_admin_reaches_every_beheer_page(admin_client_with_mfa, org, group):
    for url in beheer_urls(org, group)["get"]:
        assert admin_client_with_mfa.get(url).status_code == 200, url


def test_landing_page_links_to_the_pages_and_the_django_admin(admin_client_with_mfa):
    body = admin_client_with_mfa.get(reverse("partners:beheer")).content.decode()
    for name in ["beheer_onboarding", "beheer_organisation_create", "beheer_sharing_groups"]:
        assert reverse(f"partners:{name}") in body
    assert reverse("partners:beheer_audit") in body
    assert reverse("admin:index") in body


def test_the_nav_beheer_link_points_to_the_beheer_landing_page(
    admin_client_with_mfa, client, member
):
    body = admin_client_with_mfa.get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("partners:beheer")}"' in body
    client.force_login(member)
    assert (
        f'href="{reverse("partners:beheer")}"'
        not in client.get(reverse("dashboard")).content.decode()
    )


# --- Onboarding board ---------------------------------------------------------------------------


def stuck(name):
    """Invited 10 days ago, never accepted: stuck on 'invitation accepted'."""
    organisation = OrganisationFactory(status=Organisation.Status.INVITED, name=name)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=f"contact@{organisation.pk}.example",
        role=Membership.Role.ORG_ADMIN,
        token_hash=secrets.token_hex(32),
        expires_at=timezone.now() + timedelta(days=4),
    )
    ten_days_ago = timezone.now() - timedelta(days=10)
    Invitation.objects.filter(pk=invitation.pk).update(created_at=ten_days_ago)
    Organisation.objects.filter(pk=organisation.pk).update(created_at=ten_days_ago)
    return organisation


def test_board_shows_every_organisation_with_status_and_checklist(admin_client_with_mfa, org):
    OrganisationFactory(name="Actief B.V.")
    body = admin_client_with_mfa.get(reverse("partners:beheer_onboarding")).content.decode()
    assert "Veldwerk Robotics B.V." in body and "Actief B.V." in body
    assert "in onboarding" in body and "actief" in body
    assert "eerste contactpersoon uitgenodigd" in body
    assert "1 van 8 stappen gedaan" in body


def test_stuck_organisations_stand_out_with_text(admin_client_with_mfa, org):
    stuck("Stilstaand B.V.")
    body = admin_client_with_mfa.get(reverse("partners:beheer_onboarding")).content.decode()
    assert body.count("Vastgelopen: wacht al 10 dagen") == 1


def test_stuck_filter_shows_only_stuck_organisations(admin_client_with_mfa, org):
    stuck("Stilstaand B.V.")
    response = admin_client_with_mfa.get(reverse("partners:beheer_onboarding"), {"stuck": "on"})
    body = response.content.decode()
    assert "Stilstaand B.V." in body and "Veldwerk Robotics B.V." not in body
    assert [row.organisation.name for row in response.context["rows"]] == ["Stilstaand B.V."]


def test_board_status_filter_as_htmx_returns_only_the_board_fragment(admin_client_with_mfa, org):
    OrganisationFactory(name="Actief B.V.")
    response = admin_client_with_mfa.get(
        reverse("partners:beheer_onboarding"),
        {"status": "active"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="board"')
    assert "Actief B.V." in body and "Veldwerk Robotics B.V." not in body
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("n", [1, 10])
def test_board_query_count_is_constant(admin_client_with_mfa, django_assert_num_queries, n):
    for i in range(n):
        organisation = stuck(f"Stilstaand {i}")
        MembershipFactory(organisation=organisation)  # an ordinary member: still stuck
    url = reverse("partners:beheer_onboarding")
    admin_client_with_mfa.get(url)
    # session, user, MFA check, nav membership check, count, one page of annotated rows
    with django_assert_num_queries(BOARD_QUERIES):
        response = admin_client_with_mfa.get(url)
    assert len(response.context["rows"]) == n
    with django_assert_num_queries(BOARD_QUERIES - 1):  # stuck only: no separate count
        response = admin_client_with_mfa.get(url, {"stuck": "on"})
    assert len(response.context["rows"]) == n


BOARD_QUERIES = 6


# --- Creating an organisation ------------------------------------------------------------------


def form_data(**overrides):
    data = {
        "name": "Nieuwkomer B.V.",
        "kind": "sme",
        "kvk_number": "1234 5678",
        "country": "NL",
        "website": "nieuwkomer.example",
        "domains": "Nieuwkomer.example\nnieuwkomer-robotics.example",
        "default_tlp": "amber",
        "contact_name": "Mila Verbeek",
        "contact_email": "mila@nieuwkomer.example",
        "contact_language": "nl",
    }
    data.update(overrides)
    return data


def test_create_form_creates_the_organisation_and_invites_the_contact(
    admin_client_with_mfa, portal_admin, group
):
    response = admin_client_with_mfa.post(
        reverse("partners:beheer_organisation_create"), form_data(sharing_groups=[group.pk])
    )
    organisation = Organisation.objects.get(name="Nieuwkomer B.V.")
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:beheer_organisation", args=[organisation.pk])
    assert organisation.kvk_number == "12345678"
    assert organisation.website == "https://nieuwkomer.example"
    assert organisation.status == Organisation.Status.INVITED
    assert set(organisation.domains.values_list("domain", flat=True)) == {
        "nieuwkomer.example",
        "nieuwkomer-robotics.example",
    }
    assert list(organisation.sharing_groups.all()) == [group]
    assert Invitation.objects.get(organisation=organisation).role == Membership.Role.ORG_ADMIN
    assert AuditEvent.objects.filter(action="organisation.created", actor=portal_admin).exists()


def test_create_form_errors_keep_every_value_and_save_nothing(admin_client_with_mfa, group):
    response = admin_client_with_mfa.post(
        reverse("partners:beheer_organisation_create"),
        form_data(
            kvk_number="123", domains="nieuwkomer.example\ngmail.com", sharing_groups=[group.pk]
        ),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Een KvK-nummer bestaat uit 8 cijfers." in body
    assert "gmail.com" in body and "privé-e-mail" in body
    assert 'value="Nieuwkomer B.V."' in body
    assert "nieuwkomer.example\ngmail.com" in body
    assert 'value="mila@nieuwkomer.example"' in body
    assert f'value="{group.pk}"' in body and "checked" in body
    assert not Organisation.objects.filter(name="Nieuwkomer B.V.").exists()
    assert not Invitation.objects.exists()


def test_create_form_names_the_organisation_that_already_has_the_domain(admin_client_with_mfa):
    ddvs = OrganisationFactory(name="Dutch Defence Vehicle Systems")
    OrganisationDomain.objects.create(organisation=ddvs, domain="ddvs.example")
    response = admin_client_with_mfa.post(
        reverse("partners:beheer_organisation_create"), form_data(domains="ddvs.example")
    )
    assert "al geregistreerd bij “Dutch Defence Vehicle Systems”" in response.content.decode()
    assert not Organisation.objects.filter(name="Nieuwkomer B.V.").exists()


def test_create_form_htmx_error_returns_the_form_fragment(admin_client_with_mfa):
    response = admin_client_with_mfa.post(
        reverse("partners:beheer_organisation_create"),
        form_data(name=""),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<form id="organisation-form"')


def test_create_form_htmx_success_answers_with_hx_redirect(admin_client_with_mfa):
    response = admin_client_with_mfa.post(
        reverse("partners:beheer_organisation_create"),
        form_data(),
        headers={"HX-Request": "true"},
    )
    organisation = Organisation.objects.get(name="Nieuwkomer B.V.")
    assert response["HX-Redirect"] == reverse(
        "partners:beheer_organisation", args=[organisation.pk]
    )


# --- Organisation page and its actions ---------------------------------------------------------


def test_organisation_page_shows_details_checklist_members_and_invitations(
    admin_client_with_mfa, org
):
    MembershipFactory(organisation=org)
    MembershipFactory(organisation=org, end_date=timezone.localdate() - timedelta(days=1))
    Invitation.objects.create(
        organisation=org,
        email="uitgenodigd@veldwerk.example",
        role=Membership.Role.ORG_ADMIN,
        token_hash=secrets.token_hex(32),
        expires_at=timezone.now() + timedelta(days=14),
    )
    response = admin_client_with_mfa.get(reverse("partners:beheer_organisation", args=[org.pk]))
    body = response.content.decode()
    assert response.context["organisation"].member_count == 1
    assert "uitgenodigd@veldwerk.example" in body
    assert "goedgekeurd door een beheerder" in body
    assert "Goedkeuren" in body


def test_missing_organisation_is_404_for_the_admin(admin_client_with_mfa):
    assert (
        admin_client_with_mfa.get(reverse("partners:beheer_organisation", args=[99999])).status_code
        == 404
    )


def test_approving_makes_the_organisation_active(admin_client_with_mfa, org, portal_admin):
    response = admin_client_with_mfa.post(
        reverse("partners:beheer_organisation_approve", args=[org.pk])
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.status == Organisation.Status.ACTIVE and org.approved_by == portal_admin
    assert AuditEvent.objects.filter(action="organisation.approved", actor=portal_admin).exists()


def test_approve_only_answers_post(admin_client_with_mfa, org):
    url = reverse("partners:beheer_organisation_approve", args=[org.pk])
    assert admin_client_with_mfa.get(url).status_code == 405
    org.refresh_from_db()
    assert org.status == Organisation.Status.ONBOARDING


def test_suspending_without_a_reason_shows_an_error_and_changes_nothing(admin_client_with_mfa):
    organisation = OrganisationFactory()
    response = admin_client_with_mfa.post(
        reverse("partners:beheer_organisation_suspend", args=[organisation.pk]),
        {"suspend-reason": ""},
    )
    assert response.status_code == 200
    assert "Dit veld is verplicht" in response.content.decode()
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.ACTIVE
    assert not AuditEvent.objects.filter(action="organisation.suspended").exists()


def test_suspend_offboard_and_reactivate_through_the_page(admin_client_with_mfa, portal_admin):
    organisation = OrganisationFactory()
    url = lambda name: reverse(f"partners:beheer_organisation_{name}", args=[organisation.pk])  # noqa: E731
    admin_client_with_mfa.post(url("suspend"), {"suspend-reason": "Screening"})
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.SUSPENDED
    assert organisation.status_reason == "Screening"
    admin_client_with_mfa.post(url("offboard"), {"offboard-reason": "Vertrokken"})
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.OFFBOARDED
    admin_client_with_mfa.post(url("reactivate"), {"reactivate-reason": ""})
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.ONBOARDING  # never approved
    actions = list(
        AuditEvent.objects.filter(actor=portal_admin, action__in=[
            "organisation.suspended", "organisation.offboarded", "organisation.reactivated"
        ]).order_by("id").values_list("action", flat=True)
    )  # fmt: skip
    assert actions == [
        "organisation.suspended",
        "organisation.offboarded",
        "organisation.reactivated",
    ]


def test_admin_invites_a_primary_contact_from_the_organisation_page(
    admin_client_with_mfa, org, portal_admin
):
    response = admin_client_with_mfa.post(
        reverse("partners:beheer_organisation_invite", args=[org.pk]),
        {"invite-full_name": "Mila Verbeek", "invite-email": "mila@veldwerk.example",
         "invite-language": "en"},
    )  # fmt: skip
    assert response.status_code == 302
    invitation = Invitation.objects.get(organisation=org)
    assert invitation.role == Membership.Role.ORG_ADMIN and invitation.language == "en"
    assert AuditEvent.objects.filter(action="invitation.created", actor=portal_admin).exists()


def test_inviting_with_a_bad_address_shows_the_error_and_sends_nothing(admin_client_with_mfa, org):
    response = admin_client_with_mfa.post(
        reverse("partners:beheer_organisation_invite", args=[org.pk]),
        {"invite-email": "geen-adres", "invite-language": "nl"},
    )
    assert response.status_code == 200
    assert "Voer een geldig e-mailadres in." in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_suspended_organisation_cannot_invite(admin_client_with_mfa):
    organisation = OrganisationFactory(suspended=True)
    admin_client_with_mfa.post(
        reverse("partners:beheer_organisation_invite", args=[organisation.pk]),
        {"invite-email": "iemand@elders.example", "invite-language": "nl"},
    )
    assert not Invitation.objects.exists()


def test_admin_resends_an_open_invitation_with_a_fresh_link(admin_client_with_mfa, portal_admin):
    organisation = stuck("Stilstaand B.V.")
    invitation = Invitation.objects.get(organisation=organisation)
    old_hash = invitation.token_hash
    response = admin_client_with_mfa.post(
        reverse("partners:beheer_invitation_resend", args=[organisation.pk, invitation.pk])
    )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.token_hash != old_hash
    assert AuditEvent.objects.filter(action="invitation.resent", actor=portal_admin).exists()


def test_resending_another_organisations_invitation_is_404(admin_client_with_mfa, org):
    other = stuck("Anders B.V.")
    invitation = Invitation.objects.get(organisation=other)
    response = admin_client_with_mfa.post(
        reverse("partners:beheer_invitation_resend", args=[org.pk, invitation.pk])
    )
    assert response.status_code == 404


def test_non_admin_cannot_resend_an_invitation(client, member):
    organisation = stuck("Stilstaand B.V.")
    invitation = Invitation.objects.get(organisation=organisation)
    client.force_login(member)
    url = reverse("partners:beheer_invitation_resend", args=[organisation.pk, invitation.pk])
    assert client.post(url).status_code == 404
    assert not AuditEvent.objects.filter(action="invitation.resent").exists()


# --- Sharing groups ---------------------------------------------------------------------------


def test_sharing_group_list_shows_groups_with_their_size(admin_client_with_mfa, group, company):
    group.organisations.add(company)
    response = admin_client_with_mfa.get(reverse("partners:beheer_sharing_groups"))
    assert "LMI-kern" in response.content.decode()
    assert response.context["groups"][0].organisation_count == 1


def test_sharing_group_create_through_the_form(admin_client_with_mfa, company, competitor):
    response = admin_client_with_mfa.post(
        reverse("partners:beheer_sharing_group_create"),
        {"name": "Wielvoertuigen", "description": "OEM's", "membership_hidden": "on",
         "organisations": [company.pk, competitor.pk]},
    )  # fmt: skip
    assert response.status_code == 302
    created = SharingGroup.objects.get(name="Wielvoertuigen")
    assert created.membership_hidden
    assert set(created.organisations.all()) == {company, competitor}
    assert AuditEvent.objects.filter(action="sharing_group.created").exists()


def test_sharing_group_edit_form_is_prefilled_and_saves(admin_client_with_mfa, group, company):
    group.organisations.add(company)
    url = reverse("partners:beheer_sharing_group_edit", args=[group.pk])
    body = admin_client_with_mfa.get(url).content.decode()
    assert 'value="LMI-kern"' in body
    response = admin_client_with_mfa.post(url, {"name": "LMI-kern", "organisations": []})
    assert response.status_code == 302
    assert not group.organisations.exists()
    assert AuditEvent.objects.filter(
        action="sharing_group.organisation_removed", data__organisation=company.pk
    ).exists()


def test_sharing_group_duplicate_name_is_refused_on_the_form(admin_client_with_mfa, group):
    response = admin_client_with_mfa.post(
        reverse("partners:beheer_sharing_group_create"), {"name": "lmi-kern"}
    )
    assert response.status_code == 200
    assert "Er is al een deelgroep met deze naam." in response.content.decode()
    assert SharingGroup.objects.count() == 1


# --- Audit log viewer ---------------------------------------------------------------------------


@pytest.fixture
def events(portal_admin, company, competitor, member):
    audit_log(action="organisation.approved", actor=portal_admin, target=company,
              data={"organisation": company.pk})  # fmt: skip
    audit_log(action="invitation.created", actor=portal_admin, target=member,
              data={"organisation": company.pk, "email": "x@ddvs.example"})  # fmt: skip
    audit_log(action="organisation.approved", actor=portal_admin, target=competitor,
              data={"organisation": competitor.pk})  # fmt: skip
    audit_log(action="auth.login", actor=member, target=member)
    return AuditEvent.objects.all()


def listed(response):
    return [row["event"].action for row in response.context["rows"]]


def test_audit_filter_by_organisation_takes_target_and_data(admin_client_with_mfa, events, company):
    response = admin_client_with_mfa.get(
        reverse("partners:beheer_audit"), {"organisation": company.pk}
    )
    rows = response.context["rows"]
    assert sorted(listed(response)) == ["invitation.created", "organisation.approved"]
    assert {row["organisation_name"] for row in rows} == {company.name}


def test_audit_filter_by_actor_email_and_action(admin_client_with_mfa, events, member):
    url = reverse("partners:beheer_audit")
    assert listed(admin_client_with_mfa.get(url, {"actor": "LID@ddvs"})) == ["auth.login"]
    assert listed(admin_client_with_mfa.get(url, {"action": "organisation.approved"})) == [
        "organisation.approved",
        "organisation.approved",
    ]


def test_audit_action_filter_offers_the_actions_that_occur(admin_client_with_mfa, events):
    form = admin_client_with_mfa.get(reverse("partners:beheer_audit")).context["form"]
    values = [value for value, _label in form.fields["action"].choices]
    assert "organisation.approved" in values and "auth.login" in values
    assert "organisation.offboarded" not in values


def test_audit_filter_by_period(admin_client_with_mfa, events):
    url = reverse("partners:beheer_audit")
    today = timezone.localdate()
    everything = listed(admin_client_with_mfa.get(url))
    assert len(everything) >= 4
    assert listed(admin_client_with_mfa.get(url, {"date_from": today.isoformat()})) == everything
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert listed(admin_client_with_mfa.get(url, {"date_from": tomorrow})) == []
    yesterday = (today - timedelta(days=1)).isoformat()
    assert listed(admin_client_with_mfa.get(url, {"date_to": yesterday})) == []


def test_audit_period_ending_before_it_starts_is_refused(admin_client_with_mfa, events):
    response = admin_client_with_mfa.get(
        reverse("partners:beheer_audit"), {"date_from": "2026-03-10", "date_to": "2026-03-01"}
    )
    assert "De einddatum ligt vóór de begindatum." in response.content.decode()


def test_audit_htmx_filter_returns_only_the_results_fragment(admin_client_with_mfa, events):
    response = admin_client_with_mfa.get(
        reverse("partners:beheer_audit"), {"action": "auth.login"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="audit-results"')
    assert "<html" not in body


@pytest.mark.parametrize("n", [1, 30])
def test_audit_list_query_count_is_constant(admin_client_with_mfa, django_assert_num_queries, n):
    for i in range(n):
        actor = UserFactory()
        organisation = OrganisationFactory()
        audit_log(action=f"test.action{i % 3}", actor=actor, target=organisation,
                  data={"organisation": organisation.pk})  # fmt: skip
    url = reverse("partners:beheer_audit")
    admin_client_with_mfa.get(url)
    # session, user, MFA check, nav membership, actions, count, page (+actor), organisation
    # names, organisation choices
    with django_assert_num_queries(9):
        response = admin_client_with_mfa.get(url, {"actor": "@test.example"})
    assert len(response.context["rows"]) == n


def test_audit_list_is_paginated_by_50(admin_client_with_mfa, portal_admin):
    for i in range(55):
        audit_log(action="test.bulk", actor=portal_admin, data={"i": i})
    url = reverse("partners:beheer_audit")
    first = admin_client_with_mfa.get(url, {"action": "test.bulk"})
    second = admin_client_with_mfa.get(url, {"action": "test.bulk", "page": 2})
    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 5


def test_audit_csv_export_holds_exactly_the_filtered_events(
    admin_client_with_mfa, portal_admin, company
):
    audit_log(action="auth.login_failed", data={"email": '=HYPERLINK("http://evil")'})
    audit_log(action="organisation.approved", actor=portal_admin, target=company,
              data={"organisation": company.pk})  # fmt: skip
    response = admin_client_with_mfa.get(
        reverse("partners:beheer_audit_export"), {"action": "auth.login_failed"}
    )
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0].startswith("tijdstip,actie,door")
    assert len(lines) == 2  # header + the one filtered event
    assert "auth.login_failed" in lines[1]
    assert "organisation.approved" not in body


def test_audit_csv_export_prefixes_a_formula_like_cell_with_an_apostrophe(
    admin_client_with_mfa, portal_admin
):
    attacker = UserFactory(email="=cmd@evil.example")
    audit_log(action="+SUM(1)", actor=attacker)
    response = admin_client_with_mfa.get(reverse("partners:beheer_audit_export"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'+SUM(1)" in body
    assert "'=cmd@evil.example" in body
    assert ",+SUM(1)" not in body and ",=cmd" not in body


def test_audit_export_is_itself_audited(admin_client_with_mfa, portal_admin):
    response = admin_client_with_mfa.get(reverse("partners:beheer_audit_export"))
    b"".join(response.streaming_content)
    assert AuditEvent.objects.filter(action="audit.exported", actor=portal_admin).exists()


def test_audit_export_with_an_invalid_period_goes_back_to_the_page(admin_client_with_mfa):
    response = admin_client_with_mfa.get(
        reverse("partners:beheer_audit_export"),
        {"date_from": "2026-03-10", "date_to": "2026-03-01"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("partners:beheer_audit"))
