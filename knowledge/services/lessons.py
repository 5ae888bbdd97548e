"""Lessons learned: their lifecycle, and lessons from initiatives closed as Geborgd.

A lesson moves through observation → lesson identified → action → lesson learned. Editors move
it forward or back one click at a time; every move is audited.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from initiatives.models import Initiative, Participation
from lmi_portal.core.services import activity_record, audit_log
from partners.access import can_view
from partners.models import User
from partners.selectors import active_member_users

from ..models import KnowledgeItem
from ..permissions import can_change_lesson_stage, can_view_item
from . import search_index

LessonStage = KnowledgeItem.LessonStage
LESSON_TITLE_LENGTH = 120


@transaction.atomic
def knowledge_lesson_stage_change(*, actor: User, item: KnowledgeItem, stage: str) -> KnowledgeItem:
    """Move a lesson to ``stage`` (any other stage, forward or back)."""
    locked = KnowledgeItem.objects.select_for_update().get(pk=item.pk)
    if not can_view_item(actor, locked) or not can_change_lesson_stage(actor, locked):
        raise PermissionDenied(_("U mag de fase van deze les niet wijzigen."))
    if stage not in LessonStage.values:
        raise ValidationError({"stage": _("Deze fase bestaat niet. Kies een fase uit de lijst.")})
    from_stage = locked.lesson_stage
    if stage == from_stage:
        raise ValidationError({"stage": _("De les staat al in deze fase.")})
    locked.lesson_stage = stage
    locked.save(update_fields=["lesson_stage", "updated_at"])
    item.lesson_stage = locked.lesson_stage
    item.updated_at = locked.updated_at
    audit_log(
        action="knowledge.lesson_stage_changed",
        actor=actor,
        target=item,
        data={"from": from_stage, "to": stage},
    )
    if item.status == KnowledgeItem.Status.PUBLISHED:
        activity_record(
            verb="knowledge.lesson_stage_changed",
            target=item,
            actor=actor,
            summary=f"{_stage_label(from_stage)} → {_stage_label(stage)}",
        )
    return item


def _stage_label(stage: str) -> str:
    return str(LessonStage(stage).label) if stage in LessonStage.values else "—"


def lessons_from_closed_initiative(initiative: Initiative, actor: Any) -> None:
    """Called inside the transaction that closes ``initiative`` as Geborgd: each of its lessons
    becomes a lesson-learned item with the initiative's owner, audience, themes and systems.

    Idempotent: a lesson already taken from this initiative (same text) is not taken again, so
    closing twice, or running this again, never makes duplicates. Participating organisations
    are added to the audience, so that whoever saw the initiative as AMBER sees its lessons.
    """
    texts = list(dict.fromkeys(text.strip() for text in initiative.lessons or [] if text.strip()))
    if not texts:
        return
    taken = set(
        KnowledgeItem.objects.filter(
            source_initiative=initiative, kind=KnowledgeItem.Kind.LESSON
        ).values_list("summary", flat=True)
    )
    texts = [text for text in texts if text not in taken]
    if not texts:
        return
    themes = list(initiative.themes.all())
    systems = list(initiative.systems.all())
    organisations = {o.pk for o in initiative.shared_with_organisations.all()}
    organisations.update(
        Participation.objects.filter(initiative=initiative).values_list(
            "organisation_id", flat=True
        )
    )
    groups = list(initiative.shared_with_groups.all())
    people = list(initiative.shared_with_people.all())
    for text in texts:
        item = KnowledgeItem(
            owner_organisation_id=initiative.owner_organisation_id,
            tlp=initiative.tlp,
            kind=KnowledgeItem.Kind.LESSON,
            title=Truncator(text).chars(LESSON_TITLE_LENGTH),
            summary=text,
            status=KnowledgeItem.Status.PUBLISHED,
            lesson_stage=LessonStage.LEARNED,
            source_initiative=initiative,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        item.full_clean()
        item.save()
        item.themes.set(themes)
        item.systems.set(systems)
        item.related_initiatives.add(initiative)
        item.shared_with_organisations.set(organisations)
        item.shared_with_groups.set(groups)
        item.shared_with_people.set(people)
        owner = _lesson_owner(item, initiative=initiative, actor=actor)
        if owner is not None:
            KnowledgeItem.objects.filter(pk=item.pk).update(owner=owner)
            item.owner = owner
        search_index.knowledge_item_reindex(item)
        audit_log(
            action="knowledge.lesson_from_initiative",
            actor=actor,
            target=item,
            data={"initiative": initiative.pk},
        )
        activity_record(verb="knowledge.published", target=item, actor=actor, summary=item.title)


def _lesson_owner(item: KnowledgeItem, *, initiative: Initiative, actor: Any) -> User | None:
    """Who vouches for a lesson: whoever closed the initiative, else its lead, preferring a
    member of the owner organisation; never someone who may not see the lesson."""
    candidates = [
        person
        for person in (actor, initiative.lead)
        if person is not None and getattr(person, "is_authenticated", False)
    ]
    members = set(
        active_member_users(organisation_ids=[initiative.owner_organisation_id])
        .filter(pk__in=[c.pk for c in candidates])
        .values_list("pk", flat=True)
    )
    ordered = [c for c in candidates if c.pk in members] + [
        c for c in candidates if c.pk not in members
    ]
    return next((person for person in ordered if can_view(person, item)), None)
