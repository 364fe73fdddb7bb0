"""Comment counts kept in the writing transaction (issue 15, point 1; per day and channel: issue 16, point
4): after every kind of write the counters equal a fresh count, the pages read them instead of counting,
and `counts check` repairs them."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, insert, select, update

from consult.comments import counts, day_counts
from consult.comments.decisions import decide
from consult.comments.moderation import (
    enter_offline_comment,
    moderate_comment,
    moderate_many,
    undo_moderation,
)
from consult.comments.operations import CommentInput, submit_comment
from consult.comments.queries import published_counts, published_total
from consult.context import CLI, RequestContext
from consult.db import end_read, write_transaction
from consult.drafts.operations import add_version
from consult.extensions import db
from consult.feedback.publishing import publish_feedback
from consult.feedback.purge import purge_contacts
from consult.intake.importing import BatchRequest, import_batch
from consult.models import Comment, CommentCount, Decision, Draft
from consult.models.counts import GENERAL, UNDECIDED
from tests.factories import SAMPLE_TEXT

CTX = RequestContext(address_hash="c" * 32, user_agent="pytest", address="203.0.113.7")


def assert_exact() -> dict:
    """Both counters (per article; per day and channel) equal a fresh count of the comments (and are not
    all empty); returns the per-article ones."""
    end_read()
    connection = db.session.connection()
    kept, fresh = counts.stored(connection), counts.fresh(connection)
    by_day, by_day_fresh = day_counts.stored(connection), day_counts.grouped(connection)
    end_read()
    assert kept == fresh
    assert by_day == by_day_fresh
    assert kept and by_day, "nothing counted at all"
    return kept


def submit(slug: str, **kw) -> Comment:
    end_read()
    receipt = submit_comment(
        CTX, slug, CommentInput(**{"body": "这是一条足够长的意见，请研究。", **kw})
    ).receipt_code
    end_read()
    return db.session.scalar(select(Comment).where(Comment.receipt_code == receipt))


def test_counters_equal_a_fresh_count_after_every_kind_of_write(app, factory):
    staff, _ = factory.user("staff")
    draft = factory.draft()
    articles = [t.article_id for t in draft.current_version.texts]
    point = factory.contact_point()

    # submission: pending, on an article and on the draft as a whole; a honeypot one is spam
    first = submit(draft.slug, article_id=articles[0])
    second = submit(draft.slug, article_id=articles[1], contact="a@example.cn")
    general = submit(draft.slug)
    submit(draft.slug, honeypot="http://spam.example")
    kept = assert_exact()
    assert kept[(draft.id, articles[0], "pending", UNDECIDED)] == 1
    assert kept[(draft.id, GENERAL, "spam", UNDECIDED)] == 1

    # moderation: publish, a masked copy (no count change of its own), reject, spam, take-down, bulk, undo
    end_read()
    moderate_comment(staff, CLI, first.id, "publish")
    assert_exact()
    end_read()
    moderate_comment(staff, CLI, second.id, "publish", None, "请联系我：***")
    assert_exact()
    assert published_counts(draft.id) == {articles[0]: 1, articles[1]: 1}
    third = submit(draft.slug, article_id=articles[0])
    end_read()
    moderate_comment(staff, CLI, third.id, "reject", "与草案无关")
    end_read()
    moderate_comment(staff, CLI, general.id, "spam")
    assert_exact()
    end_read()
    moderate_comment(staff, CLI, first.id, "reject", "含有个人信息")  # a take-down
    assert_exact()
    assert published_total(draft.id) == 1 and published_total(draft.id, articles[0]) == 0
    end_read()
    done = moderate_many(staff, CLI, [first.id, third.id, general.id], "publish")
    assert_exact()
    assert published_total(draft.id) == 4 and published_total(draft.id, general=True) == 1
    end_read()
    undo_moderation(staff, CLI, done.entry_id)
    assert_exact()
    assert published_total(draft.id) == 1

    # staff entry and intake import
    end_read()
    entered = enter_offline_comment(staff, CLI, draft.slug, "来信：建议增加罚则。", "letter", articles[2])
    end_read()
    data = "条款,意见内容\n第一条,建议写明主管部门。\n,总体上赞成。\n".encode()
    import_batch(
        None, CLI, BatchRequest(draft.slug, "意见.csv", data, contact_point=point.slug, method="forum")
    )
    assert_exact()

    # decisions: made, changed, and the comment taken down and published again with its decision
    end_read()
    moderate_many(staff, CLI, [first.id, entered.id], "publish")
    end_read()
    decide(staff, CLI, [first.id, second.id], "adopted", "已采纳。")
    kept = assert_exact()
    assert kept[(draft.id, articles[0], "published", "adopted")] == 1
    end_read()
    decide(staff, CLI, [second.id], "not_adopted", "另有规定。")
    assert_exact()
    end_read()
    moderate_comment(staff, CLI, second.id, "reject", "含有个人信息")
    kept = assert_exact()
    assert kept[(draft.id, articles[1], "rejected", "not_adopted")] == 1
    end_read()
    review = counts.tallies(draft.id)
    assert review[(draft.id, articles[0])] == (1, 0)  # published, of which undecided
    by_status, undecided = counts.by_status()  # the staff overview's numbers
    fresh = db.session.execute(
        select(Comment.status, func.count(Comment.id))
        .where(Comment.draft_id == draft.id)
        .group_by(Comment.status)
    ).all()
    assert {s: n for (d, s), n in by_status.items() if d == draft.id} == dict(fresh)
    waiting = db.session.scalar(
        select(func.count(Comment.id))
        .outerjoin(Decision, Decision.comment_id == Comment.id)
        .where(Comment.draft_id == draft.id, Comment.status == "published", Decision.id.is_(None))
    )
    assert undecided.get(draft.id, 0) == waiting > 0
    end_read()

    # a revision: comments keep their article (identity across versions)
    end_read()
    add_version(None, CLI, draft.slug, SAMPLE_TEXT.replace("施行", "正式施行"), "修改稿")
    assert_exact()


def test_purge_and_feedback_publication_change_no_count(app, factory):
    staff, _ = factory.user("staff")
    draft = factory.draft("closed")
    comment = factory.comment(draft, "公开的意见。", status="published", contact="p@example.cn", notify=True)
    end_read()
    decide(staff, CLI, [comment.id], "adopted", "已采纳。")
    before = assert_exact()
    end_read()
    publish_feedback(None, CLI, draft.slug)
    end_read()
    result = purge_contacts(None, CLI, retention_days=0)
    assert [d.slug for d in result.drafts] == [draft.slug]
    assert assert_exact() == before
    end_read()
    assert db.session.get(Comment, comment.id).contact is None


def test_bulk_writes_are_counted_or_refused(app, factory):
    draft = factory.draft()
    version_id, article_id = draft.current_version.id, draft.current_version.texts[0].article_id
    rows = [
        {
            "draft_id": draft.id,
            "version_id": version_id,
            "article_id": article_id,
            "body": "批量",
            "receipt_code": f"7{i:012d}",
        }
        for i in range(3)
    ] + [
        {
            "draft_id": draft.id,
            "version_id": version_id,
            "body": "总体",
            "status": "published",
            "receipt_code": "6" * 13,
        }
    ]
    with write_transaction() as session:
        session.execute(insert(Comment), rows)
    kept = assert_exact()
    assert kept[(draft.id, article_id, "pending", UNDECIDED)] == 3
    assert kept[(draft.id, GENERAL, "published", UNDECIDED)] == 1
    with write_transaction() as session:  # columns that are not counted: a bulk update passes (the purge)
        session.execute(update(Comment).where(Comment.draft_id == draft.id).values(contact=None))
    with write_transaction() as session:  # one status for every row it matches: counted (a group moderated)
        session.execute(
            update(Comment)
            .where(Comment.draft_id == draft.id, Comment.status == "pending")
            .values(status="rejected"),
            execution_options={"synchronize_session": False},
        )
    kept = assert_exact()
    assert kept[(draft.id, article_id, "rejected", UNDECIDED)] == 3
    assert (draft.id, article_id, "pending", UNDECIDED) not in kept
    with pytest.raises(counts.NotCounted), write_transaction() as session:  # a comment's article: refused
        session.execute(update(Comment).where(Comment.draft_id == draft.id).values(article_id=None))
    with pytest.raises(counts.NotCounted), write_transaction() as session:  # a status per row: refused
        session.execute(
            update(Comment).where(Comment.draft_id == draft.id).values(status=Comment.moderation_reason)
        )
    with pytest.raises(counts.NotCounted), write_transaction() as session:
        session.execute(delete(Decision).where(Decision.comment_id > 0))
    assert_exact()
    with write_transaction() as session:
        session.execute(delete(Comment).where(Comment.receipt_code == "6" * 13))
    assert (draft.id, GENERAL, "published", UNDECIDED) not in assert_exact()


def test_removing_a_draft_removes_its_counters(app, factory):
    keep, gone = factory.draft(), factory.draft()
    factory.comment(keep, status="published")
    factory.comment(gone, status="published")
    with write_transaction() as session:
        session.execute(delete(Draft).where(Draft.id == gone.id))
    assert {k[0] for k in assert_exact()} == {keep.id}
    assert db.session.scalar(select(CommentCount).where(CommentCount.draft_id == gone.id)) is None
