"""Moderating a group of similar comments at once (issue 16, point 2): publish or reject every pending
member in one transaction, by the rules of one comment's moderation (consult/comments/moderation.py).

Set-based, in a fixed number of statements whatever the group's size (5,000 members one by one through
the ORM took 15.7 s): the pending members are read once (ids, and texts when publishing), then ONE
UPDATE … WHERE id IN (the group's members) AND status = 'pending' gives them the new status and moves
each one's version on, as the ORM's versioned update does. What session events do for a comment changed
through the ORM is done for the set: the comment counters count the UPDATE from a grouped SELECT of its
rows (consult/comments/counts.py, day_counts.py), the change counter moves (consult/changes.py), one
INSERT … SELECT each queues the search and grouping outbox rows, and a kept feedback report that counts
a member is stored again (consult/feedback/stored.py). ONE audit row names the group and the count.

What is read is what is changed: the ``comments`` change counter is taken first, as every comment write
and every change to a group's members takes it before committing, so on PostgreSQL those writes wait for
this one (SQLite's write lock already does); an UPDATE that changes another number of rows than were read
(and confirmed) is refused and nothing is written.

Publishing shows text to everyone: when a pending member seems to carry personal data (a phone number,
an ID number, an e-mail address: consult/personal_data.py), publishing is refused unless staff say they
saw those flags (``confirm_personal_data``). Staff who would rather publish a masked copy take such a
member out of the group first and moderate it alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import and_, select, update

from consult import audit, personal_data
from consult.changes import bump
from consult.comments.moderation import checked, status_values
from consult.db import write_transaction
from consult.errors import Conflict, NotFound, ValidationError
from consult.extensions import db
from consult.feedback import stored
from consult.groups import events as group_events
from consult.i18n import _
from consult.models import Comment, CommentGroup, GroupMember
from consult.models.types import ID_MAX
from consult.search import events as search_events

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from consult.context import RequestContext
    from consult.models import User

GROUP_ACTIONS = ("publish", "reject")
AUDIT_ACTIONS = {"publish": "group.publish", "reject": "group.reject"}
FLAGGED_NAMED = 20  # flagged members an error message or an audit row names by id (the count is whole)
CHUNK = 1000


@dataclass(frozen=True)
class GroupModerated:
    """What moderating a group did: how many pending members got which status, and its audit row."""

    group_id: int
    action: str
    status: str
    reason: str | None
    count: int
    flagged: int  # how many of them seemed to carry personal data (published only after confirmation)
    entry_id: int


@dataclass(frozen=True)
class PendingSummary:
    """A group's pending members as the confirmation step shows them."""

    count: int
    flagged: list[tuple[int, list[str]]]  # (comment id, personal-data kinds), oldest first, all of them


def _group(session: Session, group_id: int) -> CommentGroup:
    query = select(CommentGroup).where(CommentGroup.id == group_id).execution_options(populate_existing=True)
    group = session.scalar(query) if 0 < group_id <= ID_MAX else None
    if group is None:
        raise NotFound(_("意见组不存在"))
    return group


def _pending_texts(session: Session, group_id: int) -> Iterator[tuple[int, str]]:
    """(id, body) of the group's pending members, read CHUNK at a time by id."""
    after = 0
    while True:
        rows = session.execute(
            select(Comment.id, Comment.body)
            .join(GroupMember, GroupMember.comment_id == Comment.id)
            .where(GroupMember.group_id == group_id, Comment.status == "pending", Comment.id > after)
            .order_by(Comment.id)
            .limit(CHUNK)
        ).all()
        yield from rows
        if len(rows) < CHUNK:
            return
        after = rows[-1][0]


def pending_summary(group_id: int) -> PendingSummary:
    """How many members of a group wait for moderation, and which of them seem to carry personal data
    (the confirmation step of 全部发布; reads the pending members' texts, never the queue's pages)."""
    _group(db.session, group_id)
    count, flagged = 0, []
    for comment_id, body in _pending_texts(db.session, group_id):
        count += 1
        kinds = personal_data.find(body)
        if kinds:
            flagged.append((comment_id, kinds))
    return PendingSummary(count, flagged)


