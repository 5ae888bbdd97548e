"""Keeping a knowledge item's search text (and, on PostgreSQL, its search vector) current."""

from __future__ import annotations

from lmi_portal.core.search import search_words_register, strip_markers

from ..models import DocumentVersion, KnowledgeItem

# Enough for any real document; the vector and the word list stay bounded with it.
SEARCH_TEXT_MAX_CHARS = 500_000


def knowledge_search_text(
    *, title: str, summary: str = "", body: str = "", file_text: str = ""
) -> str:
    """The searchable text of an item: the title on the first line, then summary, body and
    the current file's text. Snippets skip the first line, so the title is not repeated."""
    parts = [" ".join(title.split()), summary, body, file_text]
    text = "\n".join(part.strip() for part in parts if part and part.strip())
    return strip_markers(text)[:SEARCH_TEXT_MAX_CHARS]


def knowledge_item_reindex(item: KnowledgeItem) -> None:
    """Rebuild ``search_text`` (title, summary, body, current file text) and, on PostgreSQL,
    ``search_vector``; register new words for typo correction. Call after every change."""
    file_text = (
        DocumentVersion.objects.filter(item_id=item.pk)
        .order_by("-number")
        .values_list("extracted_text", flat=True)
        .first()
    )
    text = knowledge_search_text(
        title=item.title, summary=item.summary, body=item.body, file_text=file_text or ""
    )
    # An empty vector makes the PostgreSQL trigger (migration 0003) compute it from the new
    # text; the object in hand gets the same, so saving it later cannot write back a stale one.
    KnowledgeItem.objects.filter(pk=item.pk).update(search_text=text, search_vector=None)
    item.search_text = text
    item.search_vector = None
    search_words_register([text])
