"""The weekly view "Sinds vorige werkgroep" and "op de agenda"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from initiatives.models import (
    ActionItem,
    AgendaItem,
    Initiative,
    Meeting,
    Obstacle,
    Phase,
    PhaseChange,
    PulseForm,
    PulseResponse,
)
from initiatives.pulse_items import statements_for
from initiatives.selectors.weekly import (
    agenda_dom_id,
    weekly_agenda_source,
    weekly_overview,
    weekly_sections,
)
from knowledge.models import KnowledgeItem
from network.models import ContactFlag, ContinuityRun, Handover
from partners.models import TLP

from ...factories import (
    ActionItemFactory,
    AffiliationFactory,
    InitiativeFactory,
    KnowledgeItemFactory,
    ObstacleFactory,
    PersonFactory,
    PhaseChangeFactory,
    PulseRoundFactory,
    SharingGroupFactory,
)

URL = reverse("initiatives:werkgroep")
PUT = reverse("initiatives:agenda_put")


def _meeting(owner, *, starts_at, status=Meeting.Status.PREPARATION, tlp=TLP.AMBER, attending=()):
    meeting = Meeting.objects.create(
        owner_organisation=owner, tlp=tlp, starts_at=starts_at, status=status
    )
    meeting.attending_organisations.set([owner, *attending])
    return meeting


def _backdate(obj, when, field="created_at"):
    type(obj).objects.filter(pk=obj.pk).update(**{field: when})


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def last_meeting(lmi_cell, company, now):
    """Held three days ago, minutes published."""
    return _meeting(
        lmi_cell,
        starts_at=now - timedelta(days=3),
        status=Meeting.Status.PUBLISHED,
        attending=[company],
    )


@pytest.fixture
def next_meeting(lmi_cell, company, now, last_meeting):
    return _meeting(lmi_cell, starts_at=now + timedelta(days=4), attending=[company])


@pytest.fixture
def week(company, competitor, last_meeting, now):
    """A crafted week: for each kind of change one before the last meeting (not shown), one
    after (shown) and one after that the programme manager may not see (a competitor's
    AMBER+STRICT or RED item)."""
    before = now - timedelta(days=5)
    hidden_tlps = {"strict": TLP.AMBER_STRICT, "red": TLP.RED}

    old = InitiativeFactory(title="Oud initiatief", owner_organisation=company)
    _backdate(old, before)
    new = InitiativeFactory(title="Nieuw initiatief", owner_organisation=company)
    hidden = {
        name: InitiativeFactory(title=f"Geheim {name}", owner_organisation=competitor, tlp=tlp)
        for name, tlp in hidden_tlps.items()
    }

    # Phase changes: one old, one new, one new of a hidden initiative; none of the first entries.
    old_change = PhaseChangeFactory(initiative=old)
    PhaseChange.objects.filter(pk=old_change.pk).update(created_at=before)
    PhaseChangeFactory(initiative=new, from_phase=Phase.EXPLORATION, to_phase=Phase.ELABORATION)
    PhaseChangeFactory(initiative=new, from_phase="", to_phase=Phase.IDEA)
    PhaseChangeFactory(initiative=hidden["strict"])

    old_obstacle = ObstacleFactory(initiative=old, title="Oude belemmering")
    _backdate(old_obstacle, before)
    escalated = ObstacleFactory(initiative=old, title="Nu geëscaleerd")
    _backdate(escalated, before)
    Obstacle.objects.filter(pk=escalated.pk).update(escalated_at=now - timedelta(hours=2))
    ObstacleFactory(initiative=new, title="Nieuwe belemmering")
    ObstacleFactory(initiative=hidden["red"], title="Geheime belemmering")

    today = timezone.localdate()
    ActionItemFactory(initiative=new, title="Verlopen actie", due_date=today - timedelta(days=1))
    ActionItemFactory(initiative=new, title="Nog niet verlopen", due_date=today)
    ActionItemFactory(
        initiative=new,
        title="Afgeronde actie",
        due_date=today - timedelta(days=9),
        status=ActionItem.Status.DONE,
    )
    ActionItemFactory(
        initiative=hidden["strict"], title="Geheime actie", due_date=today - timedelta(days=1)
    )

    Initiative.objects.filter(pk__in=[old.pk, hidden["red"].pk]).update(
        dormant_since=now - timedelta(days=20)
    )
    success = InitiativeFactory(
        title="Geborgd initiatief", owner_organisation=company, phase=Phase.EMBEDDED
    )
    _backdate(success, before)
    Initiative.objects.filter(pk=success.pk).update(closed_at=now - timedelta(days=1))
    old_success = InitiativeFactory(
        title="Lang geleden geborgd", owner_organisation=company, phase=Phase.EMBEDDED
    )
    _backdate(old_success, before)
    Initiative.objects.filter(pk=old_success.pk).update(closed_at=before)
    Initiative.objects.filter(pk=hidden["strict"].pk).update(
        phase=Phase.EMBEDDED, closed_at=now - timedelta(days=1)
    )

    old_item = KnowledgeItemFactory(title="Oud kennisitem", owner_organisation=company)
    _backdate(old_item, before)
    KnowledgeItemFactory(
        title="Nieuwe les", kind=KnowledgeItem.Kind.LESSON, owner_organisation=company
    )
    KnowledgeItemFactory(
        title="Geheim kennisitem", owner_organisation=competitor, tlp=TLP.AMBER_STRICT
    )
    return {"old": old, "new": new, "hidden": hidden, "success": success}


def _sections(user):
    overview = weekly_overview(user=user)
    return {block.section.key: block.section for block in overview.blocks}


def _texts(section):
    return [line.text for line in section.lines]


def test_shows_exactly_the_changes_since_the_last_meeting(programme_manager, week, last_meeting):
    overview = weekly_overview(user=programme_manager)
    assert overview.since == last_meeting.starts_at
    assert overview.previous_meeting == last_meeting
    sections = {block.section.key: block.section for block in overview.blocks}

    assert _texts(sections["new_initiatives"]) == ["Nieuw initiatief"]
    assert sections["new_initiatives"].total == 1
    assert _texts(sections["phase_changes"]) == ["Nieuw initiatief: Verkenning → Uitwerking"]
    assert sections["phase_changes"].total == 1
    assert sorted(_texts(sections["obstacles"])) == [
        "Nieuwe belemmering (Nieuw initiatief)",
        "Nu geëscaleerd (Oud initiatief)",
    ]
    assert sections["obstacles"].total == 2
    assert _texts(sections["overdue_actions"]) == ["Verlopen actie"]
    assert sections["overdue_actions"].total == 1
    assert _texts(sections["dormant"]) == ["Oud initiatief"]
    assert sections["dormant"].total == 1
    assert _texts(sections["knowledge"]) == ["Nieuwe les"]
    assert sections["knowledge"].total == 1
    assert _texts(sections["successes"]) == ["Geborgd initiatief"]
    assert sections["successes"].total == 1


def test_nothing_the_manager_may_not_see_in_lines_or_page(client, programme_manager, week):
    client.force_login(programme_manager)
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nieuw initiatief" in body
    assert "Geheim" not in body
    for section in weekly_sections(
        user=programme_manager, since=timezone.now() - timedelta(days=30)
    ):
        assert not any("Geheim" in text for text in _texts(section)), section.key


def test_totals_count_only_visible_items_beyond_the_limit(programme_manager, company, competitor):
    for n in range(4):
        InitiativeFactory(title=f"Zichtbaar {n}", owner_organisation=company)
    for n in range(3):
        InitiativeFactory(
            title=f"Verborgen {n}", owner_organisation=competitor, tlp=TLP.AMBER_STRICT
        )
    sections = {
        s.key: s
        for s in weekly_sections(
            user=programme_manager, since=timezone.now() - timedelta(days=1), limit=2
        )
    }
    assert sections["new_initiatives"].total == 4
    assert len(sections["new_initiatives"].lines) == 2


def test_without_a_previous_meeting_the_period_is_the_last_seven_days(programme_manager, company):
    recent = InitiativeFactory(title="Van gisteren", owner_organisation=company)
    _backdate(recent, timezone.now() - timedelta(days=1))
    older = InitiativeFactory(title="Van vorige maand", owner_organisation=company)
    _backdate(older, timezone.now() - timedelta(days=30))
    overview = weekly_overview(user=programme_manager)
    assert overview.previous_meeting is None
    assert abs(timezone.now() - overview.since - timedelta(days=7)) < timedelta(minutes=1)
    assert _texts(_sections(programme_manager)["new_initiatives"]) == ["Van gisteren"]


def test_a_meeting_the_manager_may_not_see_does_not_set_the_period(
    programme_manager, competitor, company
):
    _meeting(
        competitor,
        starts_at=timezone.now() - timedelta(hours=1),
        status=Meeting.Status.PUBLISHED,
        tlp=TLP.AMBER_STRICT,
    )
    assert weekly_overview(user=programme_manager).previous_meeting is None


def test_page_shows_the_period_and_the_meeting_links(
    client, programme_manager, week, last_meeting, next_meeting
):
    client.force_login(programme_manager)
    body = client.get(URL).content.decode()
    assert last_meeting.get_absolute_url() in body
    assert next_meeting.get_absolute_url() in body
    assert f'id="{agenda_dom_id("initiative:" + str(week["new"].pk))}"' in body


@pytest.mark.parametrize("who", ["member", "outsider", "org_admin", "portal_admin"])
def test_non_managers_get_404_and_write_nothing(client, request, who, week, next_meeting):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(URL).status_code == 404
    response = client.post(PUT, {"key": f"initiative:{week['new'].pk}"})
    assert response.status_code == 404
    assert not AgendaItem.objects.exists()


def test_anonymous_is_sent_to_login(client):
    assert client.get(URL).status_code == 302


# --- Op de agenda -----------------------------------------------------------------------------


def test_op_de_agenda_twice_adds_one_item(client, programme_manager, week, next_meeting):
    client.force_login(programme_manager)
    key = f"obstacle:{Obstacle.objects.get(title='Nieuwe belemmering').pk}"
    for _ in range(2):
        response = client.post(PUT, {"key": key}, headers={"hx-request": "true"})
        assert response.status_code == 200
        body = response.content.decode()
        assert "Op de agenda" in body and "✓" in body
        assert f'id="{agenda_dom_id(key)}"' in body
    item = AgendaItem.objects.get()
    assert item.meeting == next_meeting
    assert item.source_key == key
    assert item.title == "Nieuwe belemmering (Nieuw initiatief)"
    assert item.initiative == week["new"]
    assert item.link_url == f"{week['new'].get_absolute_url()}#obstacles"
    assert item.status == AgendaItem.Status.ACCEPTED


def test_lines_already_on_the_agenda_show_the_tick(client, programme_manager, week, next_meeting):
    client.force_login(programme_manager)
    key = f"initiative:{week['new'].pk}"
    client.post(PUT, {"key": key})
    overview = weekly_overview(user=programme_manager)
    rows = [row for block in overview.blocks for row in block.rows if row.line.agenda_key == key]
    assert rows and all(row.on_agenda for row in rows)


def test_op_de_agenda_without_htmx_redirects_back(client, programme_manager, week, next_meeting):
    client.force_login(programme_manager)
    response = client.post(PUT, {"key": f"initiative:{week['new'].pk}"}, follow=True)
    assert response.redirect_chain[-1][0] == URL
    assert "staat op de agenda" in response.content.decode()
    assert AgendaItem.objects.filter(meeting=next_meeting).count() == 1


def test_knowledge_lines_go_on_the_agenda_through_their_provider(
    client, programme_manager, week, next_meeting
):
    client.force_login(programme_manager)
    item = KnowledgeItem.objects.get(title="Nieuwe les")
    response = client.post(PUT, {"key": f"knowledge:{item.pk}"}, headers={"hx-request": "true"})
    assert response.status_code == 200
    agenda_item = AgendaItem.objects.get()
    assert agenda_item.title == "Nieuwe les"
    assert agenda_item.link_url == item.get_absolute_url()
    assert agenda_item.initiative is None


@pytest.mark.parametrize(
    "key",
    [
        "",
        "bestaat-niet",
        "initiative:",
        "initiative:abc",
        "initiative:999999",
        "initiative:1-2",
        "onbekend:1",
        "knowledge:999999",
        "pair:1",
        "initiative:1 OR 1=1",
    ],
)
def test_invalid_keys_are_404_and_write_nothing(client, programme_manager, next_meeting, key):
    client.force_login(programme_manager)
    assert client.post(PUT, {"key": key}).status_code == 404
    assert not AgendaItem.objects.exists()


def test_keys_of_items_the_manager_may_not_see_are_404(
    client, programme_manager, week, next_meeting
):
    client.force_login(programme_manager)
    hidden = week["hidden"]["strict"]
    keys = [
        f"initiative:{hidden.pk}",
        f"initiative:{week['hidden']['red'].pk}",
        f"phase:{PhaseChange.objects.get(initiative=hidden).pk}",
        f"obstacle:{Obstacle.objects.get(title='Geheime belemmering').pk}",
        f"action:{ActionItem.objects.get(title='Geheime actie').pk}",
        f"knowledge:{KnowledgeItem.objects.get(title='Geheim kennisitem').pk}",
    ]
    for key in keys:
        assert client.post(PUT, {"key": key}).status_code == 404, key
    assert not AgendaItem.objects.exists()


def test_outsider_cannot_use_a_key_of_an_amber_item_of_another_company(client, outsider, company):
    amber = InitiativeFactory(owner_organisation=company, tlp=TLP.AMBER)
    client.force_login(outsider)
    assert client.post(PUT, {"key": f"initiative:{amber.pk}"}).status_code == 404
    assert not AgendaItem.objects.exists()


def test_without_a_meeting_in_preparation_the_button_says_so(
    client, programme_manager, week, last_meeting
):
    client.force_login(programme_manager)
    body = client.get(URL).content.decode()
    assert "Geen bijeenkomst in voorbereiding" in body
    response = client.post(
        PUT, {"key": f"initiative:{week['new'].pk}"}, headers={"hx-request": "true"}
    )
    assert response.status_code == 200
    assert "Geen bijeenkomst in voorbereiding" in response.content.decode()
    assert not AgendaItem.objects.exists()


def test_get_on_the_agenda_url_is_not_allowed(client, programme_manager):
    client.force_login(programme_manager)
    assert client.get(PUT).status_code == 405


# --- Monitor and network sections -------------------------------------------------------------


def test_low_monitor_scores_only_with_five_responses(programme_manager, last_meeting):
    low = {s.id: 1 for s in statements_for(PulseForm.FULL)}
    enough = PulseRoundFactory(title="Ronde genoeg")
    too_few = PulseRoundFactory(title="Ronde te weinig")
    for round_, n in ((enough, 5), (too_few, 4)):
        PulseResponse.objects.bulk_create(
            PulseResponse(
                round=round_,
                org_kind=PulseResponse.OrgKind.INDUSTRY,
                level=PulseResponse.Level.WORKING,
                answers=low,
            )
            for _ in range(n)
        )
    section = _sections(programme_manager)["pulse"]
    assert len(section.lines) == 1
    assert section.lines[0].text.startswith("Ronde genoeg: lage score op ")
    assert section.lines[0].agenda_key == f"pulse:{enough.pk}"
    source = weekly_agenda_source(user=programme_manager, key=f"pulse:{enough.pk}")
    assert source.line == section.lines[0]


def _respond(round_, n, score):
    answers = {s.id: score for s in statements_for(round_.form)}
    PulseResponse.objects.bulk_create(
        PulseResponse(
            round=round_,
            org_kind=PulseResponse.OrgKind.DEFENCE,
            level=PulseResponse.Level.MANAGEMENT,
            answers=answers,
        )
        for _ in range(n)
    )


def test_monitor_outcome_follows_new_responses(programme_manager):
    round_ = PulseRoundFactory(title="Ronde")
    _respond(round_, 5, 5)
    assert _sections(programme_manager)["pulse"].lines == ()
    _respond(round_, 20, 1)  # the cached outcome was for five responses
    lines = _sections(programme_manager)["pulse"].lines
    assert len(lines) == 1
    assert lines[0].meta == "25 antwoorden"


def test_network_sections_only_when_there_are_people(programme_manager):
    assert "rotations" not in _sections(programme_manager)
    PersonFactory()
    sections = _sections(programme_manager)
    assert {"stale_contacts", "rotations", "handovers"} <= set(sections)
    assert "single_threaded" not in sections  # no analysis has run yet


def test_network_sections(programme_manager, company, competitor):
    today = timezone.localdate()
    group = SharingGroupFactory(name="LMI-kern")
    group.organisations.add(company)
    core = AffiliationFactory(organisation=company, person__first_name="Kees")
    other = AffiliationFactory(organisation=competitor, person__first_name="Buiten")
    for affiliation in (core, other):
        ContactFlag.objects.create(
            person=affiliation.person, reason=ContactFlag.Reason.NOT_CONFIRMED
        )
    soon = AffiliationFactory(
        organisation=company,
        person__first_name="Wissel",
        expected_rotation_date=today + timedelta(days=30),
    )
    AffiliationFactory(
        organisation=company,
        person__first_name="Later",
        expected_rotation_date=today + timedelta(days=200),
    )
    handover = Handover.objects.create(
        person=soon.person, affiliation=soon, due_date=today + timedelta(days=20)
    )
    Handover.objects.create(person=core.person, due_date=today, status=Handover.Status.DONE)
    ContinuityRun.objects.create(
        status=ContinuityRun.Status.DONE,
        finished_at=timezone.now(),
        result={
            "single_threaded_pairs": [
                {
                    "a": company.pk,
                    "b": competitor.pk,
                    "ties": 1,
                    "carriers": 1,
                    "critical": [core.person.pk],
                }
            ],
            "single_threaded_pairs_total": 7,
        },
    )
    sections = _sections(programme_manager)
    assert [line.text for line in sections["stale_contacts"].lines] == [
        f"Kees {core.person.last_name}"
    ]
    assert sections["rotations"].total == 1
    assert sections["rotations"].lines[0].text.startswith("Wissel ")
    assert sections["handovers"].total == 1
    assert sections["handovers"].lines[0].agenda_key == f"handover:{handover.pk}"
    pairs = sections["single_threaded"]
    assert pairs.total == 7
    assert pairs.lines[0].text == f"DDVS ↔ {competitor.name}"
    assert "Kees" in pairs.lines[0].meta
    key = f"pair:{company.pk}-{competitor.pk}"
    assert pairs.lines[0].agenda_key == key
    assert weekly_agenda_source(user=programme_manager, key=key).line == pairs.lines[0]
    with pytest.raises(Http404):
        weekly_agenda_source(user=programme_manager, key=f"pair:{competitor.pk}-{company.pk}")


# --- Bounded queries --------------------------------------------------------------------------


def _changes(company, n, now):
    for _ in range(n):
        initiative = InitiativeFactory(owner_organisation=company)
        PhaseChangeFactory(initiative=initiative)
        ObstacleFactory(initiative=initiative)
        ActionItemFactory(initiative=initiative, due_date=timezone.localdate() - timedelta(days=2))
        KnowledgeItemFactory(owner_organisation=company)
    Initiative.objects.filter(owner_organisation=company).update(
        dormant_since=now, phase=Phase.EMBEDDED, closed_at=now
    )


def _count(client):
    client.get(URL)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_query_count_does_not_grow_with_the_changes(
    client, programme_manager, company, last_meeting, next_meeting, now
):
    PersonFactory()
    client.force_login(programme_manager)
    _changes(company, 3, now)
    few = _count(client)
    _changes(company, 27, now)
    assert _count(client) == few
