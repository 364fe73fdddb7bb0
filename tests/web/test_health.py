"""GET /healthz: the database and the outbox's queues for the proxy's health check; 503 without a database."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from consult.clock import utcnow
from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.models import OutboxEvent


def _event(session, kind: str, age_seconds: int, processed: bool = False) -> None:
    now = utcnow()
    session.add(
        OutboxEvent(
            kind=kind,
            target_type="comment",
            target_id=1,
            payload={},
            created_at=now - timedelta(seconds=age_seconds),
            processed_at=now if processed else None,
        )
    )


def test_healthz_reports_the_database_and_the_queues_without_a_session_or_a_cache(app, client):
    end_read()
    with write_transaction() as session:
        session.execute(OutboxEvent.__table__.delete())
        _event(session, "search.index", 30)
        _event(session, "search.remove", 5)
        _event(session, "search.index", 600, processed=True)
        _event(session, "mail.feedback", 90)
        _event(session, "mail.feedback", 10)
        _event(session, "mail.feedback", 5000, processed=True)  # sent: not waiting
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.is_json
    assert resp.get_json() == {
        "status": "ok",
        "database": "ok",
        "search_lag": 2,
        "search_rewrites_pending": 0,
        "mail": {"waiting": 2, "oldest_age_seconds": 90},
        "sms": {"waiting": 0, "oldest_age_seconds": None},
    }
    assert "no-store" in resp.headers["Cache-Control"]
    assert "Set-Cookie" not in resp.headers  # a proxy polling every few seconds gets no session
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert db.session.scalar(select(func.count(OutboxEvent.id))) == 6  # reading changed nothing


def test_healthz_is_503_when_the_database_cannot_be_queried(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/no-such-directory/consult.sqlite")
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 503
    assert resp.get_json() == {"status": "error", "database": "unreachable"}
    assert "no-store" in resp.headers["Cache-Control"]


def test_healthz_is_503_within_seconds_when_postgresql_does_not_answer(make_app):
    """A database host that accepts the connection and then says nothing (a hung server, a firewall
    that drops packets) must not hold the health check for the operating system's minutes."""
    import socket
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # the handshake completes in the backlog; nobody ever answers
    try:
        port = silent.getsockname()[1]
        app = make_app(
            SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:{port}/consult",
            DATABASE_CONNECT_TIMEOUT=1,
        )
        started = time.monotonic()
        resp = app.test_client().get("/healthz")
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert resp.status_code == 503
    assert elapsed < 10, elapsed  # one connect attempt and its retry, each at most a second or two
