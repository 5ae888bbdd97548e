"""The access policy: a table over every TLP level and relation, and a property test."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from initiatives.models import Initiative, Participation
from partners import access
from partners.access import BatchAccess, can_view, visible_queryset
from partners.models import TLP, Membership, Organisation, SharingGroup, User
from tests.factories import (
    InitiativeFactory,
    MembershipFactory,
    OrganisationFactory,
    ParticipationFactory,
    SharingGroupFactory,
    UserFactory,
    member_of,
)

RELATIONS = [
    "owner_member",
    "participant_member",
    "shared_org_member",
    "group_member",
    "named_person",
    "other_member",
    "suspended_user",
    "suspended_org_member",
    "anonymous",
]

T, F = True, False
EXPECTED = {
    #                 owner participant shared group named other susp_user susp_org anon
    TLP.CLEAR:        (T,    T,         T,     T,    T,    T,    T,        T,       T),
    TLP.GREEN:        (T,    T,         T,     T,    T,    T,    F,        F,       F),
    TLP.AMBER:        (T,    T,         T,     T,    T,    F,    F,        F,       F),
    TLP.AMBER_STRICT: (T,    F,         F,     F,    F,    F,    F,        F,       F),
    TLP.RED:          (F,    F,         F,     F,    T,    F,    F,        F,       F),
}  # fmt: skip


@pytest.fixture
def world(db):
    owner = OrganisationFactory()
    participant = OrganisationFactory()
    shared = OrganisationFactory()
    in_group = OrganisationFactory()
    elsewhere = OrganisationFactory()
    suspended_org = OrganisationFactory(suspended=True)
    group = SharingGroupFactory(membership_hidden=True)
    group.organisations.add(in_group)
    people = {
        "owner_member": member_of(owner),
        "participant_member": member_of(participant),
        "shared_org_member": member_of(shared),
        "group_member": member_of(in_group),
        "named_person": member_of(elsewhere),
        "other_member": member_of(elsewhere),
        "suspended_user": member_of(owner, suspended=True),
        "suspended_org_member": member_of(suspended_org),
        "anonymous": AnonymousUser(),
    }
    items = {}
    for tlp in EXPECTED:
        item = InitiativeFactory(tlp=tlp, owner_organisation=owner)
        ParticipationFactory(initiative=item, organisation=participant)
        ParticipationFactory(initiative=item, organisation=suspended_org)
        item.shared_with_organisations.add(shared)
        item.shared_with_groups.add(group)
        item.shared_with_people.add(people["named_person"])
        items[tlp] = item
    return people, items


@pytest.mark.parametrize("tlp", list(EXPECTED))
@pytest.mark.parametrize("relation", RELATIONS)
def test_policy_table(world, tlp, relation):
    people, items = world
    user, item = people[relation], items[tlp]
    expected = EXPECTED[tlp][RELATIONS.index(relation)]
    assert can_view(user, item) is expected
    visible = visible_queryset(user, Initiative.objects.all())
    assert visible.filter(pk=item.pk).exists() is expected


def test_ended_membership_gives_no_access(db):
    org = OrganisationFactory()
    user = UserFactory()
    MembershipFactory(
        user=user, organisation=org, end_date=timezone.localdate() - timedelta(days=1)
    )
    item = InitiativeFactory(tlp=TLP.GREEN, owner_organisation=org)
    assert not can_view(user, item)
    assert not visible_queryset(user, Initiative.objects.all()).exists()


@pytest.mark.parametrize("tlp", list(EXPECTED))
def test_batch_access_follows_the_table_in_a_fixed_number_of_queries(
    world, tlp, django_assert_num_queries
):
    people, items = world
    with django_assert_num_queries(5):  # memberships, then four audience paths
        batch = BatchAccess([p for p in people.values() if isinstance(p, User)])
        batch.prepare(items.values())
    with django_assert_num_queries(0):
        for relation in RELATIONS:
            expected = EXPECTED[tlp][RELATIONS.index(relation)]
            assert batch.can_view(people[relation], items[tlp]) is expected


def test_link_table_keys_of_nobody_match_nothing(world):
    """The policy's key subqueries stay valid SQL with no values, also when nested."""
    _people, items = world
    assert Initiative.objects.filter(pk__in=[i.pk for i in items.values()]).exists()
    none = access._linked_ids(Initiative, "shared_with_organisations", [])
    nested = access._linked_ids(Initiative, "shared_with_groups", access._group_ids([]))
    for keys in (none, nested):
        assert not Initiative.objects.filter(access._in(Initiative, keys)).exists()
    groups = access._linked_ids(
        Initiative,
        "shared_with_groups",
        access._group_ids([o.pk for o in SharingGroup.objects.get().organisations.all()]),
    )
    assert set(Initiative.objects.filter(access._in(Initiative, groups))) == set(items.values())


