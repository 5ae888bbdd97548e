"""The documented backup and restore (deploy/backup.sh, deploy/restore.sh) on real data.

The demo network plus an organisation logo are backed up, restored into a fresh database and
empty file directories, and a new portal process on the restored copy must find no migration
pending, hold the same rows, serve an initiative to its reader and hand out every document with
its recorded SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection

from initiatives.models import Initiative
from knowledge.models import DocumentVersion, KnowledgeItem
from partners.access import visible_to
from partners.models import TLP, Organisation, User

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql"
        or not all(shutil.which(tool) for tool in ("pg_dump", "pg_restore", "psql")),
        reason="needs PostgreSQL and its client tools (pg_dump, pg_restore, psql)",
    ),
]

DEPLOY = Path(settings.BASE_DIR) / "deploy"
READER = "joris.visser@ddvs.example"  # a plain member in the demo data: no second factor needed
# A transparent PNG of one pixel.
LOGO = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)

# Run by `manage.py shell -c` on the restored copy. Counts come first: signing in and the
# download write rows of their own (session, audit).
PROBE = """
import hashlib, json, os
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from knowledge import storage
from knowledge.models import DocumentVersion
from partners.models import Organisation, User

args = json.loads(os.environ["PROBE_ARGS"])
call_command("migrate", check=True, verbosity=0)  # exits non-zero while a migration is pending
counts = {m._meta.label: m._default_manager.count() for m in apps.get_models()
          if m._meta.managed and not m._meta.proxy}
files = {str(v.pk): hashlib.sha256(storage.path_of(v.storage_key).read_bytes()).hexdigest()
         == v.sha256 for v in DocumentVersion.objects.all()}
logo = Organisation.objects.get(pk=args["organisation"]).logo
client = Client()
client.force_login(User.objects.get(email=args["reader"]))
page = client.get(args["page"])
download = client.get(args["download"])
print(json.dumps({
    "counts": counts,
    "files": files,
    "logo": hashlib.sha256(logo.open("rb").read()).hexdigest(),
    "page": [page.status_code, args["title"] in page.content.decode()],
    "download": [download.status_code,
                 hashlib.sha256(b"".join(download.streaming_content)).hexdigest()],
}))
"""


def _url(db: dict[str, object], name: str) -> str:
    user = quote(str(db["USER"] or ""), safe="")
    password = quote(str(db["PASSWORD"] or ""), safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}{db['HOST'] or ''}{port}/{name}"


def _row_counts() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.managed and not m._meta.proxy
    }


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        args, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, f"{args[:2]} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture
def fresh_database():
    name = f"lmi_restore_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_restores_into_a_fresh_database_that_serves_the_same_data(
    settings, tmp_path, fresh_database, client
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "live" / "private"
    settings.MEDIA_ROOT = tmp_path / "live" / "media"
    call_command("seed_demo", verbosity=0)
    organisation = Organisation.objects.get(short_name="DDVS")
    organisation.logo.save("ddvs.png", ContentFile(LOGO))
    reader = User.objects.get(email=READER)
    initiative = (
        Initiative.objects.filter(visible_to(reader, Initiative), tlp=TLP.AMBER)
        .order_by("pk")
        .first()
    )
    readable = KnowledgeItem.objects.filter(visible_to(reader, KnowledgeItem))
    version = DocumentVersion.objects.filter(item__in=readable).order_by("pk").first()
    assert initiative is not None and version is not None
    assert DocumentVersion.objects.count() >= 2
    client.force_login(reader)
    assert client.get(initiative.get_absolute_url()).status_code == 200
    expected_counts = _row_counts()

    db = settings.DATABASES["default"]
    base_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lmi_portal.test_settings",
        "LMI_VAR_DIR": str(tmp_path / "var"),
        "KNOWLEDGE_X_ACCEL_PREFIX": "",
    }
    backup = tmp_path / "backup"
    _run(
        ["sh", str(DEPLOY / "backup.sh"), str(backup)],
        {
            **base_env,
            "DATABASE_URL": _url(db, db["NAME"]),
            "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        },
    )
    assert sorted(p.name for p in backup.iterdir()) == [
        "SHA256SUMS", "database.dump", "media.tar.gz", "private.tar.gz"
    ]  # fmt: skip

    restored_env = {
        **base_env,
        "DATABASE_URL": _url(db, fresh_database),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "restored" / "private"),
        "MEDIA_ROOT": str(tmp_path / "restored" / "media"),
    }
    _run(["sh", str(DEPLOY / "restore.sh"), str(backup)], restored_env)
    probe_args = {
        "organisation": organisation.pk,
        "reader": READER,
        "page": initiative.get_absolute_url(),
        "title": initiative.title,
        "download": version.get_download_url(),
    }
    result = _run(
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        {**restored_env, "PROBE_ARGS": json.dumps(probe_args)},
    )
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    assert seen["counts"] == expected_counts
    assert seen["files"] and all(seen["files"].values())
    assert seen["logo"] == hashlib.sha256(LOGO).hexdigest()
    assert seen["page"] == [200, True]
    assert seen["download"] == [200, version.sha256]


def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    db = settings.DATABASES["default"]
    env = {**os.environ, "DATABASE_URL": _url(db, db["NAME"]), "LMI_VAR_DIR": str(tmp_path)}
    backup = tmp_path / "backup"
    _run(["sh", str(DEPLOY / "backup.sh"), str(backup)], env)
    # Restoring over the live database (it has tables) must change nothing and say why.
    result = subprocess.run(
        ["sh", str(DEPLOY / "restore.sh"), str(backup)],
        env={**env, "LMI_VAR_DIR": str(tmp_path / "restored")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "restore into an empty one" in result.stderr
    assert not (tmp_path / "restored" / "private").exists()
