"""Private storage of uploaded files: PRIVATE_MEDIA_ROOT/<2 hex>/<48 hex>.

The key is random and never derived from the uploaded name, and the directory lies outside
MEDIA_ROOT and STATIC_ROOT, so no URL of the site leads to a file: only the download view
(after asking the access policy) serves one, itself or through nginx's X-Accel-Redirect.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{48}")


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str


def private_root() -> Path:
    """The storage root, refused when it lies inside a directory the site serves."""
    root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    for name in ("MEDIA_ROOT", "STATIC_ROOT"):
        served = getattr(settings, name, None)
        if served and root.is_relative_to(Path(served).resolve()):
            raise ImproperlyConfigured(f"PRIVATE_MEDIA_ROOT must not lie inside {name}.")
    return root


def new_key() -> str:
    return f"{secrets.token_hex(1)}/{secrets.token_hex(24)}"


def path_of(key: str) -> Path:
    """Where a key's file lives; anything not shaped like a key is refused outright."""
    if not _KEY.fullmatch(key):
        raise ValueError("not a storage key")
    return private_root() / key


def store_chunks(chunks: Iterable[bytes]) -> StoredFile:
    """Write the bytes under a fresh key (never overwriting) and return key, size and SHA-256."""
    for _attempt in range(5):
        key = new_key()
        path = path_of(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        break
    else:  # pragma: no cover - 5 collisions of 192 random bits
        raise RuntimeError("could not find a free storage key")
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        delete(key)
        raise
    return StoredFile(key=key, size=size, sha256=digest.hexdigest())


def open_stored(key: str) -> BinaryIO:
    return path_of(key).open("rb")


def delete(key: str) -> None:
    """Remove a stored file; a file that is already gone is fine."""
    path_of(key).unlink(missing_ok=True)


def exists(key: str) -> bool:
    return path_of(key).is_file()


def x_accel_uri(key: str) -> str:
    """The nginx-internal URI of a stored file (settings.KNOWLEDGE_X_ACCEL_PREFIX + key)."""
    prefix = settings.KNOWLEDGE_X_ACCEL_PREFIX.rstrip("/")
    path_of(key)  # validates the key
    return f"{prefix}/{key}"
