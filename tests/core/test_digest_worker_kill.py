"""Exactly once, the hard way: a real worker on Redis is killed with SIGKILL halfway through a
digest run, a fresh worker runs the job again (as the next hourly beat tick would), and every
user still ends up with exactly one digest and at most one digest email.

The worker runs ``lmi_portal.test_settings`` (task_always_eager stays on inside it), so the
``outbox_send`` tasks a batch queues on commit are sent inline by the worker itself, through
the locmem backend: nothing leaves the machine and nothing is left on the shared ``celery``
queue. Sends the kill cut off stay pending in the outbox, where the periodic flush finds them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from kombu import Queue

from lmi_portal.celery import app
from lmi_portal.core.digests import digest_period
from lmi_portal.core.models import Digest, DigestPreference, Heartbeat, OutboxEmail
from lmi_portal.core.services import outbox_deliver, outbox_due_ids
from lmi_portal.core.tasks import digest_run_due, heartbeat
from partners.models import Membership, Organisation, User

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL") or connection.vendor == "sqlite",
        reason="needs REDIS_URL and a server database a worker process can share",
    ),
]

USERS = 300
BATCH_SIZE = 5  # 60 batches: a run lasts long enough to be killed in the middle
TIMEOUT = 60.0


class Workers:
    """Starts Celery workers (solo pool) on a queue of their own, and stops them at the end."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.queue = f"it-kill-{os.getpid()}"
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "lmi_portal", "worker", "--pool=solo",
             "--loglevel=WARNING", "-Q", self.queue, "--without-gossip", "--without-mingle",
             "--without-heartbeat"],
            cwd=Path(settings.BASE_DIR), env=self.env,
        )  # fmt: skip
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


@pytest.fixture
def workers() -> Iterator[Workers]:
    db = settings.DATABASES["default"]
    workers = Workers(
        {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "lmi_portal.test_settings",
            "DATABASE_URL": (
                f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
            ),
            "DIGEST_BATCH_SIZE": str(BATCH_SIZE),
            "EMAIL_URL": "memorymail://",  # the worker sends the digests it stores: locmem
        }
    )
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield workers
    finally:
        app.conf.task_always_eager = eager
        workers.stop()
        # Drop whatever is left on the test's queue (nothing, when the test passed).
        with app.connection_for_write() as conn:
            Queue(workers.queue).bind(conn.default_channel).purge()


def _wait_until(what: str, condition: Callable[[], bool], *, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting until {what}")
        time.sleep(0.02)


def _run_and_wait(queue: str, marker: str) -> None:
    """Queue a digest run, then a heartbeat; the solo worker takes them in order, so the
    heartbeat's row means the run has finished."""
    digest_run_due.apply_async(queue=queue)
    heartbeat.apply_async(args=(marker,), queue=queue)
    _wait_until(
        f"the worker finished the run ({marker})",
        lambda: Heartbeat.objects.filter(name=marker).exists(),
    )


def _avoid_week_boundary() -> None:
    """The users are due all week (Monday 00:00); the period key changes at the next Monday
    00:00 in Amsterdam. Never straddle it: wait it out when it is less than a test away."""
    local = timezone.localtime()
    next_monday = (local + timedelta(days=7 - local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    left = next_monday.timestamp() - time.time()  # timestamp(): right across a DST change
    if left < 2 * TIMEOUT:
        time.sleep(left + 1)


def _cast() -> list[int]:
    """USERS members of one organisation, each due for a weekly digest from Monday 00:00 (so
    at any moment of the week), and one organisation that joined an hour ago: the partners
    provider's "Nieuw in het netwerk" line gives every digest content."""
    home = Organisation.objects.create(
        name="Kill-9 BV",
        status=Organisation.Status.ACTIVE,
        approved_at=timezone.now() - timedelta(days=60),
    )
    Organisation.objects.create(
        name="Nieuwkomer BV",
        status=Organisation.Status.ACTIVE,
        approved_at=timezone.now() - timedelta(hours=1),
    )
    users = User.objects.bulk_create(
        [
            User(email=f"kill{i}@test.example", first_name="Lid", last_name=str(i), password="!")
            for i in range(USERS)
        ]
    )
    Membership.objects.bulk_create([Membership(user=user, organisation=home) for user in users])
    DigestPreference.objects.bulk_create(
        [
            DigestPreference(
                user=user,
                frequency=DigestPreference.Frequency.WEEKLY,
                weekday=DigestPreference.Weekday.MONDAY,
                hour=0,
            )
            for user in users
        ]
    )
    return sorted(user.pk for user in users)


def test_a_worker_killed_mid_run_leaves_every_user_exactly_one_digest(workers, mailoutbox):
    _avoid_week_boundary()
    user_ids = _cast()
    period = digest_period(frequency=DigestPreference.Frequency.WEEKLY).key
    digests = Digest.objects.filter(user_id__in=user_ids)

    def stored() -> int:
        return digests.filter(period=period).count()

    # 1. A worker starts the run; kill -9 it once a few batches have been committed.
    worker = workers.start()
    digest_run_due.apply_async(queue=workers.queue)
    _wait_until("the first batches were stored", lambda: stored() >= 2 * BATCH_SIZE)
    os.kill(worker.pid, signal.SIGKILL)
    assert worker.wait(timeout=10) == -signal.SIGKILL
    time.sleep(0.3)  # a COMMIT the worker sent just before it died has landed by now
    after_kill = stored()
    assert 0 < after_kill < USERS, (
        f"the worker was not killed in the middle of the run ({after_kill} of {USERS} "
        "digests stored): raise USERS or lower BATCH_SIZE"
    )
    # Whole batches or nothing: the batch the kill interrupted left no half-written rows.
    assert after_kill % BATCH_SIZE == 0
    assert OutboxEmail.objects.filter(digest__period=period).count() == after_kill

    # 2. A fresh worker; the next beat tick queues the job again. It completes the rest.
    workers.start()
    _run_and_wait(workers.queue, "kill9-second-run")
    per_user = dict(digests.values("user_id").annotate(n=Count("id")).values_list("user_id", "n"))
    assert sorted(per_user) == user_ids, "some users got no digest"
    assert set(per_user.values()) == {1}, "some users got more than one digest"
    assert stored() == USERS

    # At most one digest email per user, one for every non-empty digest, keyed by period+user.
    emails = OutboxEmail.objects.filter(category=OutboxEmail.Category.DIGEST)
    non_empty = digests.filter(line_count__gt=0)
    assert non_empty.count() == USERS  # everyone has the new organisation
    assert emails.count() == non_empty.count()
    assert sorted(emails.values_list("recipient_id", flat=True)) == user_ids
    assert set(emails.values_list("idempotency_key", flat=True)) == {
        f"digest:{period}:{pk}" for pk in user_ids
    }
    assert set(digests.values_list("email__recipient_id", "user_id")) == {
        (pk, pk) for pk in user_ids
    }

    # 3. A third run (the next hour's tick) adds nothing.
    _run_and_wait(workers.queue, "kill9-third-run")
    assert digests.count() == USERS
    assert emails.count() == USERS

    # The sends the kill cut off are harmless: the flush sends each unsent email once, and
    # nothing that was sent is sent again.
    unsent = emails.exclude(status=OutboxEmail.Status.SENT).count()
    for email_id in outbox_due_ids(stale_after=timedelta(0)):
        outbox_deliver(email_id=email_id)
    assert len(mailoutbox) == unsent
    assert not emails.exclude(status=OutboxEmail.Status.SENT).exists()
    assert outbox_due_ids(stale_after=timedelta(0)) == []
