"""Moderating a group costs a fixed number of SQL statements whatever its size (issue 16, point 2, at
volume: 5,000 members updated one by one through the ORM took 15.7 s). Counted with SQLAlchemy's event
listeners, as tests/groups/test_grouping_statements.py does, so the count does not depend on the load."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import delete, select

from consult.comments.moderation import moderate_many
from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.errors import Conflict
from consult.extensions import db
from consult.groups.moderation import moderate_group
from consult.models import AuditLog, Comment, GroupMember, OutboxEvent, User
from tests.comments.test_counts import assert_exact
from tests.groups.test_group_moderation import _big_group
from tests.groups.test_grouping_statements import Statements


def _moderated(staff, group_id: int, action: str, reason: str | None = None) -> list[str]:
    """The statements of moderating the group (its outbox rows only are left in the outbox)."""
    with write_transaction() as session:
        session.execute(delete(OutboxEvent))
    actor = db.session.get(User, staff.id)
    assert actor.username  # the actor as a door has it: loaded, and kept loaded (not counted)
    db.session.expunge(actor)
    end_read()
    with Statements() as counted:
        done = moderate_group(actor, CLI, group_id, action, reason, confirm_personal_data=True)
    end_read()
    assert done.count > 0
    return counted.seen


def _queued() -> Counter:
    """(kind, comment id) of the comment rows in the outbox; a grouping row says the comment's scope."""
    rows = db.session.execute(
        select(OutboxEvent.kind, OutboxEvent.target_id, OutboxEvent.payload).where(
            OutboxEvent.target_type == "comment"
        )
    ).all()
    scopes = {(p["draft_id"], p["article_key"]) for k, _c, p in rows if k == "groups.update"}
    end_read()
    assert len(scopes) == 1 and all(isinstance(n, int) and n > 0 for n in next(iter(scopes)))
    found = Counter((k, c) for k, c, _p in rows)
    assert set(found.values()) == {1}
    return found


def _members(group_id: int):
    return select(GroupMember.comment_id).where(GroupMember.group_id == group_id)


@pytest.mark.parametrize(
    ("action", "reason", "status"), [("publish", None, "published"), ("reject", "重复提交", "rejected")]
)
def test_statements_do_not_grow_with_the_group(factory, action, reason, status):
    staff, _ = factory.user("staff")
    small_id, large_id = _big_group(factory, 10), _big_group(factory, 200)
    small = _moderated(staff, small_id, action, reason)
    queued = _queued()
    large = _moderated(staff, large_id, action, reason)
    queued.update(_queued())
    assert len(large) == len(small), "\n".join(large) + "\n=====\n" + "\n".join(small)
    assert len(small) <= 16, "\n".join(small)
    for group_id, size in ((small_id, 10), (large_id, 200)):
        members = Comment.id.in_(_members(group_id))
        rows = db.session.execute(
            select(Comment.status, Comment.version, Comment.moderated_by_id, Comment.moderation_reason).where(
                members
            )
        ).all()
        assert len(rows) == size
        assert set(rows) == {(status, 2, staff.id, reason)}  # each member's version moved on once
        ids = set(db.session.scalars(_members(group_id)))
        for kind in ("search.index", "groups.update"):  # one row each for each member
            assert sorted(c for k, c in queued if k == kind and c in ids) == sorted(ids), kind
        end_read()
    entries = db.session.execute(
        select(AuditLog.target_id, AuditLog.details).where(AuditLog.action == f"group.{action}")
    ).all()
    assert sorted((t, d["count"]) for t, d in entries) == sorted([(str(small_id), 10), (str(large_id), 200)])
    end_read()
    assert_exact()  # both comment counters equal a fresh count


def test_a_member_seen_before_the_group_was_moderated_is_a_conflict(factory):
    """The version check still holds: a selection moderated with the versions seen before is refused."""
    staff, _ = factory.user("staff")
    group_id = _big_group(factory, 5)
    first = db.session.scalar(_members(group_id).order_by(GroupMember.comment_id).limit(1))
    seen = db.session.scalar(select(Comment.version).where(Comment.id == first))
    end_read()
    moderate_group(staff, CLI, group_id, "reject", "重复提交")
    with pytest.raises(Conflict):
        moderate_many(staff, CLI, [first], "publish", seen={first: seen})
    end_read()
    assert db.session.scalar(select(Comment.status).where(Comment.id == first)) == "rejected"
    end_read()
