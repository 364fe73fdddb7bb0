"""A lost or refused database connection is a 503 with Retry-After, never a 500 (issue 15, point 7).

A write that met it says honestly what became of it: "not saved" when the connection went before
COMMIT, "not known" when it went during COMMIT (the server may have committed), and a retry with the
same Idempotency-Key answers the first receipt when it was stored. On SQLite the driver's error is raised
from a patched spot; on PostgreSQL the app's own backends are terminated with pg_terminate_backend, as a
restart does, before and during a request, and the app is pointed at a port where nothing listens.
"""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.pool import NullPool

from consult import create_app
from consult.changes import keep_reader_connections
from consult.extensions import db, limiter
from consult.models import Comment
from consult.receipts import display
from tests.comments.test_one_submission import form_fields
from tests.conftest import CHEAP_HASHING, FreshContextClient, _migrate, scratch_postgres_database
from tests.factories import Factory

BODY = {"body": "建议书房在周末延长开放时间。"}
NOT_SAVED = "未能保存"
UNKNOWN = "无法确定"


def comment_count() -> int:
    db.session.rollback()
    try:
        return db.session.scalar(select(func.count(Comment.id)))
    finally:
        db.session.rollback()


def assert_unavailable(resp, *, saying: str | None = None) -> dict:
    """503, Retry-After of a few seconds, the one error shape with the new code."""
    assert resp.status_code == 503, resp.get_data(as_text=True)[:500]
    assert 1 <= int(resp.headers["Retry-After"]) <= 30
    body = resp.get_json()
    assert set(body) == {"error"} and body["error"]["code"] == "service_unavailable"
    assert "数据库连接中断" in body["error"]["message"]
    if saying:
        assert saying in body["error"]["message"]
    return body


def api_post(client, slug, key=None, body=BODY):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"/api/v1/drafts/{slug}/comments", json=body, headers=headers)


# Either database: the driver's own error raised from a patched spot


@pytest.fixture
def site(app):
    # The `app` fixture's app: the one `factory` and `login_as` use (its engine is the one patched here).
    limiter.reset()
    return app


def _lost_connection_error(dialect):
    """The error this database's driver raises when its database went away (the suite runs on both)."""
    if dialect.name == "sqlite":
        return lambda: sqlite3.OperationalError("unable to open database file")
    return lambda: dialect.loaded_dbapi.OperationalError(
        "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally"
    )


def fail_statements(monkeypatch, app, matching: str = ""):
    """Every statement containing `matching` fails as if the database file had become unreachable."""
    dialect = db.engine.dialect
    real = dialect.do_execute, dialect.do_execute_no_params
    lost = _lost_connection_error(dialect)

    def do_execute(cursor, statement, parameters, context=None):
        if matching in statement:
            raise lost()
        return real[0](cursor, statement, parameters, context)

    def do_execute_no_params(cursor, statement, context=None):
        if matching in statement:
            raise lost()
        return real[1](cursor, statement, context)

    monkeypatch.setattr(dialect, "do_execute", do_execute)
    monkeypatch.setattr(dialect, "do_execute_no_params", do_execute_no_params)
    return lambda: (
        monkeypatch.setattr(dialect, "do_execute", real[0]),
        monkeypatch.setattr(dialect, "do_execute_no_params", real[1]),
    )


def test_a_read_that_loses_the_database_is_503_in_the_error_shape_and_a_page(site, factory, monkeypatch):
    draft = factory.draft()
    client = site.test_client()
    restore = fail_statements(monkeypatch, site, "FROM draft")
    assert_unavailable(client.get("/api/v1/drafts"))
    page = client.get(f"/drafts/{draft.slug}")
    assert page.status_code == 503 and page.headers["Retry-After"]
    html = page.get_data(as_text=True)
    assert "服务暂时不可用" in html and "数据库连接中断" in html
    assert page.headers["X-Request-Id"] in html  # the id a person can quote
    restore()
    assert client.get("/api/v1/drafts").status_code == 200


