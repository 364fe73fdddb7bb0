"""Moderating a group of similar comments at once (issue 16, point 2): publish or reject every pending
member in one transaction, by the rules of one comment's moderation (consult/comments/moderation.py).

The members are changed through the ORM, so the comment counters, the change counter and the outbox rows
for search and grouping follow them as they follow any moderation (session events); they are read with
their decisions in a bounded number of statements (selectinload, 500 at a time), and the whole change
writes ONE audit row naming the group and the count. A group of 50,000 campaign comments is a few
seconds, not 50,000 round trips of one comment's moderation.

Publishing shows text to everyone: when a pending member seems to carry personal data (a phone number,
an ID number, an e-mail address: consult/personal_data.py), publishing is refused unless staff say they
saw those flags (``confirm_personal_data``). Staff who would rather publish a masked copy take such a
member out of the group first and moderate it alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult import audit, personal_data
from consult.comments.moderation import apply_status, checked
from consult.db import write_transaction
from consult.errors import Conflict, NotFound, ValidationError
from consult.extensions import db
from consult.i18n import _
from consult.models import Comment, CommentGroup, GroupMember
from consult.models.types import ID_MAX

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


def _pending(group_id: int):
    return (
        select(Comment)
        .join(GroupMember, GroupMember.comment_id == Comment.id)
        .where(GroupMember.group_id == group_id, Comment.status == "pending")
        .order_by(Comment.id)
    )


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
        comments = session.scalars(_pending(group.id).options(selectinload(Comment.decision))).all()
        if not comments:
            raise Conflict(_("该组没有待审核的意见，可能已被其他工作人员处理，请刷新后查看。"))
        if expected_count is not None and expected_count != len(comments):
            raise Conflict(
                _(
                    "该组待审核的意见刚刚有变化（您看到%(seen)d条，现有%(now)d条），本次操作未执行，"
                    "请刷新后重新确认。",
                    seen=expected_count,
                    now=len(comments),
                )
            )
        flagged = [c.id for c in comments if personal_data.find(c.body)] if new_status == "published" else []
        if flagged and not confirm_personal_data:
            message = _(
                "该组有%(n)d条意见可能含有个人信息（%(ids)s），全部发布会公开这些信息。"
                "请先查看这些意见；确认无误请勾选“已查看个人信息提示”，或先将它们移出本组、遮盖后单独公开。",
                n=len(flagged),
                ids=_ids(flagged),
            )
            raise ValidationError(message, {"confirm_personal_data": message})
        apply_status(comments, new_status, reason, actor)
        session.flush()
        entry = audit.record(
            session,
            actor,
            ctx,
            AUDIT_ACTIONS[action],
            group,
            {
                "count": len(comments),
                "to": new_status,
                "reason": reason,
                "personal_data_confirmed": bool(flagged),
                "flagged": len(flagged),
                "flagged_ids": flagged[:FLAGGED_NAMED],
            },
        )
        session.flush()
        return GroupModerated(group.id, action, new_status, reason, len(comments), len(flagged), entry.id)
