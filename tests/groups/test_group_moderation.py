"""Moderating a group at once (issue 16, point 2): every pending member published or rejected in one
transaction by the single-comment rules, the counters and outbox rows kept, one audit row, personal data
confirmed before publishing, and a bounded number of statements however big the group."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.errors import Conflict, NotFound, ValidationError
from consult.extensions import db
from consult.groups.drain import drain
from consult.groups.moderation import moderate_group, pending_summary
from consult.models import AuditLog, Comment, CommentGroup, Draft, GroupMember, OutboxEvent
from consult.receipts import new_code
from tests.comments.test_counts import assert_exact
from tests.groups.test_grouping import CAMPAIGN, ESTATES, group_of

PHONE = "，联系电话138-1234-5678"


@pytest.fixture
def campaign(factory):
    """A group of five: three pending (one with a phone number), one published, one rejected; and a
    pending comment elsewhere."""
    draft = factory.draft("open", slug="campaign-draft")
    bodies = [CAMPAIGN.format(n=10, estate=e) for e in ESTATES[:5]]
    bodies[1] += PHONE
    statuses = ["pending", "pending", "pending", "published", "rejected"]
    ids = [
        factory.comment(
            draft, b, status=s, **({"moderation_reason": "重复提交"} if s == "rejected" else {})
        ).id
        for b, s in zip(bodies, statuses, strict=True)
    ]
    other = factory.comment(draft, "另一条完全不同的意见：建议增加停车位。").id
    drain()
    group_id = group_of(ids[0])
    assert group_id is not None and {group_of(i) for i in ids} == {group_id}
    return draft, group_id, ids, other


def statuses(ids: list[int]) -> list[str]:
    end_read()
    found = dict(db.session.execute(select(Comment.id, Comment.status).where(Comment.id.in_(ids))).all())
    end_read()
    return [found[i] for i in ids]


def test_publishing_a_group_with_personal_data_needs_confirmation(factory, campaign):
    _draft, group_id, ids, other = campaign
    staff, _ = factory.user("staff")
    with pytest.raises(ValidationError) as refused:
        moderate_group(staff, CLI, group_id, "publish")
    assert "个人信息" in refused.value.message and f"#{ids[1]}" in refused.value.message
    assert "confirm_personal_data" in refused.value.fields
    assert statuses(ids) == ["pending", "pending", "pending", "published", "rejected"]
    summary = pending_summary(group_id)
    end_read()
    assert summary.count == 3 and summary.flagged == [(ids[1], ["phone"])]

    done = moderate_group(staff, CLI, group_id, "publish", confirm_personal_data=True, expected_count=3)
    assert (done.count, done.flagged, done.status) == (3, 1, "published")
    assert statuses([*ids, other]) == ["published"] * 4 + ["rejected", "pending"]
    assert_exact()  # the counters moved with every member
    end_read()
    entries = db.session.scalars(select(AuditLog).where(AuditLog.action.like("group.%"))).all()
    assert [(e.action, e.target_type, e.target_id) for e in entries] == [
        ("group.publish", "comment_group", str(group_id))
    ]
    assert entries[0].details["count"] == 3 and entries[0].details["flagged_ids"] == [ids[1]]
    assert entries[0].details["personal_data_confirmed"] is True
    moderated = db.session.scalars(select(Comment).where(Comment.id.in_(ids[:3]))).all()
    assert {(c.moderated_by_id, c.moderation_reason) for c in moderated} == {(staff.id, None)}
    outbox = db.session.execute(
        select(OutboxEvent.kind, OutboxEvent.target_id).where(OutboxEvent.target_type == "comment")
    ).all()
    for comment_id in ids[:3]:  # the search index and the grouping follow each member
        assert ("search.index", comment_id) in outbox and ("groups.update", comment_id) in outbox
    end_read()
    drain()
    assert {group_of(i) for i in ids} == {group_id}  # published members stay in their group


def test_rejecting_a_group_needs_a_reason_and_ignores_personal_data(factory, campaign):
    _draft, group_id, ids, _other = campaign
    staff, _ = factory.user("staff")
    with pytest.raises(ValidationError) as refused:
        moderate_group(staff, CLI, group_id, "reject")
    assert "理由" in refused.value.message
    done = moderate_group(staff, CLI, group_id, "reject", "重复提交")
    assert (done.count, done.flagged, done.reason) == (3, 0, "重复提交")
    assert statuses(ids) == ["rejected", "rejected", "rejected", "published", "rejected"]
    end_read()
    assert {
        c.moderation_reason for c in db.session.scalars(select(Comment).where(Comment.id.in_(ids[:3])))
    } == {"重复提交"}
    assert_exact()


def test_refusals_change_nothing(factory, campaign):
    _draft, group_id, ids, _other = campaign
    staff, _ = factory.user("staff")
    with pytest.raises(ValidationError):
        moderate_group(staff, CLI, group_id, "spam")
    with pytest.raises(NotFound):
        moderate_group(staff, CLI, group_id + 1000, "reject", "重复提交")
    with pytest.raises(Conflict) as changed:  # a member moderated or joined since the count was shown
        moderate_group(staff, CLI, group_id, "reject", "重复提交", expected_count=2)
    assert "3条" in changed.value.message
    assert statuses(ids)[:3] == ["pending"] * 3
    moderate_group(staff, CLI, group_id, "reject", "重复提交")
    with pytest.raises(Conflict) as empty:
        moderate_group(staff, CLI, group_id, "reject", "重复提交")
    assert "没有待审核" in empty.value.message


def _big_group(factory, size: int) -> int:
    """A group of ``size`` pending members written straight into the tables (the grouping itself is
    tested elsewhere)."""
    draft = factory.draft("open")
    end_read()
    with write_transaction() as session:
        d = session.get(Draft, draft.id)
        version = d.current_version
        comments = [
            Comment(
                draft_id=d.id,
                version_id=version.id,
                article_id=version.texts[0].article_id,
                body=CAMPAIGN.format(n=10, estate=f"第{n}小区"),
                status="pending",
                receipt_code=new_code(),
            )
            for n in range(size)
        ]
        session.add_all(comments)
        session.flush()
        group = CommentGroup(draft_id=d.id, article_key=version.texts[0].article_id, size=size)
        session.add(group)
        session.flush()
        session.add_all(
            GroupMember(comment_id=c.id, group_id=group.id, draft_id=d.id, article_key=group.article_key)
            for c in comments
        )
        group_id = group.id
    end_read()
    return group_id


def _statements_of(staff, group_id: int) -> int:
    seen: list[str] = []

    def listen(_conn, _cursor, statement, _parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        done = moderate_group(staff, CLI, group_id, "publish")
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert done.count > 0
    return len(seen)


def test_reads_do_not_grow_with_each_member(factory):
    staff, _ = factory.user("staff")
    small = _statements_of(staff, _big_group(factory, 20))
    large = _statements_of(staff, _big_group(factory, 1200))
    # 60 times the members: the members are read in one statement, never one by one (every statement,
    # writes included, is counted in test_group_moderation_statements.py).
    assert large == small, (small, large)
    assert_exact()
