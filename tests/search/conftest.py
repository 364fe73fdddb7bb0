"""Search fixtures: ``backend`` runs a test on Whoosh and on PostgreSQL; ``make_backend`` gives more
instances on the same storage (a second process's view of the same index).

The PostgreSQL backend uses CONSULT_TEST_DATABASE_URL in the PostgreSQL pass and the README's local
server otherwise, always inside a schema of its own (created for the session and dropped after), so
it never touches the app's tables nor the `public` schema the database pass resets. When no
PostgreSQL answers, its tests skip with the reason (fail under CI=true).

Every test here ends by waiting for the search work its inline drains left to a background thread
(consult/search/background.py), so none of it runs on into the next test's database.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from consult.search.background import wait_for_background
from tests.conftest import TEST_DATABASE_URL, is_postgres, skip_or_fail

LOCAL_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SEARCH_POSTGRES_URL = TEST_DATABASE_URL if is_postgres() else LOCAL_POSTGRES_URL
BACKENDS = ["whoosh", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(autouse=True)
def _background_work_done(request):
    """After each test: its background search work has ended (at most a minute, then it fails), before
    its database is dropped or truncated (the database is set up first, so it is torn down after)."""
    if "database_url" in request.fixturenames:
        request.getfixturevalue("database_url")
    yield
    assert wait_for_background(timeout=60), "background search work still running after a minute"


@pytest.fixture(scope="session")
def search_pg_engine():
    """An engine whose search_path is a schema of its own for this test session."""
    schema = f"search_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(SEARCH_POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:
        admin.dispose()
        skip_or_fail(f"PostgreSQL for the search tests is not reachable at {SEARCH_POSTGRES_URL}: {exc}")
    engine = create_engine(
        SEARCH_POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}", "connect_timeout": 3}
    )
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def make_backend(request, tmp_path):
    """make_backend(**options) → a new backend instance on this test's (empty) storage."""
    made = []
    if request.param == "postgres":
        from consult.search.postgres_backend import PostgresBackend

        engine = request.getfixturevalue("search_pg_engine")
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS search_doc, search_doc_new"))

        def build(**options):
            made.append(PostgresBackend(engine, **options))
            return made[-1]
    else:
        from consult.search.whoosh_backend import WhooshBackend

        folder = str(tmp_path / "search-index")

        def build(**options):
            made.append(WhooshBackend(folder, **options))
            return made[-1]

    build.name = request.param
    yield build
    for instance in made:
        instance.close()


@pytest.fixture
def backend(make_backend):
    """A search backend with nothing indexed, once per backend kind."""
    return make_backend()
