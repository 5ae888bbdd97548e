"""Benchmark the LMI Portal on the scale data set (``make bench``; see bench/README.md).

Steps: migrate, ``seed_scale``, refresh the planner statistics on PostgreSQL, ``collectstatic``,
time the continuity analysis, the
stale-contact scan and the dormant-initiative scan in-process (and pick a person for the person
page, a theme, an initiative and a monitor round for the initiative pages, and a theme and a
document for the knowledge pages), count the SQL
queries of each page in-process with Django's test client, serve the app with gunicorn (DEBUG
off), sign in as the bench user (a programme manager, so with TOTP) and time each page at
concurrency 1 and 8. Every figure is printed next to its ratio to the reference
view (``/over/``, a static authenticated page) at the same concurrency in the same run, so the
ratios compare across machines where the absolute numbers do not.

Only the standard library is used on the client side.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import http.cookiejar
import json
import os
import re
import secrets
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BENCH_EMAIL = "bench@bench.example"  # created by seed_scale (partners/demo.py)
BENCH_PASSWORD = "bench-only-password"  # noqa: S105  (scale data set only)
BENCH_TOTP_SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"  # noqa: S105  (partners/demo.py)
HOST = "127.0.0.1"
MFA_PATH = "/accounts/2fa/authenticate/"
REFERENCE = "/over/"
PAGES = [
    REFERENCE,
    "/initiatieven/",
    "/initiatieven/?phase=pilot",
    "/initiatieven/bord/",
    # The programme managers' weekly view: a dozen bounded sections over the whole data set.
    "/initiatieven/werkgroep/",
    "/",
    "/netwerk/",
    "/kennis/",
    # Search over 50,000 knowledge items, 10,000 initiatives, organisations and people: Dutch
    # stemming and prefixes ("onderhoud" finds "onderhouden", "onderhoudsconcept"), a typo, two
    # words that must both match, and the header box's live partial while typing.
    "/zoeken/?q=onderhoud",
    "/zoeken/?q=onderhuod",
    "/zoeken/?q=boxer+sensor",
    "/zoeken/?q=contract+ervaring",
    "/zoeken/live/?q=onderh",
]
# Added at run time with ids from the scale data: a well-connected scale person, the pilot
# list filtered on a theme and sorted, a GREEN initiative with participants, obstacles, actions
# and comments, and the results of the scale monitor round (seeded by initiatives/demo_pulse.py).
PERSON_PAGE = "/netwerk/personen/{pk}/"
FILTERED_LIST_PAGE = "/initiatieven/?phase=pilot&theme={pk}&sort=title"
DETAIL_PAGE = "/initiatieven/{pk}/"
PULSE_PAGE = "/initiatieven/monitor/{pk}/"
# The library filtered on lessons of one theme, and a GREEN document with stored versions.
KNOWLEDGE_FILTERED_PAGE = "/kennis/?kind=lesson&theme={pk}"
KNOWLEDGE_ITEM_PAGE = "/kennis/{pk}/"
CONCURRENCIES = (1, 8)
QUICK_SIZES = {
    "organisations": 50,
    "people": 500,
    "initiatives": 300,
    "ties": 3000,
    "knowledge": 2000,
}
TIMEOUT = 60.0
# Digest composition is timed for this many scale members (fewer when the data set is smaller).
DIGEST_USERS = 10_000


class BenchError(Exception):
    """A step failed; the message says which."""


@dataclass
class Result:
    page: str
    concurrency: int
    requests: int
    p50_ms: float
    p95_ms: float
    req_per_s: float
    bad_statuses: dict[int, int]


# --- Environment and setup steps -------------------------------------------------------------


def bench_env() -> dict[str, str]:
    """The environment every step runs with: production settings on a local, separate database."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="lmi_portal.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        PYTHONUNBUFFERED="1",
    )
    if not env.get("DATABASE_URL"):
        # Not the demo database under var/: the scale data set would swamp it.
        (REPO / "var").mkdir(exist_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{REPO / 'var' / 'bench.sqlite3'}"
    return env  # REDIS_URL passes through unchanged when set


def manage(env: dict[str, str], *args: str) -> None:
    print(f"$ manage.py {' '.join(args)}", flush=True)
    completed = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, check=False)
    if completed.returncode != 0:
        raise BenchError(f"manage.py {args[0]} exited with {completed.returncode}")


