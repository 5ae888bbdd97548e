"""A real worker on the real broker: committed work runs, rolled-back work never does."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from lmi_portal.celery import app
from lmi_portal.core.models import Heartbeat
from lmi_portal.core.tasks import heartbeat

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL") or connection.vendor == "sqlite",
        reason="needs REDIS_URL and a server database a worker process can share",
    ),
]


@pytest.fixture
def worker():
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lmi_portal.test_settings",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    queue = f"it-{os.getpid()}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "lmi_portal", "worker", "--pool=solo",
         "--loglevel=WARNING", "-Q", queue, "--without-gossip", "--without-mingle"],
        cwd=Path(settings.BASE_DIR), env=env,
    )  # fmt: skip
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        app.conf.task_always_eager = eager
        proc.terminate()
        proc.wait(timeout=20)


def test_task_runs_after_commit_and_never_after_rollback(worker):
    with transaction.atomic():
        transaction.on_commit(lambda: heartbeat.apply_async(args=["it-commit"], queue=worker))
    try:
        with transaction.atomic():
            transaction.on_commit(lambda: heartbeat.apply_async(args=["it-rollback"], queue=worker))
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    # The committed task then a marker task are queued; the worker takes them in order.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not Heartbeat.objects.filter(name="it-commit").exists():
        time.sleep(0.5)
    assert Heartbeat.objects.filter(name="it-commit").exists()
    heartbeat.apply_async(args=["it-marker"], queue=worker)
    while time.monotonic() < deadline and not Heartbeat.objects.filter(name="it-marker").exists():
        time.sleep(0.5)
    assert Heartbeat.objects.filter(name="it-marker").exists()
    assert not Heartbeat.objects.filter(name="it-rollback").exists()
