"""Keeping a knowledge item's search text (and, on PostgreSQL, its search vector) current."""

from __future__ import annotations

from ..models import KnowledgeItem


def knowledge_item_reindex(item: KnowledgeItem) -> None:
    """Rebuild ``search_text`` (title, summary, body, current file text) and, on PostgreSQL,
    ``search_vector``; register new words for typo correction. Call after every change."""
