"""Migrations: one head; upgrading an empty database gives exactly the models' schema."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, Table, create_engine, insert, inspect, text

from consult.extensions import db
from tests.conftest import TEST_DATABASE_URL, is_postgres, reset_postgres_schema


def _script(app):
    config = app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config)


def test_there_is_a_single_head(app):
    assert len(_script(app).get_heads()) == 1


@pytest.fixture
def empty_database(tmp_path, database_template):
    """An empty database of the pass's kind (the shared PostgreSQL one is rebuilt afterwards)."""
    if is_postgres():
        reset_postgres_schema(TEST_DATABASE_URL)
        yield TEST_DATABASE_URL
        reset_postgres_schema(TEST_DATABASE_URL)
        from tests.conftest import _migrate

        _migrate(TEST_DATABASE_URL, tmp_path / "inst")
    else:
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"


def _checks(inspector, table):
    return sorted((c["name"], " ".join(c["sqltext"].split())) for c in inspector.get_check_constraints(table))


def _uniques(inspector, table):
    return sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table))


def test_upgrading_an_empty_database_gives_exactly_the_models_schema(make_app, empty_database, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata
            )
            assert diff == [], diff
            migrated = inspect(conn)
            tables = set(db.metadata.tables)
            assert set(migrated.get_table_names()) - {"alembic_version"} == tables
            # Alembic does not compare check constraints: compare them (and uniques) with a create_all twin.
            twin_url = f"sqlite:///{tmp_path / 'twin.sqlite'}"
            if not is_postgres():
                twin = create_engine(twin_url)
                db.metadata.create_all(twin)
                with twin.connect() as tconn:
                    expected = inspect(tconn)
                    for table in sorted(tables):
                        assert _checks(migrated, table) == _checks(expected, table), table
                        assert _uniques(migrated, table) == _uniques(expected, table), table
                twin.dispose()
            else:
                for table in sorted(tables):
                    model_checks = {
                        c.name
                        for c in db.metadata.tables[table].constraints
                        if c.__class__.__name__ == "CheckConstraint"
                    }
                    assert {name for name, _ in _checks(migrated, table)} == model_checks, table
        db.engine.dispose()


def test_downgrade_to_base_and_up_again(make_app, empty_database):
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        upgrade()
        db.engine.dispose()


def test_names_heard_by_contact_points_become_not_public(make_app, empty_database):
    """Before the consent column, every name was shown; from it on, only those the person agreed to."""
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database)
    with app.app_context():
        upgrade(revision="3f3034910f1c")
        now = datetime(2026, 11, 20, 4, tzinfo=UTC)
        with db.engine.begin() as conn:
            meta = MetaData()
            draft, version, comment = (
                Table(name, meta, autoload_with=conn) for name in ("draft", "draft_version", "comment")
            )
            conn.execute(
                insert(draft).values(
                    id=1,
                    slug="d",
                    title="t",
                    summary="",
                    show_comments=True,
                    created_at=now,
                    updated_at=now,
                    version=1,
                )
            )
            conn.execute(
                insert(version).values(id=1, draft_id=1, number=1, label="", source_text="", created_at=now)
            )
            for number, channel in enumerate(("web", "contact_point", "letter", "deputy", "expert"), 1):
                conn.execute(
                    insert(comment).values(
                        id=number,
                        draft_id=1,
                        version_id=1,
                        body="一条意见",
                        channel=channel,
                        status="published",
                        receipt_code=f"code{number}",
                        author_name="某某",
                        notify=False,
                        submitted_at=now,
                        version=1,
                    )
                )
        upgrade()
        with db.engine.connect() as conn:
            found = dict(conn.execute(text("SELECT channel, name_public FROM comment")).all())
        assert found == {"web": True, "contact_point": False, "letter": True, "deputy": True, "expert": True}
        downgrade(revision="3f3034910f1c")  # a plain DROP COLUMN: the comments stay
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM comment")).scalar() == 5
        upgrade()
        db.engine.dispose()


