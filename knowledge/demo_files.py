"""Small real files for the demo and scale data: a text PDF written by hand and a DOCX written
with python-docx. Both carry real text, so text extraction and search work on them as on any
upload."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from datetime import datetime

from docx import Document

PDF_CONTENT_TYPE = "application/pdf"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_LINE_CHARS = 88
_LINES_PER_PAGE = 48
# Fixed document dates: the same text gives the same bytes (and checksum) on every run.
_DOCX_DATE = datetime(2026, 1, 15, 9, 0)


def _pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsi (cp1252), the encoding of the standard Helvetica font."""
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _pdf_text_string(text: str) -> bytes:
    """A PDF text string for the document information (UTF-16BE with a byte order mark)."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def _pdf_lines(title: str, paragraphs: Sequence[str]) -> list[tuple[str, bool]]:
    """(line, is_heading) pairs: the title, then each paragraph wrapped with a blank line after."""
    lines: list[tuple[str, bool]] = [(title, True), ("", False)]
    for paragraph in paragraphs:
        for line in textwrap.wrap(paragraph, _LINE_CHARS) or [""]:
            lines.append((line, False))
        lines.append(("", False))
    return lines


def pdf_bytes(title: str, paragraphs: Sequence[str], *, author: str = "") -> bytes:
    """A valid PDF 1.4 with the text on A4 pages in Helvetica; pypdf extracts it again."""
    lines = _pdf_lines(title, paragraphs)
    pages = [lines[i : i + _LINES_PER_PAGE] for i in range(0, len(lines), _LINES_PER_PAGE)]
    # Object numbers: 1 catalog, 2 page tree, 3 regular font, 4 bold font, 5 info,
    # then a page object and its content stream per page.
    first_page = 6
    page_ids = [first_page + 2 * i for i in range(len(pages))]
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids ["
        + b" ".join(f"{pk} 0 R".encode() for pk in page_ids)
        + f"] /Count {len(pages)} >>".encode(),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        4: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
        b"/Encoding /WinAnsiEncoding >>",
        5: b"<< /Title "
        + _pdf_text_string(title)
        + (b" /Author " + _pdf_text_string(author) if author else b"")
        + b" /Producer (LMI Portal) >>",
    }
    for page_id, page_lines in zip(page_ids, pages, strict=True):
        ops = [b"BT", b"/F1 11 Tf", b"14 TL", b"56 790 Td"]
        for line, heading in page_lines:
            font = b"/F2 14 Tf" if heading else b"/F1 11 Tf"
            ops.append(font + b" " + _pdf_string(line) + b" Tj T*")
        ops.append(b"ET")
        stream = b"\n".join(ops)
        objects[page_id] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> "
            + f"/Contents {page_id + 1} 0 R >>".encode()
        )
        objects[page_id + 1] = (
            f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream"
        )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = out.tell()
        out.write(f"{number} 0 obj\n".encode() + objects[number] + b"\nendobj\n")
    xref = out.tell()
    size = max(objects) + 1
    out.write(f"xref\n0 {size}\n0000000000 65535 f \n".encode())
    for number in range(1, size):
        out.write(f"{offsets[number]:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {size} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def docx_bytes(title: str, paragraphs: Sequence[str], *, author: str = "") -> bytes:
    """A Word document with a heading and the paragraphs (python-docx)."""
    document = Document()
    properties = document.core_properties
    properties.title = title
    properties.author = author
    properties.last_modified_by = author
    properties.created = properties.modified = _DOCX_DATE
    properties.revision = 1
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        if paragraph.startswith("- "):
            document.add_paragraph(paragraph[2:], style="List Bullet")
        else:
            document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
