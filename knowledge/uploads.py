"""Checking an uploaded file before anything is stored: content-based type allow-list, size
limit, sanitised name, refusal of polyglots, zip bombs and active content, and the virus scan.

The type is decided from the bytes; the name only has to agree with it. Nothing here trusts the
browser's content type. Every refusal is a ValidationError whose message (in the active
language) says why.
"""

from __future__ import annotations

import hashlib
import html
import re
import struct
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial, wraps
from pathlib import PurePosixPath
from typing import IO, Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponseBase
from django.http.multipartparser import MultiPartParser
from django.utils.datastructures import ImmutableList
from django.utils.encoding import force_str
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from PIL import Image

from . import scanning

# Limits for archives (DOCX, XLSX, PPTX and the OpenDocument formats are ZIP files). They are
# read from the central directory only; nothing is ever unpacked to check them.
ZIP_MAX_TOTAL_BYTES = 200 * 1024 * 1024
ZIP_MAX_MEMBERS = 5000
ZIP_MAX_RATIO = 100
ZIP_RATIO_MIN_BYTES = 1024 * 1024  # small members compress well legitimately
ZIP_MAX_NESTED_ARCHIVES = 20
IMAGE_MAX_PIXELS = 100_000_000
NAME_MAX_CHARS = 150
_HEAD_BYTES = 8192
_TAIL_BYTES = 65536 + 22  # a ZIP end record lies within this distance of the end