def test_a_page_whose_layout_needs_the_database_still_answers_503(site, login_as, monkeypatch):
    staff = login_as("staff")
    fail_statements(monkeypatch, site)  # every statement: the signed-in user cannot even be loaded
    page = staff.get("/admin/")
    assert page.status_code == 503 and page.headers["Retry-After"]
    html = page.get_data(as_text=True)
    assert "数据库连接中断" in html and page.headers["X-Request-Id"] in html


def test_a_write_that_loses_the_database_says_not_saved_and_a_retry_stores_it(site, factory, monkeypatch):
    draft = factory.draft()
    client = site.test_client()
    restore = fail_statements(monkeypatch, site, "INSERT INTO comment ")
    assert_unavailable(api_post(client, draft.slug, "retry-1"), saying=NOT_SAVED)
    assert comment_count() == 0
    restore()
    again = api_post(client, draft.slug, "retry-1")
    assert again.status_code == 201
    assert comment_count() == 1


def test_the_comment_form_keeps_the_text_on_a_503(site, factory, monkeypatch):
    draft = factory.draft()
    client = site.test_client()
    fields = form_fields(client, f"/drafts/{draft.slug}")
    fail_statements(monkeypatch, site, "INSERT INTO comment ")
    resp = client.post(f"/drafts/{draft.slug}/comments", data=fields)
    assert resp.status_code == 503 and resp.headers["Retry-After"]
    html = resp.get_data(as_text=True)
    assert NOT_SAVED in html and BODY["body"] in html  # the form again, the text in it
    assert "已收到" not in html
    assert comment_count() == 0


def test_a_form_post_that_cannot_read_says_not_saved_and_leads_back(site, factory, monkeypatch):
    draft = factory.draft()
    client = site.test_client()
    fields = form_fields(client, f"/drafts/{draft.slug}")
    fail_statements(monkeypatch, site, "FROM draft")  # before any write: the draft cannot be read
    resp = client.post(
        f"/drafts/{draft.slug}/comments",
        data=fields,
        headers={"Referer": f"http://localhost/drafts/{draft.slug}"},
    )
    assert resp.status_code == 503 and resp.headers["Retry-After"]
    html = resp.get_data(as_text=True)
    assert NOT_SAVED in html and f'href="/drafts/{draft.slug}"' in html and "回到刚才的页面" in html
    elsewhere = client.post(
        f"/drafts/{draft.slug}/comments", data=fields, headers={"Referer": "https://example.org/x"}
    )
    assert elsewhere.status_code == 503 and "回到刚才的页面" not in elsewhere.get_data(as_text=True)


@pytest.mark.parametrize("committed", [True, False], ids=["committed", "not-committed"])
def test_a_connection_lost_during_commit_says_the_outcome_is_unknown(site, factory, monkeypatch, committed):
    draft = factory.draft()
    client = site.test_client()
    dialect = db.engine.dialect
    real_commit = dialect.do_commit
    lost = _lost_connection_error(dialect)

    def do_commit(dbapi_connection):
        if committed:
            real_commit(dbapi_connection)  # the server committed; its answer never came
        raise lost()

    monkeypatch.setattr(dialect, "do_commit", do_commit)
    body = assert_unavailable(api_post(client, draft.slug, "commit-7"), saying=UNKNOWN)
    assert NOT_SAVED not in body["error"]["message"]  # never "not saved" when it may be
    assert "Idempotency-Key" in body["error"]["message"]
    monkeypatch.setattr(dialect, "do_commit", real_commit)
    assert comment_count() == (1 if committed else 0)
    retry = api_post(client, draft.slug, "commit-7")
    assert retry.status_code == (200 if committed else 201)  # 200: the first answer, nothing more stored
    assert comment_count() == 1


