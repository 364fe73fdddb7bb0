"""Submission keys: a repeated submission answers with the first receipt instead of a second comment.

The API's Idempotency-Key and the comment form's one-time id both land here. A key counts for
KEY_HOURS; expired rows are removed whenever a new key is written (an indexed range delete).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from consult.clock import utcnow
from consult.db import end_read
from consult.errors import IdempotencyKeyReused
from consult.extensions import db
from consult.i18n import _
from consult.models import Comment, SubmissionKey

if TYPE_CHECKING:
    from consult.comments.operations import Submission

KEY_HOURS = 24


def _cutoff():
    return utcnow() - timedelta(hours=KEY_HOURS)


def answered(stored_key: str, fingerprint: str) -> Submission | None:
    """The first answer to this key (None: the key is new or expired).

    Raises IdempotencyKeyReused when the key answered a different submission.
    """
    # An import here: operations imports this module for its writes.
    from consult.comments.operations import Submission
    from consult.receipts import display

    try:
        row = db.session.execute(
            select(SubmissionKey.fingerprint, Comment)
            .join(Comment, Comment.id == SubmissionKey.comment_id)
            .where(SubmissionKey.key == stored_key, SubmissionKey.created_at >= _cutoff())
        ).first()
        if row is None:
            return None
        first_fingerprint, comment = row
        slug = comment.draft.slug
    finally:
        end_read()
    if first_fingerprint != fingerprint:
        code = display(comment.receipt_code)
        raise IdempotencyKeyReused(
            _("这个提交标识已用于另一条内容不同的意见（回执码%(code)s），本次内容没有保存。", code=code),
            {"idempotency_key": _("已用于另一条意见，请换用新的标识")},
            first_receipt=code,
        )
    # The first answer said "pending" whatever became of the comment since: the repeat says the same.
    return Submission(comment.id, comment.receipt_code, "pending", comment.article_id, slug, repeated=True)


def remember(session: Session, stored_key: str, fingerprint: str, comment_id: int) -> None:
    """Write the key with its comment, inside the comment's transaction; clears expired keys first."""
    session.execute(delete(SubmissionKey).where(SubmissionKey.created_at < _cutoff()))
    session.add(SubmissionKey(key=stored_key, fingerprint=fingerprint, comment_id=comment_id))
    session.flush()
