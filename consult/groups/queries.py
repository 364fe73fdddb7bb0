"""Reads about groups that the API (and later the HTML pages) share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, union_all

from consult.extensions import db
from consult.models import Comment, CommentGroup, Decision, GroupMember
from consult.models.counts import GENERAL
from consult.paging import encode_key

MIN_SIZE_DEFAULT = 2
CHUNK = 500
PER_PAGE = 20  # groups a page of the staff's lists holds unless asked otherwise
PER_PAGE_MAX = 100
LISTED_IDS = 20  # members' ids a listed group carries (the first by id); all: the group's own endpoint


@dataclass(frozen=True)
class GroupView:
    """One group as staff see it (``comment_ids``: every member, or the first ``LISTED_IDS`` in a list)."""

    id: int
    article_id: int | None
    size: int
    representative_id: int | None
    representative_body: str
    comment_ids: list[int]
    confirmed: bool
    burst: bool
    decision: dict | None = None  # the group's decision (StaffDecisionSchema), or None


@dataclass(frozen=True)
class GroupPage:
    """A page of a draft's groups, largest first; ``next_after``: the cursor of the next page (None: last)."""

    groups: list
    next_after: str | None


def _page_of_groups(
    draft_id: int, article_id: int | None, min_size: int, after: tuple[int, int] | None, per_page: int
) -> tuple[list[CommentGroup], str | None]:
    """A page of a draft's groups, largest first (ties: the older id first), read by key: the page after
    ``after`` (size, id) costs what the first does. The groups and the next page's cursor."""
    query = select(CommentGroup).where(CommentGroup.draft_id == draft_id, CommentGroup.size >= min_size)
    if article_id is not None:
        query = query.where(CommentGroup.article_key == article_id)
    if after is not None:
        size, group_id = after
        query = query.where(
            or_(CommentGroup.size < size, and_(CommentGroup.size == size, CommentGroup.id > group_id))
        )
    query = query.order_by(CommentGroup.size.desc(), CommentGroup.id).limit(per_page + 1)
    # populate_existing: the session keeps objects across commits, and the grouping writes with Core
    groups = db.session.scalars(query.execution_options(populate_existing=True)).all()
    more = len(groups) > per_page
    groups = groups[:per_page]
    return groups, encode_key(groups[-1].size, groups[-1].id) if more and groups else None


def groups_of_draft(
    draft_id: int,
    article_id: int | None = None,
    min_size: int = MIN_SIZE_DEFAULT,
    after: tuple[int, int] | None = None,
    per_page: int = PER_PAGE,
) -> GroupPage:
    """A page of a draft's groups of at least ``min_size`` members (of one article when given), largest
    first, each with the ids of its first ``LISTED_IDS`` members (``size`` says how many there are)."""
    groups, following = _page_of_groups(draft_id, article_id, min_size, after, per_page)
    return GroupPage(_views(groups, LISTED_IDS), following)


def group_view(group_id: int) -> GroupView | None:
    """One group with every member's id, or None."""
    query = select(CommentGroup).where(CommentGroup.id == group_id).execution_options(populate_existing=True)
    group = db.session.scalar(query)
    return _views([group])[0] if group is not None else None


def _member_ids(group_ids: list[int], first: int | None) -> dict[int, list[int]]:
    """Each group's members' ids in order; only the ``first`` few of each when given (one statement: a
    seek per group, nothing read past its first few)."""
    members: dict[int, list[int]] = {gid: [] for gid in group_ids}
    if first is not None and group_ids:
        parts = [
            select(
                select(GroupMember.group_id, GroupMember.comment_id)
                .where(GroupMember.group_id == gid)
                .order_by(GroupMember.comment_id)
                .limit(first)
                .subquery()
            )
            for gid in group_ids
        ]
        for gid, cid in db.session.execute(union_all(*parts) if len(parts) > 1 else parts[0]):
            members[gid].append(cid)
        for ids in members.values():
            ids.sort()
        return members
    for start in range(0, len(group_ids), CHUNK):
        rows = db.session.execute(
            select(GroupMember.group_id, GroupMember.comment_id)
            .where(GroupMember.group_id.in_(group_ids[start : start + CHUNK]))
            .order_by(GroupMember.comment_id)
        )
        for gid, cid in rows:
            members[gid].append(cid)
    return members


def _bodies(groups: list[CommentGroup]) -> dict[int, str]:
    reps = [g.representative_id for g in groups if g.representative_id is not None]
    if not reps:
        return {}
    return dict(db.session.execute(select(Comment.id, Comment.body).where(Comment.id.in_(reps))).all())


def _views(groups: list[CommentGroup], first: int | None = None) -> list[GroupView]:
    members = _member_ids([g.id for g in groups], first)
    bodies = _bodies(groups)
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


def groups_to_decide(
    draft_id: int,
    article_id: int | None = None,
    after: tuple[int, int] | None = None,
    per_page: int = PER_PAGE,
) -> GroupPage:
    """A page of a draft's groups, largest first (of one article, GENERAL for the general opinions, when
    given), with what a decision would reach: one grouped count over their members, no member loaded."""
    groups, following = _page_of_groups(draft_id, article_id, MIN_SIZE_DEFAULT, after, per_page)
    if not groups:
        return GroupPage([], None)
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
    bodies = _bodies(groups)
    items = [
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
    return GroupPage(items, following)
