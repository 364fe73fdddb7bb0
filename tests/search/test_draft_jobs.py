"""A staff edit of a draft is not one huge index write (issue 15 §8): an edit that leaves what a
comment's document takes from its draft (title, summary, a new version) writes no comment at all; one
that changes it (published, comments shown) re-indexes the draft's comments a bounded batch per round,
resumable, with the other rows in between."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.models import Draft, OutboxEvent
from consult.search import drain as drain_module
from consult.search.background import wait_for_background
from consult.search.base import Query
from consult.search.drain import drain, pending_count
from consult.search.service import backend
from tests.conftest import is_postgres

COMMENTS = 25
BATCH = 10


@pytest.fixture(params=[True, False], ids=["inline", "worker"])
def app(make_app, request):
    # The PostgreSQL pass runs these with the postgres backend, the SQLite pass with Whoosh.
    app = make_app(
        SEARCH_DRAIN_INLINE=request.param, SEARCH_BACKEND="postgres" if is_postgres() else "whoosh"
    )
    with app.app_context():
        yield app
        db.session.remove()


class Writes(list):
    """The documents of each backend.index call, in order; ``hooks`` run before each call with its number."""

    hooks: list


@pytest.fixture
def writes(monkeypatch):
    """Every backend.index call's documents, in order (a spy on the backend's class)."""
    calls = Writes()
    engine_class = type(backend())
    real = engine_class.index

    def spy(self, docs):
        docs = list(docs)
        calls.append(docs)
        for hook in spy.hooks:
            hook(len(calls))
        return real(self, docs)

    spy.hooks = calls.hooks = []
    monkeypatch.setattr(engine_class, "index", spy)
    return calls


def comment_keys(call) -> list[str]:
    return [doc.key for doc in call if doc.kind == "comment"]


def public_comment_ids(text: str) -> set[int]:
    found = backend().search(Query(text=text, kind="comment", per_page=100))
    return {hit.id for hit in found.hits}


def staff_comment_ids(text: str) -> set[int]:
    found = backend().search(Query(text=text, public_only=False, kind="comment", per_page=100))
    return {hit.id for hit in found.hits}


def settle() -> None:
    """Drain what is left, after the background thread's work (inline mode) is done."""
    assert wait_for_background(timeout=60)
    drain(wait=True)


def edit(draft_id: int, **values) -> None:
    end_read()
    with write_transaction() as session:
        draft = session.get(Draft, draft_id)
        for name, value in values.items():
            setattr(draft, name, value)


@pytest.fixture
def draft(factory):
    draft = factory.draft()
    for n in range(COMMENTS):
        factory.comment(draft, body=f"第{n}条意见：建议延长书房的开放时间。", status="published")
    settle()
    assert pending_count() == 0
    assert len(public_comment_ids("开放时间")) == COMMENTS
    return draft


def test_editing_the_title_and_summary_writes_no_comment(app, draft, writes):
    edit(draft.id, title="本市示例管理条例（修改稿）", summary="<p>新的起草说明</p>")
    settle()
    assert pending_count() == 0
    assert writes, "the draft's articles are indexed again"
    assert all(doc.kind == "article" for call in writes for doc in call)
    assert len(public_comment_ids("开放时间")) == COMMENTS


def test_hiding_comments_reindexes_them_a_batch_per_round(app, draft, writes, monkeypatch):
    monkeypatch.setattr(drain_module, "JOB_BATCH", BATCH)
    edit(draft.id, show_comments=False)
    settle()
    assert pending_count() == 0
    per_round = [comment_keys(call) for call in writes]
    assert max(len(keys) for keys in per_round) <= BATCH  # never the whole draft in one write
    assert sum(len(keys) for keys in per_round) == COMMENTS  # each comment once
    assert public_comment_ids("开放时间") == set()
    assert len(staff_comment_ids("开放时间")) == COMMENTS

    edit(draft.id, show_comments=True)
    settle()
    assert len(public_comment_ids("开放时间")) == COMMENTS


def test_a_comment_published_during_the_reindex_is_searchable_before_it_ends(
    app, draft, factory, writes, monkeypatch
):
    monkeypatch.setattr(drain_module, "JOB_BATCH", BATCH)
    new = {}

    def publish_during_the_first_batch(round_number):
        if round_number == 1:
            new["id"] = factory.comment(draft, body="夜间阅览室的新意见", status="published").id

    writes.hooks.append(publish_during_the_first_batch)
    edit(draft.id, published_at=None)  # unpublished: every comment's document changes
    settle()
    assert pending_count() == 0
    key = f"comment:{new['id']}"
    rounds_with_job = [n for n, call in enumerate(writes) if set(comment_keys(call)) - {key}]
    assert len(rounds_with_job) == 3  # 25 comments, 10 a round
    written_in = next(n for n, call in enumerate(writes) if key in comment_keys(call))
    assert written_in < rounds_with_job[-1]  # indexed before the draft's re-index ended
    assert new["id"] in staff_comment_ids("夜间阅览室")


def test_a_failed_round_resumes_from_the_stored_cursor(app, draft, writes, monkeypatch):
    monkeypatch.setattr(drain_module, "JOB_BATCH", BATCH)

    def fail_in_the_second_round(round_number):
        if round_number == 2:
            raise RuntimeError("the index went away")

    writes.hooks.append(fail_in_the_second_round)
    edit(draft.id, show_comments=False)
    if not app.config["SEARCH_DRAIN_INLINE"]:
        with pytest.raises(RuntimeError):
            drain()
    end_read()
    row = db.session.scalars(
        select(OutboxEvent).where(OutboxEvent.target_type == "draft", OutboxEvent.processed_at.is_(None))
    ).one()
    first = comment_keys(writes[0])
    assert row.payload["after"] == int(first[-1].split(":")[1])  # the first batch's last comment
    end_read()
    writes.hooks.clear()
    settle()
    assert pending_count() == 0
    later = [key for call in writes[1:] for key in comment_keys(call)]
    assert not set(first) & set(later[BATCH:])  # the retry did not start over
    assert public_comment_ids("开放时间") == set()


@pytest.mark.parametrize("app", [True], ids=["inline"], indirect=True)
def test_the_rest_of_a_job_goes_on_in_the_background_after_the_requests_budget(app, draft, monkeypatch):
    monkeypatch.setattr(drain_module, "JOB_BATCH", BATCH)
    monkeypatch.setattr(drain_module, "INLINE_BUDGET", 0)  # the request drains nothing itself
    edit(draft.id, show_comments=False)
    assert wait_for_background(timeout=60)
    assert pending_count() == 0  # no drain called here: the background thread did the job
    assert public_comment_ids("开放时间") == set()
