"""Knowledge's block in the weekly werkgroep view: knowledge items and lessons published since the
last meeting, as far as the viewing programme manager may see them.

Registered in ``werkgroep_sections`` (see apps.py). Initiatives cannot import knowledge, so the
provider also answers ``agenda_line(user, key)``: what a "knowledge:<id>" key from one of its
lines points at, for "op de agenda".
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from lmi_portal.core.models import Activity
from lmi_portal.core.registry import WerkgroepLine, WerkgroepSection

from ..models import KnowledgeItem
from .items import knowledge_visible

KEY = re.compile(r"^knowledge:(?P<id>[0-9]{1,12})$")


def _published(user: Any) -> QuerySet[KnowledgeItem]:
    return (
        knowledge_visible(user=user)
        .filter(status=KnowledgeItem.Status.PUBLISHED)
        .select_related("owner_organisation")
    )


def _published_since(user: Any, since: datetime) -> QuerySet[KnowledgeItem]:
    """Created since, or published since from a draft (or brought back from the archive)."""
    published = (
        Activity.objects.filter(
            verb="knowledge.published",
            created_at__gte=since,
            target_ct=ContentType.objects.get_for_model(KnowledgeItem),
        )
        .order_by()
        .values("target_id")
    )
    created = KnowledgeItem.objects.filter(created_at__gte=since).order_by().values("pk")
    # One set of keys (a union), not "created since OR in a subquery": with the OR, PostgreSQL
    # read all 50,000 items of the scale data set to count the week's few (37 ms to 9 ms).
    return _published(user).filter(pk__in=created.union(published))


def _line(item: KnowledgeItem) -> WerkgroepLine:
    day = formats.date_format(timezone.localdate(item.created_at), "j F Y")
    return WerkgroepLine(
        text=item.title,
        url=item.get_absolute_url(),
        meta=" · ".join((item.get_kind_display(), item.owner_organisation.display_name, day)),
        agenda_key=f"knowledge:{item.pk}",
    )


class KnowledgeWerkgroepSection:
    """The provider: callable as ``(viewer, since, limit)``, plus ``agenda_line``."""

    def __call__(self, user: Any, since: datetime, limit: int) -> WerkgroepSection:
        items = _published_since(user, since)
        total = items.count()
        rows = list(items.order_by("-created_at", "-id")[:limit]) if total else []
        return WerkgroepSection(
            key="knowledge",
            title=_("Nieuwe kennisitems en lessen"),
            lines=tuple(_line(item) for item in rows),
            total=total,
            empty_text=_("Geen nieuwe kennisitems of lessen."),
        )

    def agenda_line(self, user: Any, key: str) -> WerkgroepLine | None:
        """The line for a "knowledge:<id>" key, or None (another kind, or not visible)."""
        match = KEY.match(key)
        if match is None:
            return None
        item = _published(user).filter(pk=int(match["id"])).first()
        return _line(item) if item is not None else None


knowledge_werkgroep_section = KnowledgeWerkgroepSection()
