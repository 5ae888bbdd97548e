"""The daily stale-contact scan and its "klopt dit nog?" email.

The scan flags exactly the people each reason applies to, twice in a row without duplicates,
resolves flags whose cause went away, and costs the same few queries for 10 or 2,000 people.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lmi_portal.core.models import OutboxEmail
from network.models import Affiliation, ContactFlag, Person
from network.services.stale import stale_contacts_notify, stale_contacts_scan
from network.tasks.stale import stale_contacts_scan as stale_contacts_scan_task
from tests.factories import (
    AffiliationFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
    person_of,
)

pytestmark = pytest.mark.django_db

R = ContactFlag.Reason
# Today at 10:00 local time, so "two hours later" is still today whenever the suite runs.
NOW = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
TODAY = timezone.localdate(NOW)
LONG_AGO = NOW - timedelta(days=400)
RECENTLY = NOW - timedelta(days=10)

# Queries for the flags, whatever the number of people: per reason one UPDATE and one INSERT,
# plus the transaction's savepoint. Generous enough to survive harmless ORM changes, far below
# anything that grows with the number of people.
SCAN_QUERY_BOUND = 14


def aged(person: Person, created_at=LONG_AGO) -> Person:
    """Pretend the record was made long ago (created_at is set on insert)."""
    Person.objects.filter(pk=person.pk).update(created_at=created_at)
    person.refresh_from_db()
    return person


def current_post(person: Person, **kwargs) -> Affiliation:
    return AffiliationFactory(person=person, start_date=TODAY - timedelta(days=700), **kwargs)


def ended_post(person: Person, **kwargs) -> Affiliation:
    return AffiliationFactory(
        person=person,
        start_date=TODAY - timedelta(days=700),
        end_date=TODAY - timedelta(days=30),
        **kwargs,
    )


def open_flags(reason: str) -> set[int]:
    return set(
        ContactFlag.objects.filter(reason=reason, resolved_at__isnull=True).values_list(
            "person_id", flat=True
        )
    )


@pytest.fixture
def cast(db) -> dict[str, Person]:
    """One person per situation; each is stale for exactly the reasons its name says."""
    people: dict[str, Person] = {}

    def add(name: str, **kwargs) -> Person:
        people[name] = PersonFactory(**kwargs)
        return people[name]

    # Current, with a recent confirmation or interaction, or simply new: nothing to flag.
    current_post(add("fresh"))
    current_post(aged(add("confirmed_recently", last_confirmed_at=RECENTLY)))
    current_post(aged(add("spoke_recently", last_interaction_at=RECENTLY)))
    add("new_without_posts")
    # Neither confirmed nor spoken to for too long (nulls count as never).
    current_post(aged(add("never_confirmed")))
    current_post(
        aged(add("confirmed_long_ago", last_confirmed_at=LONG_AGO, last_interaction_at=LONG_AGO))
    )
    # Rotation date passed on a current post; a passed date on an ended post does not count.
    current_post(add("rotation_passed"), expected_rotation_date=TODAY - timedelta(days=1))
    current_post(add("rotation_today"), expected_rotation_date=TODAY)
    moved_on = add("rotation_on_old_post")
    ended_post(moved_on, expected_rotation_date=TODAY - timedelta(days=60))
    current_post(moved_on)
    # Every post ended.
    ended_post(add("left"))
    # Email bounced after the last confirmation, or with no confirmation at all.
    current_post(add("bounced", last_confirmed_at=RECENTLY, email_bounced_at=NOW))
    current_post(add("bounced_never_confirmed", email_bounced_at=RECENTLY))
    current_post(
        add("bounced_then_confirmed", email_bounced_at=LONG_AGO, last_confirmed_at=RECENTLY)
    )
    # Stewards: one fine, one left, one anonymised, one whose account was switched off.
    good_steward = add("good_steward", user=UserFactory())
    current_post(good_steward)
    current_post(add("ward_of_good_steward", steward=good_steward))
    departed = people["left"]
    current_post(add("ward_of_departed", steward=departed))
    erased = add("anonymised_steward", anonymised_at=RECENTLY)
    current_post(erased)
    current_post(add("ward_of_anonymised", steward=erased))
    switched_off = add("inactive_steward", user=UserFactory(is_active=False))
    current_post(switched_off)
    current_post(add("ward_of_inactive", steward=switched_off))
    # An anonymised record is never flagged, whatever else is true of it.
    ended_post(aged(add("anonymised", anonymised_at=RECENTLY, email_bounced_at=NOW)))
    return people


EXPECTED = {
    R.NOT_CONFIRMED: {"never_confirmed", "confirmed_long_ago"},
    R.ROTATION_PASSED: {"rotation_passed"},
    R.AFFILIATION_ENDED: {"left"},
    R.EMAIL_BOUNCED: {"bounced", "bounced_never_confirmed"},
    R.STEWARD_GONE: {"ward_of_departed", "ward_of_anonymised", "ward_of_inactive"},
}


def ids(cast: dict[str, Person], names: set[str]) -> set[int]:
    return {cast[name].pk for name in names}


def test_scan_flags_exactly_the_expected_people_for_each_reason(cast):
    result = stale_contacts_scan(now=NOW)

    for reason, names in EXPECTED.items():
        assert open_flags(reason) == ids(cast, names), reason
        assert result["raised"][reason] == len(names)
    assert ContactFlag.objects.count() == sum(len(names) for names in EXPECTED.values())


def test_running_the_scan_twice_adds_nothing_and_changes_nothing(cast):
    stale_contacts_scan(now=NOW)
    before = list(ContactFlag.objects.order_by("pk").values())

    result = stale_contacts_scan(now=NOW + timedelta(hours=1))

    assert list(ContactFlag.objects.order_by("pk").values()) == before
    assert set(result["raised"].values()) == {0}
    assert set(result["resolved"].values()) == {0}


def test_flags_resolve_automatically_when_their_cause_goes_away(cast):
    stale_contacts_scan(now=NOW)
    Person.objects.filter(pk=cast["never_confirmed"].pk).update(last_interaction_at=NOW)
    Affiliation.objects.filter(person=cast["rotation_passed"]).update(
        expected_rotation_date=TODAY + timedelta(days=300)
    )
    current_post(cast["left"])  # back at an organisation; also brings the steward back
    Person.objects.filter(pk=cast["bounced"].pk).update(last_confirmed_at=NOW)
    Person.objects.filter(pk=cast["ward_of_anonymised"].pk).update(steward=None)

    later = NOW + timedelta(minutes=5)
    result = stale_contacts_scan(now=later)

    gone = {
        R.NOT_CONFIRMED: {"confirmed_long_ago"},
        R.ROTATION_PASSED: set(),
        R.AFFILIATION_ENDED: set(),
        R.EMAIL_BOUNCED: {"bounced_never_confirmed"},
        R.STEWARD_GONE: {"ward_of_inactive"},
    }
    for reason, names in gone.items():
        assert open_flags(reason) == ids(cast, names), reason
    resolved = ContactFlag.objects.filter(resolved_at__isnull=False)
    assert resolved.count() == 6 == sum(result["resolved"].values())
    assert set(resolved.values_list("resolution", flat=True)) == {ContactFlag.Resolution.AUTO}
    assert set(resolved.values_list("resolved_at", flat=True)) == {later}


def test_a_cause_that_returns_raises_a_new_flag_after_the_old_one_was_resolved(cast):
    person = cast["rotation_passed"]
    stale_contacts_scan(now=NOW)
    Affiliation.objects.filter(person=person).update(expected_rotation_date=None)
    stale_contacts_scan(now=NOW)
    Affiliation.objects.filter(person=person).update(expected_rotation_date=TODAY - timedelta(1))

    stale_contacts_scan(now=NOW)

    flags = ContactFlag.objects.filter(person=person, reason=R.ROTATION_PASSED)
    assert flags.count() == 2
    assert flags.filter(resolved_at__isnull=True).count() == 1


def test_anonymising_a_person_resolves_their_open_flags(cast):
    stale_contacts_scan(now=NOW)
    Person.objects.filter(pk=cast["left"].pk).update(anonymised_at=NOW)

    stale_contacts_scan(now=NOW)

    assert not ContactFlag.objects.filter(person=cast["left"], resolved_at__isnull=True).exists()


def test_the_number_of_days_comes_from_the_setting(settings, cast):
    settings.NETWORK_STALE_AFTER_DAYS = 5  # now "recently" (10 days ago) is too long ago

    stale_contacts_scan(now=NOW)

    assert {"confirmed_recently", "spoke_recently"} <= {
        name for name, p in cast.items() if p.pk in open_flags(R.NOT_CONFIRMED)
    }
    assert cast["fresh"].pk not in open_flags(R.NOT_CONFIRMED)  # made today


def test_default_stale_after_days_is_180():
    assert settings.NETWORK_STALE_AFTER_DAYS == 180


def test_daily_beat_entry_runs_the_scan_task(cast):
    entry = settings.CELERY_BEAT_SCHEDULE["network-stale-contacts-scan"]
    assert entry["task"] == stale_contacts_scan_task.name

    stale_contacts_scan_task.delay()

    assert open_flags(R.AFFILIATION_ENDED) == {cast["left"].pk}


# --- Bounded queries --------------------------------------------------------------------------


def _population(n: int) -> None:
    """``n`` people spread over every reason, made in a few bulk statements."""
    org = OrganisationFactory()
    people = Person.objects.bulk_create(
        Person(
            first_name=f"Persoon{i}",
            last_name="Test",
            email_bounced_at=NOW if i % 5 == 0 else None,
            last_confirmed_at=RECENTLY if i % 2 else None,
        )
        for i in range(n)
    )
    Person.objects.filter(pk__in=[p.pk for p in people]).update(created_at=LONG_AGO)
    steward = people[0]
    Person.objects.filter(pk__in=[p.pk for p in people[1::3]]).update(steward=steward)
    Affiliation.objects.bulk_create(
        Affiliation(
            person=p,
            organisation=org,
            start_date=TODAY - timedelta(days=700),
            end_date=TODAY - timedelta(days=1) if i % 4 == 0 else None,
            expected_rotation_date=TODAY - timedelta(days=1) if i % 4 == 1 else None,
        )
        for i, p in enumerate(people)
    )


def _scan_queries(n: int) -> int:
    _population(n)
    with CaptureQueriesContext(connection) as queries:
        stale_contacts_scan(now=NOW, notify=False)
    assert ContactFlag.objects.filter(resolved_at__isnull=True).count() > n // 2
    return len(queries)


def test_scan_costs_the_same_number_of_queries_for_10_and_200_people():
    small = _scan_queries(10)
    ContactFlag.objects.all().delete()
    Affiliation.objects.all().delete()
    Person.objects.all().delete()
    large = _scan_queries(200)

    assert small == large
    assert large <= SCAN_QUERY_BOUND


def test_scan_over_2000_people_stays_within_the_same_bound(django_assert_max_num_queries):
    _population(2000)

    with django_assert_max_num_queries(SCAN_QUERY_BOUND):
        result = stale_contacts_scan(now=NOW, notify=False)
    with django_assert_max_num_queries(SCAN_QUERY_BOUND):
        again = stale_contacts_scan(now=NOW, notify=False)

    assert sum(result["raised"].values()) == ContactFlag.objects.count() > 2000
    assert sum(again["raised"].values()) == 0


# --- The "klopt dit nog?" email ---------------------------------------------------------------


@pytest.fixture
def steward_user(db):
    return UserFactory(email="beheerder.netwerk@test.example", first_name="Anouk")


def stale_ward(steward: Person, name: str) -> Person:
    ward = aged(PersonFactory(first_name=name, last_name="Testpersoon", steward=steward))
    current_post(ward)
    return ward


def emails_to(address: str) -> list[OutboxEmail]:
    return list(OutboxEmail.objects.filter(to=address).order_by("created_at", "pk"))


def test_steward_with_a_login_gets_one_email_listing_every_flagged_person(steward_user):
    steward = person_of(steward_user)
    current_post(steward)
    wards = [stale_ward(steward, "Bram"), stale_ward(steward, "Carla")]

    result = stale_contacts_scan(now=NOW)

    [email] = emails_to(steward_user.email)
    assert result["emails"] == 1
    assert "Bram Testpersoon" in email.body_text and "Carla Testpersoon" in email.body_text
    assert len(re.findall(r"/netwerk/bevestigen/[^/\s]+/", email.body_text)) == 2
    for ward in wards:
        assert f"/netwerk/personen/{ward.pk}/bewerken/" in email.body_text
    assert email.idempotency_key == f"network:klopt-dit-nog:{steward_user.pk}:{TODAY}"
    assert not ContactFlag.objects.filter(person__in=wards, notified_at__isnull=True).exists()


def test_a_second_scan_the_same_day_sends_no_second_email(steward_user):
    steward = person_of(steward_user)
    current_post(steward)
    stale_ward(steward, "Bram")
    stale_contacts_scan(now=NOW)

    stale_ward(steward, "Dirk")  # flagged in the second run, mailed tomorrow
    result = stale_contacts_scan(now=NOW + timedelta(hours=2))

    assert result["emails"] == 0
    assert len(emails_to(steward_user.email)) == 1
    dirk = ContactFlag.objects.get(person__first_name="Dirk")
    assert dirk.notified_at is None

    stale_contacts_scan(now=NOW + timedelta(days=1))

    second = emails_to(steward_user.email)[-1]
    assert "Dirk Testpersoon" in second.body_text
    assert "Bram Testpersoon" not in second.body_text  # already asked yesterday


def test_a_person_with_a_login_and_no_steward_is_asked_themself(db):
    user = UserFactory(email="zelf@test.example")
    person = aged(person_of(user), LONG_AGO)
    Person.objects.filter(pk=person.pk).update(last_confirmed_at=LONG_AGO)
    current_post(person)

    stale_contacts_scan(now=NOW)

    [email] = emails_to("zelf@test.example")
    assert person.full_name in email.body_text


def test_nobody_is_mailed_when_the_steward_has_no_login(db):
    steward = PersonFactory()
    current_post(steward)
    ward = stale_ward(steward, "Eva")

    result = stale_contacts_scan(now=NOW)

    assert result["emails"] == 0
    assert not OutboxEmail.objects.exists()
    assert ContactFlag.objects.get(person=ward).notified_at is None  # the dashboard shows it


def test_no_email_for_a_steward_whose_account_is_switched_off(db):
    user = UserFactory(is_active=False)
    steward = person_of(user)
    current_post(steward)
    stale_ward(steward, "Fleur")

    stale_contacts_scan(now=NOW)

    assert not OutboxEmail.objects.filter(to=user.email).exists()


def _notify_queries(stewards: int, wards_each: int) -> int:
    for s in range(stewards):
        steward = person_of(UserFactory())
        current_post(steward)
        for w in range(wards_each):
            stale_ward(steward, f"W{s}x{w}")
    stale_contacts_scan(now=NOW, notify=False)
    with CaptureQueriesContext(connection) as queries:
        sent = stale_contacts_notify(now=NOW)
    assert sent == stewards
    return len(queries)


def test_notifying_costs_the_same_however_many_people_each_steward_has(db):
    few = _notify_queries(2, 1)
    ContactFlag.objects.all().delete()
    OutboxEmail.objects.all().delete()
    Person.objects.all().delete()
    many = _notify_queries(2, 8)

    assert few == many


def test_the_email_is_written_in_the_recipients_language(db):
    user = UserFactory(language="en")
    steward = person_of(user)
    current_post(steward)
    stale_ward(steward, "Gijs")

    stale_contacts_scan(now=NOW)

    [email] = emails_to(user.email)
    assert email.language == "en"


def test_confirm_links_in_the_email_use_the_site_url(steward_user):
    steward = person_of(steward_user)
    current_post(steward)
    stale_ward(steward, "Hanna")

    stale_contacts_scan(now=NOW)

    [email] = emails_to(steward_user.email)
    assert settings.SITE_URL.rstrip("/") + "/netwerk/bevestigen/" in email.body_text
