"""Knowledge items in the portal search.

Starts from ``knowledge_visible`` (the access policy plus the draft rule), so the hits, the
count and the snippets come from the items the user may see only. Archived items count only on
request; items past their review date rank at half their score.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import F, Q, Value
from django.db.models.functions import StrIndex, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from lmi_portal.core.registry import SearchFilter, SearchGroup, SearchHit, SearchRequest
from lmi_portal.core.search import (
    SearchField,
    excerpt_source,
    headline,
    is_capped,
    is_postgresql,
    marked_html,
    plain_snippet,
    rank_factor,
    ranked_page,
    search_filter,
)

from ..models import KnowledgeItem
from .items import knowledge_visible

Status = KnowledgeItem.Status

KIND_OPTION = "kind"
ARCHIVED_OPTION = "archived"
OVERDUE_FACTOR = 0.5
# ts_headline reads its whole input: snippets look at the first part of long file texts only.
HEADLINE_CHARS = 60_000

FIELDS = (SearchField("title", "A"), SearchField("summary", "B"), SearchField("search_text", "C"))


def _after_title() -> Any:
    """The search text without its first line (the title), for snippets."""
    return Substr("search_text", StrIndex("search_text", Value("\n")) + 1)


def knowledge_search_hits(user: Any, request: SearchRequest) -> SearchGroup:
    kind = request.option(KIND_OPTION)
    if kind not in KnowledgeItem.Kind.values:
        kind = ""
    include_archived = request.option(ARCHIVED_OPTION) == "1"
    items = knowledge_visible(user=user)
    if not include_archived:
        items = items.exclude(status=Status.ARCHIVED)
    if kind:
        items = items.filter(kind=kind)
    matches = search_filter(items, request.terms, fields=FIELDS, vector="search_vector")
    overdue = Q(status=Status.PUBLISHED, review_by__lt=timezone.localdate())
    # PostgreSQL's snippets come with the page (ts_headline for its rows only: see
    # ``headline``); SQLite cuts them from an excerpt afterwards.
    headlines = request.snippets and is_postgresql()
    if headlines:
        text = Substr(_after_title(), 1, HEADLINE_CHARS)
        matches = matches.annotate(search_headline=headline(text, request.terms))
    page, total = ranked_page(
        matches.annotate(score=F("search_rank") * rank_factor(overdue, OVERDUE_FACTOR))
        .select_related("owner_organisation")
        .only(
            "pk",
            "kind",
            "title",
            "status",
            "review_by",
            "tlp",
            "owner_organisation__name",
            "owner_organisation__short_name",
        ),
        ordering=(F("score").desc(), F("updated_at").desc(), F("id").desc()),
        offset=request.offset,
        limit=request.limit,
    )
    snippets: dict[int, str]
    if headlines:
        snippets = {
            item.pk: marked_html(getattr(item, "search_headline", "") or "") for item in page
        }
    else:
        snippets = _excerpts(page, request) if page and request.snippets else {}
    hits = tuple(_hit(item, snippets.get(item.pk, "")) for item in page)
    return SearchGroup(
        key="knowledge",
        label=_("Kennis"),
        hits=hits,
        total=total,
        capped=is_capped(total),
        filters=(
            SearchFilter(
                name=KIND_OPTION,
                label=_("Soort"),
                choices=(
                    ("", _("Alle soorten")),
                    *((v, str(lbl)) for v, lbl in KnowledgeItem.Kind.choices),
                ),
                value=kind,
            ),
            SearchFilter(
                name=ARCHIVED_OPTION,
                label=_("Inclusief gearchiveerd"),
                choices=(("1", _("Inclusief gearchiveerd")),),
                value="1" if include_archived else "",
                widget="check",
            ),
        ),
    )


def _excerpts(page: Sequence[KnowledgeItem], request: SearchRequest) -> dict[int, str]:
    ids = [item.pk for item in page]
    rows = (
        KnowledgeItem.objects.filter(pk__in=ids)
        .annotate(excerpt=excerpt_source(_after_title(), request.terms))
        .values_list("pk", "excerpt")
    )
    return {pk: plain_snippet(text or "", request.terms) for pk, text in rows}


def _hit(item: KnowledgeItem, snippet: str) -> SearchHit:
    meta = [str(item.get_kind_display()), item.owner_organisation.display_name]
    if item.status != Status.PUBLISHED:
        meta.append(str(item.get_status_display()))
    elif item.is_overdue:
        meta.append(_("te herzien"))
    return SearchHit(
        kind=_("Kennis"),
        title=item.title,
        url=item.get_absolute_url(),
        snippet=snippet,
        score=float(getattr(item, "score", 0.0)),
        meta=tuple(meta),
    )
