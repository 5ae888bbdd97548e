"""Faults: Redis stops and comes back, the mail server fails, PostgreSQL restarts, a worker dies
in the middle of sending. Pages keep rendering where they can, nothing queued is lost, nothing
is sent twice, and /health/ tells the truth during and after.

The Redis, PostgreSQL and mail servers here are private ones this file starts on free ports
(never the shared servers), and the portal runs as real processes against them: gunicorn for
the web, a Celery worker, settings ``tests.fault_settings`` (tasks through the broker). They
share the test database with this process, so those tests need PostgreSQL (DATABASE_URL);
the in-process tests at the top run everywhere.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import time_machine
from celery import Celery
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from lmi_portal.core.cache import ResilientRedisCache
from lmi_portal.core.models import Heartbeat, OutboxEmail
from lmi_portal.core.services import (
    OutboxSendError,
    outbox_backoff,
    outbox_deliver,
    outbox_due_ids,
)
from network.models import ContinuityRun

pytestmark = pytest.mark.integration

BASE_DIR = Path(settings.BASE_DIR)
REDIS_SERVER = shutil.which("redis-server")
SERVER_DB = connection.vendor == "postgresql"
TIMEOUT = 45.0


def _postgres_bin() -> Path | None:
    """The newest PostgreSQL server binaries (Debian keeps them off PATH)."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True
    )
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).parent)
    for bindir in candidates:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    return None


PG_BIN = _postgres_bin()

needs_redis = pytest.mark.skipif(
    not (REDIS_SERVER and SERVER_DB),
    reason="needs redis-server and PostgreSQL (DATABASE_URL) to share with portal processes",
)
needs_postgres = pytest.mark.skipif(
    not (
        REDIS_SERVER and SERVER_DB and PG_BIN and shutil.which("pg_dump") and shutil.which("psql")
    ),
    reason="needs redis-server, PostgreSQL (DATABASE_URL) and initdb/pg_ctl/pg_dump/psql",
)


# --- Helpers ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until(what: str, condition: Callable[[], bool], *, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting until {what}")
        time.sleep(0.1)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class FakeSMTP:
    """A mail server that keeps what it accepts, and fails or stalls when told to.

    ``fail``: "connect" answers 421 to the greeting, "rcpt" 451 to each recipient, "data" 451
    after the message (all temporary failures). ``stall_on_data``: the n-th DATA command waits
    until ``release`` is set, so a client can be caught in the middle of a send.
    """

    def __init__(self) -> None:
        self.accepted: list[EmailMessage] = []
        self.fail: str | None = None
        self.stall_on_data: int | None = None
        self.stalled = threading.Event()
        self.release = threading.Event()
        self._data_commands = 0
        self._lock = threading.Lock()
        owner = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                # OSError: the client died (a killed worker); nothing was accepted.
                with suppress(OSError):
                    owner._converse(self.rfile, self.wfile)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def sent_keys(self) -> list[str]:
        with self._lock:
            return [str(message["X-LMI-Message-Key"]) for message in self.accepted]

    def close(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def _converse(self, rfile: Any, wfile: Any) -> None:
        def reply(line: str) -> None:
            wfile.write(line.encode() + b"\r\n")
            wfile.flush()

        if self.fail == "connect":
            reply("421 4.3.2 Service not available, try again later")
            return
        reply("220 mail.test ESMTP fake")
        while line := rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                reply("250 mail.test")
            elif verb in (b"MAIL", b"RSET", b"NOOP"):
                reply("250 OK")
            elif verb == b"RCPT":
                reply("451 4.7.1 Try again later" if self.fail == "rcpt" else "250 OK")
            elif verb == b"DATA":
                with self._lock:
                    self._data_commands += 1
                    number = self._data_commands
                if number == self.stall_on_data:
                    self.stalled.set()
                    self.release.wait(TIMEOUT)
                reply("354 End data with <CR><LF>.<CR><LF>")
                body = []
                while (chunk := rfile.readline()) != b".\r\n":
                    if not chunk:
                        return  # the client went away mid-message: nothing accepted
                    body.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                if self.fail == "data":
                    reply("451 4.3.0 Temporary failure, try again later")
                    continue
                message = BytesParser(policy=policy.default).parsebytes(b"".join(body))
                with self._lock:
                    self.accepted.append(message)
                reply("250 OK queued")
            elif verb == b"QUIT":
                reply("221 Bye")
                return
            else:
                reply("502 5.5.2 Command not implemented")


class RedisServer:
    """A throwaway redis-server without persistence: a restart brings it back empty, the worst
    case for anything that was queued on it."""

    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        assert REDIS_SERVER
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(self.workdir),
             "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            _wait_until("the private Redis answers", self.ping, timeout=15)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
        self.proc = None


class PostgresCluster:
    """A throwaway PostgreSQL cluster on a free port, owned by the ``postgres`` user when this
    runs as root (initdb refuses root)."""

    def __init__(self) -> None:
        assert PG_BIN
        self.bin = PG_BIN
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="lmi-faults-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self._as_owner: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres", group="postgres")
            self._as_owner = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as_owner, *args], check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--no-locale", "--no-sync")  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        )
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                  "-t", "30", "-o", options, "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "30",
                  "stop")  # fmt: skip

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            pg_ctl = [*self._as_owner, str(self.bin / "pg_ctl"), "-D", str(self.data)]
            subprocess.run([*pg_ctl, "-m", "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def copy_database(self, source: dict[str, Any], name: str) -> None:
        """Create ``name`` here as a copy of the ``source`` database (schema and rows)."""
        psql = ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port),
                "-U", "postgres"]  # fmt: skip
        subprocess.run([*psql, "-c", f'CREATE DATABASE "{name}"'], check=True, capture_output=True)
        dump = subprocess.run(
            ["pg_dump", "--no-owner", "--no-privileges", "-h", source["HOST"] or "127.0.0.1",
             "-p", str(source["PORT"] or 5432), "-U", source["USER"], source["NAME"]],
            env={**os.environ, "PGPASSWORD": source["PASSWORD"] or ""},
            check=True, capture_output=True, timeout=60,
        ).stdout  # fmt: skip
        subprocess.run([*psql, "-d", name], input=dump, check=True, capture_output=True)


