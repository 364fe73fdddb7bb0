"""A request id on every answer, one JSON log line per request that names the route and nobody, and the
id on the Chinese 500 page (consult/web/request_log.py, consult/errors.py)."""

from __future__ import annotations

import json
import logging
import os
import re

import pytest
from bs4 import BeautifulSoup
from sqlalchemy.exc import OperationalError

from consult.web import request_log
from consult.web.request_log import HEADER, log

GENERATED = re.compile(r"[0-9a-f]{16}")


def log_lines(capsys) -> list[dict]:
    """The JSON lines the request log wrote to stderr since the last call."""
    lines = []
    for raw in capsys.readouterr().err.splitlines():
        if raw.startswith("{"):
            entry = json.loads(raw)  # every line the request logger writes is one JSON object
            lines.append(entry)
    return lines


@pytest.fixture
def crash_app(make_app):
    app = make_app()
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom/<code>")
    def boom(code):  # a test-only route whose path holds a value that must not reach the log
        raise RuntimeError("unexpected")

    @app.get("/api/v1/boom/<code>")
    def api_boom(code):
        raise RuntimeError("unexpected")

    @app.get("/sql-boom/<code>")
    def sql_boom(code):  # a failed statement whose parameters and detail carry the code
        raise OperationalError(
            'SELECT * FROM "comment" WHERE receipt_code = ?',
            (code,),
            Exception(f"duplicate key\nDETAIL:  Key (receipt_code)=({code}) already exists."),
        )

    with app.app_context():
        yield app


def test_every_answer_carries_a_fresh_id(client):
    first = client.get("/")
    second = client.get("/no-such-page")
    assert GENERATED.fullmatch(first.headers[HEADER])
    assert GENERATED.fullmatch(second.headers[HEADER])
    assert first.headers[HEADER] != second.headers[HEADER]


def test_the_incoming_id_is_ignored_without_a_trusted_proxy(client):
    resp = client.get("/", headers={HEADER: "nginx-0123456789abcdef"})
    assert resp.headers[HEADER] != "nginx-0123456789abcdef"
    assert GENERATED.fullmatch(resp.headers[HEADER])


@pytest.mark.parametrize(
    "incoming, kept",
    [
        ("0f3c9a1b2d4e5f60718293a4b5c6d7e8", True),  # nginx's $request_id
        ("3f2b8c1e-7d4a-4b9e-9c1f-0a2b3c4d5e6f", True),  # a UUID
        ("short", False),
        ("x" * 65, False),
        ('abc"},{"status":200', False),  # would forge a field in a naive log line
        ("abcdefgh<script>", False),
        ("abcdefgh 12345678", False),
    ],
)
def test_a_trusted_proxys_id_is_kept_only_when_it_is_a_short_safe_token(make_app, incoming, kept):
    app = make_app(TRUSTED_PROXIES=1)
    with app.app_context():
        resp = app.test_client().get("/", headers={HEADER: incoming})
    if kept:
        assert resp.headers[HEADER] == incoming
    else:
        assert GENERATED.fullmatch(resp.headers[HEADER])


def test_one_json_line_per_request_names_the_route_not_the_path(app, client, factory, capsys):
    comment = factory.comment(factory.draft())
    capsys.readouterr()
    resp = client.get(f"/receipts/{comment.receipt_code}")
    search = client.get("/search?q=共享单车停放")
    lines = log_lines(capsys)
    assert [line["request_id"] for line in lines] == [resp.headers[HEADER], search.headers[HEADER]]
    receipt, searched = lines
    assert receipt["route"] == "/receipts/<code>"
    assert receipt["endpoint"] == "public.receipt_page"
    assert receipt["method"] == "GET"
    assert receipt["status"] == resp.status_code
    assert isinstance(receipt["duration_ms"], float) and receipt["duration_ms"] >= 0
    assert {"time", "level", "pid"} <= set(receipt)
    assert searched["route"] == "/search"
    written = json.dumps(lines, ensure_ascii=False)
    assert comment.receipt_code not in written
    assert "共享单车" not in written and "q=" not in written
    assert "127.0.0.1" not in written


def test_an_unknown_address_is_logged_without_its_path(client, capsys):
    capsys.readouterr()
    client.get("/receipts-of/ABCD-EFGH-1234")
    (line,) = log_lines(capsys)
    assert line["status"] == 404
    assert line["route"] is None and line["endpoint"] is None
    assert "ABCD" not in json.dumps(line)


