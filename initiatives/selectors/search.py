"""Initiatives in the portal search: the ones ``initiative_list`` lets the user see."""

from __future__ import annotations

from typing import Any

from django.db.models import F, TextField, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext as _

from lmi_portal.core.registry import SearchGroup, SearchHit, SearchRequest
from lmi_portal.core.search import (
    SearchField,
    headline,
    is_capped,
    is_postgresql,
    marked_html,
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
    # SQLite builds snippets from the texts in hand; PostgreSQL asks ts_headline for them, in
    # the same query (for the page's rows only: see ``headline``).
    in_python = request.snippets and not is_postgresql()
    if request.snippets and is_postgresql():
        text = Concat("summary", Value("\n"), "why", Value("\n"), "how", output_field=TextField())
        matches = matches.annotate(search_headline=headline(text, request.terms))
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
    hits = tuple(
        SearchHit(
            kind=_("Initiatief"),
            title=initiative.title,
            url=initiative.get_absolute_url(),
            snippet=_snippet(initiative, request),
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


def _snippet(initiative: Initiative, request: SearchRequest) -> str:
    if not request.snippets:
        return ""
    if is_postgresql():
        return marked_html(getattr(initiative, "search_headline", "") or "")
    text = "\n".join((initiative.summary, initiative.why, initiative.how))
    return plain_snippet(text, request.terms)
