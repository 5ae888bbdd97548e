"""Structured logs: one JSON object per line (LOG_FORMAT=json), with the request or task.

The request id and path come from a context variable that ``RequestIdMiddleware`` sets for the
length of a request; a Celery task's id and name from Celery's current task. The filter puts
them on every record, so the text format can use them too.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from celery import current_task


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    method: str
    path: str


request_context: ContextVar[RequestContext | None] = ContextVar("request_context", default=None)

# Attributes every LogRecord has; anything else on a record came from ``extra=`` (or a filter).
_RECORD_ATTRS = frozenset(logging.LogRecord("", logging.INFO, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}
_CONTEXT_ATTRS = ("request_id", "method", "path", "task_id", "task_name")
# django.request puts the HttpRequest itself on its records; method and path already say enough.
_SKIPPED = frozenset({"request"})


class RequestContextFilter(logging.Filter):
    """Adds request_id, method and path (in a request) and task_id, task_name (in a task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        values = dict.fromkeys(_CONTEXT_ATTRS, "")
        context = request_context.get()
        if context is not None:
            values.update(request_id=context.request_id, method=context.method, path=context.path)
        task = current_task
        if task and task.request.id:
            values.update(task_id=task.request.id, task_name=task.name)
        for name, value in values.items():
            if not getattr(record, name, ""):  # a value given in ``extra`` wins
                setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, the request or
    task it belongs to when there is one, the traceback as ``exc_info``, and any ``extra``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in record.__dict__.items():
            if name in _RECORD_ATTRS or name in _SKIPPED or name.startswith("_"):
                continue
            if value not in ("", None):
                entry[name] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
