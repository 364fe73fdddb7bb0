"""Satisfaction with the feedback (满意度测评): 1–5 per receipt code; a second replaces it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from consult.clock import utcnow
from consult.context import RequestContext
from consult.db import write_transaction
from consult.errors import Conflict, NotFound, ValidationError
from consult.extensions import db
from consult.i18n import _
from consult.models import Comment, Draft, Satisfaction
from consult.models.feedback import SATISFACTION_COMMENT_MAX
from consult.ratelimits import receipt_lookup, refusals_counted
from consult.receipts import is_well_formed, normalise
from consult.sanitize import plain_text, raw_length_over

SCORES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Rated:
    """The rating as stored, and whether it was the first for this receipt code."""

    rating: Satisfaction
    created: bool
    receipt_code: str


@dataclass(frozen=True)
class SatisfactionSummary:
    """Ratings of one draft's feedback: how many, the average and how many gave each score."""

    count: int
    average: float | None
    distribution: dict[int, int]


def _score(raw: object) -> int:
    if isinstance(raw, bool):
        raw = None
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    if not isinstance(raw, int) or raw not in SCORES:
        raise ValidationError(
            _("请选择1到5之间的满意度评分"), {"score": _("应为1到5之间的整数（5为非常满意）")}
        )
    return raw


def rate(
    ctx: RequestContext, slug: str, receipt_code: str | None, score: object, comment: str | None = None
) -> Rated:
    """Record the rating of the draft's feedback by the holder of a receipt code.

    Anonymous (the receipt code is the only identity); a refused rating counts against the address's
    refusal limit like a refused comment, and an unknown code against its receipt-lookup limit.
    """
    with refusals_counted(ctx.address):
        code, value, text = _checked(receipt_code, score, comment)
    with receipt_lookup(ctx.address):
        for attempt in range(2):
            try:
                return _store(slug, code, value, text)
            except IntegrityError:  # two first ratings at once: the loser replaces the winner's
                if attempt:
                    raise
    raise AssertionError("unreachable")


def _checked(receipt_code: str | None, score: object, comment: str | None) -> tuple[str, int, str]:
    code = normalise(receipt_code)
    value = _score(score)
    # The raw length first: cleaning megabytes of markup would hold a worker for minutes.
    n = raw_length_over(comment, SATISFACTION_COMMENT_MAX)
    text = "" if n else plain_text(comment)
    if n or len(text) > SATISFACTION_COMMENT_MAX:
        message = _(
            "评价意见不能超过%(max)d个字（现有%(n)d个字）", max=SATISFACTION_COMMENT_MAX, n=n or len(text)
        )
        raise ValidationError(message, {"comment": message})
    if not is_well_formed(code):
        raise ValidationError(_("请填写有效的回执码"), {"receipt_code": _("回执码格式不正确")})
    return code, value, text


def _store(slug: str, code: str, score: int, text: str) -> Rated:
    with write_transaction() as session:
        row = session.execute(
            select(Comment.id, Comment.status, Draft.id, Draft.feedback_published_at)
            .join(Draft, Draft.id == Comment.draft_id)
            .where(Comment.receipt_code == code, Draft.slug == slug)
        ).first()
        if row is None or row[1] == "spam":
            raise NotFound(_("该草案下没有这个回执码"))
        comment_id, _status, draft_id, feedback_at = row
        if feedback_at is None:
            raise Conflict(_("采纳情况反馈公布后才能进行满意度测评"))
        existing = session.scalar(select(Satisfaction).where(Satisfaction.comment_id == comment_id))
        if existing is not None:
            existing.score, existing.comment, existing.updated_at = score, text, utcnow()
            return Rated(existing, False, code)
        rating = Satisfaction(draft_id=draft_id, comment_id=comment_id, score=score, comment=text)
        session.add(rating)
        session.flush()
    return Rated(rating, True, code)


def rating_for(comment_id: int) -> Satisfaction | None:
    """The rating given with a receipt code, if any."""
    return db.session.scalar(select(Satisfaction).where(Satisfaction.comment_id == comment_id))


def summary(draft_id: int) -> SatisfactionSummary:
    """Count, average and distribution of a draft's ratings."""
    rows = db.session.execute(
        select(Satisfaction.score, func.count(Satisfaction.id))
        .where(Satisfaction.draft_id == draft_id)
        .group_by(Satisfaction.score)
    ).all()
    distribution = {score: 0 for score in SCORES} | {score: n for score, n in rows}
    count = sum(distribution.values())
    average = sum(s * n for s, n in distribution.items()) / count if count else None
    return SatisfactionSummary(count, round(average, 2) if average is not None else None, distribution)


def recent_remarks(draft_id: int, limit: int = 50) -> list[Satisfaction]:
    """The newest ratings that came with a written remark (for staff)."""
    return list(
        db.session.scalars(
            select(Satisfaction)
            .where(Satisfaction.draft_id == draft_id, Satisfaction.comment != "")
            .order_by(Satisfaction.updated_at.desc())
            .limit(limit)
        )
    )
