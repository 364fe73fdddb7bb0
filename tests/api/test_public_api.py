"""The public JSON API of CONTRACT.md: drafts, comments, submitting, receipts; every error in one shape."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.extensions import db, limiter
from consult.feedback.publishing import publish_feedback
from consult.models import Comment, Decision, Draft


@pytest.fixture
def api(make_app):
    app = make_app(COMMENT_RATE_LIMIT="1000 per minute")
    with app.app_context():
        limiter.reset()
        yield app


def post(client, slug, payload, **kw):
    return client.post(f"/api/v1/drafts/{slug}/comments", json=payload, **kw)


def error(resp, status, code):
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


def test_a_draft_lists_its_current_articles_with_ids_labels_and_chapters(api, factory):
    draft = factory.draft()
    factory.comment(draft, status="published", article_index=2)
    data = api.test_client().get(f"/api/v1/drafts/{draft.slug}").get_json()
    assert data["status"] == "open"
    assert data["version"] == {
        "number": 1,
        "label": "征求意见稿",
        "published_at": data["version"]["published_at"],
    }
    labels = [a["label"] for a in data["articles"]]
    assert labels == ["第一条", "第二条", "第三条", "第四条"]
    third = data["articles"][2]
    assert third["chapter"] == "第二章　管理" and third["number"] == 3 and third["comment_count"] == 1
    assert third["id"] == draft.current_version.texts[2].article_id


def test_unpublished_and_unknown_drafts_are_404(api, factory):
    hidden = factory.draft("draft")
    for slug in (hidden.slug, "nothing-here"):
        error(api.test_client().get(f"/api/v1/drafts/{slug}"), 404, "not_found")


def test_posting_a_comment_answers_201_with_a_printed_receipt_code(api, factory):
    draft = factory.draft()
    article_id = draft.current_version.texts[1].article_id
    resp = post(
        api.test_client(),
        draft.slug,
        {
            "body": "罚款<5000元 & 以上",
            "article_id": article_id,
            "author_name": "李女士",
            "contact": "reader@example.cn",
            "notify": True,
        },
    )
    assert resp.status_code == 201
    data = resp.get_json()
    assert data["status"] == "pending" and data["article_id"] == article_id
    assert len(data["receipt_code"]) <= 16 and data["receipt_code"].count("-") == 3
    end_read()
    comment = db.session.scalar(
        select(Comment).where(Comment.receipt_code == data["receipt_code"].replace("-", ""))
    )
    assert comment.body == "罚款<5000元 & 以上"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "    "}, "body"),
        ({"body": "x" * 5001}, "body"),
        ({"body": 123}, "body"),
        ({"body": ["a list"]}, "body"),
        ({"body": "够长的一条意见内容。", "article_id": "3"}, "article_id"),
        ({"body": "够长的一条意见内容。", "article_id": 1.5}, "article_id"),
        ({"body": "够长的一条意见内容。", "notify": "yes"}, "notify"),
        ({"body": "够长的一条意见内容。", "author_name": 7}, "author_name"),
        ({"body": "够长的一条意见内容。", "contact": "call me"}, "contact"),
        ({"body": "够长的一条意见内容。", "article_id": 999999}, "article_id"),
    ],
)
def test_bad_fields_are_400_with_the_field_named(api, factory, payload, field):
    draft = factory.draft()
    err = error(post(api.test_client(), draft.slug, payload), 400, "validation_error")
    assert field in err["fields"]
    end_read()
    assert db.session.scalar(select(Comment.id)) is None


def test_malformed_json_and_non_objects_are_400(api, factory):
    draft = factory.draft()
    c = api.test_client()
    url = f"/api/v1/drafts/{draft.slug}/comments"
    error(
        c.post(url, data=b'{"body": "unterminated', content_type="application/json"), 400, "validation_error"
    )
    error(c.post(url, data=b'["a", "list"]', content_type="application/json"), 400, "validation_error")
    error(c.post(url, data=b"", content_type="application/json"), 400, "validation_error")


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data"]
)
def test_only_json_is_accepted_so_other_sites_cannot_post_forms(api, factory, content_type):
    draft = factory.draft()
    resp = api.test_client().post(
        f"/api/v1/drafts/{draft.slug}/comments", data="body=够长的一条意见内容。", content_type=content_type
    )
    error(resp, 415, "unsupported_media_type")


def test_an_article_of_another_draft_is_400(api, factory):
    draft, other = factory.draft(), factory.draft()
    foreign = other.current_version.texts[0].article_id
    err = error(
        post(api.test_client(), draft.slug, {"body": "够长的一条意见内容。", "article_id": foreign}),
        400,
        "validation_error",
    )
    assert "article_id" in err["fields"]


@pytest.mark.parametrize("stage", ["upcoming", "closed"])
def test_upcoming_and_closed_consultations_are_409(api, factory, stage):
    draft = factory.draft(stage)
    error(post(api.test_client(), draft.slug, {"body": "够长的一条意见内容。"}), 409, "consultation_closed")


def test_unknown_draft_is_404(api):
    error(post(api.test_client(), "no-such-draft", {"body": "够长的一条意见内容。"}), 404, "not_found")


def test_a_flood_from_one_address_is_429_and_other_addresses_go_on(make_app, factory):
    app = make_app(COMMENT_RATE_LIMIT="3 per minute")
    with app.app_context():
        limiter.reset()
        draft = factory.draft()
        c = app.test_client()
        statuses = [post(c, draft.slug, {"body": f"第{i}条够长的意见内容。"}).status_code for i in range(5)]
        assert statuses == [201, 201, 201, 429, 429]
        error(post(c, draft.slug, {"body": "又一条够长的意见内容。"}), 429, "rate_limited")
        other = post(
            c, draft.slug, {"body": "另一地址的意见内容。"}, environ_base={"REMOTE_ADDR": "203.0.113.5"}
        )
        assert other.status_code == 201


def test_a_body_over_the_limit_is_413(make_app, factory):
    app = make_app(MAX_CONTENT_LENGTH=2048)
    with app.app_context():
        draft = factory.draft()
        resp = post(app.test_client(), draft.slug, {"body": "长" * 3000})
    error(resp, 413, "payload_too_large")


def test_comment_listing_shows_published_comments_only_without_private_fields(api, factory):
    draft = factory.draft()
    factory.comment(draft, body="已公开的意见内容", status="published", contact="13812345678")
    factory.comment(draft, body="待审核的意见内容", status="pending")
    factory.comment(draft, body="垃圾信息内容", status="spam")
    factory.comment(
        draft, body="原文含电话13812345678", status="published", masked_body="原文含电话138****78"
    )
    data = api.test_client().get(f"/api/v1/drafts/{draft.slug}/comments").get_json()
    assert data["total"] == 2 and data["page"] == 1 and data["per_page"] == 20
    assert {c["body"] for c in data["comments"]} == {"已公开的意见内容", "原文含电话138****78"}
    for item in data["comments"]:
        assert set(item) == {"id", "article_id", "body", "author_name", "channel", "submitted_at", "decision"}


def test_comment_listing_filters_by_article_and_pages(api, factory, clock):
    draft = factory.draft()
    for i in range(5):
        clock.advance(minutes=1)
        factory.comment(draft, body=f"第{i}条意见内容", status="published", article_index=1)
    factory.comment(draft, body="整体意见内容", status="published", article_index=None)
    article_id = draft.current_version.texts[1].article_id
    c = api.test_client()
    page2 = c.get(
        f"/api/v1/drafts/{draft.slug}/comments?article_id={article_id}&page=2&per_page=2"
    ).get_json()
    assert page2["total"] == 5  # on every page, from the kept counts (issue 15, point 1)
    first = c.get(f"/api/v1/drafts/{draft.slug}/comments?article_id={article_id}&per_page=2").get_json()
    assert first["total"] == 5
    assert [x["body"] for x in page2["comments"]] == ["第2条意见内容", "第1条意见内容"]  # newest first
    for bad in ["page=0", "page=x", "per_page=1000", "article_id=abc"]:
        error(c.get(f"/api/v1/drafts/{draft.slug}/comments?{bad}"), 400, "validation_error")
    error(c.get(f"/api/v1/drafts/{draft.slug}/comments?article_id=999999"), 404, "not_found")


def test_comments_are_not_listed_when_the_draft_hides_them(api, factory):
    draft = factory.draft(show_comments=False)
    factory.comment(draft, status="published")
    data = api.test_client().get(f"/api/v1/drafts/{draft.slug}/comments").get_json()
    assert data["comments"] == [] and data["total"] == 0


def test_receipts_follow_the_comment_and_show_decisions_only_once_feedback_is_published(api, factory, clock):
    draft = factory.draft()
    c = api.test_client()
    code = post(
        c,
        draft.slug,
        {"body": "够长的一条意见内容。", "article_id": draft.current_version.texts[2].article_id},
    ).get_json()["receipt_code"]
    data = c.get(f"/api/v1/receipts/{code.replace('-', ' ').lower()}").get_json()
    assert data["status"] == "pending" and data["article_label"] == "第三条" and data["draft"] == draft.slug
    assert data["decision"] is None and data["reason"] is None
    end_read()
    with write_transaction() as session:
        comment = session.scalar(select(Comment).where(Comment.receipt_code == code.replace("-", "")))
        comment.status = "rejected"
        comment.moderation_reason = "含有个人信息"
        session.add(Decision(comment_id=comment.id, outcome="not_adopted", reason="已有其他规定。"))
    data = c.get(f"/api/v1/receipts/{code}").get_json()
    assert data["status"] == "not_published" and data["reason"] == "含有个人信息"
    assert data["decision"] is None
    # Published again, the consultation closes and the feedback is published: the decision shows.
    with write_transaction() as session:
        session.scalar(
            select(Comment).where(Comment.receipt_code == code.replace("-", ""))
        ).status = "published"
        session.get(Draft, draft.id).closes_at = clock.now - timedelta(days=1)
    data = c.get(f"/api/v1/receipts/{code}").get_json()
    assert data["status"] == "published" and data["decision"] is None
    end_read()
    publish_feedback(None, CLI, draft.slug)
    data = c.get(f"/api/v1/receipts/{code}").get_json()
    assert data["decision"]["outcome"] == "not_adopted" and data["decision"]["reason"] == "已有其他规定。"


def test_spam_reads_like_any_rejection_on_the_receipt(api, factory):
    draft = factory.draft()
    comment = factory.comment(draft, status="spam")
    data = api.test_client().get(f"/api/v1/receipts/{comment.receipt_code}").get_json()
    assert data["status"] == "not_published"


def test_an_unknown_receipt_is_a_404_that_says_nothing_more(api):
    for code in ["0000-000-000-000", "abc", "1" * 40]:
        err = error(api.test_client().get(f"/api/v1/receipts/{code}"), 404, "not_found")
        assert set(err) == {"code", "message"}
