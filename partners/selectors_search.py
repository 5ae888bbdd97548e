"""Organisations in the portal search: the ones the user may find in the directory."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from lmi_portal.core.registry import SearchGroup, SearchHit, SearchRequest
from lmi_portal.core.search import SearchField, plain_snippet, ranked_page, search_filter

from .access import organisations_visible_to
from .models import Organisation

FIELDS = (
    SearchField("name", "A"),
    SearchField("short_name", "A"),
    SearchField("description", "C"),
)


def organisation_search_hits(user: Any, request: SearchRequest) -> SearchGroup:
    matches = search_filter(organisations_visible_to(user=user), request.terms, fields=FIELDS)
    page, total = ranked_page(
        matches.only("pk", "name", "short_name", "kind", "status", "description"),
        ordering=(F("search_rank").desc(), F("name"), F("pk")),
        offset=request.offset,
        limit=request.limit,
    )
    hits = tuple(_hit(organisation, request) for organisation in page)
    return SearchGroup(key="organisations", label=_("Organisaties"), hits=hits, total=total)


def _hit(organisation: Organisation, request: SearchRequest) -> SearchHit:
    meta = [str(organisation.get_kind_display())]
    if organisation.short_name:
        meta.insert(0, organisation.short_name)
    if organisation.status != Organisation.Status.ACTIVE:
        meta.append(str(organisation.get_status_display()))
    return SearchHit(
        kind=_("Organisatie"),
        title=organisation.name,
        url=reverse("partners:organisation_detail", kwargs={"pk": organisation.pk}),
        snippet=plain_snippet(organisation.description, request.terms) if request.snippets else "",
        score=float(getattr(organisation, "search_rank", 0.0)),
        meta=tuple(meta),
    )
