"""The index follows the database through the outbox: nothing lost, one writer, repairable."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.drafts.operations import add_version
from consult.extensions import db
from consult.models import Comment, Draft, OutboxEvent
from consult.search import drain as drain_module
from consult.search.base import Query
from consult.search.drain import drain, pending_count
from consult.search.service import backend
from tests.conftest import is_postgres
from tests.factories import SAMPLE_TEXT


@pytest.fixture
def app(make_app):
    # The PostgreSQL pass runs these with the postgres backend, the SQLite pass with Whoosh.
    app = make_app(SEARCH_DRAIN_INLINE=True, SEARCH_BACKEND="postgres" if is_postgres() else "whoosh")
    with app.app_context():
        yield app
        db.session.remove()


def public_ids(text: str) -> set[str]:
    return {f"{h.kind}:{h.id}" for h in backend().search(Query(text=text, per_page=50)).hits}


def staff_ids(text: str) -> set[int]:
    found = backend().search(Query(text=text, public_only=False, kind="comment", per_page=50))
    return {h.id for h in found.hits}


def set_status(comment_id: int, status: str) -> None:
    end_read()
    with write_transaction() as session:
        session.get(Comment, comment_id).status = status


def test_each_change_is_searchable_after_its_commit(app, factory):
    draft = factory.draft()
    comment = factory.comment(draft, body="建议延长书房的开放时间到晚上十点。")
    assert pending_count() == 0  # drained after the commit
    assert comment.id in staff_ids("开放时间")  # staff find every comment
    assert f"comment:{comment.id}" not in public_ids("开放时间")  # the public only published ones
    set_status(comment.id, "published")
    assert f"comment:{comment.id}" in public_ids("开放时间")
    set_status(comment.id, "rejected")  # taken down
    assert f"comment:{comment.id}" not in public_ids("开放时间")
    assert comment.id in staff_ids("开放时间")
    assert "article:" in " ".join(public_ids("本条例"))  # the draft's articles are there too


def test_a_new_version_replaces_the_articles_in_the_index(app, factory):
    draft = factory.draft()
    slug, second = draft.slug, draft.current_version.texts[1].article_id
    assert f"article:{second}" in public_ids("行政区域")
    revised = SAMPLE_TEXT.replace(
        "第二条　本条例适用于本市行政区域内的示例管理活动。", "第二条　示例场所应当在夜间开放。"
    )
    end_read()
    add_version(None, CLI, slug, revised)
    assert public_ids("行政区域") == set()  # the old text of 第二条 is gone from the index
    assert any(k.startswith("article:") for k in public_ids("夜间开放"))


def test_a_failed_drain_leaves_the_rows_and_the_next_one_repairs(app, factory, monkeypatch):
    draft = factory.draft()
    real = type(backend()).index
    calls = {"n": 0}

    def fail_once(self, docs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disk full")
        return real(self, docs)

    monkeypatch.setattr(type(backend()), "index", fail_once)
    comment = factory.comment(draft, body="关于扬尘治理的一条意见。")  # the inline drain fails: logged
    end_read()
    row = db.session.scalar(
        select(OutboxEvent).where(
            OutboxEvent.kind == "search.index",  # the comment's grouping row is another (groups.update)
            OutboxEvent.target_type == "comment",
            OutboxEvent.target_id == comment.id,
        )
    )
    assert row.processed_at is None and row.attempts == 1 and "disk full" in row.last_error
    assert comment.id not in staff_ids("扬尘治理")
    end_read()
    assert drain().events >= 1
    assert comment.id in staff_ids("扬尘治理") and pending_count() == 0


def test_one_writer_at_a_time(app, factory):
    draft = factory.draft()
    app.config["SEARCH_DRAIN_INLINE"] = False
    for i in range(30):
        factory.comment(draft, body=f"第{i}条关于停车收费的意见。")
    assert pending_count() > 0
    results, errors = [], []

    def run():
        with app.app_context():
            try:
                results.append(drain())
            except Exception as exc:  # pragma: no cover - the assertion below shows it
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.events for r in results) >= 30
    assert pending_count() == 0
    assert len(staff_ids("停车收费")) == 30


def test_reindex_and_check_find_and_repair_a_broken_index(app, factory, runner):
    draft = factory.draft()
    comments = [
        factory.comment(draft, body=f"关于公园夜间照明的第{i}条意见。", status="published") for i in range(3)
    ]
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0 and "一致" in result.output
    engine = backend()
    engine.remove([f"comment:{comments[0].id}"])  # lost
    from consult.search.base import Doc

    engine.index([Doc(kind="comment", id=999_999, draft_id=draft.id, text="幽灵意见", public=True)])  # extra
    end_read()
    with write_transaction() as session:  # changed behind the index's back (no outbox row)
        session.execute(
            Comment.__table__.update().where(Comment.id == comments[1].id).values(body="内容被直接改掉了。")
        )
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert f"comment:{comments[0].id}" in result.output and "comment:999999" in result.output
    assert f"comment:{comments[1].id}" in result.output
    result = runner.invoke(args=["search", "check", "--repair"])
    assert result.exit_code == 0 and "已修复" in result.output
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    assert "comment:999999" not in public_ids("幽灵意见")
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "已重建索引" in result.output
    assert f"comment:{comments[2].id}" in public_ids("夜间照明")


def test_bulk_writes_queue_their_own_rows(app, factory):
    from consult.demo.synthetic import add_synthetic_comments

    draft = factory.draft()
    app.config["SEARCH_DRAIN_INLINE"] = False
    end_read()
    add_synthetic_comments(20, status="published", draft_slug=draft.slug)
    end_read()
    assert db.session.scalar(
        select(func.count()).select_from(OutboxEvent).where(OutboxEvent.target_type == "draft")
    )
    drain()
    assert len(staff_ids("意见")) >= 20


def test_the_drain_does_not_start_itself_again(app, factory, monkeypatch):
    draft = factory.draft()
    depth = {"now": 0, "max": 0}
    real = drain_module._apply

    def counting(events, result):
        depth["now"] += 1
        depth["max"] = max(depth["max"], depth["now"])
        try:
            return real(events, result)
        finally:
            depth["now"] -= 1

    monkeypatch.setattr(drain_module, "_apply", counting)
    factory.comment(draft, body="一条意见")
    assert depth["max"] == 1


LOCK_HOLDER = """
import json, sys, time
sys.path.insert(0, {root!r})
from consult import create_app
from consult.search.drain import writer_lock
app = create_app(json.loads({config!r}))
with app.app_context():
    with writer_lock(wait=True):
        print("locked", flush=True)
        time.sleep(60)
