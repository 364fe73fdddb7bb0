"""Composing the feedback notification mails of one chunk of outbox rows (a few queries per chunk).

`notifications.send_due` reads the due rows, asks `compose` for their messages, and sends them; a row
whose message cannot be built is set aside with a reason instead of stopping the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import and_, func, or_, select

from consult.extensions import db
from consult.feedback import mail
from consult.feedback.due import due_events
from consult.i18n import _
from consult.models import (
    ArticleText,
    Comment,
    ContactPoint,
    Draft,
    FeedbackPublication,
    IntakeBatch,
    PublishedDecision,
)


@dataclass
class Outgoing:
    """One row's message (None: nothing to send, with the reason)."""

    row_id: int
    attempts: int
    to: str | None
    message: EmailMessage | None
    skip_reason: str | None = None


def compose(ids: list[int]) -> list[Outgoing]:
    """Read what the chunk's messages need (a few queries for the whole chunk) and build them."""
    events = due_events(ids)
    pub_ids = {int(e.payload.get("publication_id") or 0) for e in events}
    pubs = {
        p.id: p
        for p in db.session.scalars(select(FeedbackPublication).where(FeedbackPublication.id.in_(pub_ids)))
    }
    drafts = {
        d.id: d
        for d in db.session.scalars(select(Draft).where(Draft.id.in_({p.draft_id for p in pubs.values()})))
    }
    comment_ids = [e.target_id for e in events if e.target_type == "comment"]
    point_ids = [e.target_id for e in events if e.target_type == "contact_point"]
    comments = _comments(comment_ids)
    decisions = _decisions(pub_ids, comment_ids)
    previous = _previous_decisions(pubs.values(), comment_ids)
    points = {p.id: p for p in db.session.scalars(select(ContactPoint).where(ContactPoint.id.in_(point_ids)))}
    outgoing = []
    for event in events:
        pub = pubs.get(int(event.payload.get("publication_id") or 0))
        draft = drafts.get(pub.draft_id) if pub else None
        try:
            if pub is None or draft is None:
                outgoing.append(
                    Outgoing(event.id, event.attempts, None, None, _("该次公布已不存在，邮件未发送"))
                )
            elif event.target_type == "comment":
                outgoing.append(_comment_outgoing(event, pub, draft, comments, decisions, previous))
            else:
                outgoing.append(_point_outgoing(event, pub, draft, points.get(event.target_id)))
        except Exception as err:  # one message that cannot be built must not stop every later one
            current_app.logger.exception("notification %d could not be composed", event.id)
            reason = _("邮件无法生成，未发送：%(error)s", error=str(err)[:200])
            outgoing.append(Outgoing(event.id, event.attempts, None, None, reason))
    return outgoing


def _comments(ids: list[int]) -> dict[int, tuple[Comment, str | None]]:
    if not ids:
        return {}
    label = (
        select(ArticleText.label)
        .where(ArticleText.article_id == Comment.article_id, ArticleText.version_id == Comment.version_id)
        .scalar_subquery()
    )
    rows = db.session.execute(select(Comment, label).where(Comment.id.in_(ids)))
    return {comment.id: (comment, article_label) for comment, article_label in rows}


def _decisions(pub_ids: set[int], comment_ids: list[int]) -> dict[tuple[int, int], PublishedDecision]:
    if not comment_ids:
        return {}
    rows = db.session.scalars(
        select(PublishedDecision).where(
            PublishedDecision.publication_id.in_(pub_ids), PublishedDecision.comment_id.in_(comment_ids)
        )
    )
    return {(row.publication_id, row.comment_id): row for row in rows}


def _previous_decisions(pubs, comment_ids: list[int]) -> dict[tuple[int, int], PublishedDecision | None]:
    """For a revision: each comment's decision in the publication before, by (revision id, comment id)."""
    revisions = [p for p in pubs if p.number > 1]
    if not revisions or not comment_ids:
        return {}
    earlier = db.session.execute(
        select(FeedbackPublication.id, FeedbackPublication.draft_id, FeedbackPublication.number).where(
            or_(
                *(
                    and_(
                        FeedbackPublication.draft_id == p.draft_id, FeedbackPublication.number == p.number - 1
                    )
                    for p in revisions
                )
            )
        )
    ).all()
    before = {(draft_id, number + 1): pub_id for pub_id, draft_id, number in earlier}
    found = _decisions(set(before.values()), comment_ids)
    result: dict[tuple[int, int], PublishedDecision | None] = {}
    for p in revisions:
        prev_id = before.get((p.draft_id, p.number))
        if prev_id is not None:
            for cid in comment_ids:
                result[(p.id, cid)] = found.get((prev_id, cid))
    return result


