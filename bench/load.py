"""The load test of ``make bench``: 50 concurrent partners (``bench/locustfile.py``) on the scale
data set, served by gunicorn on PostgreSQL (with Redis as cache when ``REDIS_URL`` is set).

Run after ``bench/run.py`` (which seeds the scale data set). Prints p50 / p95 / p99 and the
failures per page, the error rate, and each page's p50 as a ratio to the reference page
(``/over/``) measured in the same run. Exits 1 when any request failed. On SQLite it says so
and stops: a file database cannot take fifty concurrent writers, and the figures would
measure its lock, not the portal.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # the page benchmark's helpers: env, gunicorn, children

REPO = bench.REPO
PLAN = REPO / "var" / "bench-load-plan.json"
STATS = REPO / "var" / "bench-load"  # locust writes <this>_stats.csv
REFERENCE = "/over/ (ref)"
TARGET_RATIO = 5.0
# What the partners post; the comments with this text are removed after the run, so a run
# leaves the data set as it found it and the next one sees the same initiative pages.
COMMENT = "Goed punt; wij hebben dit bij de Boxer ook gezien."


def plan_child(users: int) -> None:
    """Print JSON: a signed-in session for each of ``users`` scale members, GREEN scale
    initiatives to open and comment on, a theme and a document."""
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.test import Client

    from initiatives.demo import SCALE_PREFIX
    from initiatives.models import Initiative
    from knowledge.demo import SCALE_PREFIX as KNOWLEDGE_PREFIX
    from knowledge.models import KnowledgeItem
    from lmi_portal.core.models import Theme
    from partners.models import TLP, CommonUnderstanding, CommonUnderstandingAcceptance
    from partners.selectors import active_member_users

    members = list(
        active_member_users().filter(email__endswith="@scale.example").order_by("pk")[:users]
    )
    current = CommonUnderstanding.objects.order_by("-version").first()
    sessions = []
    for user in members:
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        if current is not None:
            CommonUnderstandingAcceptance.objects.get_or_create(user=user, version=current)
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies["sessionid"].value)
    green = Initiative.objects.filter(title__startswith=SCALE_PREFIX, tlp=TLP.GREEN)
    initiatives = list(green.order_by("-pk").values_list("pk", flat=True)[:50])
    theme = Theme.objects.order_by("position", "pk").values_list("pk", flat=True).first()
    document = (
        KnowledgeItem.objects.filter(
            title__startswith=KNOWLEDGE_PREFIX,
            kind=KnowledgeItem.Kind.DOCUMENT,
            tlp=TLP.GREEN,
            status=KnowledgeItem.Status.PUBLISHED,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    print(
        json.dumps(
            {
                "sessions": sessions,
                "initiatives": initiatives,
                "theme": theme,
                "document": document,
                "comment": COMMENT,
            }
        )
    )


def cleanup_child(since: str) -> None:
    """Delete the comments the load posted (its text, by scale members, since ``since``)."""
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.utils.dateparse import parse_datetime

    from initiatives.models import Comment

    posted = Comment.objects.filter(
        body=COMMENT,
        author__email__endswith="@scale.example",
        created_at__gte=parse_datetime(since),
    )
    print(f"removed the {posted.delete()[1].get('initiatives.Comment', 0)} comments of the run")


def read_stats(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["Name"] == "Aggregated":
                continue
            rows.append(
                {
                    "name": row["Name"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50": float(row["50%"]),
                    "p95": float(row["95%"]),
                    "p99": float(row["99%"]),
                }
            )
    return rows


def print_report(rows: list[dict[str, Any]], users: int, seconds: int) -> list[str]:
    """Print the table; return the pages over the target ratio."""
    reference = next((r for r in rows if r["name"] == REFERENCE), None)
    ref_p50 = reference["p50"] if reference and reference["p50"] else None
    total = sum(r["requests"] for r in rows)
    failed = sum(r["failures"] for r in rows)
    print(f"\nload: {users} concurrent partners for {seconds} s, {total} requests")
    print(f"{'page':40} {'requests':>8} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
          f"{'p50/ref':>8}")  # fmt: skip
    over = []
    for row in sorted(rows, key=lambda r: r["name"] != REFERENCE):
        ratio = row["p50"] / ref_p50 if ref_p50 else float("nan")
        flag = ""
        if row["name"] != REFERENCE and ratio > TARGET_RATIO:
            flag = f"  > {TARGET_RATIO:g}x"
            over.append(row["name"])
        print(
            f"{row['name']:40} {row['requests']:>8} {row['failures']:>5} {row['p50']:>7.0f} "
            f"{row['p95']:>7.0f} {row['p99']:>7.0f} {ratio:>8.2f}{flag}"
        )
    rate = failed / total if total else 0.0
    print(f"error rate: {rate:.2%} ({failed} of {total})")
    return over


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="The mixed load test of make bench.")
    parser.add_argument("--users", type=int, default=50, help="concurrent partners (50)")
    parser.add_argument("--seconds", type=int, default=120, help="length of the run (120)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--plan", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--cleanup", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.plan:
        plan_child(args.plan)
        return 0
    if args.cleanup:
        cleanup_child(args.cleanup)
        return 0
    env = bench.bench_env()
    if not env["DATABASE_URL"].startswith("postgres"):
        print("load test skipped: it runs on PostgreSQL (set DATABASE_URL, see bench/README.md)")
        return 0
    print(f"database: {bench.describe_database(env['DATABASE_URL'])}; "
          f"cache: {'Redis' if env.get('REDIS_URL') else 'per process'}", flush=True)  # fmt: skip
    PLAN.parent.mkdir(exist_ok=True)
    completed = subprocess.run(
        [sys.executable, __file__, "--plan", str(args.users)],
        cwd=REPO, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        print("load test failed: could not prepare the signed-in partners", file=sys.stderr)
        return 1
    PLAN.write_text(completed.stdout.strip().splitlines()[-1])
    started = datetime.now(UTC).isoformat()
    port = bench.free_port()
    log = REPO / "var" / "bench-load-gunicorn.log"
    server = bench.start_gunicorn(env, port, log, workers=args.workers)
    try:
        bench.wait_until_serving(server, port, log)
        command = [
            sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py")),
            "--headless", "-u", str(args.users), "-r", str(max(1, args.users // 10)),
            "-t", f"{args.seconds}s", "--host", f"http://{bench.HOST}:{port}",
            "--csv", str(STATS), "--only-summary", "--loglevel", "WARNING",
        ]  # fmt: skip
        print(f"$ locust … -u {args.users} -t {args.seconds}s", flush=True)
        subprocess.run(command, cwd=REPO, env={**env, "LMI_LOAD_PLAN": str(PLAN)}, check=False)
    finally:
        bench.stop(server)
        subprocess.run(
            [sys.executable, __file__, "--cleanup", started], cwd=REPO, env=env, check=False
        )
    rows = read_stats(Path(f"{STATS}_stats.csv"))
    over = print_report(rows, args.users, args.seconds)
    if over:
        print(f"over {TARGET_RATIO:g}x the reference at p50: {', '.join(over)}")
    if any(r["failures"] for r in rows):
        print("load test failed: some requests failed (see above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    os.chdir(REPO)
    sys.exit(main(sys.argv[1:]))
