"""One JSON line per request, and a request id that people and logs share.

Every answer carries `X-Request-Id`; the log line of the request and, on a crash, the traceback carry
the same id, and the Chinese 500 page shows it (错误编号) so a citizen can quote it on the telephone.

The id is the proxy's (nginx's `$request_id`) only when a proxy is trusted (TRUSTED_PROXIES > 0) and
the value is a short token of letters, digits, `-` and `_`: a client-chosen id could otherwise forge
lines in the log or pass one person's error off as another's. Anything else gets a fresh random id:
64 bits of the random module (reseeded in each forked worker), not of the operating system's source,
since an id only tells requests apart and a getrandom call lets the other threads take the GIL.

The line holds nothing about a person: the route's rule (`/receipts/<code>`), never the path that
was asked (`/receipts/K7Q2-…`), no query string (search terms), no address, no user agent, no user.
It goes to the `consult.request` logger (INFO, stderr unless the operator configured that logger),
which does not propagate: Flask's app logger would print it a second time in its own format. The
500 handler (consult/errors.py) writes the traceback to the same logger, as one line with the id, and
without the values a failed SQL statement carried (SQLAlchemy prints them in its error's text).

The request's own line is the one written on every answer, so it skips what it does not need of the
logging machinery when nothing but this module's handler would see it (``write_request_line``): a
LogRecord (its caller, thread and process names), the handler chain and the formatter's record walk
cost about 25 µs of a kept public page's 650 µs in-process. The line is the same either way
(``json_line`` is its one format); an operator who configures the logger gets the record as before.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import sys
import time
import traceback
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, g, request
from sqlalchemy.exc import StatementError

from consult.errors import REQUEST_LOGGER, request_fields

HEADER = "X-Request-Id"
# nginx's $request_id is 32 hex digits; UUIDs have dashes. Nothing that could break a log line or a page.
SAFE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
# The fields of a log record that reach the JSON line, in this order: a record's other attributes stay
# out, so nothing reaches the log by accident.
FIELDS = ("request_id", "method", "route", "endpoint", "status", "duration_ms", "error")
# PostgreSQL's detail line repeats the values of a violated key: `Key (receipt_code)=(…) already exists`.
DETAIL_LINE = re.compile(r"^(\s*DETAIL:).*$", re.MULTILINE)

log = logging.getLogger(REQUEST_LOGGER)
# One encoder for every line (json.dumps with options builds a new one per call).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


def json_line(
    created: float,
    level: str,
    event: str,
    fields: Mapping[str, Any],
    pid: int | None,
    trace: str | None = None,
) -> str:
    """The one format of a line: time, level, event, the known FIELDS present, pid and any traceback."""
    line: dict[str, Any] = {
        "time": datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds"),
        "level": level,
        "event": event,
    }
    for name in FIELDS:
        if name in fields:
            line[name] = fields[name]
    line["pid"] = pid
    if trace is not None:
        line["traceback"] = trace
    return _ENCODER.encode(line)


class JsonLineFormatter(logging.Formatter):
    """A record as one JSON object on one line; a traceback becomes its `traceback` field."""

    def format(self, record: logging.LogRecord) -> str:
        fields = {name: getattr(record, name) for name in FIELDS if hasattr(record, name)}
        trace = traceback_without_values(record.exc_info[1]) if record.exc_info else None
        return json_line(
            record.created, record.levelname.lower(), record.getMessage(), fields, record.process, trace
        )


def traceback_without_values(err: BaseException | None) -> str:
    """The traceback, without the values a failed statement carried (a receipt code, a comment, a contact).

    SQLAlchemy prints a statement's parameters in its error's text unless told not to; the statement
    itself stays, since it says what failed.
    """
    seen: set[int] = set()
    link = err
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if isinstance(link, StatementError):
            link.hide_parameters = True
        link = link.__cause__ or link.__context__
    text = "".join(traceback.format_exception(err)).rstrip() if err is not None else ""
    return DETAIL_LINE.sub(r"\1 (hidden)", text)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a record comes (a test's capture, gunicorn's stream)."""

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


# The handler this module put on the logger (init_request_log), when it did.
_own_handler: StderrHandler | None = None


def init_request_log(app: Flask) -> None:
    """Give every request an id before anything else looks at it, and log it when it is answered."""
    global _own_handler
    if not log.handlers:  # an operator's logging configuration wins; so does the first app of a process
        handler = _own_handler = StderrHandler()
        handler.setFormatter(JsonLineFormatter())
        log.addHandler(handler)
        log.propagate = False
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)
    # At the front of the app's before-request hooks (CSRF, body limits, sign-in): an error raised by
    # any of them is logged and shown with the id.
    app.before_request_funcs.setdefault(None, []).insert(0, start_request)
    app.after_request(finish_request)


def trusted_incoming_id() -> str | None:
    """The proxy's id, when a proxy is trusted and the value is a short safe token."""
    if not current_app.config.get("TRUSTED_PROXIES", 0):
        return None
    value = request.headers.get(HEADER, "")
    return value if SAFE_ID.fullmatch(value) else None


def request_id() -> str:
    """This request's id (assigned on first use)."""
    if "request_id" not in g:
        g.request_id = trusted_incoming_id() or f"{random.getrandbits(64):016x}"
    return g.request_id


def start_request() -> None:
    """Assign the id and note when the request began."""
    g.request_started = time.perf_counter()
    request_id()


def finish_request(response: Response) -> Response:
    """Send the id back and write the request's line."""
    rid = request_id()
    response.headers[HEADER] = rid
    started = g.get("request_started")
    duration = None if started is None else round((time.perf_counter() - started) * 1000, 1)
    fields = {"request_id": rid, **request_fields(), "status": response.status_code, "duration_ms": duration}
    write_request_line(fields)
    return response


def _only_own_handler() -> StderrHandler | None:
    """This module's handler, when it alone would write an INFO line of the logger as configured now."""
    handler = _own_handler
    if (
        handler is None
        or log.handlers != [handler]
        or log.propagate
        or log.filters
        or handler.filters
        or type(handler.formatter) is not JsonLineFormatter  # a subclass may write its own format
        or handler.level > logging.INFO
    ):
        return None
    return handler


def write_request_line(fields: Mapping[str, Any]) -> None:
    """The request's line: written straight to the handler's stream when the handler is this module's
    alone, the same line logging would write (json_line); otherwise a record, for the operator's
    configuration (its handlers, filters and format) to deal with."""
    if not log.isEnabledFor(logging.INFO):
        return
    handler = _only_own_handler()
    if handler is None:
        log.info("request", extra=dict(fields))
        return
    line = json_line(time.time(), "info", "request", fields, os.getpid()) + handler.terminator
    with handler.lock:
        try:
            stream = handler.stream
            stream.write(line)
            stream.flush()
        except Exception:  # a closed or broken stream: what logging does with it (handleError)
            handler.handleError(logging.makeLogRecord({"msg": "request", **fields}))
