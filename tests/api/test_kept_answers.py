"""The public comments API keeps its answers under the change counter (consult/api/kept.py): the same
answer while nothing changed, the new one at once after any write, and refusals never kept."""

from __future__ import annotations

from sqlalchemy import event

from consult.comments.moderation import moderate_comment
from consult.context import CLI
from consult.db import end_read
from consult.drafts.operations import update_draft
from consult.extensions import db


def bodies(client, url: str) -> list[str]:
    resp = client.get(url)
    assert resp.status_code == 200, resp.get_json()
    return [c["body"] for c in resp.get_json()["comments"]]


def test_an_answer_is_kept_until_something_changes(app, client, factory):
    draft = factory.draft("open")
    factory.comment(draft, body="第一条公开意见。", status="published")
    url = f"/api/v1/drafts/{draft.slug}/comments"
    statements: list[str] = []
    engine = db.engine
    listen = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        assert bodies(client, url) == ["第一条公开意见。"]
        first = len(statements)
        assert bodies(client, url) == ["第一条公开意见。"]
        kept_reads = statements[first:]
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    # The first answer read the draft and its comments; the second one neither (at most the counter).
    assert any("FROM comment" in s for s in statements[:first])
    assert not any("FROM comment" in s or "FROM draft" in s for s in kept_reads)

    second = factory.comment(draft, body="第二条公开意见。", status="published")
    assert bodies(client, url) == ["第二条公开意见。", "第一条公开意见。"]
    staff, _ = factory.user("staff")
    end_read()
    moderate_comment(staff, CLI, second.id, "reject", "与草案无关")
    assert bodies(client, url) == ["第一条公开意见。"]
    end_read()
    update_draft(None, CLI, draft.slug, {"show_comments": False})
    assert bodies(client, url) == []


def test_each_page_and_article_is_its_own_answer_and_refusals_are_not_kept(app, client, factory):
    draft = factory.draft("open")
    factory.comment(draft, body="第一条的意见。", status="published", article_index=0)
    factory.comment(draft, body="第二条的意见。", status="published", article_index=1)
    url = f"/api/v1/drafts/{draft.slug}/comments"
    first_article = client.get(f"/api/v1/drafts/{draft.slug}").get_json()["articles"][0]["id"]
    assert sorted(bodies(client, url)) == ["第一条的意见。", "第二条的意见。"]
    assert bodies(client, f"{url}?article_id={first_article}") == ["第一条的意见。"]
    assert bodies(client, f"{url}?per_page=1") in (["第一条的意见。"], ["第二条的意见。"])
    for _ in range(2):
        assert client.get(f"{url}?before=nonsense").status_code == 400
        assert client.get("/api/v1/drafts/no-such-draft/comments").status_code == 404


def test_a_kept_answer_is_sent_as_kept_bytes_and_the_query_schema_is_built_once(
    app, client, factory, monkeypatch
):
    """A kept page is neither dumped nor encoded again, and the query's schema is one instance per process
    (building one deep-copies its fields): both were a third of a public listing's time in-process."""
    from flask import json

    from consult.api.schemas import base
    from consult.api.schemas.public import CommentPageSchema
    from consult.api.schemas.queries import CommentsQuerySchema

    draft = factory.draft("open")
    factory.comment(draft, body="一条意见。", status="published")
    url = f"/api/v1/drafts/{draft.slug}/comments?per_page=5"
    first = client.get(url)
    built, dumped, encoded = [], [], []
    real_init, real_dump = CommentsQuerySchema.__init__, CommentPageSchema.dump
    real_dumps = app.json.dumps
    monkeypatch.setattr(
        CommentsQuerySchema, "__init__", lambda self, *a, **k: built.append(1) or real_init(self, *a, **k)
    )
    monkeypatch.setattr(
        CommentPageSchema, "dump", lambda self, *a, **k: dumped.append(1) or real_dump(self, *a, **k)
    )
    monkeypatch.setattr(app.json, "dumps", lambda *a, **k: encoded.append(1) or real_dumps(*a, **k))
    again = [client.get(url) for _ in range(3)]
    assert built == dumped == encoded == []
    assert all(r.data == first.data and r.mimetype == "application/json" for r in again)
    assert json.loads(first.data)["comments"][0]["body"] == "一条意见。"
    assert base.shared(CommentsQuerySchema) is base.shared(CommentsQuerySchema)
