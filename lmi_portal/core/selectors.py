"""Reads that combine what the registered apps provide."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .registry import (
    SearchGroup,
    SearchRequest,
    search_providers,
)
from .search import SearchTerms, is_postgresql, marked_words, with_corrections

SEARCH_PER_GROUP = 5
SEARCH_PER_PAGE = 20
SEARCH_MAX_PAGE = 500


@dataclass(frozen=True)
class SearchResults:
    """One user's search: a group per type the user may search (registry order), each with
    its hits and count; ``corrections`` are highlighted words found only through typo
    correction (taken from the visible snippets, never from the word list)."""

    terms: SearchTerms
    groups: tuple[SearchGroup, ...] = ()
    group: str = ""
    page: int = 1
    per_page: int = SEARCH_PER_PAGE
    corrections: tuple[str, ...] = field(default=())

    @property
    def total(self) -> int:
        return sum(group.total for group in self.groups)

    @property
    def capped(self) -> bool:
        return any(group.capped for group in self.groups)

    @property
    def total_label(self) -> str:
        return f"{self.total}+" if self.capped else str(self.total)

    @property
    def selected(self) -> SearchGroup | None:
        return next((g for g in self.groups if g.key == self.group), None)

    @property
    def num_pages(self) -> int:
        selected = self.selected
        if selected is None or not selected.total:
            return 1
        return -(-selected.total // self.per_page)


def search_group_keys() -> list[str]:
    return [key for key, _provider in search_providers.items()]


def search_for_user(
    *,
    user: Any,
    query: str,
    group: str = "",
    page: int = 1,
    per_group: int = SEARCH_PER_GROUP,
    per_page: int = SEARCH_PER_PAGE,
    options: Mapping[str, str] | None = None,
    snippets: bool = True,
) -> SearchResults:
    """Every registered app's hits for ``query``, each group filtered by the app through the
    access policy. With ``group``, that group's hits come a page at a time and the others
    give only their count.

    When nothing visible matches on PostgreSQL, the query runs once more with typo
    corrections (see ``with_corrections``).
    """
    terms = SearchTerms.parse(query)
    group = group if group in search_group_keys() else ""
    page = min(max(page, 1), SEARCH_MAX_PAGE)
    if not terms:
        return SearchResults(terms=terms, group=group, per_page=per_page)
    options = dict(options or {})
    groups, page = _groups(user, terms, group, page, per_group, per_page, options, snippets)
    corrections: tuple[str, ...] = ()
    if is_postgresql() and not any(g.total for g in groups):
        corrected = with_corrections(terms)
        if corrected.corrected:
            terms = corrected
            unchanged = {g.key: g for g in groups if not g.uses_corrections}
            groups, page = _groups(
                user, terms, group, page, per_group, per_page, options, snippets, unchanged
            )
            seen = marked_words(hit.snippet for g in groups for hit in g.hits)
            corrections = tuple(w for w in seen if not any(w.startswith(t) for t in terms.terms))[
                :5
            ]
    return SearchResults(
        terms=terms,
        groups=tuple(groups),
        group=group,
        page=page,
        per_page=per_page,
        corrections=corrections,
    )


def _groups(
    user: Any,
    terms: SearchTerms,
    group: str,
    page: int,
    per_group: int,
    per_page: int,
    options: dict[str, str],
    snippets: bool,
    unchanged: Mapping[str, SearchGroup] | None = None,
) -> tuple[list[SearchGroup], int]:
    """Every provider's group; ``unchanged`` holds groups to keep as they are (a retry with
    typo corrections leaves the groups alone that never use them)."""
    groups = []
    for key, provider in search_providers.items():
        if unchanged and key in unchanged:
            groups.append(unchanged[key])
            continue
        if not group:
            request = SearchRequest(
                terms=terms, limit=per_group, options=options, snippets=snippets
            )
        elif key == group:
            request = SearchRequest(
                terms=terms,
                limit=per_page,
                offset=(page - 1) * per_page,
                options=options,
                snippets=snippets,
            )
        else:
            request = SearchRequest(terms=terms, limit=0, options=options)
        result = provider(user, request)
        if result is not None and key == group and page > 1 and not result.hits and result.total:
            # Past the last page (an old link): show the last page instead.
            page = -(-result.total // per_page)
            result = provider(user, replace(request, offset=(page - 1) * per_page))
        if result is not None:
            groups.append(replace(result, key=key) if result.key != key else result)
    return groups, page
