"""Uploading document versions: validation, private storage, virus scan, text extraction."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from lmi_portal.core.services import audit_log

from .. import storage
from ..extraction import ExtractionError, extract_text, has_text
from ..models import DocumentVersion, KnowledgeItem
from ..uploads import ValidatedUpload, validate_upload
from . import search_index

logger = logging.getLogger(__name__)

NOTE_MAX_LENGTH = 300
Extraction = DocumentVersion.ExtractionStatus


def document_version_add(
    *,
    actor: Any,
    item: KnowledgeItem,
    upload: UploadedFile,
    note: str = "",
    validated: ValidatedUpload | None = None,
) -> DocumentVersion:
    """Validate and store ``upload`` as the item's next version (raises ValidationError with a
    message in the user's language when the file is refused; nothing is stored then).

    Order: every check first, then the file, then the row. Should the row fail, the file is
    removed again, so a refused or failed upload leaves nothing behind. Text extraction is
    scheduled for after the commit.
    """
    if item.kind != KnowledgeItem.Kind.DOCUMENT:
        raise ValidationError(_("Alleen een document heeft bestanden."), code="not_document")
    if item.status == KnowledgeItem.Status.ARCHIVED:
        raise ValidationError(
            _("Een gearchiveerd item krijgt geen nieuwe versie."), code="archived"
        )
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": _("Houd de toelichting korter dan %(max)s tekens.") % {"max": NOTE_MAX_LENGTH}}
        )
    checked = validated or validate_upload(upload)
    upload.seek(0)
    stored = storage.store_chunks(upload.chunks())
    try:
        if stored.sha256 != checked.sha256 or stored.size != checked.size:
            raise ValidationError(
                _("Het bestand veranderde tijdens het opslaan; probeer het opnieuw."),
                code="changed",
            )
        with transaction.atomic():
            version = _version_create(
                actor=actor, item=item, checked=checked, key=stored.key, note=note
            )
    except BaseException:
        storage.delete(stored.key)
        raise
    return version


def _version_create(
    *, actor: Any, item: KnowledgeItem, checked: ValidatedUpload, key: str, note: str
) -> DocumentVersion:
    # The lock on the item serialises uploads to it, so numbers never collide.
    KnowledgeItem.objects.select_for_update().filter(pk=item.pk).first()
    last = DocumentVersion.objects.filter(item=item).aggregate(n=Max("number"))["n"] or 0
    version = DocumentVersion(
        item=item,
        number=last + 1,
        storage_key=key,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
        extraction_status=Extraction.PENDING if has_text(checked.content_type) else Extraction.NONE,
    )
    version.full_clean()
    version.save()
    now = timezone.now()
    KnowledgeItem.objects.filter(pk=item.pk).update(updated_at=now)
    item.updated_at = now
    audit_log(
        action="knowledge.version_added",
        actor=actor,
        target=item,
        data={
            "version": version.number,
            "name": version.original_name,
            "content_type": version.content_type,
            "size": version.size,
            "sha256": version.sha256,
        },
    )
    search_index.knowledge_item_reindex(item)
    if version.extraction_status == Extraction.PENDING:
        version_id = version.pk
        transaction.on_commit(lambda: _schedule_extraction(version_id))
    return version


def _schedule_extraction(version_id: int) -> None:
    from ..tasks import knowledge_extract_text

    try:
        knowledge_extract_text.delay(version_id)
    except Exception:  # broker down, or (eagerly) anything: the upload itself stands
        logger.warning("Could not run text extraction for version %s", version_id, exc_info=True)


def document_version_extract(*, version_id: int) -> str:
    """Read a version's text once and reindex its item; returns the resulting status.

    Idempotent: only a PENDING version is read, and the result is written with a conditional
    UPDATE, so a second run (or two at once) changes nothing more.
    """
    version = (
        DocumentVersion.objects.filter(pk=version_id)
        .only("pk", "item_id", "storage_key", "content_type", "extraction_status")
        .first()
    )
    if version is None or version.extraction_status != Extraction.PENDING:
        return version.extraction_status if version is not None else ""
    try:
        text = extract_text(storage.path_of(version.storage_key), version.content_type)
        status = Extraction.DONE if text else Extraction.NONE
    except (ExtractionError, OSError, ValueError) as exc:
        logger.warning("Text extraction of version %s failed: %s", version_id, exc)
        text, status = "", Extraction.FAILED
    claimed = DocumentVersion.objects.filter(
        pk=version_id, extraction_status=Extraction.PENDING
    ).update(extraction_status=status, extracted_text=text)
    if claimed:
        item = KnowledgeItem.objects.filter(pk=version.item_id).first()
        if item is not None:
            search_index.knowledge_item_reindex(item)
    return status


def document_versions_pending_ids(*, older_than: timedelta, limit: int = 50) -> list[int]:
    """Versions still waiting for their text after ``older_than``: their task was lost (e.g.
    the broker was down at upload time) and the periodic sweep reads them."""
    return list(
        DocumentVersion.objects.filter(
            extraction_status=Extraction.PENDING, created_at__lt=timezone.now() - older_than
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
