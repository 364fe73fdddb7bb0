"""The rewrite of the segments that hold withdrawn text runs off the request path (issue 14, point 6).

A take-down or a masked copy marks the old copy deleted at once (no search finds it) and records its
key; with the drain inline, a background thread of the process rewrites the segments afterwards, so the
moderator's request does not wait for it; `search worker` does it between drains, one segment at a
time. A crash between the drain and the rewrite leaves the record, and the next run completes it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from consult.extensions import db
from consult.models import Comment
from consult.search import whoosh_withdrawal
from consult.search.background import background_running, wait_for_background
from consult.search.base import Query
from consult.search.drain import drain, rewrites_pending
from consult.search.maintenance import reindex
from consult.search.service import backend
from consult.search.whoosh_backend import WhooshBackend
from tests.conftest import ROOT_DIR, csrf_token_from
from tests.search.test_withdrawal import PHONE, RARE, assert_nowhere, index_contents, set_fields

TAKEN_DOWN = "qwertyzzk"


@pytest.fixture
def app(make_app):
    app = make_app(SEARCH_DRAIN_INLINE=True, SEARCH_BACKEND="whoosh")
    with app.app_context():
        yield app
        db.session.remove()


def copies(folder: Path, comment_id: int) -> list[dict]:
    """The stored fields of every copy of a comment in the index's files, deleted ones included."""
    return [fields for fields in index_contents(folder)[2] if fields["key"] == f"comment:{comment_id}"]


def _published(factory, body: str) -> Comment:
    comment = factory.comment(factory.draft(), body=body, status="published")
    assert wait_for_background(timeout=60)
    return comment


def test_a_take_down_returns_before_the_rewrite_then_no_copy_is_left(app, factory, login_as, monkeypatch):
    folder = Path(app.config["SEARCH_INDEX_DIR"])
    comment = _published(factory, f"{TAKEN_DOWN}，电话{PHONE}，公开后才发现问题。")
    factory.comment(comment.draft, body="另一条已公开的意见。", status="published")
    assert wait_for_background(timeout=60)
    assert PHONE.encode() in index_contents(folder)[0]

    real = whoosh_withdrawal._rewrite_one
    release, started = threading.Event(), threading.Event()
    threads: list[str] = []

    def held(*args):
        threads.append(threading.current_thread().name)
        started.set()
        assert release.wait(60), "the test never released the rewrite"
        return real(*args)

    monkeypatch.setattr(whoosh_withdrawal, "_rewrite_one", held)
    staff = login_as("staff")
    token = csrf_token_from(staff.get("/admin/moderation").data)
    resp = staff.post(
        f"/admin/comments/{comment.id}/moderate",
        data={"csrf_token": token, "action": "reject", "reason": "含有个人信息"},
    )
    try:
        assert resp.status_code == 303  # answered while the rewrite is still held
        assert started.wait(30) and background_running()
        assert threads and threads[0] != threading.current_thread().name
        assert threads[0].startswith("search-background")
        assert rewrites_pending() == 1
        # Already out of the public results: the old copy is marked deleted by the request's drain.
        assert backend().search(Query(text=TAKEN_DOWN)).total == 0
        assert len(copies(folder, comment.id)) == 2  # the public copy still in a file until the rewrite
        assert app.test_client().get("/healthz").get_json()["search_rewrites_pending"] == 1
    finally:
        release.set()
    assert wait_for_background(timeout=60)
    assert len(copies(folder, comment.id)) == 1  # the rejected copy only, which the public never sees
    assert rewrites_pending() == 0
    assert app.test_client().get("/healthz").get_json()["search_rewrites_pending"] == 0
    found = backend().search(Query(text=TAKEN_DOWN, public_only=False))
    assert [hit.id for hit in found.hits] == [comment.id]  # staff still find the rejected comment


def test_a_crash_between_the_drain_and_the_rewrite_is_completed_next_time(app, factory, monkeypatch):
    folder = Path(app.config["SEARCH_INDEX_DIR"])
    comment = _published(factory, f"{RARE}，电话{PHONE}。")
    factory.comment(comment.draft, body="第二条意见。", status="published")
    assert wait_for_background(timeout=60)
    real = whoosh_withdrawal._rewrite_one

    def crash(*args):
        raise OSError("the process died here")

    monkeypatch.setattr(whoosh_withdrawal, "_rewrite_one", crash)
    set_fields(comment.id, masked_body="***，电话***********。")
    assert wait_for_background(timeout=60)  # the thread failed (logged) and ended
    assert rewrites_pending() == 1 and PHONE.encode() in index_contents(folder)[0]
    assert backend().search(Query(text=PHONE)).total == 0

    monkeypatch.setattr(whoosh_withdrawal, "_rewrite_one", real)
    factory.comment(comment.draft, body="之后的一条新意见。", status="published")  # the next drain
    assert wait_for_background(timeout=60)
    assert rewrites_pending() == 0
    assert_nowhere(folder, PHONE, RARE)


