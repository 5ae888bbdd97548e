"""Knowledge's digest lines: items to re-attest and new items in one's topics, always through
the access policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from knowledge.digest import knowledge_digest_lines
from knowledge.models import KnowledgeItem
from lmi_portal.core.digests import digest_compose
from lmi_portal.core.models import System, Theme
from lmi_portal.core.notifications import follow_set
from lmi_portal.core.registry import DigestLine, DigestPart
from partners.models import TLP
from tests.digest_world import MARKS, NOW, SINCE, TODAY, UNTIL, batch_of, day, provider_lines
from tests.factories import (
    InitiativeFactory,
    KnowledgeItemFactory,
    OrganisationFactory,
    UserFactory,
    member_of,
)

pytestmark = pytest.mark.django_db

Kind = KnowledgeItem.Kind
Status = KnowledgeItem.Status


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def lines_for(user, part: str | None = None, **kwargs) -> list[DigestLine]:
    return provider_lines(knowledge_digest_lines, user, part, **kwargs)


def created_before_period(item: KnowledgeItem) -> KnowledgeItem:
    KnowledgeItem.objects.filter(pk=item.pk).update(created_at=SINCE - timedelta(days=30))
    return item


def test_actions_are_the_members_items_overdue_or_due_within_two_weeks(member, company, competitor):
    overdue = KnowledgeItemFactory(
        title="Smeermiddelen", owner=member, review_by=TODAY - timedelta(days=1)
    )
    soon = KnowledgeItemFactory(
        title="Reservedelen", owner=member, review_by=TODAY + timedelta(days=14)
    )
    KnowledgeItemFactory(owner=member, review_by=TODAY + timedelta(days=15))  # not yet
    KnowledgeItemFactory(owner=member, review_by=TODAY, status=Status.ARCHIVED)
    KnowledgeItemFactory(owner=member, review_by=TODAY, status=Status.DRAFT)
    KnowledgeItemFactory(owner=member_of(company), review_by=TODAY)  # somebody else's
    KnowledgeItemFactory(  # theirs by name, but no longer visible to them
        owner=member, review_by=TODAY, owner_organisation=competitor, tlp=TLP.AMBER_STRICT
    )

    assert lines_for(member) == [
        DigestLine(
            DigestPart.ACTIONS,
            "Nog geldig? Reservedelen",
            soon.get_absolute_url(),
            f"uiterlijk {day(TODAY + timedelta(days=14))}",
            25,
        ),
        DigestLine(
            DigestPart.ACTIONS,
            "Nog geldig? Smeermiddelen",
            overdue.get_absolute_url(),
            "te laat",
            25,
        ),
    ]


def test_new_items_in_the_members_topics(member, company, competitor):
    theme = Theme.objects.create(slug="test-gevolgd", name_nl="Gevolgd", name_en="Followed")
    system = System.objects.create(slug="test-boxer", name_nl="Boxer", name_en="Boxer")
    initiative = InitiativeFactory(owner_organisation=company)
    for target in (theme, system, initiative, competitor):
        follow_set(user=member, target=target, following=True)
    in_theme = KnowledgeItemFactory(title="In thema", kind=Kind.LESSON)
    in_theme.themes.add(theme)
    KnowledgeItemFactory(title="Op systeem").systems.add(system)
    KnowledgeItemFactory(title="Bij initiatief").related_initiatives.add(initiative)
    KnowledgeItemFactory(title="Les uit initiatief", source_initiative=initiative)
    KnowledgeItemFactory(title="Van gevolgde organisatie", owner_organisation=competitor)
    KnowledgeItemFactory(title="Niet gevolgd")
    KnowledgeItemFactory(title="Concept", status=Status.DRAFT).themes.add(theme)
    KnowledgeItemFactory(title="Gearchiveerd", status=Status.ARCHIVED).themes.add(theme)
    created_before_period(KnowledgeItemFactory(title="Ouder")).themes.add(theme)
    KnowledgeItemFactory(
        title="Geheim", owner_organisation=competitor, tlp=TLP.AMBER_STRICT
    ).themes.add(theme)

    new = lines_for(member, DigestPart.NEW)
    assert [(line.text, line.meta) for line in new] == [
        ("Bij initiatief", "Best practice"),
        ("In thema", "Les (lessons learned)"),
        ("Les uit initiatief", "Best practice"),
        ("Op systeem", "Best practice"),
        ("Van gevolgde organisatie", "Best practice"),
    ]
    assert new[1].url == in_theme.get_absolute_url()


def test_an_outsider_never_gets_a_line_about_what_they_may_not_see(member, outsider, company):
    theme = Theme.objects.create(slug="test-gevolgd", name_nl="Gevolgd", name_en="Followed")
    for user in (member, outsider):
        follow_set(user=user, target=theme, following=True)
        follow_set(user=user, target=company, following=True)
    for tlp, mark in MARKS.items():
        KnowledgeItemFactory(title=f"Nieuw {mark}", owner_organisation=company, tlp=tlp).themes.add(
            theme
        )
        # The outsider still named as owner, e.g. from before a change of marking.
        KnowledgeItemFactory(
            title=f"Herzien {mark}",
            owner_organisation=company,
            tlp=tlp,
            owner=outsider,
            review_by=TODAY - timedelta(days=1),
        )

    def marks_in(user, part) -> set[str]:
        words = {word for line in lines_for(user, part) for word in line.text.split()}
        return words & set(MARKS.values())

    visible_to_outsider = {MARKS[TLP.CLEAR], MARKS[TLP.GREEN]}
    assert marks_in(outsider, DigestPart.ACTIONS) == visible_to_outsider
    assert marks_in(outsider, DigestPart.NEW) == visible_to_outsider
    assert marks_in(member, DigestPart.NEW) == set(MARKS.values()) - {MARKS[TLP.RED]}
    # Someone without a membership gets nothing at all, not even CLEAR news.
    nobody = UserFactory()
    follow_set(user=nobody, target=theme, following=True)
    KnowledgeItemFactory(owner=nobody, tlp=TLP.CLEAR, review_by=TODAY).themes.add(theme)
    assert lines_for(nobody) == []
    with translation.override("nl"):
        assert digest_compose(users=[nobody], since=SINCE, until=UNTIL)[nobody.pk].is_empty


def test_queries_do_not_grow_with_the_users(company, competitor):
    theme = Theme.objects.create(slug="test-gevolgd", name_nl="Gevolgd", name_en="Followed")
    other = OrganisationFactory()
    users = [member_of(company) for _ in range(10)]
    tlps = list(MARKS)
    for n, user in enumerate(users):
        follow_set(user=user, target=theme, following=True)
        tlp = tlps[n % len(tlps)]
        item = KnowledgeItemFactory(owner_organisation=other, tlp=tlp, owner=user, review_by=TODAY)
        item.themes.add(theme)
        item.shared_with_people.add(user)
        item.shared_with_organisations.add(competitor)

    def queries(group) -> tuple[int, int]:
        batch = batch_of(group)
        with CaptureQueriesContext(connection) as ctx, translation.override("nl"):
            found = knowledge_digest_lines(batch)
        return len(ctx.captured_queries), sum(len(lines) for lines in found.values())

    one, ten = queries(users[:1]), queries(users)
    assert one[0] == ten[0]
    assert ten[1] > one[1] > 0