def test_visible_queryset_has_no_duplicates(world):
    people, _items = world
    # The named person is also reachable through several paths; rows must still be unique.
    rows = list(visible_queryset(people["owner_member"], Initiative.objects.all()))
    assert len(rows) == len({row.pk for row in rows})


class PolicyAgreementTest(TestCase):
    """On random small worlds, the list filter and the single-object check always agree."""

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(
        org_statuses=st.lists(
            st.sampled_from([Organisation.Status.ACTIVE, Organisation.Status.SUSPENDED,
                             Organisation.Status.ONBOARDING]),
            min_size=1, max_size=4,
        ),
        users=st.lists(
            st.tuples(st.booleans(), st.sets(st.integers(0, 3), max_size=2), st.booleans()),
            min_size=1, max_size=4,
        ),
        group_orgs=st.sets(st.integers(0, 3), max_size=3),
        items=st.lists(
            st.tuples(
                st.sampled_from(list(TLP)),
                st.integers(0, 3),
                st.sets(st.integers(0, 3), max_size=2),
                st.sets(st.integers(0, 3), max_size=2),
                st.booleans(),
                st.sets(st.integers(0, 3), max_size=2),
            ),
            min_size=1, max_size=5,
        ),
    )  # fmt: skip
    def test_visible_to_agrees_with_can_view(self, org_statuses, users, group_orgs, items):
        orgs = [OrganisationFactory(status=s) for s in org_statuses]

        def org(i: int) -> Organisation:
            return orgs[i % len(orgs)]

        group = SharingGroupFactory()
        group.organisations.set({org(i) for i in group_orgs})
        accounts: list = [AnonymousUser()]
        for active, memberships, ended in users:
            user = UserFactory(is_active=active)
            for i in memberships:
                end = timezone.localdate() - timedelta(days=1) if ended else None
                Membership.objects.get_or_create(
                    user=user, organisation=org(i), defaults={"end_date": end}
                )
            accounts.append(user)
        real_users = [a for a in accounts if isinstance(a, User)]
        for tlp, owner, participants, shared, with_group, named in items:
            item = InitiativeFactory(tlp=tlp, owner_organisation=org(owner))
            for i in participants:
                Participation.objects.get_or_create(initiative=item, organisation=org(i))
            item.shared_with_organisations.set({org(i) for i in shared})
            if with_group:
                item.shared_with_groups.add(group)
            item.shared_with_people.set({real_users[i % len(real_users)] for i in named})
        all_items = list(Initiative.objects.all())
        batch = BatchAccess(User.objects.filter(pk__in=[u.pk for u in real_users]))
        batch.prepare(all_items)
        for account in accounts:
            if isinstance(account, User):
                account = User.objects.get(pk=account.pk)  # no cached access context
            listed = set(
                visible_queryset(account, Initiative.objects.all()).values_list("pk", flat=True)
            )
            checked = {item.pk for item in all_items if can_view(account, item)}
            assert listed == checked
            assert {item.pk for item in batch.visible(account, all_items)} == listed
        Initiative.objects.all().delete()
        SharingGroup.objects.all().delete()
