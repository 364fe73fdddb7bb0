"""Withdrawn text leaves the Whoosh index's files, not only its search results (issue 14, point 6).

Whoosh replaces or deletes a document by marking it deleted in the segment that holds it: the segment's
files (term dictionary, postings, stored fields) keep the old text until the segment is rewritten, and
a rebuild keeps the generation it replaced. These tests read every file under the index folder as
bytes, and every segment of every generation through its own reader, deleted documents included.

The write only marks the old copy deleted and records its key; the segments are rewritten later, one
per step (``rewrite_all`` here; after an inline drain, a background thread the tests wait for).
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.models import Comment
from consult.search.background import wait_for_background
from consult.search.base import Doc, Query
from consult.search.maintenance import reindex
from consult.search.service import backend
from consult.search.whoosh_backend import WhooshBackend
from consult.search.whoosh_patches import whoosh_index

PHONE = "13812345678"
RARE = "zyxwquux"  # one analysed token, found in no other text here
RARE_CN = "饕餮"
TAKEN_DOWN = "qwertyzzk"


@pytest.fixture
def app(make_app):
    # Whoosh whatever the database: this is about its files.
    app = make_app(SEARCH_DRAIN_INLINE=True, SEARCH_BACKEND="whoosh")
    with app.app_context():
        yield app
        db.session.remove()


def _segment_readers(folder: Path):
    """A reader on each segment of each generation under ``folder`` (deleted documents still there)."""
    from whoosh.reading import SegmentReader  # whoosh_patches has imported Whoosh quietly by now

    for toc_dir in sorted({p.parent for p in folder.rglob("_MAIN_*.toc")}):
        ix = whoosh_index.open_dir(str(toc_dir))
        for segment in ix._segments():
            yield SegmentReader(ix.storage, ix.schema, segment)


def index_contents(folder: Path) -> tuple[bytes, set[bytes], list[dict]]:
    """Every file's bytes, every term of every segment, and the stored fields of every document
    (deleted ones included), in every generation under ``folder``."""
    raw = b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())
    terms: set[bytes] = set()
    stored: list[dict] = []
    for reader in _segment_readers(folder):
        try:
            terms.update(text for _field, text in reader.all_terms())
            stored += [reader._perdoc.stored_fields(n) for n in range(reader.doc_count_all())]
        finally:
            reader.close()
    return raw, terms, stored


def assert_nowhere(folder: Path, *words: str) -> None:
    raw, terms, stored = index_contents(folder)
    for word in words:
        encoded = word.encode()
        assert encoded not in raw, f"{word} is still in a file of the index"
        assert not any(encoded in term for term in terms), f"{word} is still a term of a segment"
        assert not any(word in (fields.get("text") or "") for fields in stored), f"{word} is still stored"


def rewrite_all(engine: WhooshBackend) -> int:
    """Every pending segment rewrite, one step at a time, as the worker does; returns the segments."""
    steps = 0
    while engine.rewrite_step():
        steps += 1
    assert engine.rewrites_pending() == 0
    return steps


def set_fields(comment_id: int, **values) -> None:
    end_read()
    with write_transaction() as session:
        comment = session.get(Comment, comment_id)
        for name, value in values.items():
            setattr(comment, name, value)


def test_a_masked_copy_and_a_take_down_leave_no_old_copy_in_any_file(app, factory):
    folder = Path(app.config["SEARCH_INDEX_DIR"])
    draft = factory.draft()
    masked = factory.comment(draft, body=f"请打{PHONE}找我，{RARE}，{RARE_CN}的问题要管。")
    taken = factory.comment(draft, body=f"{TAKEN_DOWN}这条意见先公开后撤下。")
    set_fields(masked.id, status="published")
    set_fields(taken.id, status="published")
    reindex()  # the rebuild keeps the generation it replaced: that one holds the original too
    for word in (PHONE, RARE, RARE_CN):
        assert word.encode() in index_contents(folder)[0]  # the test can see what it looks for

    set_fields(masked.id, masked_body="请打***********找我，***，**的问题要管。")
    set_fields(taken.id, status="rejected", moderation_reason="违法")

    assert wait_for_background(timeout=60)  # the inline drains left the rewrites to a thread
    assert backend().rewrites_pending() == 0
    assert_nowhere(folder, PHONE, RARE, RARE_CN)
    _raw, _terms, stored = index_contents(folder)
    copies = [fields for fields in stored if fields["key"] == f"comment:{taken.id}"]
    assert len(copies) == 1  # the published copy is gone; staff still find the rejected one
    found = backend().search(Query(text=TAKEN_DOWN, public_only=False, kind="comment"))
    assert [hit.id for hit in found.hits] == [taken.id]
    assert backend().search(Query(text=TAKEN_DOWN)).total == 0
    assert backend().search(Query(text="的问题要管")).total == 1  # the masked copy is searchable


def test_a_deleted_comment_leaves_no_copy_in_any_file(app, factory):
    folder = Path(app.config["SEARCH_INDEX_DIR"])
    draft = factory.draft()
    comment = factory.comment(draft, body=f"{RARE}请删除我的意见，电话{PHONE}。", status="published")
    factory.comment(draft, body="另一条意见留在索引里。", status="published")
    assert PHONE.encode() in index_contents(folder)[0]
    end_read()
    with write_transaction() as session:
        session.delete(session.get(Comment, comment.id))
    assert wait_for_background(timeout=60)
    assert_nowhere(folder, PHONE, RARE)
    assert backend().search(Query(text="另一条意见")).total == 1


def _doc(n: int, text: str, public: bool = True) -> Doc:
    return Doc(kind="comment", id=n, draft_id=1, text=text, public=public, status="published")


def _segments(engine: WhooshBackend) -> list[str]:
    ix = whoosh_index.open_dir(os.path.join(engine.index_dir, engine._storage.pointer()))
    return sorted(segment.segment_id() for segment in ix._segments())


def test_only_the_segment_that_held_the_withdrawn_text_is_rewritten(tmp_path, monkeypatch):
    from consult.search import whoosh_writing  # the size of a rebuild's segments, made small here

    monkeypatch.setattr(whoosh_writing, "SEGMENT_DOCS", 4)
    engine = WhooshBackend(str(tmp_path / "index"))
    try:
        docs = [_doc(n, f"第{n}条意见关于公园开放时间", public=n != 1) for n in range(1, 13)]
        docs[9] = _doc(10, f"第10条意见，电话{PHONE}")
        engine.rebuild(docs)
        before = _segments(engine)
        assert len(before) == 3  # 12 documents, 4 a segment
        engine.index([replace(docs[0], public=True)])  # published: nothing withdrawn, nothing rewritten
        after_pending = _segments(engine)
        assert set(before) <= set(after_pending)
        engine.index([_doc(10, "第10条意见，电话***********")])
        assert engine.rewrites_pending() == 1  # recorded; the write itself rewrote nothing
        assert set(before) <= set(_segments(engine))  # every rebuilt segment still there, as it was
        assert PHONE.encode() in index_contents(tmp_path / "index")[0]
        assert engine.search(Query(text=PHONE)).total == 0  # but no search finds the old copy
        assert rewrite_all(engine) == 1
        after = _segments(engine)
        assert len(set(before) - set(after)) == 1  # the one segment that held document 10 was rewritten
        assert_nowhere(tmp_path / "index", PHONE)
        assert engine.search(Query(text="开放时间")).total == 11
        assert engine.search(Query(text="第10条意见")).total == 1
    finally:
        engine.close()


def test_an_unpublished_document_leaves_no_public_copy(tmp_path):
    engine = WhooshBackend(str(tmp_path / "index"))
    try:
        engine.index([_doc(1, f"{RARE}意见"), _doc(2, "另一条意见")])
        engine.index([_doc(1, f"{RARE}意见", public=False)])
        rewrite_all(engine)
        _raw, _terms, stored = index_contents(tmp_path / "index")
        assert sorted(fields["key"] for fields in stored) == ["comment:1", "comment:2"]
    finally:
        engine.close()


def _open_deleted_files(folder: Path) -> list[str]:
    """Files under ``folder`` this process still has open (or mapped) after they were deleted."""
    names = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            names.append(os.readlink(f"/proc/self/fd/{fd}"))
    with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
        names += [line.split(maxsplit=5)[-1].strip() for line in maps if str(folder) in line]
    return [name for name in names if name.startswith(str(folder)) and name.endswith("(deleted)")]


def test_an_idle_thread_does_not_keep_the_rewritten_files_open(tmp_path):
    folder = (tmp_path / "index").resolve()
    engine = WhooshBackend(str(folder))
    try:
        engine.index([_doc(1, f"第1条意见，电话{PHONE}"), _doc(2, "第2条意见")])
        engine.index([_doc(3, "第3条意见")])  # a second segment: the first is rewritten below
        idle = threading.Thread(target=lambda: engine.search(Query(text="意见")))
        idle.start()
        idle.join()  # its searcher stays open: the thread searched once and went idle (here: ended)
        engine.index([_doc(1, "第1条意见，电话***********")])
        rewrite_all(engine)
        assert engine.search(Query(text="意见")).total == 3  # this thread opens the new state
        assert _open_deleted_files(folder) == []
    finally:
        engine.close()


def test_a_lost_record_is_made_again_when_the_same_document_is_drained_again(tmp_path):
    """The record is written before the commit, so a crash cannot lose it; should it be lost anyway
    (deleted by hand), draining the document again finds the deleted copy and records it again."""
    folder = tmp_path / "index"
    engine = WhooshBackend(str(folder))
    try:
        engine.index([_doc(1, f"第1条意见，电话{PHONE}"), _doc(2, "第2条意见")])
        engine.index([_doc(3, "第3条意见")])
        masked = _doc(1, "第1条意见，电话***********")
        engine.index([masked])
        (folder / "WITHDRAWN").unlink()
        assert engine.rewrites_pending() == 0 and PHONE.encode() in index_contents(folder)[0]
        engine.index([masked])  # drained again: the live copy is already the masked one
        assert engine.rewrites_pending() == 1
        rewrite_all(engine)
        assert_nowhere(folder, PHONE)
    finally:
        engine.close()


def test_an_unreadable_record_rewrites_every_segment_with_deletions(tmp_path):
    folder = tmp_path / "index"
    engine = WhooshBackend(str(folder))
    try:
        engine.index([_doc(1, f"第1条意见，电话{PHONE}"), _doc(2, "第2条意见")])
        engine.index([_doc(3, "第3条意见")])
        engine.index([_doc(1, "第1条意见，电话***********")])
        (folder / "WITHDRAWN").write_text("{not json")
        assert engine.rewrites_pending() == 1
        rewrite_all(engine)
        assert_nowhere(folder, PHONE)
        assert not (folder / "WITHDRAWN").exists()
    finally:
        engine.close()


def test_a_segment_rewrite_holds_no_more_than_the_write_pool(tmp_path, monkeypatch):
    """A withdrawal rewrites the segment that held the old copy (up to SEGMENT_DOCS documents), and the
    rewrite passed the segment's postings through Whoosh's default 128 MB pool, so the worker's peak
    followed the segment's size (issue 15, point 6; tracemalloc, pool 128 MB: 1.5 MB for a segment of 100
    documents, 6.4 MB for 500; pool 1 MB: 0.8 and 1.2 MB). Every writer now takes WRITE_POOL_MB unless it
    asks for more (a rebuild)."""
    from whoosh.writing import SegmentWriter  # whoosh_patches has imported Whoosh quietly by now

    pools: list[float] = []
    init = SegmentWriter.__init__

    def spy(self, ix, *args, limitmb=128, **kwargs):
        pools.append(limitmb)
        init(self, ix, *args, limitmb=limitmb, **kwargs)

    engine = WhooshBackend(str(tmp_path / "index"))
    try:
        engine.index([_doc(n, f"第{n}条意见关于公园开放时间") for n in range(1, 13)])
        engine.index([_doc(3, "第3条：已撤回", public=False)])
        assert engine.rewrites_pending() == 1
        monkeypatch.setattr(SegmentWriter, "__init__", spy)
        assert rewrite_all(engine) == 1
    finally:
        engine.close()
    from consult.search.whoosh_storage import WRITE_POOL_MB  # the one pool size

    assert pools and set(pools) == {WRITE_POOL_MB}
