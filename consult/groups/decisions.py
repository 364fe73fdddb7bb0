"""A group's decision (随组决定): one outcome and public reason for every member of a group of similar
comments, and for the members that join it later.

``decide_group`` keeps the decision on the group and fans it out (consult/groups/inheritance.py): every
published member without a decision of its own gets a copy (``Decision.inherited``, naming the group),
in a few bounded statements whatever the group's size. A member's own decision
(consult/comments/decisions.py) wins: the group never touches it. ingest.py keeps the copies true as
the grouping changes: a member that joins a decided group, or is published later, inherits; one that
leaves (split out, moved, spam) loses the copy. Nothing changes once the feedback report froze the
draft's decisions.

Deciding confirms the group (as operations.confirm_group does), so no recomputation moves its members
or its id from under the decision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from consult import audit
from consult.changes import bump
from consult.clock import utcnow
from consult.db import end_read, write_transaction
from consult.decision_rules import checked_decision
from consult.errors import Conflict, NotFound
from consult.groups.drain import writer_lock
from consult.groups.inheritance import settle
from consult.i18n import _
from consult.models import CommentGroup, Decision, Draft, GroupMember
from consult.models.types import ID_MAX

if TYPE_CHECKING:
    from consult.context import RequestContext
    from consult.models import User


def decide_group(
    actor: User,
    ctx: RequestContext,
    group_id: int,
    outcome: str | None,
    reason: str | None,
    expected_version: int | None = None,
) -> tuple[int, int]:
    """Record the group's decision and give it to every published member without its own; (the group's
    id, how many members carry it now). ``expected_version``: the group's ``decision_version`` the staff
    member was looking at (0: none yet); another value is a Conflict, nothing is overwritten."""
    outcome, reason = checked_decision(outcome, reason)
    end_read()
    try:
        with writer_lock(wait=True), write_transaction() as session:
            return _decide(session, actor, ctx, group_id, outcome, reason, expected_version)
    except (IntegrityError, StaleDataError) as err:  # a member decided at the very same moment
        raise Conflict(_("这组意见的处理结果刚刚已被其他工作人员保存，请刷新后查看最新结果。")) from err


def _decide(session, actor, ctx, group_id, outcome, reason, expected_version) -> tuple[int, int]:
    query = select(CommentGroup).where(CommentGroup.id == group_id).execution_options(populate_existing=True)
    group = session.scalar(query) if 0 < group_id <= ID_MAX else None
    if group is None:
        raise NotFound(_("意见组不存在"))
    if session.scalar(select(Draft.decisions_frozen).where(Draft.id == group.draft_id)):
        raise Conflict(_("采纳情况反馈已发布，处理结果不能再修改；如需修改，请先在“采纳情况反馈”页开始修订"))
    if expected_version is not None and expected_version != group.decision_version:
        raise Conflict(
            _("这组意见的处理结果刚刚已被其他工作人员修改，请查看最新结果后再保存。"),
            {"decision_version": _("当前版本为 %(n)d", n=group.decision_version)},
        )
    group.outcome, group.reason = outcome, reason
    group.decided_at, group.decided_by_id = utcnow(), actor.id
    group.decision_version += 1
    group.confirmed = True
    session.execute(
        update(GroupMember)
        .where(GroupMember.group_id == group.id, GroupMember.state == "auto")
        .values(state="confirmed")
    )
    session.flush()
    settle(session, group.draft_id, GroupMember.group_id == group.id)
    carried = carrying(session, group.id)
    details = {"group": group.id, "count": carried, "outcome": outcome, "reason": reason}
    audit.record(session, actor, ctx, "group.decide", group, details)
    bump(session)
    return group.id, carried


def carrying(session: Session, group_id: int) -> int:
    """How many comments carry the group's decision (its published members without their own)."""
    return int(
        session.scalar(
            select(func.count()).where(Decision.group_id == group_id, Decision.inherited.is_(True))
        )
        or 0
    )
