"""Inherited decisions (随组决定) kept in step with the groups: the fan-out of a group's decision.

``settle`` gives every published member of a decided group that has no decision a copy of the group's
(``Decision.inherited``, naming the group), brings copies in step when the group's decision changes or
the comment moved to another decided group, and drops the copies of comments no longer in a decided
group. A decision of a comment's own is never touched. Three or four statements whatever the group's
size: nothing is loaded per member, and each statement tells comment_count what it moves
(DECISION_MOVES, consult/comments/counts.py). Runs inside the caller's write transaction: a group's
decision (decisions.py) and the grouping's writes (ingest.py). ``settle_comment`` is the same for the one
comment the grouping just placed: a read of what is to do first, and then at most one of the three.
"""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from consult.models import Comment, CommentGroup, Decision, Draft, GroupMember
from consult.models.comments import DECISION_MOVES

INHERITING = Comment.status == "published"  # members that carry their group's decision


def settle(
    session: Session,
    draft_id: int,
    members: ColumnElement[bool],
    comments: ColumnElement[bool] | None = None,
) -> None:
    """Bring the inherited decisions of the members ``members`` selects (a filter on GroupMember) in step
    with their groups' decisions; ``comments`` (a filter on Comment): where to drop the copies of comments
    no longer in a decided group. Nothing happens on a draft whose decisions are frozen."""
    if session.scalar(select(Draft.decisions_frozen).where(Draft.id == draft_id)):
        return
    decided = and_(CommentGroup.id == GroupMember.group_id, CommentGroup.outcome.is_not(None), members)
    _update_copies(session, decided, members)
    _add_copies(session, decided)
    if comments is not None:
        _drop_copies(session, comments)


def settle_comment(session: Session, comment_id: int) -> None:
    """``settle`` for one comment whose grouping just changed: first one read of what, if anything, is to
    do, then only that statement (for most comments nothing is: no decision to inherit or drop)."""
    row = session.execute(
        select(
            Draft.decisions_frozen,
            func.coalesce(Decision.inherited, False),
            Decision.id.is_not(None),
            and_(CommentGroup.outcome.is_not(None), INHERITING),
        )
        .select_from(Comment)
        .join(Draft, Draft.id == Comment.draft_id)
        .outerjoin(Decision, Decision.comment_id == Comment.id)
        .outerjoin(GroupMember, GroupMember.comment_id == Comment.id)
        .outerjoin(CommentGroup, CommentGroup.id == GroupMember.group_id)
        .where(Comment.id == comment_id)
    ).one_or_none()
    if row is None or row[0]:
        return  # gone, or the draft's decisions are frozen
    _frozen, inherited, has_decision, inherits = row
    members = GroupMember.comment_id == comment_id
    decided = and_(CommentGroup.id == GroupMember.group_id, CommentGroup.outcome.is_not(None), members)
    if inherited:
        _update_copies(session, decided, members)  # the group's decision changed, or its group did
        _drop_copies(session, Comment.id == comment_id)  # no longer in a decided group
    elif inherits and not has_decision:
        _add_copies(session, decided)


def _moves(before, after):
    """The SELECT of what a statement moves (DECISION_MOVES): per counter key, the outcome before and
    after (None: no decision) and how many comments."""
    keys = (Comment.draft_id, Comment.article_id, Comment.status)
    grouped = [c for c in (before, after) if c is not None]  # PostgreSQL refuses a NULL in GROUP BY
    return select(
        *keys, before if before is not None else null(), after if after is not None else null(), func.count()
    ).group_by(*keys, *grouped)


