"""Uploading document versions: validation, private storage, virus scan, text extraction."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile

from ..models import DocumentVersion, KnowledgeItem


def document_version_add(
    *, actor: Any, item: KnowledgeItem, upload: UploadedFile, note: str = ""
) -> DocumentVersion:
    """Validate and store ``upload`` as the item's next version (raises ValidationError with a
    message in the user's language when the file is refused; nothing is stored then)."""
    raise NotImplementedError
