"""Fixtures: app, client, runner, a fresh database per test, factories, and sign-in as each role.

The same suite runs on SQLite (default) and on PostgreSQL when CONSULT_TEST_DATABASE_URL is set.
Under CI=true, a browser, PostgreSQL or Redis test that would skip fails instead.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, text

# The suite decides its own settings; a developer's CONSULT_* variables must not leak in.
for _name in list(os.environ):
    if _name.startswith("CONSULT_") and _name != "CONSULT_TEST_DATABASE_URL":
        del os.environ[_name]

from consult import create_app  # noqa: E402
from consult.clock import FrozenClock  # noqa: E402
from consult.extensions import db  # noqa: E402
from consult.search.background import wait_for_background  # noqa: E402

ROOT_DIR = str(Path(__file__).resolve().parent.parent)
TEST_DATABASE_URL = os.environ.get("CONSULT_TEST_DATABASE_URL") or None
IN_CI = os.environ.get("CI") == "true"
# A fixed, ordinary moment: Friday 27 November 2026, 10:00 in Beijing.
DEFAULT_NOW = datetime.fromisoformat("2026-11-27T10:00:00+08:00")
CHEAP_HASHING = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8}


def skip_or_fail(reason: str) -> None:
    """Skip with a reason; under CI=true a missing browser or service is a failure, not a skip."""
    if IN_CI:
        pytest.fail(f"CI=true: {reason}")
    pytest.skip(reason)


def is_postgres() -> bool:
    """Whether this pass runs on PostgreSQL."""
    return bool(TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql"))


def _migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance), **CHEAP_HASHING})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def reset_postgres_schema(url: str) -> None:
    """Drop every table (and the migration record) of a PostgreSQL test database."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory) -> str:
    """Migrate once per run: a SQLite file to copy per test, or the PostgreSQL database itself."""
    instance = tmp_path_factory.mktemp("template-instance")
    if TEST_DATABASE_URL:
        try:
            reset_postgres_schema(TEST_DATABASE_URL)
        except Exception as exc:  # pragma: no cover - depends on the machine
            skip_or_fail(f"PostgreSQL at CONSULT_TEST_DATABASE_URL is not reachable: {exc}")
        _migrate(TEST_DATABASE_URL, instance)
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("template-db") / "template.sqlite"
    _migrate(f"sqlite:///{path}", instance)
    return str(path)


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
        if tables:
            conn.execute(
                text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
            )
    engine.dispose()


@pytest.fixture
def database_url(database_template, tmp_path) -> str:
    """A fresh database for one test."""
    if TEST_DATABASE_URL:
        yield database_template
        _truncate_all(database_template)
        return
    target = tmp_path / "consult.sqlite"
    shutil.copyfile(database_template, target)
    yield f"sqlite:///{target}"


@pytest.fixture
def clock() -> FrozenClock:
    """The injected clock; advance it instead of sleeping."""
    return FrozenClock(DEFAULT_NOW)


class FreshContextClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    Flask reuses an app context that is already pushed (the `app` fixture pushes one for the test's
    own reads), which would share `g` (CSRF token, signed-in user) and the database session
    between requests.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def make_app(database_url, tmp_path, clock):
    """Build an app on the test database with extra settings."""
    apps = []

    def build(**overrides):
        config = {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SEARCH_INDEX_DIR": str(tmp_path / "index"),
            "CLOCK": clock,
            "PAGE_CACHE_SECONDS": 0,  # tests see every change at once; tests/web/test_cache.py turns it on
            # The search index follows commits only where a test asks for it (tests/search/): indexing
            # after every factory write would slow the whole suite down.
            "SEARCH_DRAIN_INLINE": False,
            "GROUPS_DRAIN_INLINE": False,  # likewise the grouping of similar comments (tests/groups/)
            **CHEAP_HASHING,
            **overrides,
        }
        app = create_app(config)
        app.test_client_class = FreshContextClient
        apps.append(app)
        return app

    yield build
    # A take-down drained inline leaves its index rewrite to a background thread: let it finish before
    # the test's database and index folder go away.
    wait_for_background(timeout=120)
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    """The app, with an application context pushed for the test's own reads."""
    app = make_app()
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    """An anonymous browser-like client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """The `flask` command line."""
    return app.test_cli_runner()


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token_from(html: bytes | str) -> str:
    """The CSRF token a page carries in its meta tag."""
    text_ = html.decode() if isinstance(html, bytes) else html
    match = CSRF_META.search(text_)
    assert match, "page has no csrf-token meta tag"
    return match.group(1)


@pytest.fixture
def factory(app):
    """Factory helpers that create rows through the real operations."""
    from tests import factories

    return factories.Factory(app)


@pytest.fixture
def login_as(app, factory):
    """login_as("staff" | "admin" | "contact_point", point=...) → a client signed in through /login."""

    def sign_in(role: str, username: str | None = None, point: str | None = None):
        user, password = factory.user(role, username=username, point=point)
        c = app.test_client()
        token = csrf_token_from(c.get("/login").data)
        resp = c.post("/login", data={"username": user.username, "password": password, "csrf_token": token})
        assert resp.status_code == 303, resp.data[:500]
        c.user = user
        return c

    return sign_in


DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _maintenance_url():
    """Where to run CREATE/DROP DATABASE: the PostgreSQL test server when one is configured."""
    from sqlalchemy.engine import make_url  # only the multi-process tests need it

    configured = os.environ.get("CONSULT_TEST_DATABASE_URL")
    if configured and make_url(configured).get_backend_name() == "postgresql":
        return make_url(configured)
    return make_url(DEFAULT_POSTGRES)


@contextlib.contextmanager
def scratch_postgres_database(prefix: str = "consult_scratch"):
    """A PostgreSQL database of its own, created for a test (or a module) and dropped after."""
    maintenance_url = _maintenance_url()
    admin = create_engine(maintenance_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        skip_or_fail(f"PostgreSQL at {maintenance_url.render_as_string()} is not reachable: {exc}")
    try:
        yield maintenance_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def scratch_postgres():
    """A PostgreSQL database of its own, created for the test and dropped after."""
    with scratch_postgres_database("consult_concurrency") as url:
        yield url
