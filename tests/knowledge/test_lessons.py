"""Lessons learned: the stage stepper, and lessons taken from an initiative closed as Geborgd."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from initiatives.models import Phase
from initiatives.services import lifecycle
from knowledge.models import KnowledgeItem
from knowledge.services import lessons
from lmi_portal.core.models import AuditEvent, System, Theme
from lmi_portal.core.registry import initiative_closed_listeners
from partners.access import can_view
from partners.models import TLP
from tests.factories import (
    InitiativeFactory,
    KnowledgeItemFactory,
    ParticipationFactory,
    SharingGroupFactory,
    member_of,
)

pytestmark = pytest.mark.django_db

Stage = KnowledgeItem.LessonStage
HTMX = {"HX-Request": "true"}


@pytest.fixture
def lesson(company, member) -> KnowledgeItem:
    return KnowledgeItemFactory(
        title="Reservedelen eerder bestellen",
        kind=KnowledgeItem.Kind.LESSON,
        lesson_stage=Stage.OBSERVATION,
        owner_organisation=company,
        owner=member,
        tlp=TLP.AMBER,
    )


def stage_url(item: KnowledgeItem) -> str:
    return reverse("knowledge:lesson_stage", args=[item.pk])


# --- The stepper --------------------------------------------------------------------------


def test_stage_moves_forward_and_back_and_each_move_is_audited(member, lesson):
    lessons.knowledge_lesson_stage_change(actor=member, item=lesson, stage=Stage.ACTION)
    lessons.knowledge_lesson_stage_change(actor=member, item=lesson, stage=Stage.IDENTIFIED)
    lesson.refresh_from_db()
    assert lesson.lesson_stage == Stage.IDENTIFIED
    moves = [
        e.data
        for e in AuditEvent.objects.filter(action="knowledge.lesson_stage_changed").order_by("id")
    ]
    assert moves == [
        {"from": "observation", "to": "action"},
        {"from": "action", "to": "identified"},
    ]


def test_same_stage_or_unknown_stage_is_refused(member, lesson):
    with pytest.raises(ValidationError):
        lessons.knowledge_lesson_stage_change(actor=member, item=lesson, stage=Stage.OBSERVATION)
    with pytest.raises(ValidationError):
        lessons.knowledge_lesson_stage_change(actor=member, item=lesson, stage="forgotten")


def test_only_lessons_have_stages(member, company):
    item = KnowledgeItemFactory(owner_organisation=company)
    with pytest.raises(PermissionDenied):
        lessons.knowledge_lesson_stage_change(actor=member, item=item, stage=Stage.LEARNED)


def test_reader_may_not_move_a_lesson(outsider, company):
    item = KnowledgeItemFactory(
        owner_organisation=company, kind="lesson", lesson_stage="observation", tlp=TLP.GREEN
    )
    with pytest.raises(PermissionDenied):
        lessons.knowledge_lesson_stage_change(actor=outsider, item=item, stage=Stage.LEARNED)


def test_stepper_on_the_page(client, member, lesson):
    client.force_login(member)
    body = client.get(lesson.get_absolute_url()).content.decode()
    assert 'aria-current="step"' in body
    for label in Stage.labels:
        assert str(label) in body
    assert body.count(f'action="{stage_url(lesson)}"') == 3


def test_stepper_buttons_only_for_editors(client, outsider, company):
    item = KnowledgeItemFactory(
        owner_organisation=company, kind="lesson", lesson_stage="observation", tlp=TLP.GREEN
    )
    client.force_login(outsider)
    body = client.get(item.get_absolute_url()).content.decode()
    assert "Fase van de les" in body and stage_url(item) not in body


def test_stepper_click_with_htmx_returns_the_stepper(client, member, lesson):
    client.force_login(member)
    response = client.post(stage_url(lesson), {"stage": "learned"}, headers=HTMX)
    body = response.content.decode()
    lesson.refresh_from_db()
    assert lesson.lesson_stage == Stage.LEARNED
    assert body.lstrip().startswith('<section id="lesson-stage"') and "<html" not in body
    assert "De les staat nu in de fase Les geleerd." in body


def test_stepper_click_without_javascript_redirects(client, member, lesson):
    client.force_login(member)
    response = client.post(stage_url(lesson), {"stage": "action"})
    assert response.status_code == 302
    assert response["Location"] == f"{lesson.get_absolute_url()}#lesson-stage"


def test_bad_stage_shows_why_and_changes_nothing(client, member, lesson):
    client.force_login(member)
    response = client.post(stage_url(lesson), {"stage": "nonsense"}, headers=HTMX)
    lesson.refresh_from_db()
    assert lesson.lesson_stage == Stage.OBSERVATION
    assert "Deze fase bestaat niet" in response.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404_on_the_stage(client, outsider, lesson, method):
    client.force_login(outsider)
    response = getattr(client, method)(stage_url(lesson), {"stage": "learned"})
    lesson.refresh_from_db()
    assert response.status_code == 404 and lesson.lesson_stage == Stage.OBSERVATION


# --- Lessons from a closed initiative -----------------------------------------------------


@pytest.fixture
def initiative(company, member):
    initiative = InitiativeFactory(
        title="Voorspellend onderhoud Boxer",
        owner_organisation=company,
        lead=member,
        phase=Phase.IMPLEMENTATION,
        tlp=TLP.AMBER,
    )
    theme = Theme.objects.create(slug="l-thema", name_nl="Lesthema", name_en="T")
    system = System.objects.create(slug="l-systeem", name_nl="Lessysteem", name_en="S")
    initiative.themes.add(theme)
    initiative.systems.add(system)
    return initiative


def close(initiative, actor, lessons_=("Begin klein.", "Betrek de monteurs.")):
    return lifecycle.initiative_close(
        actor=actor, initiative=initiative, result="Het werkt.", lessons=list(lessons_)
    )


def test_closing_as_geborgd_makes_lesson_items(initiative, member, company):
    close(initiative, member)
    items = list(KnowledgeItem.objects.order_by("id"))
    assert [i.summary for i in items] == ["Begin klein.", "Betrek de monteurs."]
    for item in items:
        assert item.kind == KnowledgeItem.Kind.LESSON and item.lesson_stage == Stage.LEARNED
        assert item.status == KnowledgeItem.Status.PUBLISHED
        assert item.owner_organisation == company and item.tlp == TLP.AMBER
        assert item.owner == member and item.source_initiative == initiative
        assert list(item.related_initiatives.all()) == [initiative]
        assert [t.slug for t in item.themes.all()] == ["l-thema"]
        assert [s.slug for s in item.systems.all()] == ["l-systeem"]
        assert item.title == item.summary
    assert AuditEvent.objects.filter(action="knowledge.lesson_from_initiative").count() == 2


def test_lessons_keep_the_initiatives_audience(initiative, member, competitor, outsider):
    group = SharingGroupFactory()
    initiative.shared_with_groups.add(group)
    ParticipationFactory(initiative=initiative, organisation=competitor)
    close(initiative, member, ["Deel vroeg."])
    item = KnowledgeItem.objects.get()
    assert list(item.shared_with_groups.all()) == [group]
    assert list(item.shared_with_organisations.all()) == [competitor]
    assert can_view(outsider, initiative) and can_view(outsider, item)


def test_lessons_of_a_red_initiative_stay_red_for_the_same_people(company, member):
    named = member_of(company, email="genoemd@ddvs.example")
    initiative = InitiativeFactory(
        owner_organisation=company, lead=member, phase=Phase.PILOT, tlp=TLP.RED
    )
    initiative.shared_with_people.add(member, named)
    close(initiative, member, ["Geheim lesje."])
    item = KnowledgeItem.objects.get()
    assert item.tlp == TLP.RED
    assert set(item.shared_with_people.all()) == {member, named}


def test_closing_twice_never_duplicates_lessons(initiative, member):
    close(initiative, member)
    lifecycle.initiative_phase_change(
        actor=member, initiative=initiative, to_phase=Phase.PILOT, reason="Nog niet klaar."
    )
    close(initiative, member, ["Begin klein.", "Nieuwe les."])
    lessons.lessons_from_closed_initiative(initiative, member)
    assert sorted(KnowledgeItem.objects.values_list("summary", flat=True)) == [
        "Begin klein.",
        "Betrek de monteurs.",
        "Nieuwe les.",
    ]


def test_programme_manager_closing_leaves_the_lead_as_owner(
    initiative, member, programme_manager, lmi_cell
):
    initiative.shared_with_organisations.add(lmi_cell)
    close(initiative, programme_manager, ["Laat de cel verbinden."])
    item = KnowledgeItem.objects.get()
    assert item.owner == member and item.created_by == programme_manager


def test_closing_runs_the_listener_registered_by_knowledge():
    assert (
        dict(initiative_closed_listeners.items())["knowledge_lessons"]
        is lessons.lessons_from_closed_initiative
    )


def test_failing_listener_keeps_the_initiative_open(initiative, member, monkeypatch):
    def broken(initiative, actor):
        raise ValidationError("kapot")

    monkeypatch.setitem(initiative_closed_listeners._providers, "broken", (999, broken))
    with pytest.raises(ValidationError):
        close(initiative, member)
    initiative.refresh_from_db()
    assert initiative.phase == Phase.IMPLEMENTATION and not KnowledgeItem.objects.exists()


def test_lessons_show_on_the_initiative_page(client, initiative, member):
    close(initiative, member)
    client.force_login(member)
    body = client.get(initiative.get_absolute_url()).content.decode()
    assert "Gerelateerde kennis" in body and "Betrek de monteurs." in body


def test_lesson_page_names_its_initiative(client, initiative, member):
    close(initiative, member, ["Begin klein."])
    item = KnowledgeItem.objects.get()
    client.force_login(member)
    body = client.get(item.get_absolute_url()).content.decode()
    assert "Les uit het initiatief" in body and initiative.get_absolute_url() in body
