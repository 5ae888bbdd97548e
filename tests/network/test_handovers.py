"""Handovers: opened before a rotation, executed all-or-nothing, followed by introductions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lmi_portal.core import registry
from lmi_portal.core.models import AuditEvent, OutboxEmail
from network.models import Affiliation, Handover, Person
from network.services import handovers as services
from network.tasks.handovers import handovers_open_due
from partners.models import Invitation, Membership, User
from tests.conftest import TOTP_SECRET
from tests.factories import (
    AffiliationFactory,
    InitiativeFactory,
    MembershipFactory,
    PersonFactory,
    UserFactory,
    member_of,
    person_of,
    tie_between,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def today():
    return timezone.localdate()


@pytest.fixture
def departing(member, company) -> Person:
    """The member of ``company`` whose post rotates in 60 days."""
    person = person_of(member)
    AffiliationFactory(
        person=person,
        organisation=company,
        email=member.email,
        expected_rotation_date=today() + timedelta(days=60),
    )
    return person


@pytest.fixture
def handover(departing) -> Handover:
    services.handovers_open_due()
    return Handover.objects.get(person=departing)


@pytest.fixture
def colleague(company) -> User:
    """Another member of ``company``, not involved in the handover."""
    return member_of(company, email="collega@ddvs.example")


@pytest.fixture
def successor(company) -> Person:
    user = member_of(company, email="opvolger@ddvs.example", first_name="Olaf", last_name="Volger")
    person = person_of(user)
    AffiliationFactory(person=person, organisation=company, email=user.email, title="Adviseur")
    return person


@pytest.fixture
def other_org_admin(competitor) -> User:
    user = UserFactory(email="beheerder@rmmv.example")
    MembershipFactory(user=user, organisation=competitor, role=Membership.Role.ORG_ADMIN)
    TOTP.activate(user, TOTP_SECRET)
    return user


def detail_url(h: Handover) -> str:
    return reverse("network:handover_detail", args=[h.pk])


# --- Opening --------------------------------------------------------------------------------


def test_open_due_opens_for_rotation_within_90_days_and_recently_ended_posts(company):
    soon = AffiliationFactory(
        organisation=company, expected_rotation_date=today() + timedelta(days=60)
    )
    later = AffiliationFactory(
        organisation=company, expected_rotation_date=today() + timedelta(days=120)
    )
    ended = AffiliationFactory(
        organisation=company,
        start_date=today() - timedelta(days=400),
        end_date=today() - timedelta(days=10),
    )
    long_ended = AffiliationFactory(
        organisation=company,
        start_date=today() - timedelta(days=400),
        end_date=today() - timedelta(days=60),
    )
    steady = AffiliationFactory(organisation=company)

    assert services.handovers_open_due() == 2

    opened = {h.affiliation_id: h for h in Handover.objects.all()}
    assert set(opened) == {soon.pk, ended.pk}
    assert opened[soon.pk].due_date == soon.expected_rotation_date
    assert opened[soon.pk].person_id == soon.person_id
    assert opened[ended.pk].due_date == ended.end_date
    assert all(h.status == Handover.Status.OPEN for h in opened.values())
    assert not {later.pk, long_ended.pk, steady.pk} & set(opened)


def test_open_due_twice_opens_once_and_emails_departing_and_org_admins_once(
    departing, member, org_admin, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        handovers_open_due.delay()
    with django_capture_on_commit_callbacks(execute=True):
        handovers_open_due.delay()

    assert Handover.objects.filter(person=departing).count() == 1
    handover = Handover.objects.get(person=departing)
    emails = OutboxEmail.objects.filter(idempotency_key__startswith=f"handover:{handover.pk}:")
    assert sorted(emails.values_list("to", flat=True)) == sorted([member.email, org_admin.email])
    assert sorted(m.to[0] for m in mailoutbox) == sorted([member.email, org_admin.email])
    assert detail_url(handover) in mailoutbox[0].body


def test_open_due_emails_only_org_admins_when_departing_has_no_login(company, org_admin):
    AffiliationFactory(organisation=company, expected_rotation_date=today() + timedelta(days=5))
    services.handovers_open_due()
    assert list(OutboxEmail.objects.values_list("to", flat=True)) == [org_admin.email]


def test_open_due_does_not_reopen_a_post_whose_handover_is_done(handover):
    Handover.objects.filter(pk=handover.pk).update(status=Handover.Status.DONE)
    assert services.handovers_open_due() == 0
    assert Handover.objects.count() == 1


# --- Who may see --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "org_admin", "programme_manager", "steward"])
def test_involved_people_see_the_handover_page(request, client, handover, company, who):
    if who == "steward":
        user = member_of(company, email="steward@ddvs.example")
        Person.objects.filter(pk=handover.person_id).update(steward=person_of(user))
    else:
        user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(detail_url(handover))
    assert response.status_code == 200
    assert handover.person.full_name in response.content.decode()


def test_outsider_gets_404_on_handover_page_and_actions(client, outsider, handover, successor):
    client.force_login(outsider)
    assert client.get(detail_url(handover)).status_code == 404
    execute = reverse("network:handover_execute", args=[handover.pk])
    choose = reverse("network:handover_successor", args=[handover.pk])
    assert client.post(choose, {"person": successor.pk}).status_code == 404
    assert client.post(execute).status_code == 404
    handover.refresh_from_db()
    assert handover.successor is None and handover.status == Handover.Status.OPEN


def test_uninvolved_colleague_gets_404(client, colleague, handover):
    client.force_login(colleague)
    assert client.get(detail_url(handover)).status_code == 404


def test_other_organisations_admin_gets_404(client, other_org_admin, handover):
    client.force_login(other_org_admin)
    assert client.get(detail_url(handover)).status_code == 404
    listing = client.get(reverse("network:handovers"))
    assert listing.status_code == 200  # their own organisation's list, which has none
    assert detail_url(handover) not in listing.content.decode()


def test_departed_person_no_longer_sees_their_handover(member, handover):
    # Without an active membership the portal answers with its no-access page before any view;
    # the accessor itself must refuse as well.
    Membership.objects.filter(user=member).update(end_date=today() - timedelta(days=1))
    with pytest.raises(Http404):
        services.handover_get_for_user(user=member, pk=handover.pk)


def test_portal_admin_without_membership_gets_404(client, portal_admin, handover):
    client.force_login(portal_admin)
    assert client.get(detail_url(handover)).status_code == 404
    assert client.get(reverse("network:handovers")).status_code == 404


# --- Status list ----------------------------------------------------------------------------


def test_programme_manager_sees_all_handovers_with_overdue_marked(
    client, programme_manager, handover, competitor
):
    AffiliationFactory(organisation=competitor, expected_rotation_date=today() + timedelta(days=9))
    services.handovers_open_due()
    Handover.objects.filter(pk=handover.pk).update(due_date=today() - timedelta(days=3))
    client.force_login(programme_manager)
    response = client.get(reverse("network:handovers"))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('href="/netwerk/overdrachten/') == 2
    assert body.count("Te laat") == 1


def test_org_admin_sees_only_own_organisations_handovers(client, org_admin, handover, competitor):
    other = AffiliationFactory(
        organisation=competitor, expected_rotation_date=today() + timedelta(days=9)
    )
    services.handovers_open_due()
    client.force_login(org_admin)
    body = client.get(reverse("network:handovers")).content.decode()
    assert detail_url(handover) in body
    assert detail_url(Handover.objects.get(affiliation=other)) not in body


def test_plain_member_gets_404_on_the_list(client, member, handover):
    client.force_login(member)
    assert client.get(reverse("network:handovers")).status_code == 404


def test_list_query_count_is_constant(
    client, programme_manager, company, django_assert_num_queries
):
    client.force_login(programme_manager)
    url = reverse("network:handovers")
    AffiliationFactory(organisation=company, expected_rotation_date=today() + timedelta(days=9))
    services.handovers_open_due()
    client.get(url)  # warm up session and caches
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(24):
        AffiliationFactory(organisation=company, expected_rotation_date=today() + timedelta(days=9))
    services.handovers_open_due()
    Handover.objects.filter(pk__in=Handover.objects.values("pk")[:5]).update(
        successor=PersonFactory()
    )
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('href="/netwerk/overdrachten/') == 25


def test_page_shows_what_will_move_and_invite_form_only_to_org_admin(
    client, org_admin, member, handover, departing, company
):
    PersonFactory(first_name="Beheerd", last_name="Record", steward=departing)
    InitiativeFactory(owner_organisation=company, lead=member)
    client.force_login(org_admin)
    body = client.get(detail_url(handover)).content.decode()
    assert "Beheerd Record" in body
    assert "beheerde contactrecords: 1" in body
    assert "penvoerderschap van initiatieven: 1" in body
    assert 'id="invite-form"' in body
    client.force_login(member)
    assert 'id="invite-form"' not in client.get(detail_url(handover)).content.decode()


# --- Choosing a successor -------------------------------------------------------------------


def test_search_fragment_lists_same_organisation_first(
    client, org_admin, handover, successor, competitor
):
    namesake = PersonFactory(first_name="Olga", last_name="Volger")
    AffiliationFactory(person=namesake, organisation=competitor)
    client.force_login(org_admin)
    response = client.get(detail_url(handover), {"q": "volger"}, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1" not in body
    assert body.index("Olaf Volger") < body.index("Olga Volger")


def test_choosing_a_successor_sets_it_without_moving_anything(
    client, member, handover, successor, departing
):
    cared_for = PersonFactory(steward=departing)
    client.force_login(member)
    response = client.post(
        reverse("network:handover_successor", args=[handover.pk]), {"person": successor.pk}
    )
    assert response.status_code == 302
    handover.refresh_from_db()
    cared_for.refresh_from_db()
    assert handover.successor == successor and handover.status == Handover.Status.OPEN
    assert cared_for.steward == departing


def test_org_admin_invites_new_successor_at_same_organisation(client, org_admin, handover, company):
    client.force_login(org_admin)
    response = client.post(
        reverse("network:handover_invite", args=[handover.pk]),
        {"first_name": "Nina", "last_name": "Nieuw", "email": "Nina@DDVS.example"},
    )
    assert response.status_code == 302
    handover.refresh_from_db()
    new = handover.successor
    assert new is not None and new.full_name == "Nina Nieuw" and new.user is None
    assert (
        Affiliation.objects.current()
        .filter(person=new, organisation=company, email="nina@ddvs.example")
        .exists()
    )
    invitation = Invitation.objects.get(email="nina@ddvs.example")
    assert invitation.organisation == company and invitation.role == Membership.Role.MEMBER


def test_departing_member_cannot_invite_a_new_successor(client, member, handover):
    client.force_login(member)
    response = client.post(
        reverse("network:handover_invite", args=[handover.pk]),
        {"first_name": "Nina", "last_name": "Nieuw", "email": "nina@ddvs.example"},
    )
    assert response.status_code == 404
    assert not Invitation.objects.exists()


# --- Executing ------------------------------------------------------------------------------


def test_execute_moves_stewardships_and_initiative_lead(
    programme_manager, handover, departing, successor, member, company
):
    cared_for = [PersonFactory(steward=departing), PersonFactory(steward=departing)]
    untouched = PersonFactory()
    initiative = InitiativeFactory(owner_organisation=company, lead=member)

    done = services.handover_execute(
        actor=programme_manager, handover=handover, successor=successor
    )

    assert done.status == Handover.Status.DONE and done.completed_at is not None
    assert done.moved == {"stewardships": 2, "initiative_leads": 1}
    assert Person.objects.filter(steward=successor).count() == 2
    assert {p.pk for p in Person.objects.filter(steward=successor)} == {p.pk for p in cared_for}
    untouched.refresh_from_db()
    assert untouched.steward is None
    initiative.refresh_from_db()
    assert initiative.lead == successor.user
    assert AuditEvent.objects.filter(
        action="handover.executed", target_id=str(handover.pk)
    ).exists()


def test_execute_via_the_page_by_the_departing_person(client, member, handover, successor):
    Handover.objects.filter(pk=handover.pk).update(successor=successor)
    client.force_login(member)
    response = client.post(reverse("network:handover_execute", args=[handover.pk]))
    assert response.status_code == 302
    handover.refresh_from_db()
    assert handover.status == Handover.Status.DONE and handover.successor == successor


def test_failing_mover_leaves_nothing_moved(
    monkeypatch, programme_manager, handover, departing, successor, member, company
):
    cared_for = PersonFactory(steward=departing)
    initiative = InitiativeFactory(owner_organisation=company, lead=member)

    def failing_mover(departing, successor, dry_run=False):
        if not dry_run:
            raise RuntimeError("actions unavailable")
        return {}

    providers = dict(registry.handover_movers._providers)
    providers["failing"] = (999, failing_mover)  # after stewardships and initiatives moved
    monkeypatch.setattr(registry.handover_movers, "_providers", providers)

    with pytest.raises(RuntimeError):
        services.handover_execute(actor=programme_manager, handover=handover, successor=successor)

    cared_for.refresh_from_db()
    initiative.refresh_from_db()
    handover.refresh_from_db()
    assert cared_for.steward == departing
    assert initiative.lead == member
    assert handover.status == Handover.Status.OPEN and handover.moved == {}


def test_successor_without_login_cannot_take_initiative_leads_so_nothing_moves(
    programme_manager, handover, departing, member, company
):
    cared_for = PersonFactory(steward=departing)
    InitiativeFactory(owner_organisation=company, lead=member)
    no_login = PersonFactory()

    with pytest.raises(ValidationError, match="nog geen account"):
        services.handover_execute(actor=programme_manager, handover=handover, successor=no_login)

    cared_for.refresh_from_db()
    assert cared_for.steward == departing
    assert Handover.objects.get(pk=handover.pk).status == Handover.Status.OPEN


def test_executing_twice_is_refused(programme_manager, handover, departing, successor):
    services.handover_execute(actor=programme_manager, handover=handover, successor=successor)
    later = PersonFactory(steward=departing)
    with pytest.raises(ValidationError):
        services.handover_execute(actor=programme_manager, handover=handover, successor=successor)
    later.refresh_from_db()
    assert later.steward == departing


# --- Introductions --------------------------------------------------------------------------


def _contact(company, name: str, **user_kwargs) -> Person:
    if user_kwargs:
        return person_of(member_of(company, first_name=name, last_name="Contact", **user_kwargs))
    person = PersonFactory(first_name=name, last_name="Contact")
    AffiliationFactory(person=person, organisation=company, email=f"{name.lower()}@x.example")
    return person


def test_top_contacts_are_strongest_confirmed_and_reachable(handover, departing, competitor):
    now = timezone.now()
    strong = _contact(competitor, "Sterk")
    recent = _contact(competitor, "Recent")
    older = _contact(competitor, "Ouder")
    unreachable = PersonFactory(first_name="Onbereikbaar")
    pending = _contact(competitor, "Wachtend")
    weak = [_contact(competitor, f"Zwak{i}") for i in range(3)]
    tie_between(departing, strong, strength=3)
    tie_between(departing, recent, strength=2, last_interaction_at=now)
    tie_between(departing, older, strength=2, last_interaction_at=now - timedelta(days=90))
    tie_between(departing, unreachable, strength=3)
    tie_between(departing, pending, strength=3, status="pending")
    for person in weak:
        tie_between(departing, person, strength=1)

    contacts = services.handover_top_contacts(handover=handover)

    assert [c.first_name for c in contacts[:3]] == ["Sterk", "Recent", "Ouder"]
    assert len(contacts) == 5
    assert unreachable not in contacts and pending not in contacts


def test_introductions_send_one_email_per_chosen_contact_and_twice_once(
    client, member, handover, departing, successor, competitor, company
):
    services.handover_execute(actor=member, handover=handover, successor=successor)
    english = _contact(competitor, "Engels", email="engels@rmmv.example", language="en")
    plain = _contact(competitor, "Gewoon")
    skipped = _contact(competitor, "Overgeslagen")
    for person in (english, plain, skipped):
        tie_between(departing, person, strength=2)
    url = reverse("network:handover_introductions", args=[handover.pk])
    client.force_login(member)
    page = client.get(detail_url(handover)).content.decode()
    assert "Stuur introducties" in page and f'id="contact-{english.pk}"' in page

    for _ in range(2):
        response = client.post(url, {"contacts": [english.pk, plain.pk]})
        assert response.status_code == 302

    emails = OutboxEmail.objects.filter(idempotency_key__contains=":introduction:")
    assert sorted(emails.values_list("to", flat=True)) == [
        "engels@rmmv.example",
        "gewoon@x.example",
    ]
    to_english = emails.get(to="engels@rmmv.example")
    assert to_english.language == "en"
    assert "Engels" in to_english.body_text
    assert successor.full_name in to_english.body_text
    assert company.name in to_english.body_text
    assert "opvolger@ddvs.example" in to_english.body_text
    assert emails.get(to="gewoon@x.example").language == "nl"


def test_introductions_refuse_people_outside_the_top_contacts(
    client, member, handover, departing, successor, competitor
):
    services.handover_execute(actor=member, handover=handover, successor=successor)
    stranger = _contact(competitor, "Vreemde")
    client.force_login(member)
    response = client.post(
        reverse("network:handover_introductions", args=[handover.pk]), {"contacts": [stranger.pk]}
    )
    assert response.status_code == 200
    assert not OutboxEmail.objects.filter(idempotency_key__contains=":introduction:").exists()


def test_programme_manager_and_outsider_cannot_send_introductions(
    client, programme_manager, outsider, member, handover, departing, successor, competitor
):
    services.handover_execute(actor=member, handover=handover, successor=successor)
    contact = _contact(competitor, "Iemand")
    tie_between(departing, contact, strength=2)
    url = reverse("network:handover_introductions", args=[handover.pk])
    for user in (programme_manager, outsider):
        client.force_login(user)
        assert client.post(url, {"contacts": [contact.pk]}).status_code == 404
    assert not OutboxEmail.objects.filter(idempotency_key__contains=":introduction:").exists()
