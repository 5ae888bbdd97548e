"""Text extraction: every text format is read, output is bounded, the task runs once after
the upload's commit, is idempotent, and a failure never undoes the upload."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from knowledge import extraction
from knowledge.extraction import ExtractionError, extract_text, tidy
from knowledge.models import DocumentVersion
from knowledge.services import documents as document_services
from knowledge.services.documents import document_version_add, document_version_extract
from knowledge.tasks import knowledge_extract_pending, knowledge_extract_text
from knowledge.uploads import KINDS

from .conftest import Files

Status = DocumentVersion.ExtractionStatus


def write(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "bestand"  # like a storage key: no extension
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("kind", "build"),
    [
        ("pdf", lambda: Files.pdf("Onderhoudsconcept voor de Boxer", "Tweede regel")),
        ("docx", lambda: Files.docx("Onderhoudsconcept voor de Boxer", "Tweede regel")),
        ("xlsx", lambda: Files.xlsx("Onderhoudsconcept voor de Boxer", "Tweede regel")),
        ("pptx", lambda: Files.pptx("Onderhoudsconcept voor de Boxer")),
        ("odt", lambda: Files.odt("Onderhoudsconcept voor de Boxer", "Tweede regel")),
        ("ods", lambda: Files.ods("Onderhoudsconcept voor de Boxer")),
        ("odp", lambda: Files.odp("Onderhoudsconcept voor de Boxer")),
        ("txt", lambda: b"Onderhoudsconcept voor de Boxer"),
        ("csv", lambda: "Onderhoudsconcept;voor de Boxer".encode("cp1252")),
    ],
)
def test_text_is_read_from_every_text_format(tmp_path, kind, build):
    text = extract_text(write(tmp_path, build()), KINDS[kind].content_type)
    assert "Onderhoudsconcept" in text
    assert "Boxer" in text


def test_pdf_and_docx_text_keeps_its_lines(tmp_path):
    pdf = extract_text(
        write(tmp_path, Files.pdf("Eerste regel", "Tweede regel")), "application/pdf"
    )
    assert pdf.splitlines() == ["Eerste regel", "Tweede regel"]
    docx = extract_text(
        write(tmp_path, Files.docx("Onderhouden", "Onderhoudsconcept")),
        KINDS["docx"].content_type,
    )
    assert docx.splitlines() == ["Onderhouden", "Onderhoudsconcept"]


def test_windows_text_is_decoded(tmp_path):
    content = "Café één".encode("cp1252")
    assert extract_text(write(tmp_path, content), "text/plain") == "Café één"


def test_images_have_no_text(tmp_path):
    assert extract_text(write(tmp_path, Files.png()), "image/png") == ""
    assert not extraction.has_text("image/jpeg")


def test_output_is_bounded(tmp_path):
    paragraphs = [f"Alinea {n} over onderhoud" for n in range(400)]
    text = extract_text(
        write(tmp_path, Files.docx(*paragraphs)), KINDS["docx"].content_type, max_chars=500
    )
    assert len(text) <= 500
    assert text.startswith("Alinea 0")


def test_pages_are_bounded(tmp_path, monkeypatch):
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(5):
        writer.add_blank_page(width=100, height=100)
    path = tmp_path / "leeg"
    with path.open("wb") as out:
        writer.write(out)
    seen = []
    monkeypatch.setattr(extraction, "MAX_PAGES", 2)
    original = extraction._Collector.add

    def counting(self, text):
        seen.append(text)
        return original(self, text)

    monkeypatch.setattr(extraction._Collector, "add", counting)
    extract_text(path, "application/pdf")
    assert len(seen) == 2


def test_deadline_stops_a_slow_read(tmp_path):
    with pytest.raises(ExtractionError):
        extract_text(write(tmp_path, Files.docx("a", "b")), KINDS["docx"].content_type, timeout=-1)


def test_damaged_file_raises_extraction_error(tmp_path):
    with pytest.raises(ExtractionError):
        extract_text(write(tmp_path, b"%PDF-1.4 kapot"), "application/pdf")


def test_tidy_drops_nul_and_collapses_space():
    assert tidy("a\x00b  \t c\n\n\n\nd") == "a b c\n\nd"


# --- The task ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_upload_schedules_extraction_after_commit(
    member, document_item, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        version = document_version_add(
            actor=member,
            item=document_item,
            upload=Files.upload("plan.docx", Files.docx("Onderhoudsconcept Fennek")),
        )
    version.refresh_from_db()
    assert version.extraction_status == Status.PENDING
    assert len(callbacks) == 1
    callbacks[0]()  # Celery runs eagerly in the tests
    version.refresh_from_db()
    assert version.extraction_status == Status.DONE
    assert "Onderhoudsconcept Fennek" in version.extracted_text


@pytest.mark.django_db
def test_images_are_not_scheduled(member, document_item, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        version = document_version_add(
            actor=member, item=document_item, upload=Files.upload("foto.png", Files.png())
        )
    assert callbacks == []
    assert version.extraction_status == Status.NONE


@pytest.mark.django_db
def test_task_is_idempotent_and_reindexes_once(
    member, document_item, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        version = document_version_add(
            actor=member, item=document_item, upload=Files.upload("plan.pdf", Files.pdf("Tekst"))
        )
    reindexed = []
    monkeypatch.setattr(
        document_services.search_index,
        "knowledge_item_reindex",
        lambda item: reindexed.append(item.pk),
    )
    assert knowledge_extract_text(version.pk) == Status.DONE
    assert knowledge_extract_text(version.pk) == Status.DONE
    assert reindexed == [document_item.pk]
    assert knowledge_extract_text(987654) == ""


@pytest.mark.django_db
def test_failed_extraction_is_marked_and_keeps_the_version(
    member, document_item, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise ExtractionError("kapot")

    monkeypatch.setattr(document_services, "extract_text", broken)
    with django_capture_on_commit_callbacks(execute=True):
        version = document_version_add(
            actor=member, item=document_item, upload=Files.upload("plan.pdf", Files.pdf("Tekst"))
        )
    version.refresh_from_db()
    assert version.extraction_status == Status.FAILED
    assert version.extracted_text == ""


@pytest.mark.django_db
def test_broker_trouble_never_breaks_the_upload(
    member, document_item, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(knowledge_extract_text, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        version = document_version_add(
            actor=member, item=document_item, upload=Files.upload("plan.pdf", Files.pdf("Tekst"))
        )
    assert DocumentVersion.objects.filter(pk=version.pk).exists()


@pytest.mark.django_db
def test_the_sweep_reads_what_a_lost_task_left_pending(
    member, document_item, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(knowledge_extract_text, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        version = document_version_add(
            actor=member,
            item=document_item,
            upload=Files.upload("plan.pdf", Files.pdf("Verloren taak")),
        )
    assert knowledge_extract_pending() == 0  # too recent: its own task may still come
    DocumentVersion.objects.filter(pk=version.pk).update(
        created_at=timezone.now() - timedelta(minutes=11)
    )
    assert knowledge_extract_pending() == 1
    version.refresh_from_db()
    assert version.extraction_status == Status.DONE
    assert "Verloren taak" in version.extracted_text
    assert knowledge_extract_pending() == 0


@pytest.mark.django_db
def test_extracted_text_reaches_the_items_search_text(
    member, document_item, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        document_version_add(
            actor=member,
            item=document_item,
            upload=Files.upload("plan.pdf", Files.pdf("Onderhoudsconcept PzH 2000")),
        )
    document_item.refresh_from_db()
    assert "Onderhoudsconcept PzH 2000" in document_item.search_text


@pytest.mark.django_db
def test_missing_file_marks_failed(member, document_item, private_media):
    version = DocumentVersion.objects.create(
        item=document_item,
        number=1,
        storage_key="ab/" + "0" * 48,
        original_name="weg.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )
    assert document_version_extract(version_id=version.pk) == Status.FAILED
