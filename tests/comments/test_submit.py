"""submit_comment: validation, stages, honeypot, the quota; the operation behind form and API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.comments.operations import CommentInput, submit_comment
from consult.context import RequestContext
from consult.db import end_read
from consult.errors import ConsultationClosed, NotFound, RateLimited, ValidationError
from consult.extensions import db
from consult.models import Comment

CTX = RequestContext(address_hash="h" * 32, user_agent="pytest", address="203.0.113.9")


def submit(slug, **kw):
    end_read()
    return submit_comment(CTX, slug, CommentInput(**{"body": "这是一条足够长的意见。", **kw}))


def stored(receipt_code) -> Comment:
    end_read()
    return db.session.scalar(select(Comment).where(Comment.receipt_code == receipt_code))


def test_a_comment_is_stored_pending_with_its_version_and_address_hash(app, factory):
    draft = factory.draft()
    article_id = draft.current_version.texts[2].article_id
    result = submit(
        draft.slug, article_id=article_id, author_name=" 张老师 ", contact=" Zhang@Example.com ", notify=True
    )
    comment = stored(result.receipt_code)
    assert comment.status == "pending" and result.status == "pending"
    assert comment.channel == "web"
    assert comment.article_id == article_id
    assert comment.version_id == draft.current_version.id
    assert comment.author_name == "张老师"
    assert comment.contact == "Zhang@Example.com"
    assert comment.notify is True
    assert comment.address_hash == CTX.address_hash


@pytest.mark.parametrize("body", ["罚款<5000元 & 以上的规定要慎重", "建议增加夜间开放👍🏻，𠀀𪚥字也要保留"])
def test_text_is_stored_exactly_as_typed(app, factory, body):
    draft = factory.draft()
    assert stored(submit(draft.slug, body=body).receipt_code).body == body


def test_markup_is_removed_but_the_words_stay(app, factory):
    draft = factory.draft()
    comment = stored(submit(draft.slug, body="<script>alert(1)</script><b>建议</b>延长开放时间").receipt_code)
    assert comment.body == "alert(1)建议延长开放时间"


@pytest.mark.parametrize(
    ("kw", "field", "message"),
    [
        ({"body": ""}, "body", "请填写意见内容"),
        ({"body": "   \n\t  "}, "body", "请填写意见内容"),
        ({"body": "太短了"}, "body", "至少需要5个字"),
        ({"body": "长" * 5001}, "body", "不能超过5000个字"),
        ({"body": None}, "body", "请填写意见内容"),
        ({"author_name": "名" * 51}, "author_name", "不能超过50个字"),
        ({"contact": "not-a-contact"}, "contact", "有效的手机号码"),
        ({"contact": "12345"}, "contact", "有效的手机号码"),
        ({"notify": True}, "notify", "请填写电子邮箱"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(app, factory, kw, field, message):
    draft = factory.draft()
    with pytest.raises(ValidationError) as err:
        submit(draft.slug, **kw)
    assert message in err.value.fields[field]
    end_read()
    assert db.session.scalar(select(Comment.id)) is None


def test_five_thousand_characters_are_accepted(app, factory):
    draft = factory.draft()
    assert len(stored(submit(draft.slug, body="长" * 5000).receipt_code).body) == 5000


def test_contacts_accept_mobile_landline_and_email(app, factory):
    draft = factory.draft()
    for raw, expected in [
        ("+86 138-1234-5678", "13812345678"),
        ("010-12345678", "01012345678"),
        ("reader@example.cn", "reader@example.cn"),
    ]:
        assert stored(submit(draft.slug, contact=raw).receipt_code).contact == expected


def test_an_article_of_another_draft_is_refused(app, factory):
    draft, other = factory.draft(), factory.draft()
    foreign = other.current_version.texts[0].article_id
    with pytest.raises(ValidationError) as err:
        submit(draft.slug, article_id=foreign)
    assert "article_id" in err.value.fields


@pytest.mark.parametrize(("stage", "words"), [("upcoming", "尚未开始"), ("closed", "已于")])
def test_upcoming_and_closed_consultations_are_409(app, factory, stage, words):
    draft = factory.draft(stage)
    with pytest.raises(ConsultationClosed) as err:
        submit(draft.slug)
    assert err.value.status == 409 and words in err.value.message


def test_unknown_and_unpublished_drafts_are_not_found(app, factory):
    hidden = factory.draft("draft")
    for slug in ("no-such-draft", hidden.slug):
        with pytest.raises(NotFound):
            submit(slug)


def test_the_consultation_closes_on_time(app, factory, clock):
    draft = factory.draft()
    submit(draft.slug)
    clock.advance(days=28)
    with pytest.raises(ConsultationClosed):
        submit(draft.slug)


def test_a_filled_honeypot_is_stored_as_spam_not_dropped(app, factory):
    draft = factory.draft()
    result = submit(draft.slug, honeypot="http://spam.example")
    assert result.status == "pending"  # the bot learns nothing
    assert stored(result.receipt_code).status == "spam"


def test_the_quota_counts_accepted_comments_only(make_app, factory):
    app = make_app(COMMENT_RATE_LIMIT="3 per minute")
    with app.app_context():
        from consult.extensions import limiter

        limiter.reset()
        draft = factory.draft()
        for _ in range(5):  # refused comments do not count
            with pytest.raises(ValidationError):
                submit(draft.slug, body="短")
        for _ in range(3):
            submit(draft.slug)
        with pytest.raises(RateLimited) as err:
            submit(draft.slug)
        assert err.value.status == 429
        other = RequestContext(address_hash="x" * 32, address="203.0.113.10")
        end_read()
        assert (
            submit_comment(other, draft.slug, CommentInput(body="另一个地址的意见内容。")).status == "pending"
        )
