"""Reads that combine what the registered apps provide."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .registry import DigestSection, SearchHit, digest_providers, search_providers


def digest_sections_for_user(*, user: Any, since: datetime) -> list[DigestSection]:
    """Every non-empty digest section the registered apps have for this user since a moment."""
    sections = []
    for _key, provider in digest_providers.items():
        section = provider(user, since)
        if section is not None and section.lines:
            sections.append(section)
    return sections


def search_for_user(*, user: Any, query: str, limit: int = 20) -> list[SearchHit]:
    """Hits from every registered app, best first; each app applies the access policy itself."""
    query = query.strip()
    if not query:
        return []
    hits: list[SearchHit] = []
    for _key, provider in search_providers.items():
        hits.extend(provider(user, query, limit))
    hits.sort(key=lambda hit: hit.score, reverse=True)
    return hits[:limit]
