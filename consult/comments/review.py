"""Review work among staff: internal notes (内部备注) and assignments (分工), each with an audit row."""

from __future__ import annotations

from sqlalchemy import select

from consult import audit
from consult.clock import utcnow
from consult.context import RequestContext
from consult.db import write_transaction
from consult.errors import NotFound, ValidationError
from consult.i18n import _
from consult.models import Article, Assignment, Comment, ReviewNote, User
from consult.models.review import NOTE_MAX
from consult.sanitize import plain_text, raw_length_over


def _target(session, article_id: int | None, comment_id: int | None) -> tuple[int, dict[str, int]]:
    """The draft of the one target (an article or a comment), and the target as column values."""
    if (article_id is None) == (comment_id is None):
        raise ValidationError(_("请选择一个条款或一条意见"))
    if article_id is not None:
        article = session.get(Article, article_id)
        if article is None:
            raise NotFound(_("该条款不存在"))
        return article.draft_id, {"article_id": article_id}
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(_("意见不存在"))
    return comment.draft_id, {"comment_id": comment_id}


def add_note(
    actor: User,
    ctx: RequestContext,
    body: str | None,
    article_id: int | None = None,
    comment_id: int | None = None,
) -> ReviewNote:
    """An internal note on an article or a comment; only staff see it, it is never published."""
    too_long = raw_length_over(body, NOTE_MAX)  # refused before cleaning (sanitize.raw_max)
    text = "" if too_long else plain_text(body)
    if too_long or len(text) > NOTE_MAX:
        raise ValidationError(_("备注不能超过%(n)d个字", n=NOTE_MAX), {"body": _("备注过长")})
    if not text:
        raise ValidationError(_("请填写备注内容"), {"body": _("请填写备注内容")})
    with write_transaction() as session:
        draft_id, target = _target(session, article_id, comment_id)
        note = ReviewNote(draft_id=draft_id, author_id=actor.id, body=text, created_at=utcnow(), **target)
        session.add(note)
        session.flush()
        audit.record(session, actor, ctx, "review.note", note, {**target, "length": len(text)})
    return note


def assign(
    actor: User,
    ctx: RequestContext,
    assignee_id: int | None,
    article_id: int | None = None,
    comment_id: int | None = None,
) -> Assignment:
    """Give an article or a comment to an active staff member; an earlier assignment is replaced."""
    with write_transaction() as session:
        assignee = session.get(User, assignee_id) if assignee_id is not None else None
        if assignee is None or not assignee.active or not assignee.is_staff:
            raise ValidationError(_("请选择在职的工作人员"), {"assignee": _("请选择工作人员")})
        draft_id, target = _target(session, article_id, comment_id)
        column = Assignment.article_id if article_id is not None else Assignment.comment_id
        row = session.scalar(select(Assignment).where(column == (article_id or comment_id)))
        previous = row.assignee_id if row is not None else None
        if row is None:
            row = Assignment(draft_id=draft_id, **target)
            session.add(row)
        row.assignee_id, row.assigned_by_id, row.created_at = assignee.id, actor.id, utcnow()
        session.flush()
        audit.record(
            session,
            actor,
            ctx,
            "review.assign",
            row,
            {**target, "assignee": assignee.username, "previous_assignee_id": previous},
        )
    return row


def unassign(
    actor: User, ctx: RequestContext, article_id: int | None = None, comment_id: int | None = None
) -> None:
    """Take back the assignment of an article or a comment."""
    with write_transaction() as session:
        _draft_id, target = _target(session, article_id, comment_id)
        column = Assignment.article_id if article_id is not None else Assignment.comment_id
        row = session.scalar(select(Assignment).where(column == (article_id or comment_id)))
        if row is None:
            raise NotFound(_("尚未分配给任何人"))
        audit.record(session, actor, ctx, "review.unassign", row, {**target, "assignee_id": row.assignee_id})
        session.delete(row)
