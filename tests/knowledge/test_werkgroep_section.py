"""Knowledge's block in the weekly werkgroep view ("Nieuwe kennisitems en lessen")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from knowledge.models import KnowledgeItem
from knowledge.selectors.werkgroep import knowledge_werkgroep_section
from knowledge.services.items import knowledge_item_publish
from lmi_portal.core.registry import werkgroep_sections
from partners.models import TLP

from ..factories import KnowledgeItemFactory, member_of

pytestmark = pytest.mark.django_db


def _backdate(item, when):
    KnowledgeItem.objects.filter(pk=item.pk).update(created_at=when)


@pytest.fixture
def since():
    return timezone.now() - timedelta(days=3)


def test_registered_for_the_weekly_view():
    assert dict(werkgroep_sections.items())["knowledge"] is knowledge_werkgroep_section


def test_lists_items_and_lessons_published_since(programme_manager, company, competitor, since):
    lesson = KnowledgeItemFactory(
        title="Nieuwe les", kind=KnowledgeItem.Kind.LESSON, owner_organisation=company
    )
    KnowledgeItemFactory(title="Nieuwe praktijk", owner_organisation=company)
    old = KnowledgeItemFactory(title="Oud", owner_organisation=company)
    _backdate(old, since - timedelta(days=1))
    KnowledgeItemFactory(title="Concept", owner_organisation=company, status="draft")
    KnowledgeItemFactory(title="Gearchiveerd", owner_organisation=company, status="archived")
    KnowledgeItemFactory(title="Geheim", owner_organisation=competitor, tlp=TLP.AMBER_STRICT)
    KnowledgeItemFactory(title="Rood", owner_organisation=competitor, tlp=TLP.RED)

    section = knowledge_werkgroep_section(programme_manager, since, 10)

    assert section is not None
    assert sorted(line.text for line in section.lines) == ["Nieuwe les", "Nieuwe praktijk"]
    assert section.total == 2
    line = next(line for line in section.lines if line.text == "Nieuwe les")
    assert line.url == lesson.get_absolute_url()
    assert line.agenda_key == f"knowledge:{lesson.pk}"
    assert "Les" in line.meta and "DDVS" in line.meta


def test_limit_bounds_the_lines_not_the_total(programme_manager, company, since):
    for _ in range(4):
        KnowledgeItemFactory(owner_organisation=company)
    section = knowledge_werkgroep_section(programme_manager, since, 2)
    assert len(section.lines) == 2
    assert section.total == 4


def test_a_draft_published_since_counts_as_new(company, since):
    author = member_of(company)
    draft = KnowledgeItemFactory(
        title="Net gepubliceerd", owner_organisation=company, status="draft", created_by=author
    )
    _backdate(draft, since - timedelta(days=30))
    viewer = member_of(company)
    assert knowledge_werkgroep_section(viewer, since, 10).total == 0
    knowledge_item_publish(actor=author, item=draft)
    section = knowledge_werkgroep_section(viewer, since, 10)
    assert [line.text for line in section.lines] == ["Net gepubliceerd"]


def test_agenda_line_only_for_visible_published_items(programme_manager, company, competitor):
    visible = KnowledgeItemFactory(title="Zichtbaar", owner_organisation=company)
    hidden = KnowledgeItemFactory(owner_organisation=competitor, tlp=TLP.AMBER_STRICT)
    draft = KnowledgeItemFactory(owner_organisation=company, status="draft")

    line = knowledge_werkgroep_section.agenda_line(programme_manager, f"knowledge:{visible.pk}")
    assert line is not None
    assert line.text == "Zichtbaar"
    assert line.url == visible.get_absolute_url()
    for key in (
        f"knowledge:{hidden.pk}",
        f"knowledge:{draft.pk}",
        "knowledge:999999",
        f"initiative:{visible.pk}",
        f"knowledge:{visible.pk}x",
    ):
        assert knowledge_werkgroep_section.agenda_line(programme_manager, key) is None, key