# HTML, SVG and script markup: a browser could run it, so it is refused in every file whose
# type is not itself a container (and in text files anywhere).
_ACTIVE_MARKUP = re.compile(
    rb"<\s*(?:html|head|body|script|svg|iframe|object|embed|!doctype)[\s>/]", re.IGNORECASE
)
_ZIP_END = b"PK\x05\x06"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_OOXML_MAIN = {
    "docx": b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
_NESTED_ARCHIVE_SUFFIXES: tuple[str, ...] = (
    *(".zip", ".jar", ".7z", ".rar", ".gz"),
    *(".docx", ".xlsx", ".pptx", ".docm", ".xlsm", ".pptm", ".odt", ".ods", ".odp"),
)


@dataclass(frozen=True)
class FileKind:
    key: str
    content_type: str
    extensions: tuple[str, ...]
    label: str | Promise  # "a PDF file", for messages
    inline: bool = False  # safe to show in the page (preview), not only to download


KINDS: dict[str, FileKind] = {
    kind.key: kind
    for kind in (
        FileKind("pdf", "application/pdf", ("pdf",), gettext_lazy("een PDF-bestand"), True),
        FileKind(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ("docx",),
            gettext_lazy("een Word-document (DOCX)"),
        ),
        FileKind(
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ("xlsx",),
            gettext_lazy("een Excel-werkmap (XLSX)"),
        ),
        FileKind(
            "pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ("pptx",),
            gettext_lazy("een PowerPoint-presentatie (PPTX)"),
        ),
        FileKind(
            "odt",
            "application/vnd.oasis.opendocument.text",
            ("odt",),
            gettext_lazy("een OpenDocument-tekst (ODT)"),
        ),
        FileKind(
            "ods",
            "application/vnd.oasis.opendocument.spreadsheet",
            ("ods",),
            gettext_lazy("een OpenDocument-rekenblad (ODS)"),
        ),
        FileKind(
            "odp",
            "application/vnd.oasis.opendocument.presentation",
            ("odp",),
            gettext_lazy("een OpenDocument-presentatie (ODP)"),
        ),
        FileKind("png", "image/png", ("png",), gettext_lazy("een PNG-afbeelding"), True),
        FileKind("jpeg", "image/jpeg", ("jpg", "jpeg"), gettext_lazy("een JPEG-afbeelding"), True),
        FileKind("txt", "text/plain", ("txt",), gettext_lazy("platte tekst")),
        FileKind("csv", "text/csv", ("csv",), gettext_lazy("platte tekst")),
    )
}
_ODF_MIMES = {KINDS[k].content_type.encode(): k for k in ("odt", "ods", "odp")}
ALLOWED_EXTENSIONS: tuple[str, ...] = tuple(e for k in KINDS.values() for e in k.extensions)
INLINE_CONTENT_TYPES = frozenset(k.content_type for k in KINDS.values() if k.inline)
ACCEPT_ATTRIBUTE = ",".join(f".{e}" for e in ALLOWED_EXTENSIONS)


def kind_for_content_type(content_type: str) -> FileKind | None:
    return next((k for k in KINDS.values() if k.content_type == content_type), None)


@dataclass(frozen=True)
class ValidatedUpload:
    name: str  # sanitised file name, safe to show and to put in Content-Disposition
    content_type: str  # the type decided from the content, from the allow-list
    size: int
    sha256: str


def _refuse(message: str, code: str, **params: Any) -> ValidationError:
    return ValidationError(message % params if params else message, code=code)


def allowed_types_text() -> str:
    return _("PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, PNG, JPEG, TXT en CSV")


def max_megabytes() -> str:
    mb = settings.KNOWLEDGE_UPLOAD_MAX_BYTES / (1024 * 1024)
    return f"{mb:.0f}" if mb >= 1 else f"{mb:.2f}".rstrip("0")


# --- The name ------------------------------------------------------------------------------


def clean_file_name(raw: str) -> str:
    """The name to keep: NFC, no directories, no control or direction characters, not too
    long. A name that tries to point elsewhere is refused, not quietly shortened."""
    name = unicodedata.normalize("NFC", html.unescape(raw or "")).strip()
    if not name:
        raise _refuse(_("Het bestand heeft geen naam."), "name_missing")
    parts = re.split(r"[/\\]", name)
    if len(parts) > 1 or name in {".", ".."}:
        raise _refuse(
            _(
                "De bestandsnaam “%(name)s” bevat een map of “..”. Geef het bestand een "
                "gewone naam zonder mappen."
            ),
            "name_path",
            name=name[:80],
        )
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise _refuse(
            _("De bestandsnaam bevat onzichtbare tekens of stuurtekens. Geef het een gewone naam."),
            "name_control",
        )
    name = re.sub(r'[<>:"|?*]', "_", name)
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem.strip(" .") or not ext:
        raise _refuse(
            _("De bestandsnaam heeft geen extensie (zoals .pdf of .docx)."), "name_extension"
        )
    if len(name) > NAME_MAX_CHARS:
        stem = stem[: NAME_MAX_CHARS - len(ext) - 1].rstrip(" .")
        name = f"{stem}.{ext}"
    return name


def extension_of(name: str) -> str:
    return name.rpartition(".")[2].lower()


# --- Reading the bytes ---------------------------------------------------------------------


def _stream(upload: UploadedFile) -> IO[bytes]:
    stream = upload.file
    if stream is None:
        raise _refuse(_("Kies een bestand."), "required")
    stream.seek(0)
    return stream


def _read_at(stream: IO[bytes], offset: int, length: int) -> bytes:
    stream.seek(offset)
    return stream.read(length)


def _sha256(stream: IO[bytes]) -> str:
    stream.seek(0)
    digest = hashlib.sha256()
    for block in iter(partial(stream.read, 1024 * 1024), b""):
        digest.update(block)
    return digest.hexdigest()


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    stream.seek(0)
    yield from iter(partial(stream.read, scanning.CHUNK_BYTES), b"")


# --- Content checks ------------------------------------------------------------------------


def _polyglot(kind: FileKind) -> ValidationError:
    return _refuse(
        _(
            "Dit bestand lijkt %(kind)s, maar bevat ook HTML-, script- of archiefgegevens. "
            "Zulke dubbelzinnige bestanden worden niet aangenomen."
        ),
        "polyglot",
        kind=kind.label,
    )


def _trailing(kind: FileKind) -> ValidationError:
    return _refuse(
        _(
            "Na het einde van %(kind)s staan nog andere gegevens. Zulke bestanden worden niet "
            "aangenomen; sla het opnieuw op en probeer het nog eens."
        ),
        "trailing_data",
        kind=kind.label,
    )


def _damaged(kind: FileKind) -> ValidationError:
    return _refuse(
        _("Het bestand is beschadigd of geen geldig bestand van dit soort (%(kind)s)."),
        "invalid",
        kind=kind.label,
    )


def _check_no_markup(kind: FileKind, head: bytes, tail: bytes) -> None:
    if _ACTIVE_MARKUP.search(head) or _ACTIVE_MARKUP.search(tail):
        raise _polyglot(kind)


def _check_pdf(head: bytes, tail: bytes) -> None:
    kind = KINDS["pdf"]
    _check_no_markup(kind, head, tail)
    # A ZIP end record near the end makes the file a ZIP archive as well.
    if _ZIP_END in tail:
        raise _polyglot(kind)
    if b"%%EOF" not in tail:
        raise _damaged(kind)


def _check_png(stream: IO[bytes], size: int) -> None:
    """Walk the chunks up to IEND: the file must end exactly there."""
    kind = KINDS["png"]
    offset = len(_PNG_SIGNATURE)
    for _chunk in range(100_000):
        header = _read_at(stream, offset, 8)
        if len(header) < 8:
            raise _damaged(kind)
        length, chunk_type = struct.unpack(">I4s", header)
        offset += 12 + length
        if offset > size:
            raise _damaged(kind)
        if chunk_type == b"IEND":
            if offset != size:
                raise _trailing(kind)
            return
    raise _damaged(kind)


def _check_jpeg(size: int, tail: bytes) -> None:
    kind = KINDS["jpeg"]
    end = tail.rfind(b"\xff\xd9")
    if end < 0:
        raise _damaged(kind)
    if tail[end + 2 :].strip(b"\x00\r\n\t "):
        raise _trailing(kind)


def _check_image(stream: IO[bytes], kind: FileKind) -> None:
    stream.seek(0)
    try:
        with Image.open(stream) as image:
            width, height = image.size
            image.verify()
    except Exception as exc:  # Pillow raises many kinds for a broken image
        raise _damaged(kind) from exc
    if width * height > IMAGE_MAX_PIXELS:
        raise _refuse(
            _("De afbeelding is te groot (%(width)s bij %(height)s pixels)."),
            "image_too_large",
            width=width,
            height=height,
        )


def _zip_ends_cleanly(tail: bytes) -> bool:
    """The end record, with its comment, must be the last thing in the file."""
    start = tail.rfind(_ZIP_END)
    if start < 0 or len(tail) - start < 22:
        return False
    (comment_length,) = struct.unpack("<H", tail[start + 20 : start + 22])
    return start + 22 + comment_length == len(tail)


def _unsafe_member_name(name: str) -> bool:
    if name.startswith("/") or "\\" in name or re.match(r"[A-Za-z]:", name):
        return True
    return ".." in PurePosixPath(name).parts


def _zip_bomb() -> ValidationError:
    return _refuse(
        _(
            "Het document pakt uit tot meer dan %(max)s MB of is onwaarschijnlijk sterk "
            "samengeperst (een mogelijke zip-bom). Het wordt niet aangenomen."
        ),
        "zip_bomb",
        max=ZIP_MAX_TOTAL_BYTES // (1024 * 1024),
    )


def _check_zip_members(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > ZIP_MAX_MEMBERS:
        raise _refuse(
            _("Het document bestaat uit te veel onderdelen (meer dan %(max)s)."),
            "zip_members",
            max=ZIP_MAX_MEMBERS,
        )
    total = nested = 0
    for info in infos:
        if _unsafe_member_name(info.filename):
            raise _refuse(
                _("Het document bevat onderdelen met een onveilige padnaam."), "zip_paths"
            )
        if info.flag_bits & 0x1:
            raise _refuse(
                _(
                    "Het document is versleuteld of met een wachtwoord beveiligd; zo kan het "
                    "niet worden gecontroleerd. Sla het op zonder wachtwoord."
                ),
                "encrypted",
            )
        total += info.file_size
        if (
            info.file_size > ZIP_RATIO_MIN_BYTES
            and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1)
        ) or total > ZIP_MAX_TOTAL_BYTES:
            raise _zip_bomb()
        if info.filename.lower().endswith(_NESTED_ARCHIVE_SUFFIXES):
            nested += 1
    if nested > ZIP_MAX_NESTED_ARCHIVES:
        raise _refuse(
            _("Het document bevat te veel ingesloten bestanden of archieven."), "zip_nested"
        )


def _macros() -> ValidationError:
    return _refuse(
        _(
            "Documenten met macro's worden niet aangenomen. Sla het op zonder macro's (als "
            ".docx, .xlsx of .pptx in plaats van .docm, .xlsm of .pptm)."
        ),
        "macros",
    )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise _damaged_office()
    with archive.open(info) as member:
        return member.read(limit + 1)[:limit]


def _damaged_office() -> ValidationError:
    return _refuse(
        _(
            "Dit ZIP-bestand is geen geldig Word-, Excel-, PowerPoint- of OpenDocument-bestand. "
            "Andere archieven worden niet aangenomen."
        ),
        "zip_unknown",
    )


def _zip_kind(stream: IO[bytes], tail: bytes) -> FileKind:
    """Which office format a ZIP file is, from its central directory and one small member."""
    if not _zip_ends_cleanly(tail):
        raise _refuse(
            _(
                "Na het einde van het document staan nog andere gegevens. Zulke bestanden "
                "worden niet aangenomen."
            ),
            "trailing_data",
        )
    stream.seek(0)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _damaged_office() from exc
    with archive:
        infos = archive.infolist()
        _check_zip_members(infos)
        names = {info.filename for info in infos}
        try:
            first = infos[0] if infos else None
            if first is not None and first.filename == "mimetype":
                # OpenDocument: the first member is "mimetype", stored, holding the type.
                mime = _read_member(archive, first, 100).strip()
                if first.compress_type != zipfile.ZIP_STORED or mime not in _ODF_MIMES:
                    raise _damaged_office()
                if any(n.startswith(("Basic/", "Scripts/")) and not n.endswith("/") for n in names):
                    raise _macros()
                return KINDS[_ODF_MIMES[mime]]
            if "[Content_Types].xml" not in names:
                raise _damaged_office()
            if any(n.rsplit("/", 1)[-1].lower() == "vbaproject.bin" for n in names):
                raise _macros()
            types = _read_member(archive, archive.getinfo("[Content_Types].xml"), 1024 * 1024)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as exc:
            raise _damaged_office() from exc
    if b"macroEnabled" in types:
        raise _macros()
    # A byte search, not an XML parser: nothing in the file gets to expand entities.
    found = [key for key, main in _OOXML_MAIN.items() if b'"' + main + b'"' in types]
    if len(found) != 1:
        raise _damaged_office()
    return KINDS[found[0]]


def _decode_text(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _text_kind(stream: IO[bytes], extension: str) -> FileKind:
    """Plain text (TXT or CSV): readable UTF-8 or Windows-1252, no markup a browser runs."""
    stream.seek(0)
    data = stream.read()
    text = _decode_text(data)
    if text is None or re.search(r"[\x00-\x08\x0b\x0e-\x1f\x7f]", text):
        raise _refuse(
            _(
                "Het soort bestand is niet herkend. Toegestaan zijn: %(types)s. Tekstbestanden "
                "moeten leesbare tekst zijn (UTF-8 of Windows-1252)."
            ),
            "unknown_type",
            types=allowed_types_text(),
        )
    if _ACTIVE_MARKUP.search(data):
        raise _refuse(
            _(
                "HTML- en SVG-bestanden, en tekst met HTML- of scriptcode, worden niet "
                "aangenomen: een browser zou ze kunnen uitvoeren."
            ),
            "active_content",
        )
    return KINDS["csv"] if extension == "csv" else KINDS["txt"]


def detect_kind(stream: IO[bytes], size: int, extension: str) -> FileKind:
    """The file's type from its bytes, with every check that type needs."""
    head = _read_at(stream, 0, _HEAD_BYTES)
    tail = _read_at(stream, max(size - _TAIL_BYTES, 0), _TAIL_BYTES)
    if head.startswith(b"%PDF-"):
        _check_pdf(head, tail)
        return KINDS["pdf"]
    if head.startswith(_PNG_SIGNATURE):
        _check_no_markup(KINDS["png"], head, b"")
        _check_png(stream, size)
        _check_image(stream, KINDS["png"])
        return KINDS["png"]
    if head.startswith(b"\xff\xd8\xff"):
        _check_no_markup(KINDS["jpeg"], head, tail)
        if _ZIP_END in tail:
            raise _polyglot(KINDS["jpeg"])
        _check_jpeg(size, tail)
        _check_image(stream, KINDS["jpeg"])
        return KINDS["jpeg"]
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(stream, tail)
    guessed = filetype.guess(head)
    if guessed is not None:
        raise _refuse(
            _("Dit soort bestand (%(type)s) wordt niet aangenomen. Toegestaan zijn: %(types)s."),
            "type_not_allowed",
            type=guessed.extension.upper(),
            types=allowed_types_text(),
        )
    return _text_kind(stream, extension)


def _scan(stream: IO[bytes]) -> None:
    if not scanning.scanner_enabled():
        return
    try:
        result = scanning.scan_chunks(_chunks(stream))
    except scanning.ScannerUnavailable as exc:
        raise _refuse(
            _(
                "Het bestand kan nu niet worden gecontroleerd op virussen, probeer het later "
                "opnieuw. Het is niet opgeslagen."
            ),
            "scan_unavailable",
        ) from exc
    if not result.clean:
        raise _refuse(
            _("In het bestand is een virus gevonden (%(name)s). Het is niet opgeslagen."),
            "virus",
            name=result.signature[:100],
        )


def validate_upload(upload: UploadedFile) -> ValidatedUpload:
    """Raise ValidationError (message in the active language) when the file is refused."""
    stream = _stream(upload)
    name = clean_file_name(getattr(upload, "sent_name", None) or upload.name or "")
    size = upload.size or 0
    if size <= 0:
        raise _refuse(_("Het bestand is leeg."), "empty")
    if size > settings.KNOWLEDGE_UPLOAD_MAX_BYTES:
        raise _refuse(
            _("Het bestand is %(size)s MB; het mag hoogstens %(max)s MB zijn."),
            "too_large",
            size=f"{size / (1024 * 1024):.1f}",
            max=max_megabytes(),
        )
    extension = extension_of(name)
    if extension in {"html", "htm", "xhtml", "svg", "svgz", "shtml", "xht"}:
        raise _refuse(
            _(
                "HTML- en SVG-bestanden worden niet aangenomen: een browser zou ze kunnen "
                "uitvoeren."
            ),
            "active_content",
        )
    kind = detect_kind(stream, size, extension)
    if extension not in kind.extensions:
        raise _refuse(
            _(
                "De naam eindigt op .%(ext)s, maar de inhoud is %(kind)s. Geef het bestand de "
                "juiste extensie (.%(right)s)."
            ),
            "wrong_extension",
            ext=extension[:10],
            kind=kind.label,
            right=kind.extensions[0],
        )
    sha256 = _sha256(stream)
    _scan(stream)
    stream.seek(0)
    return ValidatedUpload(name=name, content_type=kind.content_type, size=size, sha256=sha256)


# --- Keeping the name the browser sent -----------------------------------------------------


class _NameKeepingParser(MultiPartParser):
    """Django's parser drops the directory part of a file name (``../../x.pdf`` becomes
    ``x.pdf``). This one also notes the name as sent, so validate_upload can refuse it."""

    _sent_name = ""

    def sanitize_file_name(self, file_name: str) -> str | None:
        self._sent_name = file_name
        return super().sanitize_file_name(file_name)

    def handle_file_complete(self, old_field_name: str, counters: list[int]) -> None:
        super().handle_file_complete(old_field_name, counters)
        field = force_str(old_field_name, self._encoding, errors="replace")  # type: ignore[attr-defined]
        files = self._files.getlist(field)  # type: ignore[attr-defined]
        if files:
            files[-1].sent_name = self._sent_name


def _parse_keeping_names(request: HttpRequest, meta: Any, post_data: Any) -> Any:
    request.upload_handlers = ImmutableList(
        request.upload_handlers,
        warning="You cannot alter upload handlers after the upload has been processed.",
    )
    parser = _NameKeepingParser(meta, post_data, request.upload_handlers, request.encoding)
    return parser.parse()


def keep_sent_file_names(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Decorate a view that receives uploads, so a name with a path in it is refused instead of
    silently cut short. The CSRF check moves into the view (Django's documented way to change
    how a request's files are parsed: the middleware would parse them first otherwise)."""
    protected = csrf_protect(view)

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        request.parse_file_upload = partial(_parse_keeping_names, request)  # type: ignore[method-assign]
        return protected(request, *args, **kwargs)

    exempt = csrf_exempt(wrapped)
    # Says that the exemption is only the middleware's: tests/test_csrf.py tells these views
    # apart from the truly exempt ones.
    exempt.csrf_checked_in_view = True  # type: ignore[attr-defined]
    return exempt
