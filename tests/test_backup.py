"""The restore drill: back up a live database while comments keep arriving, restore it into an empty
database, and find every table equal (consult/backup/, `flask --app consult backup create|restore`).

Runs on SQLite and, with CONSULT_TEST_DATABASE_URL, on PostgreSQL (the restore target is a scratch
database, dropped afterwards). On SQLite the drill first shows why a plain file copy is not a backup:
the writer's commits sit in the WAL, and a copy of the main file made after them lacks them.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from consult.backup.manifest import Manifest
from consult.extensions import db
from tests.conftest import TEST_DATABASE_URL, is_postgres

SEED_COMMENTS = 30
WRITTEN_BEFORE_BACKUP = 60
COPY_COMMENT = text(
    'INSERT INTO "comment" (draft_id, version_id, article_id, body, channel, status, receipt_code, notify,'
    " submitted_at, version)"
    " SELECT draft_id, version_id, article_id, body || :suffix, channel, status, :code, notify,"
    ' submitted_at, version FROM "comment" WHERE id = :seed'
)


class Writer(threading.Thread):
    """Another connection committing one comment at a time until told to stop, as the site would."""

    def __init__(self, url: str, seed_id: int):
        super().__init__(daemon=True)
        self.engine = create_engine(url, poolclass=NullPool)
        if self.engine.dialect.name == "sqlite":

            @event.listens_for(self.engine, "connect")
            def _settings(dbapi_connection, _record):
                dbapi_connection.execute("PRAGMA busy_timeout=15000")
                # No checkpoint from this connection: its commits stay in the WAL, as between checkpoints.
                dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")

        self.seed_id = seed_id
        self.committed: list[str] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.engine.connect() as conn:
                while not self.stop.is_set():
                    code = f"W{len(self.committed):015d}"
                    with conn.begin():
                        conn.execute(COPY_COMMENT, {"suffix": code, "code": code, "seed": self.seed_id})
                    self.committed.append(code)  # acknowledged: the commit has returned
        except BaseException as err:  # reported by the test, not lost in the thread
            self.error = err
        finally:
            self.engine.dispose()

    def wait_for(self, n: int) -> None:
        deadline = time.time() + 60
        while len(self.committed) < n and self.error is None and time.time() < deadline:
            time.sleep(0.01)
        assert self.error is None, self.error
        assert len(self.committed) >= n

    def finish(self) -> None:
        self.stop.set()
        self.join(30)
        assert self.error is None, self.error


@pytest.fixture
def empty_database(tmp_path):
    """A database with no tables, of the suite's kind: a new SQLite file or a scratch PostgreSQL database."""
    if not is_postgres():
        yield f"sqlite:///{tmp_path / 'restored' / 'consult.sqlite'}"
        return
    url = make_url(TEST_DATABASE_URL)
    name = f"consult_restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def rows_by_table(url: str) -> dict[str, list[str]]:
    """Every table's rows, each as text, sorted: the test's own comparison, independent of the manifest's."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return {
                table: sorted(repr(tuple(row)) for row in conn.execute(text(f'SELECT * FROM "{table}"')))
                for table in inspect(conn).get_table_names()
            }
    finally:
        engine.dispose()


def receipt_codes(url: str) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return set(conn.execute(text('SELECT receipt_code FROM "comment"')).scalars())
    finally:
        engine.dispose()


def plain_copy_codes(database: Path, copy: Path) -> set[str]:
    """What an operator's `cp consult.sqlite backup/` keeps: the main file only, not the WAL beside it."""
    shutil.copyfile(database, copy)
    with sqlite3.connect(copy) as conn:
        return {code for (code,) in conn.execute('SELECT receipt_code FROM "comment"')}


@pytest.fixture
def live(app, factory, database_url):
    """The test database with a draft and SEED_COMMENTS comments, and a writer to start."""
    draft = factory.draft()
    comments = [factory.comment(draft, body=f"意见 {i}") for i in range(SEED_COMMENTS)]
    db.session.remove()
    return Writer(database_url, comments[0].id)


