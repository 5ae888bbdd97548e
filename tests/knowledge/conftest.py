"""Fixtures for the knowledge tests: tiny real files of every allowed type, and a private
storage directory of the test's own (so no test leaves files under var/)."""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from knowledge.models import KnowledgeItem
from partners.models import TLP

from ..factories import KnowledgeItemFactory


def _pdf_escape(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _deterministic(archive: bytes) -> bytes:
    """The same archive with every member dated 1 Jan 2026, so two builds compare equal even
    when they straddle a second (office libraries stamp each member with the current time)."""
    import zipfile

    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(archive)) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            target.writestr(fixed, source.read(info))
    return out.getvalue()


def pdf_bytes(*lines: str) -> bytes:
    """A one-page PDF 1.4 with the lines in Helvetica, written by hand (pypdf reads it)."""
    text = b"BT /F1 12 Tf 72 760 Td 14 TL " + b" ".join(
        b"(" + _pdf_escape(line) + b") '" for line in lines
    )
    stream = text + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def docx_bytes(*paragraphs: str) -> bytes:
    from docx import Document

    document = Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return _deterministic(out.getvalue())


def xlsx_bytes(*cells: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row, value in enumerate(cells, start=1):
        sheet.cell(row=row, column=1, value=value)
    out = io.BytesIO()
    workbook.save(out)
    return _deterministic(out.getvalue())


def pptx_bytes(*titles: str) -> bytes:
    from pptx import Presentation

    presentation = Presentation()
    for title in titles:
        slide = presentation.slides.add_slide(presentation.slide_layouts[5])
        slide.shapes.title.text = title
    out = io.BytesIO()
    presentation.save(out)
    return _deterministic(out.getvalue())


def odt_bytes(*paragraphs: str) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    for paragraph in paragraphs:
        document.text.addElement(P(text=paragraph))
    out = io.BytesIO()
    document.save(out)
    return _deterministic(out.getvalue())


def ods_bytes(*cells: str) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Blad1")
    for value in cells:
        row = TableRow()
        cell = TableCell(valuetype="string")
        cell.addElement(P(text=value))
        row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    out = io.BytesIO()
    document.save(out)
    return _deterministic(out.getvalue())


def odp_bytes(*texts: str) -> bytes:
    from odf import draw, style
    from odf.opendocument import OpenDocumentPresentation
    from odf.text import P

    document = OpenDocumentPresentation()
    layout = style.PageLayout(name="Indeling")
    document.automaticstyles.addElement(layout)
    master = style.MasterPage(name="Standaard", pagelayoutname=layout)
    document.masterstyles.addElement(master)
    for value in texts:
        page = draw.Page(masterpagename=master)
        document.presentation.addElement(page)
        frame = draw.Frame(width="20cm", height="3cm", x="1cm", y="1cm")
        page.addElement(frame)
        box = draw.TextBox()
        frame.addElement(box)
        box.addElement(P(text=value))
    out = io.BytesIO()
    document.save(out)
    return _deterministic(out.getvalue())


def png_bytes(size: tuple[int, int] = (4, 3)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (30, 90, 60)).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(size: tuple[int, int] = (4, 3)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (30, 90, 60)).save(out, "JPEG")
    return out.getvalue()


@functools.cache
def zip_bomb_docx(megabytes: int = 64) -> bytes:
    """A real DOCX plus one member that unpacks to ``megabytes`` MB of zeros (about 1000:1)."""
    import zipfile

    out = io.BytesIO(docx_bytes("Onderhoudsplan"))
    block = bytes(1024 * 1024)
    with (
        zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/media/padding.bin", "w") as member,
    ):
        for _ in range(megabytes):
            member.write(block)
    return out.getvalue()


class Files:
    """The builders as one fixture: ``files.pdf("tekst")``, ``files.upload(name, bytes)``."""

    pdf = staticmethod(pdf_bytes)
    docx = staticmethod(docx_bytes)
    xlsx = staticmethod(xlsx_bytes)
    pptx = staticmethod(pptx_bytes)
    odt = staticmethod(odt_bytes)
    ods = staticmethod(ods_bytes)
    odp = staticmethod(odp_bytes)
    png = staticmethod(png_bytes)
    jpeg = staticmethod(jpeg_bytes)
    zip_bomb_docx = staticmethod(zip_bomb_docx)

    @staticmethod
    def upload(name: str, content: bytes) -> SimpleUploadedFile:
        return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture
def files() -> type[Files]:
    return Files


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path: Path) -> Iterator[Path]:
    """Every knowledge test stores its files in a directory of its own; no virus scanner."""
    root = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = root
    settings.CLAMD_URL = ""
    settings.KNOWLEDGE_X_ACCEL_PREFIX = ""
    yield root


def stored_files(root: Path) -> list[Path]:
    """Every file under the private storage root."""
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def document_item(company) -> KnowledgeItem:
    """An AMBER document of ``company``: its members see it, the competitor does not."""
    return KnowledgeItemFactory(
        kind=KnowledgeItem.Kind.DOCUMENT,
        title="Onderhoudsplan Boxer",
        tlp=TLP.AMBER,
        owner_organisation=company,
    )
