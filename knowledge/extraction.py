"""Plain text out of a stored file, so its contents can be searched.

Runs in the Celery worker, never in a request. Every reader is bounded: at most MAX_CHARS of
text, MAX_PAGES pages (or slides, or sheets' rows), and a wall-clock deadline, so a hostile or
huge document costs a bounded amount of work. Only files that passed validate_upload get here.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

MAX_CHARS = 200_000
MAX_PAGES = 500
MAX_ROWS = 20_000
DEADLINE_SECONDS = 120.0


class ExtractionError(Exception):
    """The file could not be read (damaged, encrypted, or too slow)."""


class _Collector:
    """Gathers text pieces until the character budget or the deadline is spent."""

    def __init__(self, max_chars: int, deadline: float) -> None:
        self.parts: list[str] = []
        self.left = max_chars
        self.deadline = deadline

    @property
    def full(self) -> bool:
        return self.left <= 0

    def add(self, text: str | None) -> bool:
        """Add one piece; False once no more is wanted."""
        if time.monotonic() > self.deadline:
            raise ExtractionError("deadline passed")
        if text:
            piece = text[: self.left]
            self.parts.append(piece)
            self.left -= len(piece) + 1
        return not self.full

    def add_all(self, texts: Iterable[str | None]) -> None:
        for text in texts:
            if not self.add(text):
                return

    def text(self) -> str:
        return "\n".join(self.parts)


def _pdf(path: Path, out: _Collector) -> None:
    from pypdf import PdfReader

    reader = PdfReader(path)
    if reader.is_encrypted and not reader.decrypt(""):
        raise ExtractionError("encrypted PDF")
    for number, page in enumerate(reader.pages):
        if number >= MAX_PAGES or not out.add(page.extract_text()):
            return


def _docx(path: Path, out: _Collector) -> None:
    from docx import Document

    document = Document(str(path))
    out.add_all(p.text for p in document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            if not out.add("\t".join(cell.text for cell in row.cells)):
                return


def _pptx_texts(path: Path) -> Iterator[str]:
    from pptx import Presentation

    presentation = Presentation(str(path))
    for number, slide in enumerate(presentation.slides):
        if number >= MAX_PAGES:
            return
        for shape in slide.shapes:
            if getattr(shape, "has_text_frame", False):
                yield shape.text_frame.text
            if getattr(shape, "has_table", False):
                for row in shape.table.rows:
                    yield "\t".join(cell.text for cell in row.cells)
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            yield slide.notes_slide.notes_text_frame.text


def _pptx(path: Path, out: _Collector) -> None:
    out.add_all(_pptx_texts(path))


def _xlsx_rows(path: Path) -> Iterator[str]:
    from openpyxl import load_workbook

    # A file object, not the path: openpyxl judges a path by its extension, and storage keys
    # have none.
    with path.open("rb") as stream:
        workbook = load_workbook(stream, read_only=True, data_only=True)
        try:
            rows = 0
            for sheet in workbook.worksheets:
                yield sheet.title
                for row in sheet.iter_rows(values_only=True):
                    rows += 1
                    if rows > MAX_ROWS:
                        return
                    values = [str(v) for v in row if v is not None and str(v).strip()]
                    if values:
                        yield "\t".join(values)
        finally:
            workbook.close()


def _xlsx(path: Path, out: _Collector) -> None:
    out.add_all(_xlsx_rows(path))


def _odf_texts(path: Path) -> Iterator[str]:
    from odf import teletype
    from odf.element import Element
    from odf.namespaces import TEXTNS
    from odf.opendocument import load

    document = load(str(path))
    wanted = {(TEXTNS, "h"), (TEXTNS, "p")}

    def walk(node: Element) -> Iterator[str]:
        # Headings and paragraphs in document order; a paragraph's own text includes its
        # spans, so its children are not visited again.
        for child in node.childNodes:
            if getattr(child, "qname", None) in wanted:
                yield teletype.extractText(child)
            elif getattr(child, "childNodes", None):
                yield from walk(child)

    yield from walk(document.body)


def _odf(path: Path, out: _Collector) -> None:
    out.add_all(_odf_texts(path))


def _plain(path: Path, out: _Collector) -> None:
    with path.open("rb") as stream:
        data = stream.read(out.left * 4)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            out.add(data.decode(encoding))
            return
        except UnicodeDecodeError:
            continue
    out.add(data.decode("utf-8", errors="replace"))


READERS: dict[str, Callable[[Path, _Collector], None]] = {
    "application/pdf": _pdf,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _docx,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": _pptx,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _xlsx,
    "application/vnd.oasis.opendocument.text": _odf,
    "application/vnd.oasis.opendocument.spreadsheet": _odf,
    "application/vnd.oasis.opendocument.presentation": _odf,
    "text/plain": _plain,
    "text/csv": _plain,
}


def has_text(content_type: str) -> bool:
    """Whether files of this type carry text worth reading (images do not)."""
    return content_type in READERS


_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def tidy(text: str, max_chars: int = MAX_CHARS) -> str:
    """Collapse runs of white space, drop NUL and other control characters (PostgreSQL text
    cannot hold NUL), and cut to ``max_chars``."""
    text = re.sub(r"[\x00-\x08\x0b\x0e-\x1f\x7f]", " ", text.replace("\r\n", "\n"))
    text = _SPACES.sub(" ", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()[:max_chars]


def extract_text(
    path: Path, content_type: str, *, max_chars: int = MAX_CHARS, timeout: float | None = None
) -> str:
    """The file's text ("" for types without text). Raises ExtractionError when it cannot be
    read; any reader's own exception is turned into one, so callers need catch only that."""
    reader = READERS.get(content_type)
    if reader is None:
        return ""
    deadline = time.monotonic() + (DEADLINE_SECONDS if timeout is None else timeout)
    out = _Collector(max_chars, deadline)
    try:
        reader(path, out)
    except ExtractionError:
        raise
    except Exception as exc:  # every library has its own errors for a bad file
        raise ExtractionError(f"{type(exc).__name__}: {exc}") from exc
    return tidy(out.text(), max_chars)
