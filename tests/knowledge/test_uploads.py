"""Safe uploads: the content decides the type, the name must agree, and every refusal says
why and stores nothing (no version row, no file under PRIVATE_MEDIA_ROOT)."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from knowledge import scanning
from knowledge.models import DocumentVersion, KnowledgeItem, default_review_by
from knowledge.services.documents import document_version_add
from knowledge.uploads import clean_file_name, validate_upload
from partners.models import TLP

from .conftest import Files, stored_files

pytestmark = pytest.mark.django_db


def refusal(name: str, content: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_upload(Files.upload(name, content))
    return caught.value


def assert_refused_and_nothing_stored(
    *, actor, item, name: str, content: bytes, code: str, words: str, root: Path
) -> ValidationError:
    """The service refuses with a clear message, and nothing is left behind."""
    with translation.override("nl"), pytest.raises(ValidationError) as caught:
        document_version_add(actor=actor, item=item, upload=Files.upload(name, content))
    error = caught.value
    assert error.code == code
    assert words in " ".join(error.messages)
    assert not DocumentVersion.objects.exists()
    assert stored_files(root) == []
    return error


# --- Allowed types -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "build", "content_type"),
    [
        ("plan.pdf", lambda: Files.pdf("Onderhoud"), "application/pdf"),
        (
            "plan.docx",
            lambda: Files.docx("Onderhoud"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "cijfers.xlsx",
            lambda: Files.xlsx("Onderhoud"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "dia.pptx",
            lambda: Files.pptx("Onderhoud"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("tekst.odt", lambda: Files.odt("Onderhoud"), "application/vnd.oasis.opendocument.text"),
        (
            "blad.ods",
            lambda: Files.ods("Onderhoud"),
            "application/vnd.oasis.opendocument.spreadsheet",
        ),
        (
            "dia.odp",
            lambda: Files.odp("Onderhoud"),
            "application/vnd.oasis.opendocument.presentation",
        ),
        ("foto.png", Files.png, "image/png"),
        ("foto.jpg", Files.jpeg, "image/jpeg"),
        ("foto.JPEG", Files.jpeg, "image/jpeg"),
        ("notitie.txt", lambda: b"Onderhoud aan de Fennek", "text/plain"),
        ("lijst.csv", lambda: "systeem;aantal\nBoxer;12\n".encode("cp1252"), "text/csv"),
        ("oud.txt", lambda: "Café en één".encode("cp1252"), "text/plain"),
    ],
)
def test_each_allowed_type_is_accepted_by_its_content(name, build, content_type):
    content = build()
    result = validate_upload(Files.upload(name, content))
    assert result.content_type == content_type
    assert result.size == len(content)
    assert result.name == name
    assert len(result.sha256) == 64


def test_the_browsers_content_type_is_ignored():
    upload = Files.upload("plan.pdf", Files.pdf("x"))
    upload.content_type = "text/html"
    assert validate_upload(upload).content_type == "application/pdf"


# --- The refusals, each storing nothing ----------------------------------------------


def test_polyglot_pdf_with_html_is_refused_and_nothing_stored(member, document_item, private_media):
    content = Files.pdf("Onderhoud") + b"<html><script>alert(1)</script></html>"
    assert_refused_and_nothing_stored(
        actor=member,
        item=document_item,
        name="plan.pdf",
        content=content,
        code="polyglot",
        words="dubbelzinnige bestanden",
        root=private_media,
    )


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("foto.png", lambda: Files.png() + Files.docx("verstopt")),
        ("plan.pdf", lambda: Files.pdf("x") + Files.docx("verstopt")),
        ("foto.jpg", lambda: Files.jpeg() + b"PK\x05\x06" + bytes(18)),
    ],
)
def test_file_with_a_zip_archive_appended_is_refused(name, build):
    error = refusal(name, build())
    assert error.code in {"polyglot", "trailing_data"}


def test_image_with_trailing_html_is_refused():
    error = refusal("foto.jpg", Files.jpeg() + b"<html><body>hallo</body></html>")
    assert error.code == "polyglot"
    error = refusal("foto.png", Files.png() + b"\n" + b"x" * 9000 + b"<script>")
    assert error.code == "trailing_data"


def test_wrong_extension_is_refused_and_nothing_stored(member, document_item, private_media):
    error = assert_refused_and_nothing_stored(
        actor=member,
        item=document_item,
        name="plan.docx",
        content=Files.pdf("Onderhoud"),
        code="wrong_extension",
        words="eindigt op .docx, maar de inhoud is een PDF-bestand",
        root=private_media,
    )
    assert ".pdf" in error.messages[0]


def test_oversize_file_is_refused_with_the_limit_and_nothing_stored(
    member, document_item, private_media, settings
):
    settings.KNOWLEDGE_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    content = Files.pdf("x") + b"%" + b"0" * (3 * 1024 * 1024) + b"\n%%EOF\n"
    assert_refused_and_nothing_stored(
        actor=member,
        item=document_item,
        name="groot.pdf",
        content=content,
        code="too_large",
        words="hoogstens 2 MB",
        root=private_media,
    )


def test_zip_bomb_docx_is_refused_and_nothing_stored(member, document_item, private_media):
    assert_refused_and_nothing_stored(
        actor=member,
        item=document_item,
        name="plan.docx",
        content=Files.zip_bomb_docx(),
        code="zip_bomb",
        words="zip-bom",
        root=private_media,
    )


def test_archive_that_unpacks_too_large_in_total_is_refused(monkeypatch):
    monkeypatch.setattr("knowledge.uploads.ZIP_MAX_TOTAL_BYTES", 10_000)
    assert refusal("plan.docx", Files.docx("Onderhoud")).code == "zip_bomb"


def test_html_upload_is_refused_and_nothing_stored(member, document_item, private_media):
    assert_refused_and_nothing_stored(
        actor=member,
        item=document_item,
        name="pagina.html",
        content=b"<!doctype html><html><body>Onderhoud</body></html>",
        code="active_content",
        words="HTML- en SVG-bestanden",
        root=private_media,
    )


@pytest.mark.parametrize("name", ["tekening.svg", "tekening.txt", "tekening.png", "lijst.csv"])
def test_svg_upload_is_refused_whatever_its_name(member, document_item, private_media, name):
    assert_refused_and_nothing_stored(
        actor=member,
        item=document_item,
        name=name,
        content=b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>',
        code="active_content",
        words="SVG",
        root=private_media,
    )


@pytest.mark.parametrize(
    "content",
    [
        b"Gewone tekst\n<script>fetch('/')</script>",
        b"<!DOCTYPE html>\n<p>hallo</p>",
        b"<HTML><BODY>hallo</BODY></HTML>",
        b"<iframe src=x></iframe>",
    ],
)
def test_text_file_with_markup_is_refused(content):
    assert refusal("notitie.txt", content).code == "active_content"


@pytest.mark.parametrize(
    "raw_name",
    ["../../etc/passwd.pdf", "..\\x.pdf", "map/plan.pdf", "/etc/plan.pdf", "..&#47;plan.pdf"],
)
def test_path_traversal_name_is_refused_and_nothing_stored(
    member, document_item, private_media, raw_name
):
    upload = Files.upload("plan.pdf", Files.pdf("x"))
    upload.sent_name = raw_name  # what the browser sent, kept by keep_sent_file_names
    with translation.override("nl"), pytest.raises(ValidationError) as caught:
        document_version_add(actor=member, item=document_item, upload=upload)
    assert caught.value.code == "name_path"
    assert "map of “..”" in caught.value.messages[0]
    assert not DocumentVersion.objects.exists()
    assert stored_files(private_media) == []


def multipart(fields: dict[str, str], file_name: str, content: bytes) -> tuple[bytes, str]:
    """A form post written by hand, so the file name goes out exactly as a browser may send it
    (the test client would strip ``../../`` itself)."""
    boundary = "lmiGrens"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    )
    body = ("".join(parts) + head).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_path_traversal_name_sent_by_a_browser_is_refused_by_the_upload_view(
    client, member, document_item, private_media
):
    """Django itself would cut ``../../`` off; the view refuses the name instead."""
    body, content_type = multipart(
        {"note": "nieuwe versie"}, "../../etc/passwd.pdf", Files.pdf("x")
    )
    client.force_login(member)
    response = client.post(
        reverse("knowledge:version_upload", args=[document_item.pk]),
        data=body,
        content_type=content_type,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "../../etc/passwd.pdf" in page
    assert "bevat een map" in page
    assert 'value="nieuwe versie"' in page
    assert not DocumentVersion.objects.exists()
    assert stored_files(private_media) == []


@pytest.mark.parametrize("htmx", [False, True])
def test_path_traversal_name_sent_by_a_browser_is_refused_by_the_create_form(
    client, member, private_media, htmx
):
    """The same refusal when a document is first shared; the rest of the input stays."""
    fields = {
        "kind": KnowledgeItem.Kind.DOCUMENT,
        "title": "Onderhoudsplan Boxer",
        "summary": "Bewaar mij",
        "tlp": TLP.GREEN,
        "owner": str(member.pk),
        "review_by": default_review_by().isoformat(),
        "status": KnowledgeItem.Status.PUBLISHED,
    }
    body, content_type = multipart(fields, "../../etc/passwd.pdf", Files.pdf("x"))
    client.force_login(member)
    response = client.post(
        reverse("knowledge:create"),
        data=body,
        content_type=content_type,
        headers={"HX-Request": "true"} if htmx else {},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_file_error"' in page
    assert "De bestandsnaam “../../etc/passwd.pdf” bevat een map of “..”." in page
    assert 'value="Onderhoudsplan Boxer"' in page and "Bewaar mij" in page
    assert not KnowledgeItem.objects.exists()
    assert not DocumentVersion.objects.exists()
    assert stored_files(private_media) == []


def test_empty_file_is_refused():
    assert refusal("leeg.pdf", b"").code == "empty"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("programma.exe", b"MZ\x90\x00\x03" + bytes(300), "type_not_allowed"),
        ("plaatje.gif", b"GIF89a" + bytes(50), "type_not_allowed"),
        ("archief.zip", None, "zip_unknown"),
        ("binair.txt", bytes(range(256)) * 4, "unknown_type"),
        ("geen-extensie", b"tekst", "name_extension"),
        ("plan\u202efdp.exe", b"tekst", "name_control"),
        ("plan\x07.pdf", b"tekst", "name_control"),
    ],
)
def test_other_files_are_refused_with_a_reason(name, content, code):
    if content is None:
        import io
        import zipfile

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("readme.txt", "hallo")
        content = buffer.getvalue()
    assert refusal(name, content).code == code


def test_macro_document_is_refused():
    import io
    import zipfile

    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(Files.docx("x"))) as source,
        zipfile.ZipFile(buffer, "w") as target,
    ):
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("word/vbaProject.bin", b"macro")
    assert refusal("plan.docx", buffer.getvalue()).code == "macros"


def test_docx_with_unsafe_member_names_is_refused():
    import io
    import zipfile

    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(Files.docx("x"))) as source,
        zipfile.ZipFile(buffer, "w") as target,
    ):
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("../../evil.sh", b"echo")
    assert refusal("plan.docx", buffer.getvalue()).code == "zip_paths"


def test_opendocument_whose_mimetype_is_not_first_is_refused():
    import io
    import zipfile

    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(Files.odt("x"))) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        infos = source.infolist()
        for info in [*infos[1:], infos[0]]:
            target.writestr(info.filename, source.read(info))
    assert refusal("tekst.odt", buffer.getvalue()).code == "zip_unknown"


def test_refusals_are_translated():
    with translation.override("en"):
        message = refusal("plan.docx", Files.pdf("x")).messages[0]
    with translation.override("nl"):
        dutch = refusal("plan.docx", Files.pdf("x")).messages[0]
    assert dutch == (
        "De naam eindigt op .docx, maar de inhoud is een PDF-bestand. Geef het bestand de "
        "juiste extensie (.pdf)."
    )
    assert message == (
        "The name ends in .docx, but the content is a PDF file. Give the file the correct "
        "extension (.pdf)."
    )


# --- The name ------------------------------------------------------------------------------


def test_name_is_normalised_and_shortened_but_keeps_its_extension():
    decomposed = "Cafe\u0301 verslag.pdf"
    assert clean_file_name(decomposed) == "Café verslag.pdf"
    long_name = "a" * 300 + ".pdf"
    cleaned = clean_file_name(long_name)
    assert len(cleaned) <= 150
    assert cleaned.endswith(".pdf")
    assert clean_file_name('plan "v2"?.pdf') == "plan _v2__.pdf"


# --- The virus scanner (clamd INSTREAM) ----------------------------------------------------


class FakeClamd:
    """A clamd on a local socket: reads one INSTREAM and answers with ``reply``."""

    def __init__(self, reply: bytes, family: int = socket.AF_INET, path: str = "") -> None:
        self.reply = reply
        self.received = b""
        self.command = b""
        self.server = socket.socket(family, socket.SOCK_STREAM)
        if family == socket.AF_INET:
            self.server.bind(("127.0.0.1", 0))
            self.url = f"tcp://127.0.0.1:{self.server.getsockname()[1]}"
        else:
            self.server.bind(path)
            self.url = f"unix://{path}"
        self.server.listen(1)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _read(self, conn: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = conn.recv(size - len(data))
            if not chunk:
                raise ConnectionError
            data += chunk
        return data

    def _serve(self) -> None:
        conn, _ = self.server.accept()
        with conn:
            while not self.command.endswith(b"\0"):
                self.command += conn.recv(1)
            while True:
                (length,) = struct.unpack("!L", self._read(conn, 4))
                if length == 0:
                    break
                self.received += self._read(conn, length)
            conn.sendall(self.reply)

    def close(self) -> None:
        self.thread.join(timeout=5)
        self.server.close()


@pytest.fixture
def clamd(settings) -> Iterator[callable]:
    servers: list[FakeClamd] = []

    def start(reply: bytes, **kwargs) -> FakeClamd:
        server = FakeClamd(reply, **kwargs)
        servers.append(server)
        settings.CLAMD_URL = server.url
        return server

    yield start
    for server in servers:
        server.close()


def test_clean_file_passes_the_scanner_and_clamd_gets_the_whole_file(clamd):
    server = clamd(b"stream: OK\0")
    content = Files.pdf("Onderhoud")
    assert validate_upload(Files.upload("plan.pdf", content)).content_type == "application/pdf"
    server.close()
    assert server.command == b"zINSTREAM\0"
    assert server.received == content


def test_infected_file_is_refused_with_the_virus_name_and_nothing_stored(
    clamd, member, document_item, private_media
):
    clamd(b"stream: Eicar-Signature FOUND\0")
    assert_refused_and_nothing_stored(
        actor=member,
        item=document_item,
        name="notitie.txt",
        content=b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
        code="virus",
        words="virus gevonden (Eicar-Signature)",
        root=private_media,
    )


def test_scanner_over_a_unix_socket(clamd, tmp_path):
    server = clamd(b"stream: OK\0", family=socket.AF_UNIX, path=str(tmp_path / "clamd.ctl"))
    assert validate_upload(Files.upload("notitie.txt", b"Onderhoud")).size == 9
    server.close()
    assert server.received == b"Onderhoud"


def test_unreachable_scanner_refuses_rather_than_storing_unscanned(
    settings, member, document_item, private_media
):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    settings.CLAMD_URL = f"tcp://127.0.0.1:{port}"
    assert_refused_and_nothing_stored(
        actor=member,
        item=document_item,
        name="plan.pdf",
        content=Files.pdf("x"),
        code="scan_unavailable",
        words="kan nu niet worden gecontroleerd",
        root=private_media,
    )


def test_scanner_error_reply_counts_as_unavailable(clamd):
    clamd(b"INSTREAM size limit exceeded. ERROR\0")
    assert refusal("plan.pdf", Files.pdf("x")).code == "scan_unavailable"


def test_scanner_reply_parsing():
    assert scanning.parse_reply("stream: OK").clean
    infected = scanning.parse_reply("stream: Win.Test.EICAR_HDB-1 FOUND")
    assert not infected.clean
    assert infected.signature == "Win.Test.EICAR_HDB-1"
    with pytest.raises(scanning.ScannerUnavailable):
        scanning.parse_reply("")


def test_no_scan_when_no_scanner_is_configured(settings, monkeypatch):
    settings.CLAMD_URL = ""

    def fail(*args, **kwargs):
        raise AssertionError("scanned without a scanner")

    monkeypatch.setattr(scanning, "scan_chunks", fail)
    assert validate_upload(Files.upload("plan.pdf", Files.pdf("x"))).size > 0
