"""Initiatives in the portal search: the ones ``initiative_list`` lets the user see."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import F, TextField, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext as _

from lmi_portal.core.registry import SearchGroup, SearchHit, SearchRequest
from lmi_portal.core.search import (
    SearchField,
    headlines,
    is_capped,
    is_postgresql,
    plain_snippet,
    ranked_page,
    search_filter,
)

from ..models import Initiative
from .browse import initiative_list

FIELDS = (
    SearchField("title", "A"),
    SearchField("summary", "B"),
    SearchField("why", "C"),
    SearchField("how", "C"),
)


def initiative_search_hits(user: Any, request: SearchRequest) -> SearchGroup:
    matches = search_filter(
        initiative_list(user=user), request.terms, fields=FIELDS, vector="search_vector"
    )
    # SQLite builds snippets from the texts in hand; PostgreSQL asks ts_headline for them.
    in_python = request.snippets and not is_postgresql()
    page, total = ranked_page(
        matches.select_related(None)
        .select_related("owner_organisation")
        .only(
            "pk",
            "title",
            "phase",
            "tlp",
            "owner_organisation__name",
            "owner_organisation__short_name",
            *(("summary", "why", "how") if in_python else ()),
        ),
        ordering=(F("search_rank").desc(), F("last_activity_at").desc(), F("id").desc()),
        offset=request.offset,
        limit=request.limit,
    )
    snippets = _snippets(page, request) if page and request.snippets else {}
    hits = tuple(
        SearchHit(
            kind=_("Initiatief"),
            title=initiative.title,
            url=initiative.get_absolute_url(),
            snippet=snippets.get(initiative.pk, ""),
            score=float(getattr(initiative, "search_rank", 0.0)),
            meta=(str(initiative.get_phase_display()), initiative.owner_organisation.display_name),
        )
        for initiative in page
    )
    return SearchGroup(
        key="initiatives",
        label=_("Initiatieven"),
        hits=hits,
        total=total,
        capped=is_capped(total),
    )


def _snippets(page: Sequence[Initiative], request: SearchRequest) -> dict[int, str]:
    if not is_postgresql():
        return {
            i.pk: plain_snippet("\n".join((i.summary, i.why, i.how)), request.terms) for i in page
        }
    text = Concat("summary", Value("\n"), "why", Value("\n"), "how", output_field=TextField())
    return dict(
        headlines(Initiative.objects.all(), [i.pk for i in page], request.terms, expression=text)
    )
