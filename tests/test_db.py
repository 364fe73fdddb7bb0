"""db.py: SQLite connection settings, write_transaction(), and two processes writing at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select, text

from consult.db import NestedWriteError, write_transaction
from consult.extensions import db
from consult.models import AuditLog
from tests.conftest import ROOT_DIR, is_postgres


def test_sqlite_connections_get_wal_busy_timeout_and_foreign_keys(app):
    if is_postgres():
        pytest.skip("SQLite connection settings; this pass runs on PostgreSQL")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == app.config["SQLITE_BUSY_TIMEOUT_MS"]


def test_write_transaction_commits(app):
    with write_transaction() as session:
        session.add(AuditLog(action="test.commit"))
    db.session.remove()
    assert db.session.scalar(select(func.count()).where(AuditLog.action == "test.commit")) == 1


def test_write_transaction_rolls_back_everything_on_error(app):
    with pytest.raises(RuntimeError), write_transaction() as session:
        session.add(AuditLog(action="test.rollback"))
        session.flush()
        raise RuntimeError("boom")
    assert db.session.scalar(select(func.count()).where(AuditLog.action == "test.rollback")) == 0


def test_write_transaction_ends_a_read_and_begins_afresh(app):
    """A door that read first need not end its read: the write begins anew (BEGIN IMMEDIATE on SQLite)."""
    db.session.execute(text("SELECT 1"))
    with write_transaction() as session:
        session.add(AuditLog(action="test.after_read"))
    db.session.remove()
    assert db.session.scalar(select(func.count()).where(AuditLog.action == "test.after_read")) == 1


def test_write_transaction_refuses_unsaved_changes_made_outside_it(app):
    db.session.execute(text("SELECT 1"))
    db.session.add(AuditLog(action="test.stray"))
    with pytest.raises(NestedWriteError), write_transaction():
        pass
    db.session.rollback()


def _run_workers(url: str, instance: str, mode: str, n: int) -> list[subprocess.CompletedProcess]:
    start_at = time.time() + 2.0
    cmd = [sys.executable, "-m", "tests.db_worker", url, instance, str(start_at), str(n), mode]
    procs = [
        subprocess.Popen(cmd, cwd=ROOT_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=180)
        results.append(subprocess.CompletedProcess(cmd, p.returncode, out, err))
    return results


@pytest.mark.once
def test_two_processes_write_at_once_without_database_is_locked(app, database_url, tmp_path):
    n = 60
    results = _run_workers(database_url, str(tmp_path / "instance"), "immediate", n)
    for r in results:
        assert r.returncode == 0, r.stderr[-2000:]
        assert "errors=0" in r.stdout, r.stderr[-2000:]
        assert "locked" not in r.stderr
    db.session.remove()
    assert db.session.scalar(select(func.count()).where(AuditLog.action == "test.write")) == 2 * n


@pytest.mark.once
def test_the_same_writes_without_write_transaction_do_hit_database_is_locked(app, database_url, tmp_path):
    """The control: proves the test above would catch the failure it guards against."""
    if is_postgres():
        pytest.skip("'database is locked' is SQLite's; PostgreSQL has row locks")
    results = _run_workers(database_url, str(tmp_path / "instance"), "deferred", 60)
    assert any("locked" in r.stderr for r in results), [r.stderr[-500:] for r in results]


def test_root_dir_is_the_checkout():
    assert os.path.exists(os.path.join(ROOT_DIR, "wsgi.py"))
