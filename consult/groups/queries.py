"""Reads about groups that the API (and later the HTML pages) share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Comment, CommentGroup, Decision, GroupMember
from consult.models.counts import GENERAL

MIN_SIZE_DEFAULT = 2
CHUNK = 500
TO_DECIDE_MAX = 100  # groups listed on the staff's page of group decisions, largest first


@dataclass(frozen=True)
class GroupView:
    """One group as staff see it."""

    id: int
    article_id: int | None
    size: int
    representative_id: int | None
    representative_body: str
    comment_ids: list[int]
    confirmed: bool
    burst: bool
    decision: dict | None = None  # the group's decision (StaffDecisionSchema), or None


def groups_of_draft(
    draft_id: int, article_id: int | None = None, min_size: int = MIN_SIZE_DEFAULT
) -> list[GroupView]:
    """A draft's groups of at least ``min_size`` members (of one article when given), largest first."""
    query = select(CommentGroup).where(CommentGroup.draft_id == draft_id, CommentGroup.size >= min_size)
    if article_id is not None:
        query = query.where(CommentGroup.article_key == article_id)
    query = query.order_by(CommentGroup.size.desc(), CommentGroup.id)
    # populate_existing: the session keeps objects across commits, and the grouping writes with Core
    groups = db.session.scalars(query.execution_options(populate_existing=True)).all()
    return _views(groups)


def group_view(group_id: int) -> GroupView | None:
    """One group, or None."""
    query = select(CommentGroup).where(CommentGroup.id == group_id).execution_options(populate_existing=True)
    group = db.session.scalar(query)
    return _views([group])[0] if group is not None else None


def _views(groups: list[CommentGroup]) -> list[GroupView]:
    ids = [g.id for g in groups]
    members: dict[int, list[int]] = {gid: [] for gid in ids}
    for start in range(0, len(ids), CHUNK):
        rows = db.session.execute(
            select(GroupMember.group_id, GroupMember.comment_id)
            .where(GroupMember.group_id.in_(ids[start : start + CHUNK]))
            .order_by(GroupMember.comment_id)
        )
        for gid, cid in rows:
            members[gid].append(cid)
    reps = [g.representative_id for g in groups if g.representative_id is not None]
    bodies = (
        dict(db.session.execute(select(Comment.id, Comment.body).where(Comment.id.in_(reps))).all())
        if reps
        else {}
    )
    return [
        GroupView(
            id=g.id,
            article_id=None if g.article_key == GENERAL else g.article_key,
            size=g.size,
            representative_id=g.representative_id,
            representative_body=bodies.get(g.representative_id, ""),
            comment_ids=members[g.id],
            confirmed=g.confirmed,
            burst=g.burst,
            decision=group_decision(g),
        )
        for g in groups
    ]


def group_decision(group: CommentGroup) -> dict | None:
    """The group's decision as staff see it (StaffDecisionSchema: with its version), or None."""
    if group.outcome is None:
        return None
    return {
        "outcome": group.outcome,
        "reason": group.reason,
        "decided_at": group.decided_at,
        "version": group.decision_version,
    }


def group_ids_of(comment_ids: Iterable[int]) -> dict[int, int]:
    """comment id → its group's id, for comments in a group of two or more (alone: absent)."""
    ids = sorted(set(comment_ids))
    found: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK):
        rows = db.session.execute(
            select(GroupMember.comment_id, GroupMember.group_id)
            .join(CommentGroup, CommentGroup.id == GroupMember.group_id)
            .where(GroupMember.comment_id.in_(ids[start : start + CHUNK]), CommentGroup.size >= 2)
        )
        found.update(dict(rows.all()))
    return found


def group_counts(draft_id: int, min_size: int = MIN_SIZE_DEFAULT) -> dict[int | None, tuple[int, int]]:
    """Per article id (None: the draft as a whole): how many groups of at least ``min_size`` members, and
    how many comments they hold (read from the groups' index, no comment is read)."""
    rows = db.session.execute(
        select(CommentGroup.article_key, func.count(CommentGroup.id), func.sum(CommentGroup.size))
        .where(CommentGroup.draft_id == draft_id, CommentGroup.size >= min_size)
        .group_by(CommentGroup.article_key)
    )
    return {(None if a == GENERAL else a): (int(n), int(members or 0)) for a, n, members in rows}


@dataclass(frozen=True)
class GroupToDecide:
    """A group on the staff's page of group decisions: what its decision reaches (published members;
    those with a decision of their own, which keep it; the rest, pending, inherit once published)."""

    id: int
    article_id: int | None
    size: int
    representative_body: str
    decision: dict | None
    published: int
    own: int

    @property
    def reaches(self) -> int:
        """The published members that carry the group's decision once it is saved."""
        return self.published - self.own


def groups_to_decide(draft_id: int, article_id: int | None = None) -> list[GroupToDecide]:
    """A draft's largest groups (of one article, GENERAL for the general opinions, when given) with what
    a decision would reach: one grouped count over their members, no member loaded."""
    query = select(CommentGroup).where(
        CommentGroup.draft_id == draft_id, CommentGroup.size >= MIN_SIZE_DEFAULT
    )
    if article_id is not None:
        query = query.where(CommentGroup.article_key == article_id)
    query = query.order_by(CommentGroup.size.desc(), CommentGroup.id).limit(TO_DECIDE_MAX)
    groups = db.session.scalars(query.execution_options(populate_existing=True)).all()
    if not groups:
        return []
    published = func.count(Comment.id).filter(Comment.status == "published")
    own = func.count(Decision.id).filter(Decision.inherited.is_(False))
    reach = {
        gid: (int(p), int(o))
        for gid, p, o in db.session.execute(
            select(GroupMember.group_id, published, own)
            .join(Comment, Comment.id == GroupMember.comment_id)
            .outerjoin(Decision, Decision.comment_id == GroupMember.comment_id)
            .where(GroupMember.group_id.in_([g.id for g in groups]))
            .group_by(GroupMember.group_id)
        )
    }
    reps = [g.representative_id for g in groups if g.representative_id is not None]
    bodies = dict(db.session.execute(select(Comment.id, Comment.body).where(Comment.id.in_(reps))).all())
    return [
        GroupToDecide(
            id=g.id,
            article_id=None if g.article_key == GENERAL else g.article_key,
            size=g.size,
            representative_body=bodies.get(g.representative_id, ""),
            decision=group_decision(g),
            published=reach.get(g.id, (0, 0))[0],
            own=reach.get(g.id, (0, 0))[1],
        )
        for g in groups
    ]