def test_a_crash_shows_its_id_on_the_chinese_page_and_logs_the_traceback_with_it(crash_app, capsys):
    capsys.readouterr()
    resp = crash_app.test_client().get("/boom/K7Q2X9")
    assert resp.status_code == 500
    rid = resp.headers[HEADER]
    page = BeautifulSoup(resp.data, "html.parser")
    assert (
        page.select_one(".error-reference").get_text(strip=True) == f"错误编号：{rid}，如需咨询请告知工作人员"
    )
    crash, request_line = log_lines(capsys)
    assert crash["level"] == "error" and crash["request_id"] == rid
    assert crash["route"] == "/boom/<code>" and crash["error"] == "RuntimeError"
    assert "RuntimeError: unexpected" in crash["traceback"] and "Traceback" in crash["traceback"]
    assert request_line["request_id"] == rid and request_line["status"] == 500
    assert "K7Q2X9" not in json.dumps([crash, request_line])


def test_an_api_crash_keeps_the_one_error_shape_and_sends_the_id_in_the_header(crash_app, capsys):
    capsys.readouterr()
    resp = crash_app.test_client().get("/api/v1/boom/K7Q2X9")
    assert resp.status_code == 500
    assert set(resp.get_json()) == {"error"} and resp.get_json()["error"]["code"] == "internal_error"
    crash, _line = log_lines(capsys)
    assert crash["request_id"] == resp.headers[HEADER]


def test_ordinary_error_pages_show_no_reference(client):
    resp = client.get("/no-such-page")
    assert resp.status_code == 404
    assert BeautifulSoup(resp.data, "html.parser").select_one(".error-reference") is None


def test_a_failed_statements_values_stay_out_of_the_traceback(crash_app, capsys):
    capsys.readouterr()
    resp = crash_app.test_client().get("/sql-boom/K7Q2X9")
    assert resp.status_code == 500
    crash, _line = log_lines(capsys)
    assert crash["error"] == "OperationalError"
    assert "WHERE receipt_code = ?" in crash["traceback"]  # what failed is still said
    assert "K7Q2X9" not in crash["traceback"]


def test_the_request_line_is_written_without_a_log_record_when_only_its_own_handler_would_see_it(
    client, monkeypatch, capsys
):
    """Before: a LogRecord, the handler chain and the formatter for every request (about 25 µs of a page)."""
    # As served: this module's handler alone (pytest hangs its capture on every non-propagating logger).
    monkeypatch.setattr(log, "handlers", [request_log._own_handler])
    made = []
    real = log.makeRecord
    monkeypatch.setattr(log, "makeRecord", lambda *a, **k: made.append(a) or real(*a, **k))
    capsys.readouterr()
    resp = client.get("/")
    (line,) = log_lines(capsys)
    assert made == []
    assert line["request_id"] == resp.headers[HEADER] and line["route"] == "/" and line["status"] == 200
    assert line["level"] == "info" and line["event"] == "request" and line["pid"] == os.getpid()


def test_an_operators_handler_gets_the_request_as_a_record(client, capsys):
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    keep = Keep()
    log.addHandler(keep)
    try:
        capsys.readouterr()
        resp = client.get("/")
    finally:
        log.removeHandler(keep)
    (record,) = records
    assert record.request_id == resp.headers[HEADER] and record.route == "/" and record.status == 200
    assert len(log_lines(capsys)) == 1  # this module's handler wrote it once, through logging
    assert log.handlers[0] is request_log._own_handler


def test_the_direct_line_is_the_line_logging_writes(client, monkeypatch, capsys):
    """The line written straight (this module's handler alone) and the one written through a record
    (another handler present) are the same JSON object, in the format the formatter wrote before this
    change: time, level, event, the request's fields in order, pid."""
    own = request_log._own_handler
    capsys.readouterr()
    monkeypatch.setattr(log, "handlers", [own])
    straight = client.get("/")
    monkeypatch.setattr(log, "handlers", [own, logging.NullHandler()])
    through_logging = client.get("/")
    lines = [raw for raw in capsys.readouterr().err.splitlines() if raw.startswith("{")]
    assert len(lines) == 2
    for raw, resp in zip(lines, (straight, through_logging), strict=True):
        entry = json.loads(raw)
        assert list(entry) == [
            "time",
            "level",
            "event",
            "request_id",
            "method",
            "route",
            "endpoint",
            "status",
            "duration_ms",
            "pid",
        ]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])
        expected = {"level": "info", "event": "request", "request_id": resp.headers[HEADER], "method": "GET"}
        expected |= {"route": "/", "endpoint": "public.home", "status": 200, "pid": os.getpid()}
        assert {k: entry[k] for k in expected} == expected
        # The old formatter's encoding: no spaces, Chinese as is.
        assert raw == json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_workers_make_different_request_ids(app):
    """The ids come from the random module, which reseeds itself in a forked child (gunicorn's workers):
    two workers never repeat each other's sequence."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, then out without running pytest's teardown
        with app.test_request_context():
            os.write(write, request_log.request_id().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = os.read(read, 64).decode()
    os.close(read)
    with app.test_request_context():
        parent = request_log.request_id()
    assert GENERATED.fullmatch(child) and GENERATED.fullmatch(parent)
    assert child != parent
