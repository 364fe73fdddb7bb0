"""Reads for the intake workspace: the drafts and points an upload may name, batches, their opinions.

A contact point's operator sees only their own point's batches (another point's batch is Forbidden,
a batch that does not exist is NotFound); staff see every batch.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from consult.errors import Forbidden, NotFound
from consult.extensions import db
from consult.i18n import _
from consult.models import ArticleText, Comment, ContactPoint, Decision, Draft, IntakeBatch, User
from consult.paging import Page

BATCHES_PER_PAGE = 20
OPINIONS_PER_PAGE = 50


def upload_drafts() -> list[Draft]:
    """Drafts an upload may be for: published, feedback not yet published; the newest consultation first."""
    return list(
        db.session.scalars(
            select(Draft)
            .where(Draft.is_public, Draft.feedback_published_at.is_(None))
            .order_by(Draft.opens_at.desc(), Draft.id.desc())
        )
    )


def contact_points() -> list[ContactPoint]:
    """Every contact point, by name (the staff's choice on the upload form and the dashboard filter)."""
    return list(db.session.scalars(select(ContactPoint).order_by(ContactPoint.name, ContactPoint.id)))


def point_by_slug(slug: str | None) -> ContactPoint | None:
    """The contact point with this slug, or None."""
    if not slug:
        return None
    return db.session.scalar(select(ContactPoint).where(ContactPoint.slug == slug))


@dataclass(frozen=True)
class BatchRow:
    """One batch as the dashboard lists it."""

    batch: IntakeBatch
    uploader: str | None

    @property
    def rows_invalid(self) -> int:
        """Rows of the file with errors (not imported)."""
        return invalid_rows(self.batch)


def invalid_rows(batch: IntakeBatch) -> int:
    """Rows of the batch's file that had errors: what was neither imported now nor before."""
    return max(0, batch.rows_total - batch.rows_imported - batch.rows_already)


def _uploader_name():
    return func.coalesce(User.display_name, User.username)


def batches(point_id: int | None, page: int = 1, per_page: int = BATCHES_PER_PAGE) -> Page:
    """Batches newest first, of one contact point (None: every point), with who uploaded each."""
    where = [IntakeBatch.contact_point_id == point_id] if point_id is not None else []
    total = db.session.scalar(select(func.count(IntakeBatch.id)).where(*where)) or 0
    rows = db.session.execute(
        select(IntakeBatch, _uploader_name())
        .outerjoin(User, User.id == IntakeBatch.created_by_id)
        .where(*where)
        .options(selectinload(IntakeBatch.contact_point), selectinload(IntakeBatch.draft))
        .order_by(IntakeBatch.created_at.desc(), IntakeBatch.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page([BatchRow(batch, uploader) for batch, uploader in rows], page, per_page, total)


def visible_batch(actor: User, batch_id: int) -> IntakeBatch:
    """The batch, if the actor may see it: NotFound when there is none, Forbidden for another point's."""
    batch = db.session.get(IntakeBatch, batch_id)
    if batch is None:
        raise NotFound(_("导入批次不存在"))
    if actor.role == "contact_point" and batch.contact_point_id != actor.contact_point_id:
        raise Forbidden(_("只能查看本联系点导入的意见"))
    return batch


def uploader_of(batch: IntakeBatch) -> str | None:
    """The display name (or username) of who uploaded the batch."""
    if batch.created_by_id is None:
        return None
    return db.session.scalar(select(_uploader_name()).where(User.id == batch.created_by_id))


@dataclass(frozen=True)
class OpinionRow:
    """An imported opinion with the label of its article in the version it was imported against."""

    comment: Comment
    label: str | None

    @property
    def decision(self) -> Decision | None:
        """Staff's decision on the opinion, if any."""
        return self.comment.decision


def _with_labels(query) -> list[tuple[Comment, str | None]]:
    label = (
        select(ArticleText.label)
        .where(
            and_(ArticleText.version_id == Comment.version_id, ArticleText.article_id == Comment.article_id)
        )
        .limit(1)
        .scalar_subquery()
    )
    return [(comment, text) for comment, text in db.session.execute(query.add_columns(label))]


def batch_opinions(batch_id: int, page: int = 1, per_page: int = OPINIONS_PER_PAGE) -> Page:
    """The opinions imported in the batch, in the order of the file, with their decisions."""
    where = Comment.batch_id == batch_id
    total = db.session.scalar(select(func.count(Comment.id)).where(where)) or 0
    query = (
        select(Comment)
        .where(where)
        .options(selectinload(Comment.decision))
        .order_by(Comment.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page([OpinionRow(c, label) for c, label in _with_labels(query)], page, per_page, total)


def all_batch_opinions(batch_id: int) -> list[OpinionRow]:
    """Every opinion of the batch with its article label (for the list of receipt codes)."""
    query = select(Comment).where(Comment.batch_id == batch_id).order_by(Comment.id)
    return [OpinionRow(c, label) for c, label in _with_labels(query)]


def batch_error_rows(batch: IntakeBatch) -> tuple[list[str], list[tuple[list[str], str]]]:
    """The header and the (cells, messages) of the rows not imported, as the batch's report kept them."""
    report = batch.report or {}
    rows = [
        (error.get("cells") or [], describe_messages(error.get("messages") or []))
        for error in report.get("errors") or []
    ]
    return report.get("header") or [], rows


def describe_messages(messages: list) -> str:
    """[[column, message], …] as a batch's report keeps them → one cell: "联系方式：…；条款：…"."""
    return "；".join(f"{column}：{text}" if column else str(text) for column, text in messages)


@dataclass(frozen=True)
class BatchTally:
    """What became of a batch's opinions: moderation statuses and decisions."""

    by_status: dict[str, int]
    decided: int

    @property
    def total(self) -> int:
        """Opinions in the batch."""
        return sum(self.by_status.values())


def batch_tally(batch_id: int) -> BatchTally:
    """Counts of the batch's opinions per moderation status, and how many have a decision."""
    by_status = dict(
        db.session.execute(
            select(Comment.status, func.count(Comment.id))
            .where(Comment.batch_id == batch_id)
            .group_by(Comment.status)
        ).all()
    )
    decided = (
        db.session.scalar(
            select(func.count(Decision.id))
            .join(Comment, Comment.id == Decision.comment_id)
            .where(Comment.batch_id == batch_id)
        )
        or 0
    )
    return BatchTally(by_status, decided)
