"""GDPR/AVG: my own data and its JSON export, anonymising by an admin and by retention."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from lmi_portal.core.models import AuditEvent
from network.models import Affiliation, ContactFlag, Interaction, Person, Tie
from network.services import people as people_services
from network.services import privacy as services
from network.tasks.privacy import network_anonymise_departed
from tests.factories import (
    AffiliationFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
    person_of,
    tie_between,
)

pytestmark = pytest.mark.django_db

MY_DATA = reverse("network:my_data")


def anonymise_url(person: Person) -> str:
    return reverse("network:person_anonymise", args=[person.pk])


@pytest.fixture
def me(member, company) -> Person:
    person = person_of(member)
    person.expertise = "Mijn expertise over rupsvoertuigen"
    person.save()
    AffiliationFactory(person=person, organisation=company, email="ikzelf@ddvs.example")
    return person


@pytest.fixture
def stranger(competitor) -> Person:
    person = PersonFactory(first_name="Vreemde", last_name="Buitenstaander", expertise="Geheim")
    AffiliationFactory(person=person, organisation=competitor, email="vreemd@rmmv.example")
    return person


# --- My data --------------------------------------------------------------------------------


def test_my_data_page_shows_my_record(client, member, me, stranger):
    tie_between(me, stranger, kind=Tie.Kind.MET)
    client.force_login(member)
    response = client.get(MY_DATA)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Mijn expertise over rupsvoertuigen" in body
    assert "ikzelf@ddvs.example" in body
    assert "vreemd@rmmv.example" not in body


def test_json_export_holds_my_data_and_nobody_elses(client, member, me, stranger, company):
    third = PersonFactory(last_name="Derdepartij")
    AffiliationFactory(person=third, organisation=company, email="derde@ddvs.example")
    tie_between(me, stranger)
    tie_between(stranger, third)
    people_services.interaction_log(actor=member, people=[me, stranger], note="Over Boxer")
    people_services.interaction_log(actor=member, people=[stranger, third], note="Niet van mij")
    ContactFlag.objects.create(person=me, reason=ContactFlag.Reason.NOT_CONFIRMED)
    ContactFlag.objects.create(person=stranger, reason=ContactFlag.Reason.EMAIL_BOUNCED)
    client.force_login(member)

    response = client.get(MY_DATA, {"format": "json"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["person"]["id"] == me.pk
    assert data["person"]["account_email"] == member.email
    assert data["person"]["expertise"] == "Mijn expertise over rupsvoertuigen"
    assert [a["email"] for a in data["affiliations"]] == ["ikzelf@ddvs.example"]
    assert [t["with"] for t in data["ties"]] == [stranger.full_name]
    assert [i["note"] for i in data["interactions"]] == ["Over Boxer"]
    assert [f["reason"] for f in data["flags"]] == ["not_confirmed"]
    raw = response.content.decode()
    for foreign in ("vreemd@rmmv.example", "Geheim", "Derdepartij", "derde@ddvs.example"):
        assert foreign not in raw
    assert '"reason": "email_bounced"' not in raw


def test_my_data_without_a_person_record_says_so(client, member):
    client.force_login(member)
    response = client.get(MY_DATA)
    assert response.status_code == 200
    assert response.context["data"] is None
    assert not Person.objects.filter(user=member).exists()  # looking does not create one


def test_my_data_stays_reachable_after_membership_ended(client, company):
    user = UserFactory()
    person = person_of(user)
    AffiliationFactory(
        person=person,
        organisation=company,
        start_date=timezone.localdate() - timedelta(days=100),
        end_date=timezone.localdate() - timedelta(days=1),
        email="oud@ddvs.example",
    )
    client.force_login(user)
    response = client.get(MY_DATA, {"format": "json"})
    assert response.status_code == 200
    assert json.loads(response.content)["affiliations"][0]["email"] == "oud@ddvs.example"


# --- Anonymising by an admin ----------------------------------------------------------------


def test_non_admin_gets_404_on_anonymise(client, member, stranger, org_admin):
    for user in (member, org_admin):
        client.force_login(user)
        assert client.get(anonymise_url(stranger)).status_code == 404
        assert client.post(anonymise_url(stranger)).status_code == 404
    stranger.refresh_from_db()
    assert stranger.anonymised_at is None


def test_admin_confirms_before_anonymising(client, portal_admin, stranger):
    client.force_login(portal_admin)
    response = client.get(anonymise_url(stranger))
    assert response.status_code == 200
    assert "Definitief anonimiseren" in response.content.decode()
    stranger.refresh_from_db()
    assert stranger.anonymised_at is None


def test_admin_anonymises_a_person_keeping_history_and_audit(
    client, portal_admin, member, me, stranger, competitor
):
    login = UserFactory()
    stranger.user = login
    stranger.save()
    tie = tie_between(me, stranger)
    people_services.person_confirm(actor=member, person=stranger)  # an earlier audit row
    people_services.interaction_log(actor=member, people=[me, stranger])
    ContactFlag.objects.create(person=stranger, reason=ContactFlag.Reason.NOT_CONFIRMED)
    earlier_audit = AuditEvent.objects.filter(target_id=str(stranger.pk)).count()
    client.force_login(portal_admin)

    response = client.post(anonymise_url(stranger))

    assert response.status_code == 302
    stranger.refresh_from_db()
    assert stranger.anonymised_at is not None
    assert stranger.full_name == "Geanonimiseerd"
    assert (stranger.expertise, stranger.user_id) == ("", None)
    affiliation = Affiliation.objects.get(person=stranger)
    assert (affiliation.title, affiliation.email, affiliation.phone) == ("", "", "")
    assert affiliation.organisation == competitor  # aggregate history stays
    assert Tie.objects.filter(pk=tie.pk).exists()
    assert Interaction.objects.filter(participants=stranger).count() == 1
    assert not ContactFlag.objects.filter(person=stranger, resolved_at__isnull=True).exists()
    events = AuditEvent.objects.filter(target_type="network.person", target_id=str(stranger.pk))
    assert events.count() == earlier_audit + 1
    event = events.get(action="network.person_anonymised")
    assert event.actor == portal_admin
    assert "Buitenstaander" not in json.dumps(event.data)


def test_anonymised_person_disappears_from_directory_and_person_page(
    client, portal_admin, member, stranger
):
    services.person_anonymise(actor=portal_admin, person=stranger)
    client.force_login(member)
    assert "Buitenstaander" not in client.get(reverse("network:index")).content.decode()
    assert client.get(reverse("network:person_detail", args=[stranger.pk])).status_code == 404


def test_anonymising_twice_is_404(client, portal_admin, stranger):
    services.person_anonymise(actor=portal_admin, person=stranger)
    client.force_login(portal_admin)
    assert client.post(anonymise_url(stranger)).status_code == 404
    assert AuditEvent.objects.filter(action="network.person_anonymised").count() == 1


# --- Anonymising by retention (beat task) ---------------------------------------------------


def _ended(person: Person, days_ago: int, organisation=None) -> Affiliation:
    today = timezone.localdate()
    return AffiliationFactory(
        person=person,
        organisation=organisation or OrganisationFactory(),
        start_date=today - timedelta(days=days_ago + 365),
        end_date=today - timedelta(days=days_ago),
    )


@override_settings(NETWORK_ANONYMISE_AFTER_MONTHS=24)
def test_retention_task_anonymises_only_long_departed_people_without_active_login():
    long_gone = PersonFactory(last_name="Langweg")
    _ended(long_gone, days_ago=800)
    inactive_login = PersonFactory(last_name="Uitgeschakeld", user=UserFactory(suspended=True))
    _ended(inactive_login, days_ago=800)
    active_login = PersonFactory(last_name="Nogactief", user=UserFactory())
    _ended(active_login, days_ago=800)
    recently_gone = PersonFactory(last_name="Recentweg")
    _ended(recently_gone, days_ago=300)
    back_again = PersonFactory(last_name="Terug")
    _ended(back_again, days_ago=800)
    AffiliationFactory(person=back_again)  # current post
    mixed = PersonFactory(last_name="Gemengd")
    _ended(mixed, days_ago=900)
    _ended(mixed, days_ago=200)  # the last post ended only recently
    never_posted = PersonFactory(last_name="Zonderpost")

    assert network_anonymise_departed.delay().get() == 2

    anonymised = set(
        Person.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True)
    )
    assert anonymised == {long_gone.pk, inactive_login.pk}
    for kept in (active_login, recently_gone, back_again, mixed, never_posted):
        kept.refresh_from_db()
        assert kept.anonymised_at is None and kept.last_name
    assert AuditEvent.objects.filter(action="network.person_anonymised", actor=None).count() == 2
    # Idempotent: nothing left to do the second time.
    assert network_anonymise_departed.delay().get() == 0


@override_settings(NETWORK_ANONYMISE_AFTER_MONTHS=6)
def test_retention_period_comes_from_settings():
    person = PersonFactory()
    _ended(person, days_ago=300)
    assert services.people_anonymise_departed() == 1


def test_retention_selection_is_a_bounded_number_of_queries(django_assert_max_num_queries):
    for _ in range(5):
        _ended(PersonFactory(), days_ago=1000)
    with django_assert_max_num_queries(10):
        assert services.people_anonymise_departed() == 5