def test_the_worker_drains_then_rewrites_one_segment_at_a_time(app, factory, runner, monkeypatch):
    from consult import cli  # its drain and rewrite step, watched in the order the worker calls them
    from consult.search import whoosh_writing  # the size of a rebuild's segments, made small here

    monkeypatch.setattr(whoosh_writing, "SEGMENT_DOCS", 2)
    app.config["SEARCH_DRAIN_INLINE"] = False
    folder = Path(app.config["SEARCH_INDEX_DIR"])
    draft = factory.draft()
    first = factory.comment(draft, body=f"{RARE}第一条意见。", status="published")
    factory.comment(draft, body="第二条意见。", status="published")
    factory.comment(draft, body="第三条意见。", status="published")
    last = factory.comment(draft, body=f"电话{PHONE}第四条意见。", status="published")
    reindex()  # two segments of two comments, plus the articles' own
    set_fields(first.id, status="rejected", moderation_reason="违法")
    set_fields(last.id, masked_body="电话***********第四条意见。")
    assert not background_running() and PHONE.encode() in index_contents(folder)[0]

    calls: list[str] = []
    real_drain, real_step = cli.drain, cli.rewrite_step

    def drain(**kwargs):
        result = real_drain(**kwargs)
        calls.append(f"drain {result.events}")
        return result

    def step(**kwargs):
        done = real_step(**kwargs)
        calls.append(f"rewrite {done}")
        return done

    monkeypatch.setattr(cli, "drain", drain)
    monkeypatch.setattr(cli, "rewrite_step", step)
    result = runner.invoke(args=["search", "worker", "--once"])
    assert result.exit_code == 0, result.output
    # The two comments sit in two segments: drain, one segment, drain, the other, drain, done.
    assert calls == ["drain 2", "rewrite True", "drain 0", "rewrite True", "drain 0", "rewrite False"]
    assert result.output.count("已重写") == 2
    assert_nowhere(folder, PHONE)
    assert len(copies(folder, first.id)) == 1  # the taken-down comment's public copy is gone
    assert rewrites_pending() == 0


def test_search_check_reports_pending_rewrites_and_repair_does_them(app, factory, runner):
    app.config["SEARCH_DRAIN_INLINE"] = False
    folder = Path(app.config["SEARCH_INDEX_DIR"])
    draft = factory.draft()
    comment = factory.comment(draft, body=f"电话{PHONE}的意见。", status="published")
    factory.comment(draft, body="另一条意见。", status="published")
    assert runner.invoke(args=["search", "worker", "--once"]).exit_code == 0
    set_fields(comment.id, masked_body="电话***********的意见。")
    drain(wait=True)  # as a request's drain does, without the thread: the key recorded, not rewritten
    assert rewrites_pending() == 1
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
    assert "等待重写索引段的撤回文档：1" in result.output
    result = runner.invoke(args=["search", "check", "--repair"])
    assert result.exit_code == 0 and "等待重写" not in result.output
    assert rewrites_pending() == 0
    assert_nowhere(folder, PHONE)


KILLED_MID_REWRITE = """
import os, sys
sys.path.insert(0, {root!r})
from consult.search import whoosh_withdrawal
from consult.search.whoosh_backend import WhooshBackend

real = whoosh_withdrawal._rewrite

def dying(segment_id):
    policy = real(segment_id)

    def copy_then_die(writer, segments):
        kept = policy(writer, segments)  # the live documents copied into the new segment's files
        os._exit(9)  # the process ends before Whoosh writes the new table of contents

    return copy_then_die

whoosh_withdrawal._rewrite = dying
WhooshBackend({folder!r}).rewrite_step()
"""


def test_a_process_killed_mid_rewrite_leaves_a_valid_index_and_the_record(tmp_path):
    from tests.search.test_withdrawal import _doc  # the same small documents

    folder = tmp_path / "index"
    engine = WhooshBackend(str(folder))
    try:
        engine.index([_doc(1, f"第1条意见，电话{PHONE}"), _doc(2, "第2条意见")])
        engine.index([_doc(3, "第3条意见")])
        engine.index([_doc(1, "第1条意见，电话***********")])
        died = subprocess.run(
            [sys.executable, "-c", KILLED_MID_REWRITE.format(root=ROOT_DIR, folder=str(folder))],
            timeout=120,
        )
        assert died.returncode == 9
        assert json.loads((folder / "WITHDRAWN").read_text()) == ["comment:1"]
        assert engine.search(Query(text="意见")).total == 3  # the index is whole
        assert engine.search(Query(text=PHONE)).total == 0
        while engine.rewrite_step():  # the next run (here: this process) completes it
            pass
        assert_nowhere(folder, PHONE)
        assert engine.search(Query(text="意见")).total == 3
        assert not (folder / "WITHDRAWN").exists()
    finally:
        engine.close()


REWRITER = """
import sys
sys.path.insert(0, {root!r})
from consult.search.whoosh_backend import WhooshBackend

engine = WhooshBackend({folder!r}, lock_timeout=60)
steps = 0
while engine.rewrite_step():
    steps += 1
print(steps)
"""


def test_two_processes_rewriting_at_once_take_turns(tmp_path, monkeypatch):
    """Several gunicorn workers may each start a thread: the writer lock makes them take turns, and
    between them every segment is rewritten once."""
    from consult.search import whoosh_writing  # the size of a rebuild's segments, made small here
    from tests.search.test_withdrawal import _doc  # the same small documents

    monkeypatch.setattr(whoosh_writing, "SEGMENT_DOCS", 2)
    folder = tmp_path / "index"
    engine = WhooshBackend(str(folder))
    try:
        engine.rebuild([_doc(n, f"第{n}条意见，电话{PHONE}{n}") for n in range(1, 9)])  # 4 segments
        engine.index([_doc(n, f"第{n}条意见，电话***********{n}") for n in (1, 3, 5, 7)])
        assert engine.rewrites_pending() == 4
        script = REWRITER.format(root=ROOT_DIR, folder=str(folder))
        workers = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)]
        workers.append(subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True))
        steps = [int(worker.communicate(timeout=300)[0]) for worker in workers]
        assert [worker.returncode for worker in workers] == [0, 0]
        assert sum(steps) == 4  # each of the four segments once, by one or the other
        assert engine.rewrites_pending() == 0
        assert_nowhere(folder, *(f"{PHONE}{n}" for n in (1, 3, 5, 7)))
        assert engine.search(Query(text="意见")).total == 8
    finally:
        engine.close()