def _ids(ids: list[int]) -> str:
    shown = "、".join(f"#{n}" for n in ids[:FLAGGED_NAMED])
    return shown + (_("等") if len(ids) > FLAGGED_NAMED else "")


def moderate_group(
    actor: User,
    ctx: RequestContext,
    group_id: int,
    action: str,
    reason: str | None = None,
    confirm_personal_data: bool = False,
    expected_count: int | None = None,
) -> GroupModerated:
    """Publish or reject (with a reason) every pending member of a group, in one transaction.

    ``expected_count``: how many pending members the staff member was shown; when members were moderated
    or joined since, nothing is changed and the Conflict says so (they confirmed other flags than now).
    """
    if action not in GROUP_ACTIONS:
        raise ValidationError(
            _("未知的审核操作：%(a)s", a=str(action)), {"action": _("应为 publish 或 reject")}
        )
    new_status, reason = checked(action, reason)
    with write_transaction() as session:
        group = _group(session, group_id)
        bump(session)  # first: the writes of these comments and of the group's members wait from here
        columns = (Comment.id, Comment.body) if new_status == "published" else (Comment.id,)
        rows = session.execute(
            select(*columns)
            .join(GroupMember, GroupMember.comment_id == Comment.id)
            .where(GroupMember.group_id == group.id, Comment.status == "pending")
            .order_by(Comment.id)
            .execution_options(yield_per=CHUNK)
        )
        count, flagged = 0, []
        for row in rows:
            count += 1
            if new_status == "published" and personal_data.find(row[1]):
                flagged.append(row[0])
        if not count:
            raise Conflict(_("该组没有待审核的意见，可能已被其他工作人员处理，请刷新后查看。"))
        if expected_count is not None and expected_count != count:
            raise Conflict(_changed(expected_count, count))
        if flagged and not confirm_personal_data:
            message = _(
                "该组有%(n)d条意见可能含有个人信息（%(ids)s），全部发布会公开这些信息。"
                "请先查看这些意见；确认无误请勾选“已查看个人信息提示”，或先将它们移出本组、遮盖后单独公开。",
                n=len(flagged),
                ids=_ids(flagged),
            )
            raise ValidationError(message, {"confirm_personal_data": message})
        _change_all(session, group, new_status, reason, actor, count)
        entry = audit.record(
            session,
            actor,
            ctx,
            AUDIT_ACTIONS[action],
            group,
            {
                "count": count,
                "to": new_status,
                "reason": reason,
                "personal_data_confirmed": bool(flagged),
                "flagged": len(flagged),
                "flagged_ids": flagged[:FLAGGED_NAMED],
            },
        )
        session.flush()
        return GroupModerated(group.id, action, new_status, reason, count, len(flagged), entry.id)


def _changed(seen: int, now: int) -> str:
    return _(
        "该组待审核的意见刚刚有变化（您看到%(seen)d条，现有%(now)d条），本次操作未执行，请刷新后重新确认。",
        seen=seen,
        now=now,
    )


def _change_all(
    session: Session, group: CommentGroup, new_status: str, reason: str | None, actor: User, count: int
) -> None:
    """Give the group's ``count`` pending members the new status in one UPDATE, with everything the
    session events would have done for each of them (see the module's docstring)."""
    pending = and_(
        Comment.status == "pending",
        Comment.id.in_(select(GroupMember.comment_id).where(GroupMember.group_id == group.id)),
    )
    connection = session.connection()
    kept = None
    if new_status == "published":  # a pending comment is in no report; published, it may be again
        kept = stored.kept_covering(connection, group.draft_id, select(Comment.id).where(pending))
    search_events.queue_comments(session, pending)
    group_events.queue_status_change(session, pending)
    result = session.execute(
        update(Comment)
        .where(pending)
        .values(**status_values(new_status, reason, actor), version=Comment.version + 1),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != count:  # cannot happen while the change counter is held first: never half done
        raise Conflict(_changed(count, result.rowcount))
    if kept is not None:
        stored.store(connection, group.draft_id, kept)