def describe_database(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        return f"SQLite {parts.path}"
    return f"{parts.scheme} {parts.hostname}:{parts.port or ''}{parts.path}"


# --- Planner statistics -----------------------------------------------------------------------


def analyze_child() -> None:
    """PostgreSQL: VACUUM ANALYZE the whole database. The scale data set was just bulk-loaded,
    and without statistics (autovacuum may be off, or not have run yet) the planner picks plans
    a live database never would, so the figures would measure that instead of the pages. The
    vacuum also empties the full-text indexes' pending lists (GIN "fast update": the seeding's
    updates wait there, and every search would read them all), as autovacuum does in a live
    database."""
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def analyze(env: dict[str, str]) -> None:
    if not env["DATABASE_URL"].startswith("postgres"):
        return
    print("$ VACUUM ANALYZE (fresh planner statistics after seeding)", flush=True)
    completed = subprocess.run(
        [sys.executable, __file__, "--analyze"], cwd=REPO, env=env, check=False
    )
    if completed.returncode != 0:
        raise BenchError(f"VACUUM ANALYZE failed (exit {completed.returncode})")


# --- Query counts (run in a child process with the bench environment) ------------------------


def count_queries_child(pages: list[str]) -> None:
    """Print {path: [status, queries]} as JSON: one GET per page after one warm-up GET."""
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME=HOST)
    client.force_login(get_user_model().objects.get(email=BENCH_EMAIL))
    counts: dict[str, list[int]] = {}
    for page in pages:
        client.get(page)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page)
        counts[page] = [response.status_code, len(captured.captured_queries)]
    print(json.dumps(counts))


