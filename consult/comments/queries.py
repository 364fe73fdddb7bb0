"""Reads about comments that the HTML pages and the JSON API share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text, tuple_
from sqlalchemy.orm import selectinload

from consult.comments import counts
from consult.drafts.labels import as_commented, version_name
from consult.extensions import db
from consult.feedback.queries import published_decision_for
from consult.feedback.sms import enabled as sms_enabled
from consult.models import ArticleText, Comment, Draft, DraftVersion, PublishedDecision
from consult.paging import PER_PAGE_DEFAULT, SeekPage, encode_cursor
from consult.personal_data import mask_contact, notify_channel
from consult.ratelimits import receipt_lookup
from consult.receipts import is_well_formed, normalise

NEWEST_FIRST = (Comment.submitted_at.desc(), Comment.id.desc())
OLDEST_FIRST = (Comment.submitted_at.asc(), Comment.id.asc())


def _published(draft_id: int, article_id: int | None, general: bool) -> list:
    # An article belongs to one draft: filtering on it alone lets the (article, status, time) index serve.
    if article_id is not None:
        return [Comment.article_id == article_id, Comment.status == "published"]
    where = [Comment.draft_id == draft_id, Comment.status == "published"]
    if general:
        where.append(Comment.article_id.is_(None))
    return where


def published_comments(
    draft_id: int,
    article_id: int | None = None,
    *,
    general: bool = False,
    page: int = 1,
    per_page: int = PER_PAGE_DEFAULT,
    before: tuple[datetime, int] | None = None,
    after: tuple[datetime, int] | None = None,
) -> SeekPage:
    """Published comments of a draft (of one article, or general ones), newest first, read by key.

    ``before`` (a decoded cursor) starts the page just older than that position, ``after`` just newer;
    without either, ``page`` counts from the newest (the door bounds it: PUBLIC_PAGE_MAX). Each is a seek
    on the (article or draft, status, submitted_at, id) index, so the oldest page costs what the newest
    does, and a comment taken down between two pages neither repeats nor hides another. Nothing is
    counted here (published_total reads comment_count).
    """
    where = _published(draft_id, article_id, general)
    query = select(Comment).where(*where).options(selectinload(Comment.decision)).limit(per_page + 1)
    position = tuple_(Comment.submitted_at, Comment.id)
    if before is not None:
        rows = _rows(query.where(position < tuple_(*before)).order_by(*NEWEST_FIRST))
        newer = _cursor(rows[0]) if rows and _any(where, position > _key(rows[0])) else None
        return SeekPage(rows[:per_page], per_page, _older(rows, per_page), newer)
    if after is not None:
        rows = _rows(query.where(position > tuple_(*after)).order_by(*OLDEST_FIRST))
        if len(rows) > per_page:  # more newer ones follow: a page of its own
            rows = rows[:per_page][::-1]
            older = _cursor(rows[-1]) if _any(where, position < _key(rows[-1])) else None
            return SeekPage(rows, per_page, older, _cursor(rows[0]))
        page = 1  # only the newest are newer: the newest page, whole
    rows = _rows(query.order_by(*NEWEST_FIRST).offset((page - 1) * per_page))
    newer = _cursor(rows[0]) if page > 1 and rows else None
    return SeekPage(rows[:per_page], per_page, _older(rows, per_page), newer, page=page, first=page == 1)


def _rows(query) -> list[Comment]:
    return list(db.session.scalars(query).all())


def _key(comment: Comment):
    return tuple_(comment.submitted_at, comment.id)


def _cursor(comment: Comment) -> str:
    return encode_cursor(comment.submitted_at, comment.id)


def _older(rows: list[Comment], per_page: int) -> str | None:
    """Where the older page starts, when rows (one more than a page) say there is one."""
    return _cursor(rows[per_page - 1]) if len(rows) > per_page else None


def _any(where: list, condition) -> bool:
    """Whether some published comment of the listing lies that way (one index probe)."""
    return db.session.scalar(select(Comment.id).where(*where, condition).limit(1)) is not None


def published_total(draft_id: int, article_id: int | None = None, *, general: bool = False) -> int:
    """How many published comments a listing holds: read from comment_count, never counted here."""
    return counts.published(draft_id, article_id, general=general)


def published_counts(draft_id: int) -> dict[int | None, int]:
    """Published comments per article id (None: on the draft as a whole), from comment_count."""
    return counts.published_by_article(draft_id)


def latest_published_by_article(article_ids: list[int], per_article: int) -> dict[int, list[Comment]]:
    """The newest few published comments of each article (for the draft page), in two statements.

    One indexed LIMIT per article, glued with UNION ALL into one statement: far cheaper than ranking
    every comment of a popular draft, and than one ORM query per article.
    """
    if not article_ids:
        return {}
    parts = [
        f"SELECT id FROM (SELECT id FROM comment WHERE article_id = :a{i} AND status = 'published' "
        f"ORDER BY submitted_at DESC, id DESC LIMIT :n) AS p{i}"
        for i in range(len(article_ids))
    ]
    params = {f"a{i}": article_id for i, article_id in enumerate(article_ids)} | {"n": per_article}
    ids = list(db.session.scalars(text(" UNION ALL ".join(parts)), params))
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Comment)
        .where(Comment.id.in_(ids))
        .options(selectinload(Comment.decision))
        .order_by(Comment.submitted_at.desc(), Comment.id.desc())
    ).all()
    grouped: dict[int, list[Comment]] = {}
    for comment in rows:
        grouped.setdefault(comment.article_id, []).append(comment)
    return grouped


@dataclass(frozen=True)
class ReceiptView:
    """What a commenter may learn from their receipt code."""

    comment: Comment
    draft: Draft
    article_label: str | None  # the article's label now (None: general, or removed since)
    article_label_at_submission: str | None  # the label in the version the person commented on
    article_display: str | None  # both, as people read them (drafts.labels.as_commented)
    public_status: str  # pending, published, not_published
    reason: str | None
    decision: PublishedDecision | None
    notify_by: str | None  # "email" or "sms": how the feedback will be told (None: it will not)
    notify_to: str | None  # the contact it goes to, masked


def look_up_receipt(address: str | None, code: str) -> ReceiptView | None:
    """`receipt` for a person at an address: an unknown code counts against RECEIPT_LOOKUP_LIMIT, and
    past it every lookup from there is refused (RateLimited) until the window passes."""
    with receipt_lookup(address) as missed:
        view = receipt(code)
        if view is None:
            missed()
    return view


def receipt(code: str) -> ReceiptView | None:
    """Look a comment up by receipt code (case, spaces and dashes ignored); None when unknown."""
    normalised = normalise(code)
    if not is_well_formed(normalised):
        return None
    comment = db.session.scalar(
        select(Comment)
        .where(Comment.receipt_code == normalised)
        .options(selectinload(Comment.decision), selectinload(Comment.draft))
    )
    if comment is None:
        return None
    draft = comment.draft
    label_now = label_then = version_then = None
    if comment.article_id is not None:
        labels = dict(
            db.session.execute(
                select(ArticleText.version_id, ArticleText.label).where(
                    ArticleText.article_id == comment.article_id,
                    ArticleText.version_id.in_({draft.current_version.id, comment.version_id}),
                )
            ).all()
        )
        label_now = labels.get(draft.current_version.id)
        label_then = labels.get(comment.version_id)
        then = db.session.get(DraftVersion, comment.version_id)
        version_then = version_name(then.label, then.number) if then else None
    if comment.status in ("pending",):
        public_status, reason = "pending", None
    elif comment.status == "published":
        public_status, reason = "published", None
    else:
        # Spam is reported like any rejection, so a bot learns nothing from its receipt.
        public_status, reason = "not_published", comment.moderation_reason
    # The decision as the latest feedback publication froze it; nothing before the first.
    decision = published_decision_for(db.session, comment.id, draft.id)
    notify_by = notify_channel(comment.contact, sms_enabled()) if comment.notify else None
    return ReceiptView(
        comment,
        draft,
        label_now,
        label_then,
        as_commented(label_then, version_then, label_now),
        public_status,
        reason,
        decision,
        notify_by,
        mask_contact(comment.contact) if notify_by else None,
    )
