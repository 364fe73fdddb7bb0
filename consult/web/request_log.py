"""One JSON line per request, and a request id that people and logs share.

Every answer carries `X-Request-Id`; the log line of the request and, on a crash, the traceback carry
the same id, and the Chinese 500 page shows it (错误编号) so a citizen can quote it on the telephone.

The id is the proxy's (nginx's `$request_id`) only when a proxy is trusted (TRUSTED_PROXIES > 0) and
the value is a short token of letters, digits, `-` and `_`: a client-chosen id could otherwise forge
lines in the log or pass one person's error off as another's. Anything else gets a fresh random id.

The line holds nothing about a person: the route's rule (`/receipts/<code>`), never the path that
was asked (`/receipts/K7Q2-…`), no query string (search terms), no address, no user agent, no user.
It goes to the `consult.request` logger (INFO, stderr unless the operator configured that logger),
which does not propagate: Flask's app logger would print it a second time in its own format. The
500 handler (consult/errors.py) writes the traceback to the same logger, as one line with the id, and
without the values a failed SQL statement carried (SQLAlchemy prints them in its error's text).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
import traceback
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


class JsonLineFormatter(logging.Formatter):
    """A record as one JSON object on one line; a traceback becomes its `traceback` field."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
        }
        for name in FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        line["pid"] = record.process
        if record.exc_info:
            line["traceback"] = traceback_without_values(record.exc_info[1])
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"), default=str)


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


def init_request_log(app: Flask) -> None:
    """Give every request an id before anything else looks at it, and log it when it is answered."""
    if not log.handlers:  # an operator's logging configuration wins; so does the first app of a process
        handler = StderrHandler()
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
        g.request_id = trusted_incoming_id() or secrets.token_hex(8)
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
    log.info(
        "request",
        extra={
            "request_id": rid,
            **request_fields(),
            "status": response.status_code,
            "duration_ms": duration,
        },
    )
    return response