def test_publications_made_before_the_kept_summaries_keep_their_undecided_comments(make_app, empty_database):
    """The JSON list of a publication's undecided comments becomes rows (a comment gone since is left
    out); the summary is left to `feedback rebuild-reports` (participants NULL)."""
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database)
    with app.app_context():
        upgrade(revision="baf1ec66a2c8")
        now = datetime(2026, 11, 20, 4, tzinfo=UTC)
        with db.engine.begin() as conn:
            meta = MetaData()
            draft, version, comment, publication = (
                Table(name, meta, autoload_with=conn)
                for name in ("draft", "draft_version", "comment", "feedback_publication")
            )
            conn.execute(
                insert(draft).values(
                    id=1,
                    slug="d",
                    title="t",
                    summary="",
                    show_comments=True,
                    created_at=now,
                    updated_at=now,
                    version=1,
                )
            )
            conn.execute(
                insert(version).values(id=1, draft_id=1, number=1, label="", source_text="", created_at=now)
            )
            for number in (1, 2, 3):
                conn.execute(
                    insert(comment).values(
                        id=number,
                        draft_id=1,
                        version_id=1,
                        body="一条意见",
                        channel="web",
                        status="published",
                        receipt_code=f"code{number}",
                        author_name="",
                        notify=False,
                        submitted_at=now,
                        version=1,
                        name_public=True,
                    )
                )
            for number, undecided in ((1, [1, 2, 9]), (2, [])):
                conn.execute(
                    insert(publication).values(
                        id=number,
                        draft_id=1,
                        number=number,
                        published_at=now,
                        revision_note="",
                        undecided_comment_ids=undecided,
                    )
                )
        upgrade(revision="7c3e9a1d5b20")
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT publication_id, comment_id FROM published_undecided")).all()
            kept = conn.execute(text("SELECT participants FROM feedback_publication")).scalars().all()
        assert sorted(rows) == [(1, 1), (1, 2)] and kept == [None, None]
        downgrade(revision="baf1ec66a2c8")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM feedback_publication")).scalar() == 2
        upgrade()
        db.engine.dispose()


def test_new_roles_keep_every_token_and_every_reference_to_an_account(make_app, empty_database):
    """The role CHECK changes by copying the user table (batch mode on SQLite): with foreign keys on, the
    old table's DROP would delete every API token (CASCADE) and forget every comment's moderator."""
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database)
    with app.app_context():
        upgrade(revision="a3c5e7f9b1d2")
        now = datetime(2026, 11, 20, 4, tzinfo=UTC)
        with db.engine.begin() as conn:
            meta = MetaData()
            user, token, point, draft, version, comment = (
                Table(name, meta, autoload_with=conn)
                for name in ("user", "api_token", "contact_point", "draft", "draft_version", "comment")
            )
            conn.execute(insert(point).values(id=1, slug="p1", name="某联系点", created_at=now))
            conn.execute(
                insert(user).values(
                    id=1,
                    username="s",
                    display_name="s",
                    password_hash="x",
                    role="staff",
                    active=True,
                    session_nonce="n",
                    created_at=now,
                )
            )
            conn.execute(
                insert(user).values(
                    id=2,
                    username="op",
                    display_name="op",
                    password_hash="x",
                    role="contact_point",
                    contact_point_id=1,
                    active=True,
                    session_nonce="n",
                    created_at=now,
                )
            )
            conn.execute(insert(token).values(id=1, user_id=1, token_hash="h", name="t", created_at=now))
            conn.execute(
                insert(draft).values(
                    id=1,
                    slug="d",
                    title="t",
                    summary="",
                    show_comments=True,
                    created_at=now,
                    updated_at=now,
                    version=1,
                    short_code="abc234",
                )
            )
            conn.execute(
                insert(version).values(id=1, draft_id=1, number=1, label="", source_text="", created_at=now)
            )
            conn.execute(
                insert(comment).values(
                    id=1,
                    draft_id=1,
                    version_id=1,
                    body="一条意见",
                    channel="contact_point",
                    status="published",
                    receipt_code="c1",
                    notify=False,
                    submitted_at=now,
                    version=1,
                    name_public=False,
                    moderated_by_id=1,
                    contact_point_id=1,
                )
            )
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM api_token")).scalar() == 1
            assert conn.execute(text("SELECT moderated_by_id, contact_point_id FROM comment")).one() == (1, 1)
            assert conn.execute(text('SELECT contact_point_id FROM "user" WHERE id = 2')).scalar() == 1
            assert conn.execute(text("SELECT kind FROM contact_point")).scalar() == "legislative"
        with db.engine.begin() as conn:  # the new roles are allowed now
            conn.execute(
                text(
                    'INSERT INTO "user" (id, username, display_name, password_hash, role, active,'
                    " session_nonce, created_at, email)"
                    " VALUES (3, 'd', '张代表', 'x', 'deputy', :t, 'n', :now, 'd@example.com')"
                ),
                {"now": now, "t": True},
            )
        downgrade(revision="a3c5e7f9b1d2")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM api_token")).scalar() == 1
            assert conn.execute(text("SELECT moderated_by_id FROM comment")).scalar() == 1
            assert conn.execute(text('SELECT count(*) FROM "user"')).scalar() == 2
        upgrade()
        db.engine.dispose()