def _comment_outgoing(event, pub, draft, comments, decisions, previous) -> Outgoing:
    found = comments.get(event.target_id)
    if found is None:
        return Outgoing(event.id, event.attempts, None, None, _("意见已不存在，邮件未发送"))
    comment, article_label = found
    if not comment.contact or "@" not in comment.contact:
        return Outgoing(event.id, event.attempts, None, None, _("联系方式已删除，邮件未发送"))
    if not comment.notify:
        return Outgoing(event.id, event.attempts, None, None, _("提出人已不再接收通知，邮件未发送"))
    decision = decisions.get((pub.id, comment.id))
    notice = mail.CommentNotice(
        to=comment.contact,
        draft_title=draft.title,
        draft_slug=draft.slug,
        receipt_code=comment.receipt_code,
        submitted_at=comment.submitted_at,
        article_label=article_label,
        status=comment.status,
        moderation_reason=comment.moderation_reason,
        outcome=decision.outcome if decision else None,
        reason=decision.reason if decision else None,
        publication_number=pub.number,
        published_at=pub.published_at,
        revision_note=pub.revision_note or "",
        changed=_changed(previous, pub, comment.id, decision),
    )
    return Outgoing(event.id, event.attempts, comment.contact, mail.comment_message(event.id, notice))


def _changed(previous, pub, comment_id: int, decision) -> bool | None:
    """Whether a revision changed this comment's decision (None for a first publication)."""
    if (pub.id, comment_id) not in previous:
        return None
    before = previous[(pub.id, comment_id)]
    now_ = (decision.outcome, decision.reason) if decision else None
    then = (before.outcome, before.reason) if before else None
    return now_ != then


def _point_outgoing(event, pub, draft, point: ContactPoint | None) -> Outgoing:
    if point is None or not point.email or "@" not in point.email:
        return Outgoing(event.id, event.attempts, None, None, _("联系点没有通知邮箱，邮件未发送"))
    notice = mail.PointNotice(
        to=point.email,
        point_name=point.name,
        draft_title=draft.title,
        draft_slug=draft.slug,
        publication_number=pub.number,
        published_at=pub.published_at,
        revision_note=pub.revision_note or "",
        batches=_batch_lines(pub, draft, point),
    )
    return Outgoing(event.id, event.attempts, point.email, mail.point_message(event.id, notice))


def _batch_lines(pub: FeedbackPublication, draft: Draft, point: ContactPoint) -> list[mail.BatchLine]:
    """Per batch of this point on this draft: how many opinions, and what became of them."""
    batches = {
        b.id: b
        for b in db.session.scalars(
            select(IntakeBatch)
            .where(IntakeBatch.draft_id == draft.id, IntakeBatch.contact_point_id == point.id)
            .order_by(IntakeBatch.created_at, IntakeBatch.id)
        )
    }
    counts = db.session.execute(
        select(Comment.batch_id, Comment.status, PublishedDecision.outcome, func.count(Comment.id))
        .outerjoin(
            PublishedDecision,
            and_(PublishedDecision.comment_id == Comment.id, PublishedDecision.publication_id == pub.id),
        )
        .where(Comment.draft_id == draft.id, Comment.contact_point_id == point.id)
        .group_by(Comment.batch_id, Comment.status, PublishedDecision.outcome)
    ).all()
    lines: dict[int | None, mail.BatchLine] = {
        batch_id: mail.BatchLine(batch_id, b.meeting_date, b.meeting_place, b.filename, b.created_at)
        for batch_id, b in batches.items()
    }
    for batch_id, status, outcome, n in counts:
        line = lines.setdefault(batch_id, mail.BatchLine(batch_id, None, None, "", None))
        line.total += n
        if outcome:
            line.outcomes[outcome] = line.outcomes.get(outcome, 0) + n
        elif status != "published":
            line.not_published += n
        else:
            line.undecided += n
    return sorted(lines.values(), key=lambda line: (line.batch_id is None, line.batch_id or 0))