"""


def test_a_killed_worker_neither_blocks_the_next_one_nor_loses_rows(app, factory):
    """The lock dies with the process (flock / advisory lock), and undrained rows are still there."""
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT_DIR

    draft = factory.draft()
    app.config["SEARCH_DRAIN_INLINE"] = False
    comment = factory.comment(draft, body="关于农贸市场活禽交易的意见。")
    config = {
        key: app.config[key]
        for key in ("SQLALCHEMY_DATABASE_URI", "SEARCH_BACKEND", "SEARCH_INDEX_DIR", "SECRET_KEY")
    }
    config["INSTANCE_PATH"] = app.instance_path
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER.format(root=ROOT_DIR, config=json.dumps(config))],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert drain().locked_out  # a second writer stays out while the first lives
        holder.kill()  # SIGKILL: no clean-up runs
        holder.wait(timeout=10)
        result = drain(wait=True)
        assert not result.locked_out and result.events >= 1
        assert comment.id in staff_ids("活禽交易") and pending_count() == 0
    finally:
        holder.kill()


def test_reindex_while_writing_loses_nothing(app, factory):
    from consult.search.maintenance import check, reindex

    draft_id = factory.draft().id
    errors = []

    def write_many():
        with app.app_context():  # its own session: never touch the main thread's objects
            try:
                draft = db.session.get(Draft, draft_id)
                for i in range(15):
                    factory.comment(draft, body=f"重建索引期间写入的第{i}条关于河道保洁的意见。")
            except Exception as exc:  # pragma: no cover - shown by the assertion
                errors.append(exc)
            finally:
                db.session.remove()

    writer = threading.Thread(target=write_many)
    writer.start()
    for _ in range(3):
        reindex()
    writer.join()
    assert errors == []
    drain(wait=True)  # rows whose inline drain found the lock taken
    assert check().clean
    assert len(staff_ids("河道保洁")) == 15


def test_an_import_queues_one_row_per_opinion(app, factory):
    """So a drain after the confirming request indexes a bounded slice, never a whole batch at once."""
    from consult.context import CLI
    from consult.intake.importing import BatchRequest, import_batch

    draft = factory.draft()
    factory.contact_point("dongguan")
    app.config["SEARCH_DRAIN_INLINE"] = False
    rows = "条款,意见内容\n" + "".join(f"第一条,关于社区图书角的第{i}条意见。\n" for i in range(30))
    end_read()
    outcome = import_batch(
        None,
        CLI,
        BatchRequest(draft=draft.slug, filename="a.csv", data=rows.encode(), contact_point="dongguan"),
    )
    end_read()
    queued = db.session.scalars(
        select(OutboxEvent.target_id).where(
            OutboxEvent.target_type == "comment", OutboxEvent.processed_at.is_(None)
        )
    ).all()
    imported = db.session.scalars(select(Comment.id).where(Comment.batch_id == outcome.batch_id)).all()
    assert sorted(queued) == sorted(imported) and len(imported) == 30
    drain()
    assert len(staff_ids("社区图书角")) == 30
