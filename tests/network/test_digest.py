"""Network's digest lines: contacts to confirm, handovers due, new people in one's themes."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from lmi_portal.core.digests import digest_compose
from lmi_portal.core.models import Theme
from lmi_portal.core.notifications import follow_set
from lmi_portal.core.registry import DigestLine, DigestPart
from network.digest import network_digest_lines
from network.models import ContactFlag, Handover, Person
from tests.digest_world import NOW, SINCE, TODAY, UNTIL, batch_of, day, provider_lines
from tests.factories import AffiliationFactory, PersonFactory, UserFactory, member_of, person_of

pytestmark = pytest.mark.django_db

Reason = ContactFlag.Reason


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def lines_for(user, part: str | None = None, **kwargs) -> list[DigestLine]:
    return provider_lines(network_digest_lines, user, part, **kwargs)


def theme(slug: str) -> Theme:
    return Theme.objects.create(slug=f"test-{slug}", name_nl=slug, name_en=slug)


def flag(person: Person, reason: str = Reason.NOT_CONFIRMED, **kwargs) -> ContactFlag:
    return ContactFlag.objects.create(person=person, reason=reason, **kwargs)


def person_page(person: Person) -> str:
    return reverse("network:person_detail", args=[person.pk])


def test_actions_list_exactly_the_contacts_to_confirm_and_the_handovers_due(member, company):
    me = person_of(member)
    other_steward = PersonFactory()
    stale = PersonFactory(first_name="Anna", last_name="Bakker", steward=me)
    flag(stale, Reason.NOT_CONFIRMED)
    flag(stale, Reason.EMAIL_BOUNCED)
    resolved = PersonFactory(steward=me)
    flag(resolved, resolved_at=NOW)
    flag(PersonFactory(steward=other_steward))  # somebody else's contact
    flag(PersonFactory(steward=me, anonymised_at=NOW))  # anonymised: gone
    flag(me, Reason.ROTATION_PASSED)  # the member's own record
    leaving = Handover.objects.create(person=me, due_date=TODAY + timedelta(days=10))
    predecessor = PersonFactory(first_name="Bert", last_name="Claassen")
    Handover.objects.create(
        person=predecessor, successor=me, due_date=TODAY - timedelta(days=2)
    )  # overdue
    Handover.objects.create(person=PersonFactory(), successor=me, due_date=TODAY + timedelta(30))
    Handover.objects.create(
        person=PersonFactory(),
        successor=me,
        due_date=TODAY - timedelta(days=5),
        status=Handover.Status.DONE,
    )

    assert lines_for(member) == sorted(
        [
            DigestLine(
                DigestPart.ACTIONS,
                "Klopt dit nog? Anna Bakker",
                person_page(stale),
                "lang niet bevestigd of gesproken, e-mail onbestelbaar",
                10,
            ),
            DigestLine(
                DigestPart.ACTIONS,
                f"Klopt dit nog? {me.full_name}",
                person_page(me),
                "verwachte functiewisseling voorbij",
                10,
            ),
            DigestLine(
                DigestPart.ACTIONS,
                "Draag uw contacten en taken over aan een opvolger",
                reverse("network:handover_detail", args=[leaving.pk]),
                f"uiterlijk {day(TODAY + timedelta(days=10))}",
                15,
            ),
            DigestLine(
                DigestPart.ACTIONS,
                "U neemt het werk over van Bert Claassen",
                person_page(predecessor),
                "te laat",
                15,
            ),
        ],
        key=lambda line: (line.part, line.sort, line.text),
    )


def test_new_people_in_followed_or_own_themes_at_most_five(member, company):
    followed, own, other = theme("gevolgd"), theme("eigen"), theme("ander")
    follow_set(user=member, target=followed, following=True)
    person_of(member).themes.add(own)
    newcomer = PersonFactory(first_name="Cor", last_name="Dekker")
    newcomer.themes.add(followed)
    AffiliationFactory(person=newcomer, organisation=company)
    colleague = PersonFactory(first_name="Dirk", last_name="Evers")
    colleague.themes.add(own)
    PersonFactory().themes.add(other)  # not in the member's themes
    old = PersonFactory()
    old.themes.add(followed)
    Person.objects.filter(pk=old.pk).update(created_at=SINCE - timedelta(days=1))

    network = [line for line in lines_for(member) if line.part == DigestPart.NETWORK]
    assert [(line.text, line.meta, line.url) for line in network] == [
        ("Nieuw in uw thema's: Cor Dekker", company.display_name, person_page(newcomer)),
        ("Nieuw in uw thema's: Dirk Evers", "", person_page(colleague)),
    ]

    for _ in range(6):
        PersonFactory().themes.add(followed)
    network = [line for line in lines_for(member) if line.part == DigestPart.NETWORK]
    assert len(network) == 5


def test_people_are_never_shown_to_someone_who_is_not_a_member(company, competitor):
    former = UserFactory()  # an account without a membership
    steward = person_of(former)
    followed = theme("gevolgd")
    follow_set(user=former, target=followed, following=True)
    flag(PersonFactory(steward=steward))
    Handover.objects.create(person=steward, due_date=TODAY)
    PersonFactory().themes.add(followed)
    assert lines_for(former) == []
    with translation.override("nl"):
        assert digest_compose(users=[former], since=SINCE, until=UNTIL)[former.pk].is_empty


def test_queries_do_not_grow_with_the_users(company):
    followed = theme("gevolgd")
    users = [member_of(company) for _ in range(10)]
    for user in users:
        me = person_of(user)
        me.themes.add(followed)
        flag(PersonFactory(steward=me))
        Handover.objects.create(person=me, due_date=TODAY)
        AffiliationFactory(person=PersonFactory(), organisation=company).person.themes.add(followed)

    def queries(group) -> tuple[int, int]:
        batch = batch_of(group)
        with CaptureQueriesContext(connection) as ctx, translation.override("nl"):
            found = network_digest_lines(batch)
        return len(ctx.captured_queries), sum(len(lines) for lines in found.values())

    one, ten = queries(users[:1]), queries(users)
    assert one[0] == ten[0]
    assert ten[1] > one[1] > 0
