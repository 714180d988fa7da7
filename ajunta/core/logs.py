"""Structured logs and the request id (docs/operations.md, Logs).

LOG_FORMAT=json writes one JSON object per line (time, level, logger, message, request_id and,
on errors, the traceback): what Loki, Elasticsearch or journald's JSON fields read without a
parser of their own. The request id comes from the reverse proxy's X-Request-ID when it looks like
one (nginx's $request_id), else it is made here; it is echoed in the answer, carried into every
Celery task the request queues (a message header) and set again in the worker while the task runs.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

from ajunta.core.request_context import (
    current_request_id,
    reset_request_id,
    set_request_id,
)

REQUEST_ID_HEADER = "X-Request-ID"
TASK_HEADER = "ajunta_request_id"
# What a client may send as its id: short, no spaces, nothing a log reader could mistake for syntax.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(value: str | None) -> str:
    return value if value and _VALID_ID.match(value) else new_request_id()


class RequestIdMiddleware:
    """First in MIDDLEWARE: everything after it, and everything it queues, logs the same id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = accepted_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = set_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Puts the current request id (or '-') on every record, for either format."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True


# Attributes every LogRecord has: anything else was passed in `extra=` and goes into the JSON.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value if isinstance(value, str | int | float | bool) else repr(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


# --- Celery: the request id travels as a message header ------------------------------------------
def task_publish_add_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    """before_task_publish: the queuing request's id goes with the message."""
    request_id = current_request_id()
    if headers is not None and request_id and TASK_HEADER not in headers:
        headers[TASK_HEADER] = request_id


_task_tokens: dict[str, object] = {}


def task_prerun_set_request_id(task_id: str = "", task: Any = None, **_: Any) -> None:
    """task_prerun: the worker logs under the id the message carried. A task run in-process (no
    broker) keeps the request's; a task nobody queued from a request (beat) gets its own."""
    carried = getattr(getattr(task, "request", None), TASK_HEADER, None)
    if carried:
        _task_tokens[task_id] = set_request_id(accepted_request_id(carried))
    elif current_request_id() is None:
        _task_tokens[task_id] = set_request_id(f"task-{task_id}")


def task_postrun_reset_request_id(task_id: str = "", **_: Any) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        reset_request_id(token)


def connect_celery_signals() -> None:
    from celery import signals

    signals.before_task_publish.connect(task_publish_add_request_id, weak=False)
    signals.task_prerun.connect(task_prerun_set_request_id, weak=False)
    signals.task_postrun.connect(task_postrun_reset_request_id, weak=False)
