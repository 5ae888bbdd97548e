"""Structured logs: LOG_FORMAT=json writes one JSON object per line, tied to its request."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings

from lmi_portal.core.logging import JsonFormatter, RequestContextFilter


@pytest.fixture
def json_lines():
    """Records of every logger as the production handler writes them; returns a reader."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_a_record_is_one_json_object_with_time_level_logger_and_message(json_lines):
    logging.getLogger("lmi.test").warning("%s documents", 3, extra={"organisation_id": 7})

    (entry,) = json_lines()
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "lmi.test"
    assert entry["message"] == "3 documents"
    assert entry["organisation_id"] == 7
    assert entry["time"].endswith("+00:00") and "T" in entry["time"]
    assert "request_id" not in entry  # outside a request there is none


def test_an_exception_keeps_its_traceback_inside_the_json(json_lines):
    try:
        raise ValueError("kapot")
    except ValueError:
        logging.getLogger("lmi.test").exception("upload failed")

    (entry,) = json_lines()
    assert entry["level"] == "ERROR"
    assert entry["exc_info"].startswith("Traceback (most recent call last):")
    assert "ValueError: kapot" in entry["exc_info"]


def test_log_lines_of_a_request_carry_its_id_and_path(client, member, json_lines):
    client.force_login(member)
    response = client.get("/bestaat-niet/", headers={"X-Request-ID": "nginx-3f2a9c81"})

    assert response.status_code == 404
    assert response["X-Request-ID"] == "nginx-3f2a9c81"
    (entry,) = [e for e in json_lines() if e["logger"] == "django.request"]
    assert entry["request_id"] == "nginx-3f2a9c81"
    assert entry["path"] == "/bestaat-niet/"
    assert entry["method"] == "GET"
    assert entry["status_code"] == 404


def test_a_request_without_a_usable_id_gets_a_fresh_one(client):
    first = client.get("/health/", headers={"X-Request-ID": "bad id\r\nx"})["X-Request-ID"]
    second = client.get("/health/")["X-Request-ID"]
    assert len(first) == 32 and first != second
    assert "bad" not in first


def test_log_format_json_configures_web_and_celery_processes_for_json_lines():
    # What a worker does at start: Celery sets up logging with its --loglevel.
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('lmi.startup').error('web klaar'); "
        "from lmi_portal.celery import app; app.log.setup_logging_subsystem(loglevel='WARNING'); "
        "logging.getLogger('celery.worker').info('onder --loglevel'); "
        "logging.getLogger('celery.worker').warning('worker klaar')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "lmi_portal.test_settings",
            "LOG_FORMAT": "json",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(e["logger"], e["message"]) for e in entries[-2:]] == [
        ("lmi.startup", "web klaar"),
        ("celery.worker", "worker klaar"),
    ]