def test_other_database_errors_are_still_500(site, factory, monkeypatch):
    factory.draft()
    dialect = db.engine.dialect
    real = dialect.do_execute

    def broken(cursor, statement, parameters, context=None):
        raise dialect.loaded_dbapi.OperationalError("no such column: drafts.nonexistent")

    monkeypatch.setattr(dialect, "do_execute", broken)
    monkeypatch.setattr(dialect, "do_execute_no_params", lambda c, s, ctx=None: broken(c, s, None))
    resp = site.test_client().get("/api/v1/drafts")
    monkeypatch.setattr(dialect, "do_execute", real)
    assert resp.status_code == 500 and resp.get_json()["error"]["code"] == "internal_error"
    assert "Retry-After" not in resp.headers


# PostgreSQL: the app's backends terminated as a restart does


@pytest.fixture
def pg_site(tmp_path, clock):
    with scratch_postgres_database("consult_outage") as url:
        _migrate(url, tmp_path / "migrate-instance")
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": url,
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "SEARCH_INDEX_DIR": str(tmp_path / "index"),
                "CLOCK": clock,
                "PAGE_CACHE_SECONDS": 0,
                "SEARCH_DRAIN_INLINE": False,
                "COMMENT_RATE_LIMIT": "1000 per minute",
                **CHEAP_HASHING,
            }
        )
        app.test_client_class = FreshContextClient
        try:
            with app.app_context():
                limiter.reset()
                app.terminate = lambda: terminate_backends(url)
                yield app
                db.session.remove()
        finally:
            with app.app_context():
                db.engine.dispose()


def terminate_backends(url: str) -> int:
    """Terminate every other connection to the database (as a restart or an administrator does)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar()
    finally:
        engine.dispose()


def terminate_when(app, matching: str):
    """Terminate the app's backends right before its first statement containing `matching` runs."""
    fired = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if matching in statement and not fired:
            fired.append(statement)
            assert app.terminate() >= 1

    event.listen(db.engine, "before_cursor_execute", before)
    return fired, lambda: event.remove(db.engine, "before_cursor_execute", before)


def pg_factory(app):
    return Factory(app)


@pytest.mark.postgres
def test_postgres_terminated_between_and_during_reads(pg_site):
    draft = pg_factory(pg_site).draft()
    client = pg_site.test_client()
    assert client.get("/api/v1/drafts").status_code == 200
    db.session.remove()
    # Between requests: the pool's ping finds the dead connections and replaces them.
    assert pg_site.terminate() >= 1
    assert client.get("/api/v1/drafts").status_code == 200
    # During a request: 503, and the next request is served again.
    fired, stop = terminate_when(pg_site, "FROM draft")
    assert_unavailable(client.get("/api/v1/drafts"))
    stop()
    assert fired
    assert client.get("/api/v1/drafts").status_code == 200
    fired, stop = terminate_when(pg_site, "FROM draft")
    page = client.get(f"/drafts/{draft.slug}")
    stop()
    assert fired and page.status_code == 503 and page.headers["Retry-After"]
    assert page.headers["X-Request-Id"] in page.get_data(as_text=True)
    assert client.get(f"/drafts/{draft.slug}").status_code == 200


