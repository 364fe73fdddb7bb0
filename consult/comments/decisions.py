"""Decisions on published comments (处理结果): one per comment, editable until the feedback is published."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from consult import audit
from consult.clock import utcnow
from consult.context import RequestContext
from consult.db import write_transaction
from consult.decision_rules import checked_decision
from consult.errors import Conflict, NotFound, ValidationError
from consult.i18n import _
from consult.models import Comment, Decision, Draft, User


def decide(
    actor: User,
    ctx: RequestContext,
    comment_ids: Iterable[int],
    outcome: str,
    reason: str | None,
    seen: Mapping[int, int] | None = None,
) -> int:
    """Record the decision for one comment or a selection (the same reason for all).

    ``seen`` maps a comment id to the version of its decision the staff member was looking at (0: none
    yet). When someone else decided in between, the change is refused with a Conflict naming the
    comments, instead of silently overwriting the other person's decision.
    """
    ids = sorted(set(comment_ids))
    if not ids:
        raise ValidationError(_("请先选择意见"), {"ids": _("未选择任何意见")})
    outcome, reason = checked_decision(outcome, reason)
    try:
        _record_decisions(actor, ctx, ids, outcome, reason, seen or {})
    except (IntegrityError, StaleDataError) as err:  # two people deciding at the very same moment
        raise Conflict(_("这条意见的处理结果刚刚已被其他工作人员保存，请刷新后查看最新结果。")) from err
    return len(ids)


def _check_seen(comments: list[Comment], seen: Mapping[int, int]) -> None:
    changed = [
        c.id
        for c in comments
        if c.id in seen and (c.decision.version if c.decision is not None else 0) != seen[c.id]
    ]
    if changed:
        raise Conflict(
            _(
                "意见 %(ids)s 的处理结果刚刚已被其他工作人员修改，请查看最新结果后再保存。",
                ids="、".join(f"#{n}" for n in changed),
            ),
            {"seen": _("已变化的意见：%(ids)s", ids="、".join(str(n) for n in changed))},
        )


def _record_decisions(
    actor: User, ctx: RequestContext, ids: list[int], outcome: str, reason: str, seen: Mapping[int, int]
) -> None:
    with write_transaction() as session:
        # Decisions loaded with the comments: the check and the write see the same state.
        comments = session.scalars(
            select(Comment).where(Comment.id.in_(ids)).options(selectinload(Comment.decision))
        ).all()
        if len(comments) != len(ids):
            raise NotFound(_("意见不存在"))
        if any(c.status != "published" for c in comments):
            raise Conflict(_("只能对已公开的意见作出处理决定，请先审核公开"))
        _check_seen(comments, seen)
        drafts = {c.draft_id for c in comments}
        concluded = session.scalars(
            select(Draft.slug).where(Draft.id.in_(drafts), Draft.decisions_frozen)
        ).all()
        if concluded:
            raise Conflict(
                _("采纳情况反馈已发布，处理结果不能再修改；如需修改，请先在“采纳情况反馈”页开始修订")
            )
        now = utcnow()
        for comment in comments:
            if comment.decision is None:
                session.add(
                    Decision(
                        comment_id=comment.id,
                        outcome=outcome,
                        reason=reason,
                        decided_at=now,
                        decided_by_id=actor.id,
                    )
                )
            else:
                comment.decision.outcome, comment.decision.reason = outcome, reason
                comment.decision.decided_at, comment.decision.decided_by_id = now, actor.id
                # its own decision from now on: it wins over its group's (consult/groups/decisions.py)
                comment.decision.inherited, comment.decision.group_id = False, None
        audit.record(
            session,
            actor,
            ctx,
            "comment.decide",
            comments[0] if len(comments) == 1 else None,
            {"ids": ids, "outcome": outcome, "reason": reason},
        )
