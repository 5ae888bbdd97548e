"""The portal admin's services: create, approve, suspend, offboard, reactivate, sharing groups."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from initiatives.models import Initiative
from lmi_portal.core.models import AuditEvent, OutboxEmail
from partners.access import can_view, forget_access_context, visible_queryset
from partners.models import (
    TLP,
    Invitation,
    Membership,
    Organisation,
    OrganisationDomain,
    SharingGroup,
)
from partners.services.organisations import (
    FREE_MAIL_DOMAINS,
    domains_parse,
    organisation_approve,
    organisation_create,
    organisation_offboard,
    organisation_reactivate,
    organisation_suspend,
    sharing_group_create,
    sharing_group_update,
)
from tests.factories import InitiativeFactory, OrganisationFactory, SharingGroupFactory

pytestmark = pytest.mark.django_db


def create(actor, **overrides):
    values = {
        "name": "Veldwerk Robotics B.V.",
        "kind": Organisation.Kind.SME,
        "kvk_number": "87654321",
        "country": "NL",
        "website": "https://veldwerk-robotics.example",
        "domains": ["veldwerk-robotics.example"],
    }
    values.update(overrides)
    return organisation_create(actor=actor, **values)


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def nothing_saved(name="Veldwerk Robotics B.V."):
    return (
        not Organisation.objects.filter(name=name).exists()
        and not OrganisationDomain.objects.filter(organisation__name=name).exists()
        and not Invitation.objects.exists()
        and not AuditEvent.objects.filter(action="organisation.created").exists()
    )


# --- organisation_create ----------------------------------------------------------------------


def test_create_registers_an_invited_organisation_with_its_domains_and_audits_it(portal_admin):
    group = SharingGroupFactory(name="LMI-kern")
    org = create(portal_admin, domains=["Veldwerk-Robotics.example"], sharing_groups=[group])
    assert org.status == Organisation.Status.INVITED
    assert org.created_by == portal_admin
    assert list(org.domains.values_list("domain", flat=True)) == ["veldwerk-robotics.example"]
    assert list(org.sharing_groups.all()) == [group]
    event = AuditEvent.objects.get(action="organisation.created")
    assert event.actor == portal_admin
    assert event.target_id == str(org.pk)
    assert event.data["organisation"] == org.pk
    assert event.data["domains"] == ["veldwerk-robotics.example"]


def test_create_with_a_primary_contact_invites_them_as_org_admin(
    portal_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        org = create(
            portal_admin,
            contact_name="Mila Verbeek",
            contact_email="Mila.Verbeek@veldwerk-robotics.example",
            contact_language="en",
        )
    invitation = Invitation.objects.get(organisation=org)
    assert invitation.role == Membership.Role.ORG_ADMIN
    assert invitation.email == "mila.verbeek@veldwerk-robotics.example"
    assert invitation.language == "en"
    assert OutboxEmail.objects.filter(to=invitation.email).exists()


@pytest.mark.parametrize("kvk", ["1234567", "123456789", "1234abcd"])
def test_kvk_number_must_be_eight_digits(portal_admin, kvk):
    with pytest.raises(ValidationError) as excinfo:
        create(portal_admin, kvk_number=kvk)
    assert "Een KvK-nummer bestaat uit 8 cijfers." in errors_of(excinfo)["kvk_number"]
    assert nothing_saved()


def test_kvk_number_must_be_unique_and_the_error_names_the_holder(portal_admin):
    OrganisationFactory(name="Bestaand B.V.", kvk_number="87654321")
    with pytest.raises(ValidationError) as excinfo:
        create(portal_admin)
    assert errors_of(excinfo)["kvk_number"] == [
        "KvK-nummer 87654321 is al geregistreerd bij “Bestaand B.V.”."
    ]
    assert nothing_saved()


@pytest.mark.parametrize("domain", ["gmail.com", "ziggo.nl", "Hotmail.NL", "proton.me"])
def test_free_mail_domains_are_refused_with_a_clear_message(portal_admin, domain):
    with pytest.raises(ValidationError) as excinfo:
        create(portal_admin, domains=["veldwerk-robotics.example", domain])
    [message] = errors_of(excinfo)["domains"]
    assert domain.lower() in message and "privé-e-mail" in message
    assert nothing_saved()


def test_the_free_mail_list_holds_the_usual_providers():
    assert {"gmail.com", "outlook.com", "xs4all.nl", "kpnmail.nl"} <= FREE_MAIL_DOMAINS


def test_a_domain_of_another_organisation_is_refused_naming_that_organisation(portal_admin):
    other = OrganisationFactory(name="Dutch Defence Vehicle Systems")
    OrganisationDomain.objects.create(organisation=other, domain="ddvs.example")
    with pytest.raises(ValidationError) as excinfo:
        create(portal_admin, domains=["DDVS.example"])
    assert errors_of(excinfo)["domains"] == [
        "Het domein “ddvs.example” is al geregistreerd bij “Dutch Defence Vehicle Systems”."
    ]
    assert nothing_saved()


@pytest.mark.parametrize("domain", ["geen domein", "-bad.nl", "bedrijf", "bedrijf..nl", "a@b.nl"])
def test_malformed_domains_are_refused(portal_admin, domain):
    with pytest.raises(ValidationError) as excinfo:
        create(portal_admin, domains=[domain])
    assert "geen geldige domeinnaam" in errors_of(excinfo)["domains"][0]
    assert nothing_saved()


def test_domains_are_parsed_one_per_line_lowercased_and_deduplicated():
    assert domains_parse(" Bedrijf.NL\n@bedrijf.nl\r\n\nbedrijf.de, sub.bedrijf.nl ") == [
        "bedrijf.nl",
        "bedrijf.de",
        "sub.bedrijf.nl",
    ]


def test_duplicate_name_is_refused_and_nothing_saved(portal_admin):
    OrganisationFactory(name="Veldwerk Robotics B.V.")
    with pytest.raises(ValidationError) as excinfo:
        create(portal_admin, domains=["nieuw.example"])
    assert "name" in errors_of(excinfo)
    assert not OrganisationDomain.objects.filter(domain="nieuw.example").exists()


def test_a_bad_contact_email_saves_nothing_at_all(portal_admin):
    with pytest.raises(ValidationError) as excinfo:
        create(portal_admin, contact_name="Mila", contact_email="geen-adres")
    assert "contact_email" in errors_of(excinfo)
    assert nothing_saved()


# --- approve / suspend / offboard / reactivate --------------------------------------------------


def test_approve_activates_and_records_who_and_when(portal_admin):
    org = OrganisationFactory(onboarding=True)
    organisation_approve(actor=portal_admin, organisation=org)
    org.refresh_from_db()
    assert org.status == Organisation.Status.ACTIVE
    assert org.approved_by == portal_admin and org.approved_at is not None
    event = AuditEvent.objects.get(action="organisation.approved")
    assert event.actor == portal_admin and event.data["organisation"] == org.pk


def test_an_active_organisation_cannot_be_approved_again(portal_admin):
    org = OrganisationFactory()
    with pytest.raises(ValidationError):
        organisation_approve(actor=portal_admin, organisation=org)
    assert not AuditEvent.objects.filter(action="organisation.approved").exists()


def test_suspend_needs_a_reason(portal_admin):
    org = OrganisationFactory()
    with pytest.raises(ValidationError):
        organisation_suspend(actor=portal_admin, organisation=org, reason="  ")
    org.refresh_from_db()
    assert org.status == Organisation.Status.ACTIVE


def test_suspend_stores_and_audits_the_reason(portal_admin):
    org = OrganisationFactory()
    organisation_suspend(actor=portal_admin, organisation=org, reason="Screening loopt")
    org.refresh_from_db()
    assert org.status == Organisation.Status.SUSPENDED
    assert org.status_reason == "Screening loopt"
    event = AuditEvent.objects.get(action="organisation.suspended")
    assert event.data == {
        "organisation": org.pk,
        "from": "active",
        "to": "suspended",
        "reason": "Screening loopt",
    }


def test_offboard_is_audited_with_the_reason(portal_admin):
    org = OrganisationFactory()
    organisation_offboard(actor=portal_admin, organisation=org, reason="Deelname beëindigd")
    org.refresh_from_db()
    assert org.status == Organisation.Status.OFFBOARDED
    event = AuditEvent.objects.get(action="organisation.offboarded")
    assert event.actor == portal_admin and event.data["reason"] == "Deelname beëindigd"


def test_reactivate_returns_an_approved_organisation_to_active(portal_admin):
    org = OrganisationFactory(onboarding=True)
    organisation_approve(actor=portal_admin, organisation=org)
    organisation_suspend(actor=portal_admin, organisation=org, reason="Even niet")
    org.refresh_from_db()
    organisation_reactivate(actor=portal_admin, organisation=org)
    org.refresh_from_db()
    assert org.status == Organisation.Status.ACTIVE
    assert AuditEvent.objects.filter(action="organisation.reactivated").count() == 1


def test_reactivate_an_unapproved_organisation_returns_it_to_onboarding(portal_admin):
    org = OrganisationFactory(suspended=True)
    organisation_reactivate(actor=portal_admin, organisation=org, reason="Opgelost")
    org.refresh_from_db()
    assert org.status == Organisation.Status.ONBOARDING


def test_an_active_organisation_cannot_be_reactivated(portal_admin):
    with pytest.raises(ValidationError):
        organisation_reactivate(actor=portal_admin, organisation=OrganisationFactory())


# --- What suspension and offboarding do to access -----------------------------------------------


def test_suspension_cuts_a_signed_in_member_off_at_the_next_request(
    client, member, company, portal_admin
):
    item = InitiativeFactory(title="Eigen plan", owner_organisation=company, tlp=TLP.AMBER_STRICT)
    client.force_login(member)
    assert client.get(item.get_absolute_url()).status_code == 200
    organisation_suspend(actor=portal_admin, organisation=company, reason="Screening")
    # Same session, next request: no access to anything, not even their own item.
    assert client.get(item.get_absolute_url()).status_code in (403, 404)
    assert client.get(reverse("initiatives:list")).status_code == 403
    forget_access_context(member)
    assert not can_view(member, item)


def test_offboarded_organisations_green_stays_visible_and_amber_strict_stays_hidden(
    member, company, outsider, portal_admin
):
    green = InitiativeFactory(title="Gedeelde les", owner_organisation=company, tlp=TLP.GREEN)
    strict = InitiativeFactory(title="Intern", owner_organisation=company, tlp=TLP.AMBER_STRICT)
    organisation_offboard(actor=portal_admin, organisation=company, reason="Vertrokken")
    visible = set(visible_queryset(outsider, Initiative.objects.all()))
    assert green in visible and can_view(outsider, green)
    assert strict not in visible and not can_view(outsider, strict)
    # Its own former members see nothing any more either.
    forget_access_context(member)
    assert not can_view(member, strict) and not can_view(member, green)


def test_suspended_organisations_amber_strict_items_stay_hidden_from_everyone_else(
    company, outsider, programme_manager, portal_admin
):
    strict = InitiativeFactory(owner_organisation=company, tlp=TLP.AMBER_STRICT)
    organisation_suspend(actor=portal_admin, organisation=company, reason="Onderzoek")
    for user in (outsider, programme_manager, portal_admin):
        assert not can_view(user, strict)
        assert strict not in visible_queryset(user, Initiative.objects.all())


# --- Sharing groups -------------------------------------------------------------------------------


def test_sharing_group_create_is_audited_per_organisation(portal_admin, company, competitor):
    group = sharing_group_create(
        actor=portal_admin,
        name="Voertuigen",
        description="OEM's van wielvoertuigen",
        membership_hidden=True,
        organisations=[company, competitor],
    )
    assert set(group.organisations.all()) == {company, competitor}
    assert group.membership_hidden
    created = AuditEvent.objects.get(action="sharing_group.created")
    assert created.data["organisations"] == sorted([company.pk, competitor.pk])
    added = AuditEvent.objects.filter(action="sharing_group.organisation_added")
    assert {e.data["organisation"] for e in added} == {company.pk, competitor.pk}


def test_sharing_group_update_audits_what_changed(portal_admin, company, competitor, lmi_cell):
    group = SharingGroupFactory(name="Kern")
    group.organisations.set([company, competitor])
    sharing_group_update(
        actor=portal_admin, group=group, name="LMI-kern", organisations=[company, lmi_cell]
    )
    group.refresh_from_db()
    assert group.name == "LMI-kern"
    assert set(group.organisations.all()) == {company, lmi_cell}
    event = AuditEvent.objects.get(action="sharing_group.updated")
    assert event.data["added"] == [lmi_cell.pk]
    assert event.data["removed"] == [competitor.pk]
    assert event.data["changed"]["name"] == {"from": "Kern", "to": "LMI-kern"}
    removed = AuditEvent.objects.get(action="sharing_group.organisation_removed")
    assert removed.data["organisation"] == competitor.pk


def test_sharing_group_update_without_changes_writes_no_audit_row(portal_admin, company):
    group = SharingGroupFactory(name="Stil")
    group.organisations.set([company])
    sharing_group_update(actor=portal_admin, group=group, name="Stil", organisations=[company])
    assert not AuditEvent.objects.filter(action__startswith="sharing_group.").exists()


def test_sharing_group_names_are_unique(portal_admin):
    SharingGroupFactory(name="Dubbel")
    with pytest.raises(ValidationError):
        sharing_group_create(actor=portal_admin, name="Dubbel")
    assert SharingGroup.objects.count() == 1
