"""The virus-scanner hook: the clamd INSTREAM protocol, spoken directly over a socket.

Off when settings.CLAMD_URL is empty. When it is set, a file is stored only after clamd said
"OK": a scanner that cannot be reached refuses the upload rather than letting it in unscanned.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

CHUNK_BYTES = 64 * 1024
_REPLY_LIMIT = 4096


class ScannerUnavailable(Exception):
    """clamd could not be reached, timed out, or answered with an error."""


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    signature: str = ""


def scanner_enabled() -> bool:
    return bool(settings.CLAMD_URL)


def _connect(url: str, timeout: float) -> socket.socket:
    """``tcp://host:port``, ``unix:///path/clamd.ctl`` or a bare socket path."""
    parts = urlsplit(url)
    if parts.scheme == "tcp":
        if not parts.hostname:
            raise ScannerUnavailable(f"no host in {url!r}")
        return socket.create_connection((parts.hostname, parts.port or 3310), timeout=timeout)
    path = parts.path if parts.scheme == "unix" else url
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        raise
    return sock


def _read_reply(sock: socket.socket) -> str:
    """Read up to the NUL that ends a reply to a z-command (or until clamd closes)."""
    data = b""
    while b"\0" not in data and len(data) < _REPLY_LIMIT:
        chunk = sock.recv(1024)
        if not chunk:
            break
        data += chunk
    return data.split(b"\0", 1)[0].decode("utf-8", errors="replace").strip()


def parse_reply(reply: str) -> ScanResult:
    """``stream: OK`` is clean, ``stream: <name> FOUND`` is infected, anything else an error."""
    body = reply.split(":", 1)[1].strip() if ":" in reply else reply
    if body == "OK":
        return ScanResult(clean=True)
    if body.endswith(" FOUND"):
        return ScanResult(clean=False, signature=body.removesuffix(" FOUND").strip())
    raise ScannerUnavailable(f"clamd answered {reply!r}")


def scan_chunks(chunks: Iterable[bytes], *, url: str | None = None) -> ScanResult:
    """Send the bytes to clamd with INSTREAM: ``<4-byte big-endian length><data>`` per chunk,
    then a zero length; clamd answers once the stream has ended."""
    url = url or settings.CLAMD_URL
    try:
        with _connect(url, float(settings.CLAMD_TIMEOUT)) as sock:
            sock.sendall(b"zINSTREAM\0")
            for chunk in chunks:
                for start in range(0, len(chunk), CHUNK_BYTES):
                    part = chunk[start : start + CHUNK_BYTES]
                    sock.sendall(struct.pack("!L", len(part)) + part)
            sock.sendall(struct.pack("!L", 0))
            reply = _read_reply(sock)
    except OSError as exc:  # refused, reset (e.g. clamd's StreamMaxLength), timed out
        raise ScannerUnavailable(str(exc)) from exc
    return parse_reply(reply)