class Portal:
    """The portal served by gunicorn (one sync worker, so its database connection persists
    from request to request, as CONN_MAX_AGE intends)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = _free_port()
        self.log = log
        self._logfile = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "lmi_portal.wsgi:application",
             "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--timeout", "60",
             "--graceful-timeout", "5", "--log-level", "warning"],
            cwd=BASE_DIR, env=env, stdout=self._logfile, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_until("gunicorn serves the portal", self._answers, timeout=60)
        except BaseException:
            self.stop()
            raise

    def _answers(self) -> bool:
        assert self.proc.poll() is None, f"gunicorn exited:\n{_tail(self.log)}"
        try:
            self.get("/health/")
        except OSError:
            return False
        return True

    def request(
        self,
        method: str,
        path: str,
        *,
        session: str | None = None,
        form: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        cookies = {"sessionid": session} if session else {}
        headers = {"Host": "127.0.0.1"}
        body = None
        if form is not None:
            token = secrets.token_hex(16)  # the CSRF cookie and the form field agree
            cookies["csrftoken"] = token
            body = urlencode({**form, "csrfmiddlewaretoken": token})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def get(self, path: str, *, session: str | None = None) -> tuple[int, bytes]:
        return self.request("GET", path, session=session)

    def health(self) -> tuple[int, dict[str, Any]]:
        status, body = self.get("/health/")
        return status, json.loads(body)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._logfile.close()


class Workers:
    """Celery workers (solo pool) on the private broker; each can be killed or stopped."""

    def __init__(self, env: dict[str, str], logdir: Path) -> None:
        self.env = env
        self.logdir = logdir
        self.procs: list[subprocess.Popen[bytes]] = []
        self._logs: list[Any] = []

    def start(self) -> subprocess.Popen[bytes]:
        number = len(self.procs) + 1
        log = (self.logdir / f"worker-{number}.log").open("wb")
        self._logs.append(log)
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "lmi_portal", "worker", "--pool=solo",
             "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-n", f"faults-{number}@%h"],
            cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.procs.append(proc)
        return proc

    def logs(self) -> str:
        return "\n".join(_tail(path) for path in sorted(self.logdir.glob("worker-*.log")))

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        for log in self._logs:
            log.close()


def _send_task(broker_url: str, name: str, *args: Any) -> None:
    """Queue a task on the private broker, as beat would (a throwaway app: the portal's own app
    in this process stays on its settings)."""
    app = Celery("lmi-faults-probe", broker=broker_url, set_as_current=False)
    app.conf.task_serializer = "json"
    try:
        app.send_task(name, args=list(args))
    finally:
        app.close()


def _test_database_url() -> str:
    db = settings.DATABASES["default"]
    user, password = quote(db["USER"] or "", safe=""), quote(db["PASSWORD"] or "", safe="")
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{user}:{password}@{host}:{port}/{db['NAME']}"


def _portal_env(
    *, database_url: str, redis_url: str, email_url: str, var_dir: Path, **extra: str
) -> dict[str, str]:
    var_dir.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.fault_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_URL": email_url,
        "LMI_VAR_DIR": str(var_dir),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def _signed_in(client: Any, user: Any) -> str:
    """A session for ``user``, stored in the database the portal processes read."""
    client.force_login(user)
    return str(client.cookies[settings.SESSION_COOKIE_NAME].value)


def _flush_here() -> int:
    """What the flush and its send tasks do, run in this process; returns how many were sent.
    (Eagerly, a send task's retry would run again at once and raise instead of waiting.)"""
    sent = 0
    for email_id in outbox_due_ids():
        with suppress(OutboxSendError):
            sent += outbox_deliver(email_id=email_id)
    return sent


def _fresh_heartbeat_since(moment: Any) -> Callable[[], bool]:
    return lambda: Heartbeat.objects.filter(name="worker", beat_at__gt=moment).exists()


@pytest.fixture
def smtp() -> Iterator[FakeSMTP]:
    server = FakeSMTP()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@contextmanager
def _running(*things: Any) -> Iterator[None]:
    try:
        yield
    finally:
        for thing in things:
            thing.stop()


# --- In-process: no servers needed ---------------------------------------------------------


def test_an_unreachable_redis_cache_acts_as_an_empty_cache_instead_of_raising():
    dead = ResilientRedisCache(f"redis://127.0.0.1:{_free_port()}/0", {})
    assert dead.get("k", "default") == "default"
    assert dead.add("k", 1) is True  # "stored": never reads as a held lock or a used code
    dead.set("k", 1)
    assert dead.get_many(["k"]) == {}
    assert dead.has_key("k") is False
    assert dead.delete("k") is False
    assert dead.get_or_set("k", 5) == 5
    with pytest.raises(ValueError):
        dead.incr("k")


@pytest.mark.django_db
def test_pages_render_and_health_names_the_cache_while_the_cache_is_unreachable(client, member):
    dead = {
        "default": {
            "BACKEND": "lmi_portal.core.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_free_port()}/0",
        }
    }
    client.force_login(member)
    with override_settings(CACHES=dead):
        assert client.get(reverse("dashboard")).status_code == 200
        assert client.get(reverse("initiatives:list")).status_code == 200
        response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False
    assert response.json()["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_a_failing_mail_server_keeps_every_email_pending_then_sends_each_exactly_once(
    settings, smtp
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", smtp.port, 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    keys = [f"faults:mail:{n}" for n in range(3)]
    OutboxEmail.objects.bulk_create(
        OutboxEmail(idempotency_key=key, to=f"lid{n}@test.example", subject="Hallo", body_text="x")
        for n, key in enumerate(keys)
    )
    emails = OutboxEmail.objects.filter(idempotency_key__in=keys)

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        # Three flushes meet three kinds of temporary failure (greeting, recipient, message).
        for attempt, (failure, code) in enumerate(
            (("connect", "421"), ("rcpt", "451"), ("data", "451")), start=1
        ):
            smtp.fail = failure
            assert _flush_here() == 0
            now = timezone.now()
            for email in emails.all():
                assert email.status == OutboxEmail.Status.PENDING
                assert email.attempts == attempt
                assert email.sent_at is None
                assert email.next_attempt_at == now + outbox_backoff(attempt)
                assert code in email.last_error
            assert smtp.accepted == []
            # Nothing is due again before its backoff has passed.
            assert outbox_due_ids() == []
            traveller.shift(outbox_backoff(attempt))

        smtp.fail = None
        assert _flush_here() == 3
        traveller.shift(timedelta(hours=6))
        assert _flush_here() == 0

    assert sorted(smtp.sent_keys()) == keys
    assert set(emails.values_list("status", "attempts")) == {(OutboxEmail.Status.SENT, 4)}


# On commit at once, as in a request (ATOMIC_REQUESTS is off), before the view answers.
@pytest.mark.django_db(transaction=True)
def test_a_continuity_run_the_broker_cannot_take_fails_at_once_and_does_not_block_the_next(
    client, programme_manager, monkeypatch
):
    from network.tasks.continuity import continuity_run

    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to redis. Connection refused.")

    client.force_login(programme_manager)
    monkeypatch.setattr(continuity_run, "delay", broker_down)
    start = reverse("network:continuity_run_start")
    response = client.post(start, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "De berekening is mislukt" in response.content.decode()
    assert ContinuityRun.objects.get().status == ContinuityRun.Status.FAILED

    monkeypatch.undo()
    client.post(start)
    assert ContinuityRun.objects.count() == 2
    assert ContinuityRun.objects.latest("started_at").status == ContinuityRun.Status.DONE


# --- Real processes on private servers ------------------------------------------------------


@needs_redis
@pytest.mark.django_db(transaction=True)
def test_redis_outage_pages_render_health_tells_the_truth_and_queued_email_is_sent_once(
    client, member, redis_server, smtp, tmp_path
):
    session = _signed_in(client, member)
    env = _portal_env(
        database_url=_test_database_url(),
        redis_url=redis_server.url,
        email_url=f"smtp://127.0.0.1:{smtp.port}",
        var_dir=tmp_path / "var",
    )
    workers = Workers(env, tmp_path)
    with _running(workers):
        workers.start()
        portal = Portal(env, tmp_path / "web.log")
        with _running(portal):
            # Everything up: a beat reaches the worker, /health/ is green.
            before = timezone.now()
            _send_task(redis_server.url, "lmi_portal.core.tasks.heartbeat")
            _wait_until("the worker records a heartbeat", _fresh_heartbeat_since(before))
            assert portal.health()[0] == 200

            redis_server.stop()
            # Signed-in pages still render: the cache is only an optimisation.
            for path in ("/", "/initiatieven/"):
                status, _body = portal.get(path, session=session)
                assert status == 200, (
                    f"{path} answered {status} with Redis down:\n{_tail(portal.log)}"
                )
            status, health = portal.health()
            assert status == 503
            assert health["checks"]["cache"]["ok"] is False
            assert health["checks"]["broker"]["ok"] is False
            assert health["checks"]["database"]["ok"] is True
            # An email asked for while the broker is down is stored, not lost.
            status, _body = portal.request(
                "POST", "/accounts/password/reset/", form={"email": member.email}
            )
            assert status == 302, _tail(portal.log)
            email = OutboxEmail.objects.get(to=member.email)
            assert (email.status, email.attempts) == (OutboxEmail.Status.PENDING, 0)

            # Redis comes back empty: the worker reconnects and beats again, /health/ turns green.
            restarted = timezone.now()
            redis_server.start()
            _send_task(redis_server.url, "lmi_portal.core.tasks.heartbeat")
            _wait_until(
                f"the worker reconnects and beats\n{workers.logs()}",
                _fresh_heartbeat_since(restarted),
            )
            status, health = portal.health()
            assert status == 200, health
            assert datetime.fromisoformat(health["checks"]["heartbeat"]["last"]) > restarted
            assert portal.get("/", session=session)[0] == 200

            # Two flushes (one more than needed) send the stored email, exactly once.
            _send_task(redis_server.url, "lmi_portal.core.tasks.outbox_flush")
            _send_task(redis_server.url, "lmi_portal.core.tasks.outbox_flush")
            _wait_until("the email is sent", lambda: smtp.sent_keys() != [])
            _send_task(redis_server.url, "lmi_portal.core.tasks.heartbeat", "faults-marker")
            _wait_until(
                "the worker has run every queued task",
                lambda: Heartbeat.objects.filter(name="faults-marker").exists(),
            )
            email.refresh_from_db()
            assert email.status == OutboxEmail.Status.SENT
            assert smtp.sent_keys() == [email.idempotency_key]


@needs_redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_sending_leaves_every_email_sent_exactly_once(
    redis_server, smtp, tmp_path
):
    keys = [f"faults:kill:{n}" for n in range(4)]
    OutboxEmail.objects.bulk_create(
        OutboxEmail(idempotency_key=key, to=f"lid{n}@test.example", subject="Hallo", body_text="x")
        for n, key in enumerate(keys)
    )
    emails = OutboxEmail.objects.filter(idempotency_key__in=keys)
    env = _portal_env(
        database_url=_test_database_url(),
        redis_url=redis_server.url,
        email_url=f"smtp://127.0.0.1:{smtp.port}",
        var_dir=tmp_path / "var",
        OUTBOX_STALE_AFTER_SECONDS="3",
    )
    workers = Workers(env, tmp_path)
    smtp.stall_on_data = 2  # the second send hangs in the middle of the SMTP conversation
    with _running(workers):
        first = workers.start()
        _send_task(redis_server.url, "lmi_portal.core.tasks.outbox_flush")
        assert smtp.stalled.wait(TIMEOUT), workers.logs()
        caught = emails.get(status=OutboxEmail.Status.SENDING)
        os.kill(first.pid, signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
        smtp.release.set()
        assert len(smtp.sent_keys()) == 1
        assert caught.idempotency_key not in smtp.sent_keys()

        # A new worker sends what was still queued; the email the kill interrupted stays
        # claimed until the flush finds its claim stale, then goes out once.
        workers.start()
        _wait_until(
            f"the queued emails are sent\n{workers.logs()}",
            lambda: emails.filter(status=OutboxEmail.Status.SENT).count() == 3,
        )
        caught.refresh_from_db()
        assert caught.status == OutboxEmail.Status.SENDING
        claimed_at = caught.claimed_at
        assert claimed_at is not None
        _wait_until(
            "the interrupted claim is stale",
            lambda: timezone.now() - claimed_at > timedelta(seconds=3.5),
        )
        _send_task(redis_server.url, "lmi_portal.core.tasks.outbox_flush")
        _send_task(redis_server.url, "lmi_portal.core.tasks.outbox_flush")
        # The killed task's own message, redelivered by the broker, sends nothing more.
        _send_task(redis_server.url, "lmi_portal.core.tasks.outbox_send", caught.pk)
        _send_task(redis_server.url, "lmi_portal.core.tasks.heartbeat", "faults-marker")
        _wait_until(
            f"the worker has run every queued task\n{workers.logs()}",
            lambda: Heartbeat.objects.filter(name="faults-marker").exists(),
        )
    assert sorted(smtp.sent_keys()) == keys
    assert set(emails.values_list("status", flat=True)) == {OutboxEmail.Status.SENT}


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_restart_and_outage_health_tells_the_truth_and_requests_reconnect(
    client, member, redis_server, tmp_path
):
    session = _signed_in(client, member)
    Heartbeat.objects.update_or_create(name="worker", defaults={"beat_at": timezone.now()})
    cluster = PostgresCluster()
    try:
        cluster.init()
        cluster.start()
        cluster.copy_database(settings.DATABASES["default"], "faults")
        env = _portal_env(
            database_url=cluster.url("faults"),
            redis_url=redis_server.url,
            email_url="consolemail://",
            var_dir=tmp_path / "var",
            DB_CONN_MAX_AGE="600",
        )
        portal = Portal(env, tmp_path / "web.log")
        with _running(portal):
            assert portal.get("/", session=session)[0] == 200
            assert portal.health()[0] == 200

            # A restart between two requests: the connection the web worker kept is dead, and
            # the next request must notice (CONN_HEALTH_CHECKS) rather than fail on it.
            cluster.stop("fast")
            cluster.start()
            status, _body = portal.get("/", session=session)
            assert status == 200, _tail(portal.log)
            assert portal.health()[0] == 200

            # An outage: /health/ answers, and says it is the database.
            cluster.stop("immediate")
            status, health = portal.health()
            assert status == 503
            assert health["checks"]["database"]["ok"] is False
            assert health["checks"]["cache"]["ok"] is True
            assert health["checks"]["broker"]["ok"] is True
            assert portal.get("/", session=session)[0] == 500

            cluster.start()
            status, health = portal.health()
            assert status == 200, health
            assert portal.get("/", session=session)[0] == 200
    finally:
        cluster.destroy()