def _in_process(env: dict[str, str], what: str, *args: str) -> Any:
    """Run this script with ``args`` in a Django subprocess and return the JSON it printed
    last; a failure names ``what`` failed."""
    completed = subprocess.run(
        [sys.executable, __file__, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise BenchError(f"{what} failed (exit {completed.returncode})")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def count_queries(env: dict[str, str], pages: list[str]) -> dict[str, int]:
    print("$ counting SQL queries per page (in-process test client)", flush=True)
    counts: dict[str, list[int]] = _in_process(env, "counting queries", "--count-queries", *pages)
    bad = {page: status for page, (status, _) in counts.items() if status != 200}
    if bad:
        raise BenchError(f"test client got non-200 responses: {bad}")
    return {page: queries for page, (_, queries) in counts.items()}


# --- Network timings (child process): person page id, continuity analysis, stale scan -----------


def network_child() -> None:
    """Print JSON: a scale person's id for the person page, and how long the continuity
    analysis and the stale-contact scan take in-process on the scale data."""
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from network.models import Affiliation, Tie
    from network.services.continuity import continuity_analyse

    # A person with a current post and at least one confirmed tie: a realistic person page.
    person_id = (
        Affiliation.objects.current()
        .filter(
            person__user__email__endswith="@scale.example",
            person__anonymised_at__isnull=True,
            person_id__in=Tie.objects.filter(status=Tie.Status.CONFIRMED).values("person_a"),
        )
        .order_by("person_id")
        .values_list("person_id", flat=True)
        .first()
    )
    out: dict[str, object] = {"person": person_id}
    started = time.perf_counter()
    result = continuity_analyse()
    out["continuity_s"] = time.perf_counter() - started
    out["continuity_people"] = result["kpis"]["people"]
    out["continuity_ties"] = result["kpis"]["ties"]
    try:
        from network.services.stale import stale_contacts_scan
    except ImportError as error:
        out["stale_skipped"] = str(error)
    else:
        started = time.perf_counter()
        stale_contacts_scan()
        out["stale_s"] = time.perf_counter() - started
    try:
        from initiatives.services.dormant import initiatives_flag_dormant
    except ImportError as error:
        out["dormant_skipped"] = str(error)
    else:
        started = time.perf_counter()
        out["dormant_flagged"] = initiatives_flag_dormant()
        out["dormant_s"] = time.perf_counter() - started
    print(json.dumps(out))


def network_timings(env: dict[str, str]) -> dict[str, object]:
    print("$ timing the continuity analysis and the stale-contact and dormancy scans", flush=True)
    timings: dict[str, object] = _in_process(env, "network timings", "--network")
    return timings


def print_network_timings(timings: dict[str, object]) -> None:
    print(
        f"\ncontinuity analysis: {float(timings['continuity_s']):.2f} s "  # type: ignore[arg-type]
        f"({timings['continuity_people']} people, {timings['continuity_ties']} confirmed ties)"
    )
    if "stale_s" in timings:
        print(f"stale-contact scan:  {float(timings['stale_s']):.2f} s")  # type: ignore[arg-type]
    else:
        print(f"stale-contact scan:  skipped ({timings.get('stale_skipped')})")
    if "dormant_s" in timings:
        print(
            f"dormancy scan:       {float(timings['dormant_s']):.2f} s "  # type: ignore[arg-type]
            f"({timings['dormant_flagged']} initiatives flagged)"
        )
    else:
        print(f"dormancy scan:       skipped ({timings.get('dormant_skipped')})")


# --- Digests (child process): composing the digests of 10,000 scale members -------------------


def digest_child() -> None:
    """Print JSON: how long composing the digests of up to ``DIGEST_USERS`` scale members takes
    in batches of ``DIGEST_BATCH_SIZE`` (composition only, nothing stored), how long whole
    batches take (compose, render, store; each rolled back, so nothing is kept or sent), and the
    queries of one batch of 50 and of DIGEST_BATCH_SIZE users: the same number means the
    queries do not grow with the users. The first batch is a warm-up and not timed."""
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from lmi_portal.core.digests import (
        DigestContent,
        digest_compose,
        digest_period,
        digest_send_batch,
    )
    from partners.selectors import active_member_users

    size = int(settings.DIGEST_BATCH_SIZE)
    ids = list(
        active_member_users()
        .filter(email__endswith="@scale.example")
        .order_by("pk")
        .values_list("pk", flat=True)[:DIGEST_USERS]
    )
    period = digest_period(frequency="weekly")
    user_model = get_user_model()

    def load(chunk: list[int]) -> list[Any]:
        return list(user_model.objects.filter(pk__in=chunk).order_by("pk"))

    def compose(users: list[Any]) -> dict[int, DigestContent]:
        return digest_compose(users=users, since=period.since, until=period.until)

    def send_rolled_back(chunk: list[int]) -> None:
        with transaction.atomic():
            digest_send_batch(user_ids=chunk, period=period)
            transaction.set_rollback(True)

    compose(load(ids[:50]))  # warm-up: content types, translation catalogues
    compose_queries: dict[int, int] = {}
    batch_queries: dict[int, int] = {}
    for n in sorted({min(50, len(ids)), min(size, len(ids))} - {0}):
        users = load(ids[:n])
        with CaptureQueriesContext(connection) as captured:
            compose(users)
        compose_queries[n] = len(captured.captured_queries)
        with CaptureQueriesContext(connection) as captured:
            send_rolled_back(ids[:n])
        batch_queries[n] = len(captured.captured_queries)

    chunks = [ids[start : start + size] for start in range(0, len(ids), size)]
    compose_s = 0.0
    non_empty = lines = 0
    for chunk in chunks:
        users = load(chunk)
        started = time.perf_counter()
        contents = compose(users)
        compose_s += time.perf_counter() - started
        for content in contents.values():
            non_empty += not content.is_empty
            lines += content.line_count
    started = time.perf_counter()
    for chunk in chunks:
        send_rolled_back(chunk)
    batch_s = time.perf_counter() - started
    out = {
        "users": len(ids),
        "batch_size": size,
        "batches": len(chunks),
        "compose_s": compose_s,
        "batch_s": batch_s,
        "non_empty": non_empty,
        "lines": lines,
        "compose_queries": compose_queries,
        "batch_queries": batch_queries,
    }
    print(json.dumps(out))


def digest_timings(env: dict[str, str]) -> dict[str, object]:
    print(f"$ timing digest composition for up to {DIGEST_USERS} scale members", flush=True)
    timings: dict[str, object] = _in_process(env, "digest timings", "--digests")
    return timings


def print_digest_timings(timings: dict[str, Any]) -> None:
    users = int(timings["users"])
    if not users:
        print("digest composition: skipped (no scale members)")
        return
    compose_s, batch_s = float(timings["compose_s"]), float(timings["batch_s"])
    print(
        f"digest composition:  {compose_s:.2f} s for {users} users "
        f"({compose_s / users * 1000:.2f} ms/user; {timings['batches']} batches of "
        f"{timings['batch_size']}; {timings['non_empty']} non-empty, {timings['lines']} lines)"
    )
    print(
        f"digest batches:      {batch_s:.2f} s with rendering and storing, rolled back "
        f"({batch_s / users * 1000:.2f} ms/user)"
    )
    compose_q, batch_q = timings["compose_queries"], timings["batch_queries"]
    print(
        "digest queries:      "
        + "; ".join(
            f"batch of {n}: composing {compose_q[n]}, whole batch {batch_q[n]}" for n in compose_q
        )
    )


# --- Initiative pages (child process): ids for the filtered list, detail and monitor pages ------


def initiative_pages_child() -> None:
    """Print JSON: a theme id for the filtered list, a GREEN scale initiative with participants,
    obstacles, actions and comments (every active member sees GREEN), and the scale monitor
    round, or null where the data set has none."""
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.db.models import Exists, OuterRef

    from initiatives.models import (
        ActionItem,
        Comment,
        Initiative,
        Obstacle,
        Participation,
        PulseRound,
    )
    from lmi_portal.core.models import Theme
    from partners.models import TLP

    themes = Theme.objects.order_by("position", "pk").values_list("pk", flat=True)
    theme = themes.filter(slug="slim-voorspellend-onderhoud").first() or themes.first()
    related = (Participation, Obstacle, ActionItem, Comment)
    detail = (
        Initiative.objects.filter(title__startswith="Schaalinitiatief ", tlp=TLP.GREEN)
        .filter(*(Exists(model.objects.filter(initiative=OuterRef("pk"))) for model in related))
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    try:
        from initiatives.demo_pulse import SCALE_TITLE
    except ImportError:
        pulse = None
    else:
        pulse = (
            PulseRound.objects.filter(title=SCALE_TITLE)
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
        )
    print(json.dumps({"theme": theme, "detail": detail, "pulse": pulse}))


def initiative_pages(env: dict[str, str]) -> list[str]:
    print("$ picking a theme, an initiative and a monitor round for the initiative pages")
    what = "picking the initiative pages"
    ids: dict[str, int | None] = _in_process(env, what, "--initiative-pages")
    pages = []
    for key, template, missing in (
        ("theme", FILTERED_LIST_PAGE, "no theme: the filtered list is not measured"),
        ("detail", DETAIL_PAGE, "no GREEN scale initiative with obstacles, actions and comments"),
        ("pulse", PULSE_PAGE, "no scale monitor round (initiatives/demo_pulse.py): not measured"),
    ):
        if ids.get(key):
            pages.append(template.format(pk=ids[key]))
        else:
            print(f"  {missing}")
    return pages


# --- Knowledge pages (child process): a theme for the filtered library, a document page --------


def knowledge_pages_child() -> None:
    """Print JSON: a theme with scale lessons for the filtered library, and a published GREEN
    scale document with more than one stored version (every active member sees GREEN), or null
    where the data set has none."""
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.db.models import Count

    from knowledge.demo import SCALE_PREFIX
    from knowledge.models import KnowledgeItem
    from lmi_portal.core.models import Theme
    from partners.models import TLP

    scale = KnowledgeItem.objects.filter(title__startswith=SCALE_PREFIX)
    lessons = scale.filter(kind=KnowledgeItem.Kind.LESSON)
    themes = Theme.objects.filter(knowledge_items__in=lessons).order_by("position", "pk")
    theme = (
        themes.filter(slug="slim-voorspellend-onderhoud").values_list("pk", flat=True).first()
        or themes.values_list("pk", flat=True).first()
    )
    document = (
        scale.filter(
            kind=KnowledgeItem.Kind.DOCUMENT,
            tlp=TLP.GREEN,
            status=KnowledgeItem.Status.PUBLISHED,
        )
        .annotate(n_versions=Count("versions"))
        .filter(n_versions__gte=1)
        .order_by("-n_versions", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    print(json.dumps({"theme": theme, "document": document}))


def knowledge_pages(env: dict[str, str]) -> list[str]:
    print("$ picking a theme and a document for the knowledge pages")
    what = "picking the knowledge pages"
    ids: dict[str, int | None] = _in_process(env, what, "--knowledge-pages")
    pages = []
    for key, template, missing in (
        ("theme", KNOWLEDGE_FILTERED_PAGE, "no theme with scale lessons: filtered library skipped"),
        ("document", KNOWLEDGE_ITEM_PAGE, "no GREEN scale document with versions: not measured"),
    ):
        if ids.get(key):
            pages.append(template.format(pk=ids[key]))
        else:
            print(f"  {missing}")
    return pages


# --- Server -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def start_gunicorn(
    env: dict[str, str], port: int, log: Path, *, workers: int = 2
) -> subprocess.Popen[bytes]:
    script = Path(sys.executable).with_name("gunicorn")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "gunicorn"]
    command += ["lmi_portal.wsgi", "-b", f"{HOST}:{port}", "-w", str(workers)]
    command += ["--no-control-socket"]
    print(f"$ {' '.join(command)}   (log: {log.relative_to(REPO)})", flush=True)
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_until_serving(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited with {server.returncode}:\n{tail(log)}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/accounts/login/")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer within 30 s:\n{tail(log)}")


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


# --- Client -------------------------------------------------------------------------------------


def totp_code(secret: str, at: float) -> str:
    """The RFC 6238 code allauth expects at time ``at`` (HMAC-SHA1, 30 s steps, 6 digits)."""
    counter = struct.pack(">Q", int(at) // 30)
    digest = hmac.new(base64.b32decode(secret), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def post_form(
    opener: urllib.request.OpenerDirector, url: str, fields: dict[str, str]
) -> tuple[str, str]:
    """GET the form at ``url``, POST ``fields`` with its CSRF token; return (landed path, html)."""
    with opener.open(url, timeout=TIMEOUT) as response:
        html = response.read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        raise BenchError(f"{url} has no CSRF token")
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": match[1], **fields}).encode()
    request = urllib.request.Request(url, data=form, headers={"Referer": url})
    with opener.open(request, timeout=TIMEOUT) as response:  # follows the redirect
        return urllib.parse.urlsplit(response.geturl()).path, response.read().decode()


def log_in(base: str) -> str:
    """Sign in as the bench user through the login and TOTP forms; return the Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    landed, _ = post_form(
        opener, f"{base}/accounts/login/", {"login": BENCH_EMAIL, "password": BENCH_PASSWORD}
    )
    if landed == MFA_PATH:
        code = totp_code(BENCH_TOTP_SECRET, time.time())
        landed, _ = post_form(opener, f"{base}{MFA_PATH}", {"code": code})
        fresh = totp_code(BENCH_TOTP_SECRET, time.time())
        if landed == MFA_PATH and fresh != code:  # the 30-second window turned meanwhile
            landed, _ = post_form(opener, f"{base}{MFA_PATH}", {"code": fresh})
    if landed != "/" or not any(c.name == "sessionid" for c in jar):
        raise BenchError(f"login as {BENCH_EMAIL} failed (landed on {landed})")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def measure(port: int, cookie: str, page: str, concurrency: int, total: int) -> Result:
    """Send `total` GETs for `page` from `concurrency` threads, each on its own connection."""
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    remaining = [total]

    def worker() -> None:
        # Reused across requests; http.client reconnects by itself when the server closes it
        # (gunicorn's sync workers answer with Connection: close).
        conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
        headers = {"Cookie": cookie, "Connection": "keep-alive"}
        try:
            while True:
                with lock:
                    if remaining[0] == 0:
                        return
                    remaining[0] -= 1
                started = time.perf_counter()
                conn.request("GET", page, headers=headers)
                response = conn.getresponse()
                response.read()
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    statuses.append(response.status)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if len(latencies) != total:
        raise BenchError(f"{page} at c={concurrency}: {total - len(latencies)} requests failed")
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    bad: dict[int, int] = {}
    for status in statuses:
        if status != 200:
            bad[status] = bad.get(status, 0) + 1
    return Result(page, concurrency, total, cuts[49] * 1000, cuts[94] * 1000, total / wall, bad)


def warm_up(port: int, cookie: str, page: str, times: int) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    try:
        for _ in range(times):
            conn.request("GET", page, headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                where = response.getheader("Location") or ""
                raise BenchError(f"GET {page} returned {response.status} {where}".rstrip())
    finally:
        conn.close()


# --- Report -------------------------------------------------------------------------------------


def print_table(results: list[Result], queries: dict[str, int]) -> None:
    reference = {r.concurrency: r for r in results if r.page == REFERENCE}
    header = ["page", "conc", "reqs", "p50 ms", "p95 ms", "req/s", "p50 x ref", "p95 x ref", "SQL"]
    rows = [header]
    for r in results:
        ref = reference[r.concurrency]
        name = f"{r.page} (ref)" if r.page == REFERENCE else r.page
        rows.append(
            [
                name,
                str(r.concurrency),
                str(r.requests),
                f"{r.p50_ms:.1f}",
                f"{r.p95_ms:.1f}",
                f"{r.req_per_s:.1f}",
                f"{r.p50_ms / ref.p50_ms:.2f}",
                f"{r.p95_ms / ref.p95_ms:.2f}",
                str(queries[r.page]),
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [row[i].rjust(widths[i]) for i in range(1, len(row))]
        print("  ".join(cells))
        if index == 0:
            print("  ".join("-" * w for w in widths))
    print(f"\nSQL = queries per request (test client, one GET after a warm-up); ref = {REFERENCE}")


# --- Main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small data set and few requests")
    parser.add_argument("--organisations", type=int, help="seed_scale size (default 1000)")
    parser.add_argument("--people", type=int, help="seed_scale size (default 25000)")
    parser.add_argument("--initiatives", type=int, help="seed_scale size (default 10000)")
    parser.add_argument("--ties", type=int, help="seed_scale size (default 100000)")
    parser.add_argument("--knowledge", type=int, help="seed_scale size (default 5 per initiative)")
    parser.add_argument(
        "--requests",
        type=int,
        help="requests per page at concurrency 1; twice as many at 8 (default 200, quick 40)",
    )
    parser.add_argument("--count-queries", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--network", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--initiative-pages", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--digests", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--knowledge-pages", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--analyze", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("pages", nargs="*", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> None:
    env = bench_env()
    print(f"database: {describe_database(env['DATABASE_URL'])}", flush=True)
    manage(env, "migrate", "--noinput")
    seed = []
    for size in ("organisations", "people", "initiatives", "ties", "knowledge"):
        value: int | None = getattr(args, size) or (QUICK_SIZES[size] if args.quick else None)
        if value is not None:
            seed += [f"--{size}", str(value)]
    manage(env, "seed_scale", *seed)
    analyze(env)
    manage(env, "collectstatic", "--noinput", "-v", "0")
    timings = network_timings(env)
    digests = digest_timings(env)
    pages = list(PAGES)
    if timings.get("person"):
        pages.append(PERSON_PAGE.format(pk=timings["person"]))
    else:
        print("no scale person with a confirmed tie: the person page is not measured")
    pages += initiative_pages(env)
    pages += knowledge_pages(env)
    queries = count_queries(env, pages)

    per_page = args.requests or (40 if args.quick else 200)
    port = free_port()
    log = REPO / "var" / "bench-gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    server = start_gunicorn(env, port, log)
    try:
        wait_until_serving(server, port, log)
        cookie = log_in(f"http://{HOST}:{port}")
        for page in pages:
            warm_up(port, cookie, page, times=max(5, per_page // 10))
        results: list[Result] = []
        for concurrency in CONCURRENCIES:
            total = per_page if concurrency == 1 else per_page * 2
            for page in pages:
                print(f"  measuring {page} at c={concurrency} ({total} requests)", flush=True)
                results.append(measure(port, cookie, page, concurrency, total))
    finally:
        stop(server)

    print()
    print_table(results, queries)
    print_network_timings(timings)
    print_digest_timings(digests)
    failures = [r for r in results if r.bad_statuses]
    if failures:
        details = "; ".join(f"{r.page} c={r.concurrency}: {r.bad_statuses}" for r in failures)
        raise BenchError(f"non-200 responses: {details}")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.count_queries:
        count_queries_child(args.pages)
        return 0
    if args.network:
        network_child()
        return 0
    if args.initiative_pages:
        initiative_pages_child()
        return 0
    if args.digests:
        digest_child()
        return 0
    if args.knowledge_pages:
        knowledge_pages_child()
        return 0
    if args.analyze:
        analyze_child()
        return 0
    try:
        run(args)
    except BenchError as error:
        print(f"\nbench failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
