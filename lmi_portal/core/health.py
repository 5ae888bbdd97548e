"""Health probes for /health/: database, cache, broker and the Celery heartbeat."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from .models import Heartbeat


def check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def check_cache() -> dict[str, Any]:
    # The cache forgives its own errors (core.cache), so an outage shows as a value that does
    # not come back rather than as an exception.
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    ok = cache.get(key) == "1"
    cache.delete(key)
    result: dict[str, Any] = {
        "ok": ok,
        "backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
    }
    if not ok:
        result["error"] = "a value stored in the cache did not come back"
    return result


def check_broker() -> dict[str, Any]:
    from lmi_portal.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        transport = conn.transport_cls
    return {"ok": True, "transport": str(transport)}


def check_heartbeat() -> dict[str, Any]:
    beat = Heartbeat.objects.filter(name="worker").first()
    if beat is None:
        return {"ok": False, "last": None, "error": "no heartbeat yet"}
    age = timezone.now() - beat.beat_at
    limit = timedelta(seconds=settings.HEARTBEAT_INTERVAL_SECONDS * 3 + 30)
    return {
        "ok": age <= limit,
        "last": beat.beat_at.isoformat(),
        "age_seconds": int(age.total_seconds()),
    }


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "heartbeat": check_heartbeat,
}


def run_checks() -> tuple[bool, dict[str, dict[str, Any]]]:
    results: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:
            results[name] = {"ok": False, "error": type(exc).__name__}
    return all(r["ok"] for r in results.values()), results
