"""Publishing the feedback (发布采纳情况反馈): the first publication, revisions, and the frozen decisions.

Publishing copies every decision on the draft's published comments into the publication
(PublishedDecision): the public report, the receipts and the open data read those copies. Decisions
are frozen from then on; to change one, staff open a revision, change what needs changing, and
publish again with a revision note that the public report shows. Until then the public keeps
seeing the last publication, so nothing half-revised leaks.
"""

from __future__ import annotations

from sqlalchemy import Integer, func, insert, literal, select

from consult import audit
from consult.clock import utcnow
from consult.context import RequestContext
from consult.db import write_transaction
from consult.drafts.queries import by_slug
from consult.errors import Conflict, ValidationError
from consult.feedback.notifications import queue_for_publication
from consult.feedback.stored import freeze_undecided, store
from consult.i18n import _
from consult.models import (
    Comment,
    Decision,
    Draft,
    FeedbackPublication,
    PublishedDecision,
    PublishedUndecided,
    User,
)
from consult.models.feedback import REVISION_NOTE_MAX
from consult.planner_stats import ANALYZE_AFTER_ROWS, refresh_statistics
from consult.sanitize import plain_text, raw_length_over


def _draft(session, slug: str) -> Draft:
    draft = by_slug(slug, session=session, lock=True)
    return draft


def publishable_problem(draft: Draft) -> str | None:
    """Why the feedback cannot be published now (None: it can)."""
    if draft.published_at is None:
        return _("草案尚未发布，不能发布采纳情况反馈")
    status = draft.status
    if status in ("upcoming", "open"):
        return _("征求意见结束后才能发布采纳情况反馈")
    if draft.feedback_published_at is not None and draft.feedback_revising_at is None:
        return _("采纳情况反馈已发布；如需修改处理结果，请先开始修订")
    return None


def publish_feedback(
    actor: User | None, ctx: RequestContext, slug: str, revision_note: str | None = None
) -> FeedbackPublication:
    """Publish the draft's feedback report (a revision needs its note); freezes the decisions."""

    too_long = raw_length_over(revision_note, REVISION_NOTE_MAX)  # refused before cleaning
    note = "" if too_long else plain_text(revision_note)
    if too_long or len(note) > REVISION_NOTE_MAX:
        raise ValidationError(
            _("修订说明不能超过%(n)d个字", n=REVISION_NOTE_MAX), {"revision_note": _("修订说明过长")}
        )
    with write_transaction() as session:
        draft = _draft(session, slug)
        problem = publishable_problem(draft)
        if problem is not None:
            raise Conflict(problem)
        revising = draft.feedback_published_at is not None
        if revising and not note:
            raise ValidationError(
                _("修订后重新发布时必须填写修订说明，公众将看到这段说明"),
                {"revision_note": _("请填写修订说明")},
            )
        now = utcnow()
        number = (
            session.scalar(
                select(func.max(FeedbackPublication.number)).where(FeedbackPublication.draft_id == draft.id)
            )
            or 0
        ) + 1
        undecided = session.scalars(
            select(Comment.id)
            .outerjoin(Decision, Decision.comment_id == Comment.id)
            .where(Comment.draft_id == draft.id, Comment.status == "published", Decision.id.is_(None))
            .order_by(Comment.id)
        ).all()
        publication = FeedbackPublication(
            draft_id=draft.id,
            number=number,
            published_at=now,
            published_by_id=actor.id if actor is not None else None,
            revision_note=note if revising else "",
            undecided_comment_ids=list(undecided),
        )
        session.add(publication)
        session.flush()
        session.execute(
            insert(PublishedDecision).from_select(
                ["publication_id", "comment_id", "outcome", "reason", "decided_at"],
                select(
                    literal(publication.id, Integer),
                    Decision.comment_id,
                    Decision.outcome,
                    Decision.reason,
                    Decision.decided_at,
                )
                .join(Comment, Comment.id == Decision.comment_id)
                .where(Comment.draft_id == draft.id, Comment.status == "published"),
            )
        )
        freeze_undecided(session.connection(), draft.id, publication.id)
        # The report's summary, kept with the publication: reading the report never counts comments.
        summary = store(session.connection(), draft.id, publication.id)
        session.expire(publication, ["participants", "contact_point_ids", "by_channel"])
        frozen = sum(
            n for place in summary.places for kind, n in place["outcomes"].items() if kind != "undecided"
        )
        if draft.feedback_published_at is None:
            draft.feedback_published_at = now
        draft.feedback_revising_at = None
        queued = queue_for_publication(session, draft, publication)
        audit.record(
            session,
            actor,
            ctx,
            "feedback.publish",
            draft,
            {"number": number, "decisions": frozen, "notifications": queued, "revision_note": note},
        )
    if sum(sum(place["outcomes"].values()) for place in summary.places) >= ANALYZE_AFTER_ROWS:
        # A bulk load of frozen rows: the report's pages of items plan on them (stale statistics made
        # PostgreSQL read a whole publication's decisions for each page).
        refresh_statistics(PublishedDecision.__tablename__, PublishedUndecided.__tablename__)
    return publication


def open_revision(actor: User | None, ctx: RequestContext, slug: str) -> Draft:
    """Unfreeze the decisions of a draft whose feedback is published, until the next publication."""
    with write_transaction() as session:
        draft = _draft(session, slug)
        if draft.feedback_published_at is None:
            raise Conflict(_("采纳情况反馈尚未发布，处理结果本来就可以修改"))
        if draft.feedback_revising_at is not None:
            raise Conflict(_("修订已经开始，请修改处理结果后重新发布"))
        draft.feedback_revising_at = utcnow()
        audit.record(session, actor, ctx, "feedback.revise", draft, {})
    return draft


def decisions_frozen(draft: Draft) -> bool:
    """Whether decisions on the draft's comments are frozen by a publication (no revision open)."""
    return draft.decisions_frozen