def test_restore_drill_while_comments_keep_arriving(
    app, make_app, live, database_url, empty_database, tmp_path
):
    backup_dir = tmp_path / "backup"
    live.start()
    try:
        live.wait_for(WRITTEN_BEFORE_BACKUP)
        acknowledged = list(live.committed)  # every one of these commits returned before the backup began
        if not is_postgres():
            in_plain_copy = plain_copy_codes(Path(make_url(database_url).database), tmp_path / "plain.sqlite")
            lost = set(acknowledged) - in_plain_copy
            assert lost, "the writer's commits should still be in the WAL, or this drill proves nothing"
        result = app.test_cli_runner().invoke(args=["backup", "create", str(backup_dir)])
        assert result.exit_code == 0, result.output
        assert live.is_alive()  # the site kept writing throughout
    finally:
        live.finish()
    manifest = json.loads((backup_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["backend"] == ("postgresql" if is_postgres() else "sqlite")
    assert manifest["schema_revision"]
    assert set(manifest["files"]) >= {"instance/secret_key"}

    restored = make_app(
        SQLALCHEMY_DATABASE_URI=empty_database, INSTANCE_PATH=str(tmp_path / "restored-instance")
    )
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["backup", "restore", str(backup_dir)])
        db.session.remove()
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert "search reindex" in result.output

    # Every comment acknowledged before the backup began is there; nothing is there that never existed.
    codes = receipt_codes(empty_database)
    assert set(acknowledged) <= codes
    assert codes <= receipt_codes(database_url)
    # Every table: the manifest's count, and (but for the table the writer kept adding to) the very
    # rows of the live database, compared by the test's own reading.
    source, copy = rows_by_table(database_url), rows_by_table(empty_database)
    assert set(copy) == set(source) == set(manifest["tables"])
    for table, rows in copy.items():
        assert len(rows) == manifest["tables"][table]["rows"], table
        if table == "comment":
            assert set(rows) <= set(source[table])
        else:
            assert rows == source[table], table
    assert len(copy["comment"]) >= SEED_COMMENTS + WRITTEN_BEFORE_BACKUP
    # The generated secret key came back with the instance files (address hashes depend on it).
    original_key = (Path(app.instance_path) / "secret_key").read_text()
    assert (tmp_path / "restored-instance" / "secret_key").read_text() == original_key


def test_restore_refuses_a_database_that_holds_tables(app, factory, tmp_path):
    factory.draft()
    db.session.remove()
    backup_dir = tmp_path / "backup"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", "create", str(backup_dir)]).exit_code == 0
    result = runner.invoke(args=["backup", "restore", str(backup_dir)])
    assert result.exit_code == 2
    assert "目标数据库不是空的" in result.output


def test_a_damaged_backup_is_refused_before_anything_is_written(
    app, factory, make_app, empty_database, tmp_path
):
    factory.draft()
    db.session.remove()
    backup_dir = tmp_path / "backup"
    assert app.test_cli_runner().invoke(args=["backup", "create", str(backup_dir)]).exit_code == 0
    dump = next(p for p in backup_dir.iterdir() if p.name.startswith("database."))
    with dump.open("ab") as fh:
        fh.write(b"\0")
    restored = make_app(
        SQLALCHEMY_DATABASE_URI=empty_database, INSTANCE_PATH=str(tmp_path / "restored-instance")
    )
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["backup", "restore", str(backup_dir)])
        db.engine.dispose()
    assert result.exit_code == 2
    assert "校验和不符" in result.output
    url = make_url(empty_database)
    assert (url.get_backend_name() == "sqlite" and not Path(url.database).exists()) or rows_by_table(
        empty_database
    ) == {}


def test_a_backup_never_writes_into_a_directory_that_holds_files(app, tmp_path):
    backup_dir = tmp_path / "backup"
    backup_dir.mkdir()
    (backup_dir / "earlier.txt").write_text("an operator's file")
    result = app.test_cli_runner().invoke(args=["backup", "create", str(backup_dir)])
    assert result.exit_code == 2
    assert "已存在且不为空" in result.output
    assert [p.name for p in backup_dir.iterdir()] == ["earlier.txt"]


def test_a_backup_that_fails_half_way_leaves_nothing_that_looks_like_one(app, factory, tmp_path, monkeypatch):
    factory.draft()
    db.session.remove()

    def disk_full(self, directory):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Manifest, "write", disk_full)  # after the database and the key were written
    backup_dir = tmp_path / "backup"
    result = app.test_cli_runner().invoke(args=["backup", "create", str(backup_dir)])
    assert result.exit_code == 1
    assert "写入备份失败" in result.output and "No space left on device" in result.output
    assert list(backup_dir.iterdir()) == []


@pytest.mark.skipif(not is_postgres(), reason="pg_dump is for PostgreSQL only")
def test_a_missing_pg_dump_is_named(app, tmp_path):
    nowhere = tmp_path / "no-tools"
    nowhere.mkdir()
    result = app.test_cli_runner().invoke(
        args=["backup", "create", str(tmp_path / "backup"), "--pg-bin", str(nowhere)]
    )
    assert result.exit_code == 1
    assert "找不到 pg_dump" in result.output