@pytest.mark.postgres
def test_a_restart_under_many_requests_in_flight_is_503_for_each_then_served(pg_site):
    # Eight requests hold their connections at once when every backend is terminated, as in a restart.
    pg_factory(pg_site).draft()
    clients = 8
    barrier = threading.Barrier(clients, action=pg_site.terminate, timeout=30)

    def before(conn, cursor, statement, parameters, context, executemany):
        if "FROM draft" in statement:
            barrier.wait()

    def get(answers, i):
        answers[i] = pg_site.test_client().get("/api/v1/drafts")

    event.listen(db.engine, "before_cursor_execute", before)
    answers: list = [None] * clients
    threads = [threading.Thread(target=get, args=(answers, i)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    event.remove(db.engine, "before_cursor_execute", before)
    for answer in answers:
        assert_unavailable(answer)
    again = [pg_site.test_client().get("/api/v1/drafts").status_code for _ in range(clients)]
    assert again == [200] * clients


@pytest.mark.postgres
def test_postgres_terminated_inside_a_write_is_503_not_saved_and_the_retry_stores_once(pg_site):
    draft = pg_factory(pg_site).draft()
    client = pg_site.test_client()
    fired, stop = terminate_when(pg_site, "INSERT INTO comment ")
    assert_unavailable(api_post(client, draft.slug, "pg-write-1"), saying=NOT_SAVED)
    stop()
    assert fired
    assert comment_count() == 0
    retry = api_post(client, draft.slug, "pg-write-1")
    assert retry.status_code == 201
    assert comment_count() == 1


@pytest.mark.postgres
@pytest.mark.parametrize("committed", [True, False], ids=["after-commit", "before-commit"])
def test_postgres_terminated_at_commit_is_honest_about_the_outcome(pg_site, committed):
    draft = pg_factory(pg_site).draft()
    client = pg_site.test_client()
    dialect = db.engine.dialect
    real_commit = dialect.do_commit

    def do_commit(dbapi_connection):
        if committed:
            real_commit(dbapi_connection)  # the server committed; the connection then went down
            pg_site.terminate()
            dbapi_connection.execute("SELECT 1")  # the driver learns it here, inside the commit step
        else:
            pg_site.terminate()
            real_commit(dbapi_connection)

    dialect.do_commit = do_commit
    try:
        resp = api_post(client, draft.slug, "pg-commit-1")
    finally:
        del dialect.do_commit
    body = assert_unavailable(resp, saying=UNKNOWN)
    assert NOT_SAVED not in body["error"]["message"]
    assert comment_count() == (1 if committed else 0)
    retry = api_post(client, draft.slug, "pg-commit-1")
    assert retry.status_code == (200 if committed else 201)
    if committed:  # the retry answers the first receipt
        stored = db.session.scalar(select(Comment.receipt_code))
        assert retry.get_json()["receipt_code"] == display(stored)
    assert comment_count() == 1


@pytest.mark.postgres
def test_a_postgres_that_refuses_connections_is_503_and_logged_without_traceback(tmp_path, clock, capsys):
    # Nothing listens on port 1: the window of a restart, when connections are refused.
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/test",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SEARCH_INDEX_DIR": str(tmp_path / "index"),
            "CLOCK": clock,
            "PAGE_CACHE_SECONDS": 0,
            **CHEAP_HASHING,
        }
    )
    app.test_client_class = FreshContextClient
    client = app.test_client()
    capsys.readouterr()
    assert_unavailable(client.get("/api/v1/drafts"))
    # A write refused before its transaction began is "not saved" too.
    assert_unavailable(api_post(client, "x", "refused-1"), saying=NOT_SAVED)
    page = client.get("/")
    assert page.status_code == 503 and "数据库连接中断" in page.get_data(as_text=True)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    warnings = [line for line in lines if line.get("event") == "database unavailable"]
    assert len(warnings) == 3 and all("traceback" not in w for w in warnings)
    assert not any(line.get("status") == 500 for line in lines)
    with app.app_context():
        db.engine.dispose()


@pytest.mark.postgres
def test_a_restart_between_requests_is_unseen_with_the_counters_read_on_kept_connections(pg_site):
    """A gunicorn worker keeps a connection per thread for the change counters (no pre-ping): when a
    restart kills it, the read is made again on a fresh connection, and the visitor sees nothing."""
    draft = pg_factory(pg_site).draft()
    client = pg_site.test_client()
    keep_reader_connections()
    try:
        assert client.get(f"/drafts/{draft.slug}").status_code == 200
        db.session.remove()
        assert pg_site.terminate() >= 1
        assert client.get(f"/drafts/{draft.slug}").status_code == 200
        assert client.get("/api/v1/drafts").status_code == 200
    finally:
        keep_reader_connections(False)
