"""Who takes part: inviting, answering, withdrawing, leaving, and brengen en halen."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from initiatives.models import Initiative, Participation, ParticipationInvite
from initiatives.services import participants as services
from lmi_portal.core.models import AuditEvent, Notification
from partners.models import TLP, Membership, Organisation
from tests.conftest import TOTP_SECRET
from tests.factories import (
    InitiativeFactory,
    MembershipFactory,
    OrganisationFactory,
    ParticipationFactory,
    ParticipationInviteFactory,
    UserFactory,
    member_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def amber(company) -> Initiative:
    return InitiativeFactory(
        title="Gedeelde reservedelenpool",
        summary="Samen voorraad houden.",
        owner_organisation=company,
        tlp=TLP.AMBER,
    )


@pytest.fixture
def partner_org(db) -> Organisation:
    return OrganisationFactory(name="Scania Nederland", short_name="Scania")


@pytest.fixture
def partner_admin(partner_org):
    user = UserFactory(email="beheer@scania.example")
    MembershipFactory(user=user, organisation=partner_org, role=Membership.Role.ORG_ADMIN)
    TOTP.activate(user, TOTP_SECRET)  # organisation admins must have a second factor
    return user


@pytest.fixture
def partner_member(partner_org):
    return member_of(partner_org, email="monteur@scania.example")


def _url(name: str, *args: int) -> str:
    return reverse(f"initiatives:{name}", args=args)


# --- Inviting -------------------------------------------------------------------------------


def test_editor_invites_an_active_organisation_and_its_admins_hear_of_it(
    member, amber, partner_org, partner_admin, partner_member
):
    invite = services.participation_invite(
        actor=member, initiative=amber, organisation=partner_org, message="Doen jullie mee?"
    )
    assert invite.status == ParticipationInvite.Status.PENDING
    assert invite.invited_by == member
    note = Notification.objects.get(verb="participation.invited")
    assert note.recipient == partner_admin
    assert "Gedeelde reservedelenpool" in note.text
    assert note.url == reverse("initiatives:invites")
    # Plain members of the invited organisation are not told; the admins decide.
    assert not Notification.objects.filter(recipient=partner_member).exists()
    assert AuditEvent.objects.filter(action="participation.invited").count() == 1


def test_invite_moves_last_activity_on(member, amber, partner_org):
    before = amber.last_activity_at
    services.participation_invite(actor=member, initiative=amber, organisation=partner_org)
    amber.refresh_from_db()
    assert amber.last_activity_at > before


def test_cannot_invite_the_owner_organisation(member, amber, company):
    with pytest.raises(ValidationError) as exc:
        services.participation_invite(actor=member, initiative=amber, organisation=company)
    assert "eigenaar" in str(exc.value)
    assert not ParticipationInvite.objects.exists()


def test_cannot_invite_an_organisation_that_already_takes_part(member, amber, partner_org):
    ParticipationFactory(initiative=amber, organisation=partner_org)
    with pytest.raises(ValidationError) as exc:
        services.participation_invite(actor=member, initiative=amber, organisation=partner_org)
    assert "neemt al deel" in str(exc.value)
    assert not ParticipationInvite.objects.exists()


def test_second_pending_invite_is_a_clear_error(member, amber, partner_org):
    services.participation_invite(actor=member, initiative=amber, organisation=partner_org)
    with pytest.raises(ValidationError) as exc:
        services.participation_invite(actor=member, initiative=amber, organisation=partner_org)
    assert "al uitgenodigd" in str(exc.value)
    assert ParticipationInvite.objects.count() == 1


def test_a_pending_invite_that_slipped_past_the_check_still_gives_a_clear_error(
    member, amber, partner_org, monkeypatch
):
    # Two invitations at the same moment: the database constraint catches the second.
    ParticipationInviteFactory(initiative=amber, organisation=partner_org)
    real_filter = ParticipationInvite.objects.filter

    class NoPending:
        def exists(self) -> bool:
            return False

    def filter_hiding_pending(*args, **kwargs):
        if kwargs.get("status") == ParticipationInvite.Status.PENDING:
            return NoPending()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(ParticipationInvite.objects, "filter", filter_hiding_pending)
    with pytest.raises(ValidationError) as exc:
        services.participation_invite(actor=member, initiative=amber, organisation=partner_org)
    assert "al uitgenodigd" in str(exc.value)
    monkeypatch.undo()
    assert ParticipationInvite.objects.count() == 1


def test_cannot_invite_an_organisation_that_is_not_active(member, amber):
    suspended = OrganisationFactory(suspended=True)
    with pytest.raises(ValidationError) as exc:
        services.participation_invite(actor=member, initiative=amber, organisation=suspended)
    assert "actieve organisatie" in str(exc.value)
    assert not ParticipationInvite.objects.exists()


def test_non_editor_cannot_invite(amber, partner_org, partner_member):
    ParticipationFactory(initiative=amber, organisation=partner_org)
    other = OrganisationFactory()
    with pytest.raises(PermissionDenied):
        services.participation_invite(actor=partner_member, initiative=amber, organisation=other)
    assert not ParticipationInvite.objects.exists()


def test_invite_form_on_the_page_posts_and_shows_the_pending_invite(
    client, member, amber, partner_org
):
    client.force_login(member)
    response = client.post(
        _url("participation_invite", amber.pk),
        {"organisation": partner_org.pk, "message": "Graag!"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="participants"')
    assert "Openstaande uitnodigingen" in body and "Scania Nederland" in body
    assert ParticipationInvite.objects.filter(organisation=partner_org).exists()


def test_invite_without_organisation_rerenders_the_form_with_an_error(client, member, amber):
    client.force_login(member)
    response = client.post(
        _url("participation_invite", amber.pk),
        {"organisation": "", "message": "Blijft staan"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Kies de organisatie die u wilt uitnodigen." in body
    assert "Blijft staan" in body
    assert not ParticipationInvite.objects.exists()


def test_invite_without_javascript_redirects_to_the_initiative(client, member, amber, partner_org):
    client.force_login(member)
    response = client.post(_url("participation_invite", amber.pk), {"organisation": partner_org.pk})
    assert response.status_code == 302
    assert response["Location"] == f"{amber.get_absolute_url()}#participants"


def test_withdrawn_invite_can_no_longer_be_answered(member, amber, partner_org, partner_admin):
    invite = services.participation_invite(actor=member, initiative=amber, organisation=partner_org)
    services.participation_invite_withdraw(actor=member, invite=invite)
    invite.refresh_from_db()
    assert invite.status == ParticipationInvite.Status.WITHDRAWN
    with pytest.raises(ValidationError):
        services.participation_invite_respond(actor=partner_admin, invite=invite, accept=True)
    assert not Participation.objects.filter(organisation=partner_org).exists()


# --- Answering ------------------------------------------------------------------------------


def test_accepting_opens_the_amber_initiative_to_the_organisation_at_once(
    client, member, amber, partner_org, partner_admin, partner_member
):
    invite = services.participation_invite(actor=member, initiative=amber, organisation=partner_org)
    client.force_login(partner_member)
    assert client.get(amber.get_absolute_url()).status_code == 404

    services.participation_invite_respond(actor=partner_admin, invite=invite, accept=True)

    assert client.get(amber.get_absolute_url()).status_code == 200
    invite.refresh_from_db()
    assert invite.status == ParticipationInvite.Status.ACCEPTED
    assert invite.responded_by == partner_admin and invite.responded_at is not None
    assert Participation.objects.filter(initiative=amber, organisation=partner_org).exists()
    # The inviter hears that the organisation takes part.
    assert Notification.objects.filter(recipient=member, verb="participation.accepted").exists()


def test_declining_keeps_the_initiative_closed(member, amber, partner_org, partner_admin):
    invite = services.participation_invite(actor=member, initiative=amber, organisation=partner_org)
    result = services.participation_invite_respond(actor=partner_admin, invite=invite, accept=False)
    assert result is None
    invite.refresh_from_db()
    assert invite.status == ParticipationInvite.Status.DECLINED
    assert not Participation.objects.filter(organisation=partner_org).exists()


def test_a_plain_member_cannot_answer_for_the_organisation(
    member, amber, partner_org, partner_member
):
    invite = services.participation_invite(actor=member, initiative=amber, organisation=partner_org)
    with pytest.raises(PermissionDenied):
        services.participation_invite_respond(actor=partner_member, invite=invite, accept=True)
    assert not Participation.objects.filter(organisation=partner_org).exists()


def test_invites_page_lists_title_and_summary_for_the_admin(
    client, member, amber, partner_org, partner_admin
):
    services.participation_invite(
        actor=member, initiative=amber, organisation=partner_org, message="Doen jullie mee?"
    )
    client.force_login(partner_admin)
    response = client.get(reverse("initiatives:invites"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Gedeelde reservedelenpool" in body
    assert "Samen voorraad houden." in body
    assert "Doen jullie mee?" in body
    assert "Accepteren" in body and "Afwijzen" in body


def test_invites_page_is_404_for_someone_who_administers_no_organisation(client, member):
    client.force_login(member)
    assert client.get(reverse("initiatives:invites")).status_code == 404


def test_accept_button_works_with_htmx(client, member, amber, partner_org, partner_admin):
    invite = services.participation_invite(actor=member, initiative=amber, organisation=partner_org)
    client.force_login(partner_admin)
    response = client.post(
        _url("invite_respond", invite.pk), {"answer": "accept"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="invites"')
    assert "neemt nu deel" in body
    assert Participation.objects.filter(initiative=amber, organisation=partner_org).exists()


def test_decline_button_without_javascript_redirects_to_the_invites(
    client, member, amber, partner_org, partner_admin
):
    invite = services.participation_invite(actor=member, initiative=amber, organisation=partner_org)
    client.force_login(partner_admin)
    response = client.post(_url("invite_respond", invite.pk), {"answer": "decline"})
    assert response.status_code == 302
    assert response["Location"] == reverse("initiatives:invites")
    invite.refresh_from_db()
    assert invite.status == ParticipationInvite.Status.DECLINED


def test_admin_of_another_organisation_gets_404_on_someone_elses_invite(
    client, member, amber, partner_org, org_admin
):
    invite = services.participation_invite(actor=member, initiative=amber, organisation=partner_org)
    client.force_login(org_admin)
    response = client.post(_url("invite_respond", invite.pk), {"answer": "accept"})
    assert response.status_code == 404
    invite.refresh_from_db()
    assert invite.status == ParticipationInvite.Status.PENDING


def test_answering_twice_says_it_was_already_answered(
    client, member, amber, partner_org, partner_admin
):
    invite = services.participation_invite(actor=member, initiative=amber, organisation=partner_org)
    client.force_login(partner_admin)
    client.post(_url("invite_respond", invite.pk), {"answer": "decline"})
    response = client.post(
        _url("invite_respond", invite.pk), {"answer": "accept"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "al beantwoord" in response.content.decode()
    assert not Participation.objects.filter(organisation=partner_org).exists()


# --- Leaving --------------------------------------------------------------------------------


def test_leaving_closes_the_amber_initiative_at_once(
    client, amber, partner_org, partner_admin, partner_member
):
    participation = ParticipationFactory(initiative=amber, organisation=partner_org)
    client.force_login(partner_member)
    assert client.get(amber.get_absolute_url()).status_code == 200

    services.participation_leave(actor=partner_admin, participation=participation)

    assert client.get(amber.get_absolute_url()).status_code == 404
    assert not Participation.objects.filter(pk=participation.pk).exists()
    assert AuditEvent.objects.filter(action="participation.ended").count() == 1


def test_admin_leaving_through_htmx_is_sent_to_the_list(client, amber, partner_org, partner_admin):
    participation = ParticipationFactory(initiative=amber, organisation=partner_org)
    client.force_login(partner_admin)
    response = client.post(
        _url("participation_leave", amber.pk, participation.pk), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("initiatives:list")
    assert not Participation.objects.filter(pk=participation.pk).exists()


def test_editor_removes_a_participant_and_sees_the_section_again(
    client, member, amber, partner_org
):
    participation = ParticipationFactory(initiative=amber, organisation=partner_org)
    client.force_login(member)
    response = client.post(
        _url("participation_leave", amber.pk, participation.pk), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "neemt niet meer deel" in response.content.decode()
    assert not Participation.objects.filter(pk=participation.pk).exists()


def test_a_plain_member_of_the_participant_cannot_take_it_out(
    client, amber, partner_org, partner_member
):
    participation = ParticipationFactory(initiative=amber, organisation=partner_org)
    client.force_login(partner_member)
    response = client.post(_url("participation_leave", amber.pk, participation.pk))
    assert response.status_code == 404
    assert Participation.objects.filter(pk=participation.pk).exists()
    with pytest.raises(PermissionDenied):
        services.participation_leave(actor=partner_member, participation=participation)


def test_leave_button_is_shown_only_to_the_participants_admin(
    client, amber, partner_org, partner_admin, partner_member
):
    ParticipationFactory(initiative=amber, organisation=partner_org)
    client.force_login(partner_admin)
    assert "Deelname beëindigen" in client.get(_url("participants", amber.pk)).content.decode()
    client.force_login(partner_member)
    assert "Deelname beëindigen" not in client.get(_url("participants", amber.pk)).content.decode()


# --- Brengen en halen -----------------------------------------------------------------------


def test_member_of_the_participant_records_what_it_brings_and_gets(
    client, amber, partner_org, partner_member
):
    participation = ParticipationFactory(initiative=amber, organisation=partner_org)
    client.force_login(partner_member)
    response = client.post(
        _url("participation_update", amber.pk, participation.pk),
        {"role": "Leverancier", "brings": "Voorraaddata", "gets": "Minder stilstand"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    participation.refresh_from_db()
    assert (participation.role, participation.brings, participation.gets) == (
        "Leverancier",
        "Voorraaddata",
        "Minder stilstand",
    )
    assert "Minder stilstand" in response.content.decode()


def test_too_long_role_keeps_the_input_and_saves_nothing(
    client, amber, partner_org, partner_member
):
    participation = ParticipationFactory(initiative=amber, organisation=partner_org)
    client.force_login(partner_member)
    response = client.post(
        _url("participation_update", amber.pk, participation.pk),
        {"role": "x" * 500, "brings": "Voorraaddata", "gets": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Voorraaddata" in response.content.decode()
    participation.refresh_from_db()
    assert participation.role == "" and participation.brings == ""


def test_member_of_another_participant_cannot_edit_its_brengen_en_halen(
    client, amber, partner_org, outsider, competitor
):
    participation = ParticipationFactory(initiative=amber, organisation=partner_org)
    ParticipationFactory(initiative=amber, organisation=competitor)
    client.force_login(outsider)
    response = client.post(
        _url("participation_update", amber.pk, participation.pk), {"role": "Overgenomen"}
    )
    assert response.status_code == 404
    participation.refresh_from_db()
    assert participation.role == ""


# --- The outsider ---------------------------------------------------------------------------


def test_outsider_gets_404_on_every_participant_url_and_nothing_is_written(
    client, member, amber, partner_org, outsider, competitor
):
    participation = ParticipationFactory(initiative=amber, organisation=partner_org)
    invite = ParticipationInviteFactory(initiative=amber, organisation=OrganisationFactory())
    client.force_login(outsider)
    hx = {"HX-Request": "true"}
    assert client.get(_url("participants", amber.pk)).status_code == 404
    assert client.get(_url("participants", amber.pk), headers=hx).status_code == 404
    posts = [
        (_url("participation_invite", amber.pk), {"organisation": competitor.pk}),
        (_url("participation_update", amber.pk, participation.pk), {"role": "x"}),
        (_url("participation_leave", amber.pk, participation.pk), {}),
        (_url("participation_invite_withdraw", amber.pk, invite.pk), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
        assert client.post(url, data, headers=hx).status_code == 404, url
    assert not ParticipationInvite.objects.filter(organisation=competitor).exists()
    participation.refresh_from_db()
    assert participation.role == ""
    invite.refresh_from_db()
    assert invite.status == ParticipationInvite.Status.PENDING
    assert not AuditEvent.objects.filter(action__startswith="participation.").exists()


def test_sub_object_of_another_initiative_is_404(client, member, amber, company, partner_org):
    other = InitiativeFactory(owner_organisation=company, tlp=TLP.AMBER)
    participation = ParticipationFactory(initiative=other, organisation=partner_org)
    client.force_login(member)
    response = client.post(_url("participation_leave", amber.pk, participation.pk))
    assert response.status_code == 404
    assert Participation.objects.filter(pk=participation.pk).exists()
