"""Initiatives' digest lines: actions due, open monitor rounds, new and changed initiatives in
one's topics, published werkgroep minutes and successes, always through the access policy."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from initiatives.digest import initiatives_digest_lines
from initiatives.models import ActionItem, Initiative, Meeting, Phase, PulseInvitation
from lmi_portal.core.digests import digest_compose
from lmi_portal.core.models import Theme
from lmi_portal.core.notifications import follow_set
from lmi_portal.core.registry import DigestLine, DigestPart
from partners.models import TLP
from tests.digest_world import AMS, MARKS, NOW, SINCE, TODAY, UNTIL, batch_of, day, provider_lines
from tests.factories import (
    ActionItemFactory,
    InitiativeFactory,
    OrganisationFactory,
    ParticipationFactory,
    PhaseChangeFactory,
    PulseRoundFactory,
    UserFactory,
    member_of,
)

pytestmark = pytest.mark.django_db

BEFORE = SINCE - timedelta(days=3)  # a moment before the period
TLPS = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def lines_for(user, part: str | None = None, **kwargs) -> list[DigestLine]:
    return provider_lines(initiatives_digest_lines, user, part, **kwargs)


def theme(slug: str) -> Theme:
    return Theme.objects.create(slug=f"test-{slug}", name_nl=slug, name_en=slug)


def created_before_period(initiative: Initiative) -> Initiative:
    Initiative.objects.filter(pk=initiative.pk).update(created_at=BEFORE)
    return initiative


def published_meeting(owner, *, tlp=TLP.AMBER, published_at=NOW, **kwargs) -> Meeting:
    return Meeting.objects.create(
        owner_organisation=owner,
        tlp=tlp,
        starts_at=datetime(2026, 12, 3, 14, 0, tzinfo=AMS),
        status=Meeting.Status.PUBLISHED,
        published_at=published_at,
        **kwargs,
    )


def closed(initiative: Initiative, at=NOW) -> Initiative:
    Initiative.objects.filter(pk=initiative.pk).update(phase=Phase.EMBEDDED, closed_at=at)
    PhaseChangeFactory(
        initiative=initiative, from_phase=Phase.IMPLEMENTATION, to_phase=Phase.EMBEDDED
    )
    initiative.refresh_from_db()
    return initiative


def test_actions_are_exactly_the_members_overdue_and_soon_due_ones(member, company, competitor):
    mine = InitiativeFactory(title="Boxer", owner_organisation=company)
    overdue = ActionItemFactory(
        initiative=mine, owner=member, title="Offerte", due_date=TODAY - timedelta(days=1)
    )
    soon = ActionItemFactory(
        initiative=mine, owner=member, title="Planning", due_date=TODAY + timedelta(days=5)
    )
    ActionItemFactory(initiative=mine, owner=member, due_date=TODAY + timedelta(days=20))
    ActionItemFactory(initiative=mine, owner=member, due_date=None)
    ActionItemFactory(
        initiative=mine,
        owner=member,
        due_date=TODAY - timedelta(days=3),
        status=ActionItem.Status.DONE,
    )
    ActionItemFactory(initiative=mine, owner=member_of(company), due_date=TODAY)  # not theirs
    hidden = InitiativeFactory(owner_organisation=competitor, tlp=TLP.AMBER_STRICT)
    ActionItemFactory(initiative=hidden, owner=member, due_date=TODAY - timedelta(days=1))
    meeting = published_meeting(company, published_at=BEFORE)
    from_meeting = ActionItemFactory(
        initiative=None,
        meeting=meeting,
        owner=member,
        title="Notitie rondsturen",
        due_date=TODAY + timedelta(days=3),
    )
    ActionItemFactory(  # agreed in minutes that are not published: does not exist yet
        initiative=None,
        meeting=meeting,
        owner=member,
        due_date=TODAY - timedelta(days=1),
        status=ActionItem.Status.DRAFT,
    )
    created_before_period(mine)

    assert lines_for(member, DigestPart.ACTIONS) == [
        DigestLine(
            DigestPart.ACTIONS,
            "Actie bij Boxer: Offerte",
            f"{mine.get_absolute_url()}#action-{overdue.pk}",
            "te laat",
            0,
        ),
        DigestLine(
            DigestPart.ACTIONS,
            "Actie bij Boxer: Planning",
            f"{mine.get_absolute_url()}#action-{soon.pk}",
            f"uiterlijk {day(TODAY + timedelta(days=5))}",
            5,
        ),
        DigestLine(
            DigestPart.ACTIONS,
            "Actie uit de werkgroep van 3 december 2026: Notitie rondsturen",
            meeting.get_absolute_url(),
            f"uiterlijk {day(from_meeting.due_date)}",
            5,
        ),
    ]


def test_open_monitor_rounds_the_member_has_not_answered(member, competitor):
    open_round = PulseRoundFactory(title="Najaar 2026")
    PulseInvitation.objects.create(round=open_round, user=member)
    answered = PulseRoundFactory()
    PulseInvitation.objects.create(round=answered, user=member, answered=True)
    closed_round = PulseRoundFactory(closed_at=NOW - timedelta(days=1))
    PulseInvitation.objects.create(round=closed_round, user=member)
    about_hidden = PulseRoundFactory(
        initiative=InitiativeFactory(owner_organisation=competitor, tlp=TLP.AMBER)
    )
    PulseInvitation.objects.create(round=about_hidden, user=member)
    PulseRoundFactory()  # not invited

    assert lines_for(member, DigestPart.ACTIONS) == [
        DigestLine(
            DigestPart.ACTIONS,
            "Vul de Samenwerkingsmonitor in: Najaar 2026",
            reverse("initiatives:pulse_answer", args=[open_round.pk]),
            f"uiterlijk {day(open_round.closes_at.astimezone(AMS).date())}",
            30,
        )
    ]


def test_new_and_changed_initiatives_in_the_members_topics(member, company, competitor):
    followed_theme = theme("gevolgd")
    follow_set(user=member, target=followed_theme, following=True)
    follow_set(user=member, target=competitor, following=True)
    new = InitiativeFactory(title="Nieuw in thema", owner_organisation=company)
    new.themes.add(followed_theme)
    InitiativeFactory(title="Niet gevolgd", owner_organisation=company)
    moved = created_before_period(InitiativeFactory(title="Naar verkenning"))
    moved.themes.add(followed_theme)
    PhaseChangeFactory(initiative=moved, from_phase=Phase.IDEA, to_phase=Phase.EXPLORATION)
    quiet = created_before_period(InitiativeFactory(title="Stil"))
    quiet.themes.add(followed_theme)
    followed = InitiativeFactory(title="Zelf gevolgd")
    follow_set(user=member, target=followed, following=True)
    InitiativeFactory(title="Van gevolgde organisatie", owner_organisation=competitor)
    InitiativeFactory(
        title="Geheim van gevolgde", owner_organisation=competitor, tlp=TLP.AMBER_STRICT
    )
    taking_part = InitiativeFactory(title="Gevolgde doet mee")
    ParticipationFactory(initiative=taking_part, organisation=competitor)
    success = closed(created_before_period(InitiativeFactory(title="Geborgd in thema")))
    success.themes.add(followed_theme)

    new_lines = lines_for(member, DigestPart.NEW)
    assert [(line.text, line.meta) for line in new_lines] == [
        ("Gevolgde doet mee", "nieuw"),
        ("Nieuw in thema", "nieuw"),
        ("Van gevolgde organisatie", "nieuw"),
        ("Zelf gevolgd", "nieuw"),
        ("Naar verkenning", "Verkenning"),
    ]
    assert new_lines[1].url == new.get_absolute_url()
    # The success is news for everyone, in its own part, and not twice.
    assert lines_for(member, DigestPart.SUCCESSES) == [
        DigestLine(
            DigestPart.SUCCESSES,
            "Geborgd: Geborgd in thema",
            success.get_absolute_url(),
            success.owner_organisation.display_name,
        )
    ]


def test_published_minutes_and_successes_are_for_whoever_may_see_them(member, company):
    lmi = OrganisationFactory(name="LMI-cel")
    attended = published_meeting(lmi, title="LMI-werkgroep")
    attended.attending_organisations.add(company)
    published_meeting(lmi, title="Andere werkgroep")  # AMBER, company not attending
    published_meeting(lmi, title="Vorige werkgroep", published_at=BEFORE)
    Meeting.objects.create(owner_organisation=lmi, starts_at=NOW, status=Meeting.Status.PREPARATION)
    closed(InitiativeFactory(title="Al eerder geborgd"), at=BEFORE)

    assert lines_for(member, DigestPart.NEW) == [
        DigestLine(
            DigestPart.NEW,
            "Verslag LMI-werkgroep van 3 december 2026 gepubliceerd",
            attended.get_absolute_url(),
            "",
            60,
        )
    ]
    assert lines_for(member, DigestPart.SUCCESSES) == []


def test_an_outsider_never_gets_a_line_about_what_they_may_not_see(
    member, outsider, company, competitor
):
    """Every kind of line, at every TLP level, about items of the member's company; the
    outsider follows, owns and is invited to all of it, as if from an older arrangement."""
    followed_theme = theme("gevolgd")
    for user in (member, outsider):
        follow_set(user=user, target=followed_theme, following=True)
        follow_set(user=user, target=company, following=True)
    for tlp, mark in MARKS.items():
        initiative = InitiativeFactory(
            title=f"Initiatief {mark}", owner_organisation=company, tlp=tlp
        )
        initiative.themes.add(followed_theme)
        follow_set(user=outsider, target=initiative, following=True)
        ActionItemFactory(initiative=initiative, owner=outsider, title=mark, due_date=TODAY)
        meeting = published_meeting(company, tlp=tlp, title=f"Werkgroep {mark}")
        ActionItemFactory(
            initiative=None, meeting=meeting, owner=outsider, title=mark, due_date=TODAY
        )
        pulse = PulseRoundFactory(title=f"Monitor {mark}", initiative=initiative)
        PulseInvitation.objects.create(round=pulse, user=outsider)
        closed(InitiativeFactory(title=f"Succes {mark}", owner_organisation=company, tlp=tlp))
    # RED is for people named on it only, even within the owner organisation.
    named = InitiativeFactory(title="Initiatief genoemd", owner_organisation=company, tlp=TLP.RED)
    named.themes.add(followed_theme)
    named.shared_with_people.add(member)

    def marks_in(user) -> set[str]:
        words = {word for line in lines_for(user) for word in line.text.split()}
        return words & set(MARKS.values())

    outsider_lines = lines_for(outsider)
    assert {line.part for line in outsider_lines} == {
        DigestPart.ACTIONS,
        DigestPart.NEW,
        DigestPart.SUCCESSES,
    }
    assert marks_in(outsider) == {MARKS[TLP.CLEAR], MARKS[TLP.GREEN]}
    assert marks_in(member) == set(MARKS.values()) - {MARKS[TLP.RED]}
    assert "Initiatief genoemd" in {line.text for line in lines_for(member)}
    # Someone without a membership gets nothing at all, not even CLEAR news.
    nobody = UserFactory()
    follow_set(user=nobody, target=followed_theme, following=True)
    ActionItemFactory(
        initiative=Initiative.objects.get(title="Initiatief openbaar"), owner=nobody, due_date=TODAY
    )
    assert lines_for(nobody) == []
    with translation.override("nl"):
        assert digest_compose(users=[nobody], since=SINCE, until=UNTIL)[nobody.pk].is_empty


def test_queries_do_not_grow_with_the_users(company, competitor):
    followed_theme = theme("gevolgd")
    lmi = OrganisationFactory(name="LMI-cel")
    users = [member_of(company) for _ in range(10)]
    for n, user in enumerate(users):
        follow_set(user=user, target=followed_theme, following=True)
        tlp = TLPS[n % len(TLPS)]
        initiative = InitiativeFactory(owner_organisation=company, tlp=tlp)
        initiative.themes.add(followed_theme)
        ParticipationFactory(initiative=initiative, organisation=competitor)
        initiative.shared_with_people.add(user)
        ActionItemFactory(initiative=initiative, owner=user, due_date=TODAY)
        meeting = published_meeting(lmi, tlp=tlp)
        meeting.attending_organisations.add(company)
        ActionItemFactory(initiative=None, meeting=meeting, owner=user, due_date=TODAY)
        pulse = PulseRoundFactory(initiative=initiative)
        PulseInvitation.objects.create(round=pulse, user=user)
        closed(InitiativeFactory(owner_organisation=company, tlp=tlp))

    def queries(group) -> tuple[int, int]:
        batch = batch_of(group)
        with CaptureQueriesContext(connection) as ctx, translation.override("nl"):
            found = initiatives_digest_lines(batch)
        return len(ctx.captured_queries), sum(len(lines) for lines in found.values())

    one, ten = queries(users[:1]), queries(users)
    assert one[0] == ten[0]
    assert ten[1] > one[1] > 0
