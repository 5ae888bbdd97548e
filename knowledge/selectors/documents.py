"""Reads of document versions for the item page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from ..forms_documents import DocumentVersionForm
from ..models import DocumentVersion, KnowledgeItem
from ..permissions import can_edit_item
from ..uploads import INLINE_CONTENT_TYPES, kind_for_content_type

SHA_SHORT = 12


@dataclass(frozen=True)
class VersionRow:
    version: DocumentVersion
    download_url: str
    preview_url: str  # "" when the type is not shown inline
    sha_short: str
    type_label: str
    is_latest: bool


@dataclass(frozen=True)
class Preview:
    url: str
    name: str
    is_pdf: bool
    is_image: bool


def preview_url(version: DocumentVersion) -> str:
    if version.content_type not in INLINE_CONTENT_TYPES:
        return ""
    return reverse("knowledge:preview", kwargs={"pk": version.item_id, "version": version.number})


def _type_label(content_type: str) -> str:
    kind = kind_for_content_type(content_type)
    return kind.key.upper() if kind is not None else content_type


def can_upload_version(user: Any, item: KnowledgeItem) -> bool:
    """Editors add versions to documents that are not archived."""
    return (
        item.kind == KnowledgeItem.Kind.DOCUMENT
        and item.status != KnowledgeItem.Status.ARCHIVED
        and can_edit_item(user, item)
    )


def document_versions(*, item: KnowledgeItem) -> list[DocumentVersion]:
    """An item's versions, newest first, with the uploader (one query)."""
    return list(
        DocumentVersion.objects.filter(item=item)
        .select_related("uploaded_by")
        .defer("extracted_text")
        .order_by("-number")
    )


def version_panel_context(
    user: Any, item: KnowledgeItem, *, form: Any = None, notice: str = ""
) -> dict[str, Any]:
    """Context for ``knowledge/_versions.html`` on the item page (``user`` may see ``item``).

    ``form`` is a bound form with errors to show again; otherwise editors get an empty one.
    """
    if item.kind != KnowledgeItem.Kind.DOCUMENT:
        return {}
    versions = document_versions(item=item)
    rows = [
        VersionRow(
            version=v,
            download_url=v.get_download_url(),
            preview_url=preview_url(v),
            sha_short=v.sha256[:SHA_SHORT],
            type_label=_type_label(v.content_type),
            is_latest=index == 0,
        )
        for index, v in enumerate(versions)
    ]
    preview = None
    if rows and rows[0].preview_url:
        latest = rows[0].version
        preview = Preview(
            url=rows[0].preview_url,
            name=latest.original_name,
            is_pdf=latest.content_type == "application/pdf",
            is_image=latest.content_type.startswith("image/"),
        )
    can_upload = can_upload_version(user, item)
    if can_upload and form is None:
        form = DocumentVersionForm()
    return {
        "version_rows": rows,
        "version_preview": preview,
        "version_form": form if can_upload else None,
        "version_upload_url": reverse("knowledge:version_upload", kwargs={"pk": item.pk}),
        "version_notice": notice,
        "version_item": item,
    }
