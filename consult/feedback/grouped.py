"""Groups of similar comments counted once (共N条相同或相似意见) in the feedback report and the exports.

A listing of comments (the report's items of a place, the summary's rows) shows the members of a group
that received the same decision as one entry: the earliest of them (lowest id) stands for the others,
with their number (``group_size``). Members whose decision differs (their own) are entries of their own.
The stand-ins are found by one grouped statement over the listed members in the database, so nothing is
loaded per member however large the group; the figures (counts per outcome) still count every comment.
A publication keeps what it found (``fold``: the stand-ins' group_size, the others folded), so reading
the published report counts nothing; the staff preview and the exports find it as they read.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, Select, Subquery, and_, func, or_, select, true, update

from consult.models import Comment, GroupMember, PublishedDecision, PublishedUndecided


def stand_ins(listed: Select, decided, *members: ColumnElement[bool]) -> Subquery:
    """Per (group, outcome, reason) of two or more listed comments: its stand-in's id and its size.
    ``listed``: a SELECT without columns over Comment (outer-joined to ``decided``, the model holding each
    one's decision) restricted to the listed comments; ``members``: filters on GroupMember (its scope)."""
    key = (
        GroupMember.group_id.label("group_id"),
        decided.outcome.label("outcome"),
        decided.reason.label("reason"),
    )
    return (
        listed.add_columns(*key, func.min(Comment.id).label("first_id"), func.count().label("n"))
        .join(GroupMember, GroupMember.comment_id == Comment.id)
        .where(GroupMember.group_id.is_not(None), *members)
        .group_by(GroupMember.group_id, decided.outcome, decided.reason)
        .having(func.count() >= 2)
        .subquery("stand_ins")
    )


def collapsed(query: Select, decided, standing: Subquery) -> Select:
    """``query`` (over Comment, outer-joined to ``decided``) without the members a stand-in stands for,
    with one more column: the entry's group size (None: a comment of its own)."""
    same = and_(
        standing.c.group_id == GroupMember.group_id,
        standing.c.outcome.is_not_distinct_from(decided.outcome),
        standing.c.reason.is_not_distinct_from(decided.reason),
    )
    return (
        query.outerjoin(GroupMember, GroupMember.comment_id == Comment.id)
        .outerjoin(standing, same)
        .where(or_(standing.c.first_id.is_(None), standing.c.first_id == Comment.id))
        .add_columns(standing.c.n.label("group_size"))
    )


def fold(connection: Connection, draft_id: int, publication_id: int, listed: Select, decided) -> None:
    """Keep a publication's groups counted once: each stand-in's group_size, the members it stands for
    folded (PublishedDecision and PublishedUndecided rows), found afresh. ``listed`` and ``decided``: the
    publication's comments as stored.members gives them (a SELECT without columns, PublishedDecision)."""
    frozen = (PublishedDecision, PublishedUndecided)
    for model in frozen:
        connection.execute(
            update(model)
            .where(model.publication_id == publication_id, or_(model.folded, model.group_size.is_not(None)))
            .values(folded=False, group_size=None)
        )
    standing = stand_ins(listed, decided, GroupMember.draft_id == draft_id)
    same = and_(
        standing.c.group_id == GroupMember.group_id,
        standing.c.outcome.is_not_distinct_from(decided.outcome),
        standing.c.reason.is_not_distinct_from(decided.reason),
    )
    others = (
        listed.add_columns(Comment.id)
        .join(GroupMember, GroupMember.comment_id == Comment.id)
        .join(standing, same)
        .where(Comment.id != standing.c.first_id)
    )
    for model in frozen:
        mine = model.publication_id == publication_id
        size = select(standing.c.n).where(standing.c.first_id == model.comment_id).scalar_subquery()
        standing_ids = model.comment_id.in_(select(standing.c.first_id))
        connection.execute(update(model).where(mine, standing_ids).values(group_size=size))
        connection.execute(update(model).where(mine, model.comment_id.in_(others)).values(folded=true()))
