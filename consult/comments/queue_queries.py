"""The moderation queue's read: pending members of one group of similar comments shown as ONE item.

A pending comment in a group of two or more stands for its group when no earlier pending member of the
group matches the same filter: that one probe per row (an indexed anti-join: the member by its key, the
group by its key, the group's members by ``group_id``) keeps the queue keyset-paged, and the group
appears where its oldest pending member falls, once. Other statuses, and word searches (ranked by the
search index), list every comment as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, literal, select, tuple_
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.util import ClauseAdapter

from consult.comments.staff_queries import CommentFilter, StaffPage, _where, staff_comments
from consult.extensions import db
from consult.models import ArticleText, Comment, CommentGroup, Draft, GroupMember
from consult.models.counts import GENERAL
from consult.paging import Page

MIN_GROUP = 2


@dataclass(frozen=True)
class QueueGroup:
    """The group an item of the queue stands for."""

    id: int
    size: int
    burst: bool
    representative_id: int | None
    representative_body: str


def collapses(f: CommentFilter) -> bool:
    """Whether this view of the queue folds groups (pending comments, read by the database)."""
    return f.status == "pending" and not (f.q and f.since is None and f.until is None)


def _not_a_later_member(f: CommentFilter):
    """No earlier pending member of the row's group (of two or more) matches the filter."""
    other = Comment.__table__.alias("earlier")
    mine, theirs = GroupMember.__table__.alias("mine"), GroupMember.__table__.alias("theirs")
    group = CommentGroup.__table__.alias("grp")
    adapted = [ClauseAdapter(other).traverse(clause) for clause in _where(f)]
    earlier = (
        select(literal(1))
        .select_from(mine)
        .join(group, group.c.id == mine.c.group_id)
        .join(theirs, theirs.c.group_id == mine.c.group_id)
        .join(other, other.c.id == theirs.c.comment_id)
        .where(
            mine.c.comment_id == Comment.id,
            group.c.size >= MIN_GROUP,
            *adapted,
            tuple_(other.c.submitted_at, other.c.id) < tuple_(Comment.submitted_at, Comment.id),
        )
    )
    return ~exists(earlier)


def queue_page(
    f: CommentFilter, page: int = 1, per_page: int = 25, after: tuple[datetime, int] | None = None
) -> Page:
    """The queue's page: like staff_comments, oldest first, each group once when it folds them.

    ``total`` counts comments (what waits), as staff_comments does, so a group of 300 counts 300."""
    if not collapses(f):
        return staff_comments(f, page, per_page, after=after)
    where = _where(f)
    total = db.session.scalar(select(func.count(Comment.id)).where(*where)) or 0
    query = (
        select(Comment)
        .where(*where, _not_a_later_member(f))
        .options(selectinload(Comment.decision), selectinload(Comment.draft))
        .order_by(Comment.submitted_at.asc(), Comment.id.asc())
        .limit(per_page + 1)
    )
    if after is not None:
        query = query.where(tuple_(Comment.submitted_at, Comment.id) > tuple_(*after))
    else:
        query = query.offset((page - 1) * per_page)
    rows = list(db.session.scalars(query).all())
    return StaffPage(rows[:per_page], page, per_page, total, more=len(rows) > per_page)


def groups_of_items(comment_ids: list[int]) -> dict[int, QueueGroup]:
    """comment id → the group (of two or more) it belongs to, for a page's items (two queries)."""
    if not comment_ids:
        return {}
    rows = db.session.execute(
        select(
            GroupMember.comment_id,
            CommentGroup.id,
            CommentGroup.size,
            CommentGroup.burst,
            CommentGroup.representative_id,
        )
        .join(CommentGroup, CommentGroup.id == GroupMember.group_id)
        .where(GroupMember.comment_id.in_(comment_ids), CommentGroup.size >= MIN_GROUP)
    ).all()
    reps = {r[4] for r in rows if r[4] is not None}
    bodies = dict(db.session.execute(select(Comment.id, Comment.body).where(Comment.id.in_(reps))).all())
    return {
        cid: QueueGroup(gid, size, bool(burst), rep, bodies.get(rep, ""))
        for cid, gid, size, burst, rep in rows
    }


@dataclass(frozen=True)
class GroupPlace:
    """A group as its staff pages head it: where it is, how big, and the text it stands for."""

    id: int
    size: int
    burst: bool
    draft_title: str
    article_label: str | None  # None: the draft as a whole
    representative_body: str


def group_place(group_id: int) -> GroupPlace | None:
    """One group with its draft's title and its article's label, or None."""
    group = db.session.scalar(
        select(CommentGroup).where(CommentGroup.id == group_id).execution_options(populate_existing=True)
    )
    if group is None:
        return None
    draft = db.session.get(Draft, group.draft_id)
    label = None
    if group.article_key != GENERAL:
        label = db.session.scalar(
            select(ArticleText.label)
            .where(ArticleText.article_id == group.article_key)
            .order_by(ArticleText.version_id.desc())
            .limit(1)
        )
    body = ""
    if group.representative_id is not None:
        body = db.session.scalar(select(Comment.body).where(Comment.id == group.representative_id)) or ""
    return GroupPlace(group.id, group.size, bool(group.burst), draft.title, label, body)


def group_members(group_id: int, after: int = 0, per_page: int = 50) -> tuple[list[Comment], bool]:
    """A page of a group's members by id after ``after``, and whether more follow."""
    rows = db.session.scalars(
        select(Comment)
        .join(GroupMember, GroupMember.comment_id == Comment.id)
        .where(GroupMember.group_id == group_id, Comment.id > after)
        .order_by(Comment.id)
        .limit(per_page + 1)
    ).all()
    return list(rows[:per_page]), len(rows) > per_page