def _update_copies(session: Session, decided, members: ColumnElement[bool]) -> None:
    # A copy differs from its group's decision (changed, or the comment moved to another decided group).
    differs = or_(
        Decision.group_id.is_(None),
        Decision.group_id != CommentGroup.id,
        Decision.outcome != CommentGroup.outcome,
        Decision.reason != CommentGroup.reason,
        Decision.decided_at != CommentGroup.decided_at,
    )
    linked = and_(GroupMember.comment_id == Decision.comment_id, decided, differs)
    moves = (
        _moves(Decision.outcome, CommentGroup.outcome)
        .select_from(Decision)
        .join(Comment, Comment.id == Decision.comment_id)
        .join(GroupMember, GroupMember.comment_id == Decision.comment_id)
        .join(CommentGroup, CommentGroup.id == GroupMember.group_id)
        .where(Decision.inherited.is_(True), decided, differs)
    )

    def of_group(column):
        return (
            select(column)
            .join(GroupMember, GroupMember.group_id == CommentGroup.id)
            .where(GroupMember.comment_id == Decision.comment_id)
            .scalar_subquery()
        )

    # The members first (an index seek for one comment, a group or a scope), then the correlated test.
    chosen = Decision.comment_id.in_(select(GroupMember.comment_id).where(members))
    statement = (
        update(Decision)
        .where(Decision.inherited.is_(True), chosen, exists().where(linked))
        .values(
            outcome=of_group(CommentGroup.outcome),
            reason=of_group(CommentGroup.reason),
            decided_at=of_group(CommentGroup.decided_at),
            decided_by_id=of_group(CommentGroup.decided_by_id),
            group_id=of_group(CommentGroup.id),
            version=Decision.version + 1,
        )
    )
    session.execute(
        statement,
        execution_options={DECISION_MOVES: moves, "synchronize_session": False},
    )


def _add_copies(session: Session, decided) -> None:
    missing = ~exists().where(Decision.comment_id == GroupMember.comment_id)
    published = INHERITING
    rows = (
        select(
            GroupMember.comment_id,
            CommentGroup.outcome,
            CommentGroup.reason,
            CommentGroup.decided_at,
            CommentGroup.decided_by_id,
            literal(1),
            true(),
            CommentGroup.id,
        )
        .select_from(GroupMember)
        .join(CommentGroup, CommentGroup.id == GroupMember.group_id)
        .join(Comment, Comment.id == GroupMember.comment_id)
        .where(decided, published, missing)
    )
    moves = (
        _moves(None, CommentGroup.outcome)
        .select_from(GroupMember)
        .join(CommentGroup, CommentGroup.id == GroupMember.group_id)
        .join(Comment, Comment.id == GroupMember.comment_id)
        .where(decided, published, missing)
    )
    columns = ["comment_id", "outcome", "reason", "decided_at", "decided_by_id", "version", "inherited"]
    statement = insert(Decision).from_select([*columns, "group_id"], rows)
    session.execute(statement, execution_options={DECISION_MOVES: moves})


def _drop_copies(session: Session, comments: ColumnElement[bool]) -> None:
    in_decided_group = (
        select(GroupMember.comment_id)
        .join(CommentGroup, CommentGroup.id == GroupMember.group_id)
        .where(GroupMember.comment_id == Decision.comment_id, CommentGroup.outcome.is_not(None))
        .exists()
    )
    of_comments = Decision.comment_id.in_(select(Comment.id).where(comments))
    where = (Decision.inherited.is_(True), of_comments, ~in_decided_group)
    moves = (
        _moves(Decision.outcome, None)
        .select_from(Decision)
        .join(Comment, Comment.id == Decision.comment_id)
        .where(*where)
    )
    session.execute(
        delete(Decision).where(*where),
        execution_options={DECISION_MOVES: moves, "synchronize_session": False},
    )


def keep_decision_of_merged(target: CommentGroup, merged: list[CommentGroup]) -> None:
    """Merging groups: the group they become keeps its own decision, or else the first merged group's
    (the copies follow at the next ``settle``: the scope's recomputation)."""
    if target.outcome is not None:
        return
    decided = next((g for g in merged if g.outcome is not None), None)
    if decided is not None:
        target.outcome, target.reason = decided.outcome, decided.reason
        target.decided_at, target.decided_by_id = decided.decided_at, decided.decided_by_id
        target.decision_version += 1
