"""Keeping a scope's groups in the tables: a comment ingested as it arrives, a scope recomputed.

``ingest`` is the incremental path: the comment's LSH band keys are stored, its candidates are the
scope's comments sharing a key (an indexed query, no scan), the verified ones are its near-duplicates,
and it joins their group (groups it bridges become one). That is what ``recompute`` (clustering.partition
over the whole scope) would give, except where the comment touches two groups staff kept apart, where a
strongest-first choice is needed: then, and when a comment leaves a scope (spam, moved, deleted), the
scope is recomputed. Both run inside the caller's write transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, Row, and_, delete, literal, or_, select, update
from sqlalchemy.orm import Session

from consult.clock import utcnow
from consult.groups.clustering import BURST_WINDOW, is_burst, partition
from consult.groups.events import scope_key
from consult.groups.inheritance import settle, settle_comment
from consult.groups.similarity import Text, band_keys, candidate_buckets, verify
from consult.models import Comment, CommentBand, CommentGroup, GroupMember
from consult.models.groups import PINNED_STATES

EXCLUDED_STATUSES = ("spam",)
CHUNK = 500
LOOK_AHEAD = 8  # members of a candidate group read at a time until one is a near-duplicate

Scope = tuple[int, int]  # (draft_id, article_key)


def eligible(status: str) -> bool:
    """Whether a comment of this status is grouped (pending and published alike; never spam)."""
    return status not in EXCLUDED_STATUSES


def update_comment(session: Session, comment_id: int, was: Scope | None = None) -> None:
    """Bring one comment's grouping up to date with the comment as it is now (idempotent), and its
    inherited decision with it (a comment published later in a decided group inherits its decision)."""
    if _update_comment(session, comment_id, was) is not None:
        settle_comment(session, comment_id)


def _update_comment(session: Session, comment_id: int, was: Scope | None) -> int | None:
    """The comment's grouping brought up to date; its draft's id (None: the comment is gone)."""
    # The comment and where its band keys were stored (if they were): one statement while it exists.
    first_band = and_(CommentBand.comment_id == Comment.id, CommentBand.band == 0)
    found = session.execute(
        select(Comment, CommentBand.draft_id, CommentBand.article_key)
        .outerjoin(CommentBand, first_band)
        .where(Comment.id == comment_id)
    ).one_or_none()
    if found is not None:
        comment, stored_draft, stored_article = found
    else:  # gone: its band keys (if any are left) say where it was
        comment = None
        band = session.execute(
            select(CommentBand.draft_id, CommentBand.article_key).where(
                CommentBand.comment_id == comment_id, CommentBand.band == 0
            )
        ).one_or_none()
        stored_draft, stored_article = band if band is not None else (None, None)
    stored = stored_draft is not None
    old_scopes = {(stored_draft, stored_article)} if stored else set()
    if was is not None:
        old_scopes.add(was)
    if comment is None:
        for scope in sorted(old_scopes):
            recompute(session, scope)
        return None
    scope = (comment.draft_id, scope_key(comment.article_id))
    if not eligible(comment.status):
        _forget(session, comment_id, keep_split=True)
        for old in sorted(old_scopes):
            recompute(session, old)
        return comment.draft_id
    if stored and old_scopes == {scope}:
        return comment.draft_id  # already ingested where it is
    if old_scopes - {scope}:
        _forget(session, comment_id, keep_split=True)
        for old in sorted(old_scopes - {scope}):
            recompute(session, old)
        session.execute(
            update(GroupMember)
            .where(GroupMember.comment_id == comment_id)
            .values(draft_id=scope[0], article_key=scope[1])
        )
    ingest(session, comment, scope)
    return comment.draft_id


def _forget(session: Session, comment_id: int, keep_split: bool) -> None:
    session.execute(delete(CommentBand).where(CommentBand.comment_id == comment_id))
    where = [GroupMember.comment_id == comment_id]
    if keep_split:
        where.append(GroupMember.state != "split")
    session.execute(delete(GroupMember).where(*where))


def _store_bands(session: Session, scope: Scope, keyed: Iterable[tuple[int, list[int]]]) -> None:
    rows = [
        {"comment_id": cid, "band": band, "key": key, "draft_id": scope[0], "article_key": scope[1]}
        for cid, keys in keyed
        for band, key in enumerate(keys)
    ]
    for start in range(0, len(rows), CHUNK * 10):
        session.execute(CommentBand.__table__.insert(), rows[start : start + CHUNK * 10])


BAND_COLUMNS = ("comment_id", "band", "key", "draft_id", "article_key")


def _store_many_bands(session: Session, scope: Scope, keyed: Iterable[tuple[int, list[int]]]) -> None:
    """_store_bands for a whole scope (a rebuild: about 37 rows a comment, millions for a big draft),
    written through the transaction's DBAPI connection as the rows are made (no list of them all, no
    parameter dict per row): on PostgreSQL one COPY, on SQLite one executemany of tuples."""
    rows = ((cid, band, key, scope[0], scope[1]) for cid, keys in keyed for band, key in enumerate(keys))
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        _store_bands(session, scope, keyed)
        return
    cursor = session.connection().connection.cursor()  # the DBAPI connection of this transaction
    try:
        if dialect == "postgresql":
            with cursor.copy(
                f"COPY {CommentBand.__tablename__} ({', '.join(BAND_COLUMNS)}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(BAND_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {CommentBand.__tablename__} ({', '.join(BAND_COLUMNS)}) VALUES ({marks})", rows
            )
    finally:
        cursor.close()


def ingest(session: Session, comment: Comment, scope: Scope) -> None:
    """Store the comment's band keys and join it to its near-duplicates' group (see the module)."""
    text = Text.of(comment.body)
    keys = band_keys(text) if text.shingles else []
    if not keys:
        return
    candidates, members = _candidates(session, scope, keys, comment.id)
    _store_bands(session, scope, [(comment.id, keys)])
    if not candidates:
        return  # a text of its own (most comments): nothing more to read
    if members.get(comment.id, (None, None))[1] == "split":
        return
    # Which groups (and lone comments) it is a near-duplicate of: one verified member of a group is
    # enough, so a campaign of thousands costs a verification or two (and as many bodies read), not
    # one per member.
    by_group: dict[int | None, list[int]] = {}
    for cid in sorted(candidates):
        group, state = members.get(cid, (None, None))
        if state != "split":
            by_group.setdefault(group, []).append(cid)
    neighbours = []
    touched: set[int] = set()
    arrivals = {comment.id: (comment.submitted_at, comment.address_hash)}
    for group, ids in sorted(by_group.items(), key=lambda item: item[0] or 0):
        step = len(ids) if group is None else LOOK_AHEAD
        for start in range(0, len(ids), step):
            hits = []
            for row in _bodies(session, ids[start : start + step]):
                if eligible(row.status) and verify(text, Text.of(row.body)) is not None:
                    hits.append(row.id)
                    arrivals[row.id] = (row.submitted_at, row.address_hash)
            if hits:
                neighbours += hits if group is None else hits[:1]
                if group is not None:
                    touched.add(group)
                    break
    if not neighbours:
        return
    found = _groups(session, touched)
    held = {gid for gid, g in found.items() if g.kept}
    sizes = {gid: g.size for gid, g in found.items()}
    if len(held) > 1:
        recompute(session, scope)
        return
    if held:
        target_id = next(iter(held))
    elif sizes:
        target_id = min(sizes, key=lambda g: (-sizes[g], g))
    else:
        target_id = None
    if target_id is None:
        group = CommentGroup(draft_id=scope[0], article_key=scope[1])
        session.add(group)
        session.flush()
        target_id = group.id
    absorbed = touched - {target_id}
    if absorbed:
        session.execute(
            update(GroupMember).where(GroupMember.group_id.in_(absorbed)).values(group_id=target_id)
        )
        session.execute(delete(CommentGroup).where(CommentGroup.id.in_(absorbed)))
    loose = [c for c in [*neighbours, comment.id] if c not in members or members[c][0] is None]
    _upsert_members(session, scope, {c: (target_id, "auto") for c in loose}, stored=set(members))
    if target_id in found and not absorbed and not found[target_id].burst:
        _grow(session, found[target_id], {c: arrivals[c] for c in loose})
    else:
        refresh(session, [target_id])
    if absorbed:  # their members joined the target: its decision, if any, is theirs now
        settle(session, scope[0], GroupMember.group_id == target_id)


def _candidates(
    session: Session, scope: Scope, keys: list[int], comment_id: int
) -> tuple[set[int], dict[int, tuple[int | None, str]]]:
    """The comments of the scope sharing a band key with ``keys`` (the comment itself left out), and the
    group and state of those of them and of the comment that have a member row: one statement. A key
    names its band too (similarity.band_keys): one indexed seek per key, distinct ids, each id's member
    row then found by its primary key (whatever the planner's statistics say of the members' table)."""
    sharing = (
        select(CommentBand.comment_id.label("comment_id"))
        .where(
            CommentBand.draft_id == scope[0],
            CommentBand.article_key == scope[1],
            CommentBand.key.in_(keys),
        )
        .union(select(literal(comment_id, Integer).label("comment_id")))
        .subquery()
    )
    rows = session.execute(
        select(sharing.c.comment_id, GroupMember.group_id, GroupMember.state).outerjoin(
            GroupMember, GroupMember.comment_id == sharing.c.comment_id
        )
    )
    candidates: set[int] = set()
    members: dict[int, tuple[int | None, str]] = {}
    for cid, group_id, state in rows:
        if cid != comment_id:
            candidates.add(cid)
        if state is not None:
            members[cid] = (group_id, state)
    return candidates, members


def _bodies(session: Session, comment_ids: Iterable[int]) -> list[Row]:
    """id, body, status, submitted_at and address_hash of each comment."""
    ids = sorted(comment_ids)
    rows: list[Row] = []
    columns = (Comment.id, Comment.body, Comment.status, Comment.submitted_at, Comment.address_hash)
    for start in range(0, len(ids), CHUNK):
        rows += session.execute(select(*columns).where(Comment.id.in_(ids[start : start + CHUNK]))).all()
    return rows


@dataclass(frozen=True)
class _Found:
    """A group a new comment touches, as stored: what staff kept, and what refresh() keeps."""

    id: int
    size: int
    representative_id: int | None
    burst: bool
    kept: bool  # staff confirmed it or merged into it (its id and pinned members are kept)


def _groups(session: Session, group_ids: set[int]) -> dict[int, _Found]:
    """The groups, each with whether staff kept it and its stored size, representative and burst flag:
    one statement."""
    if not group_ids:
        return {}
    pinned = (
        select(GroupMember.comment_id)
        .where(GroupMember.group_id == CommentGroup.id, GroupMember.state.in_(PINNED_STATES))
        .exists()
    )
    columns = (CommentGroup.id, CommentGroup.size, CommentGroup.representative_id, CommentGroup.burst)
    rows = session.execute(
        select(*columns, or_(CommentGroup.confirmed, pinned)).where(CommentGroup.id.in_(group_ids))
    ).all()
    return {row[0]: _Found(*row) for row in rows}


def _grow(session: Session, group: _Found, joined: dict[int, tuple[datetime, str | None]]) -> None:
    """refresh() for a group that was no burst and only gained the ``joined`` comments (id → arrival):
    size and representative follow from what is stored, and the burst flag from the members that
    arrived near them (clustering.is_burst's windows that hold a new member), not every member read."""
    times = [at for at, _address in joined.values()]
    near = session.execute(
        select(Comment.submitted_at, Comment.address_hash)
        .join(GroupMember, GroupMember.comment_id == Comment.id)
        .where(
            GroupMember.group_id == group.id,
            Comment.submitted_at >= min(times) - BURST_WINDOW,
            Comment.submitted_at <= max(times) + BURST_WINDOW,
        )
    ).all()
    ids = [*joined, *([group.representative_id] if group.representative_id is not None else [])]
    session.execute(
        update(CommentGroup)
        .where(CommentGroup.id == group.id)
        .values(
            size=group.size + len(joined),
            representative_id=min(ids),
            burst=is_burst([tuple(r) for r in near], ends_from=min(times)),
            updated_at=utcnow(),
        )
    )


def _upsert_members(
    session: Session, scope: Scope, placed: dict[int, tuple[int, str]], stored: set[int] | None = None
) -> None:
    """Write the members' places; ``stored``: the comments of those that have a row (None: any may)."""
    if not placed:
        return
    ids = sorted(placed if stored is None else set(placed) & stored)
    for start in range(0, len(ids), CHUNK):
        session.execute(delete(GroupMember).where(GroupMember.comment_id.in_(ids[start : start + CHUNK])))
    session.execute(
        GroupMember.__table__.insert(),
        [
            {"comment_id": c, "group_id": g, "state": s, "draft_id": scope[0], "article_key": scope[1]}
            for c, (g, s) in sorted(placed.items())
        ],
    )


def refresh(session: Session, group_ids: Iterable[int]) -> None:
    """Recount the groups' size, representative (the earliest member) and burst flag."""
    for group_id in sorted(set(group_ids)):
        rows = session.execute(
            select(Comment.id, Comment.submitted_at, Comment.address_hash)
            .join(GroupMember, GroupMember.comment_id == Comment.id)
            .where(GroupMember.group_id == group_id)
            .order_by(Comment.id)
        ).all()
        session.execute(
            update(CommentGroup)
            .where(CommentGroup.id == group_id)
            .values(
                size=len(rows),
                representative_id=rows[0].id if rows else None,
                burst=is_burst((r.submitted_at, r.address_hash) for r in rows),
                updated_at=utcnow(),
            )
        )


def recompute(session: Session, scope: Scope, bands: bool = False) -> None:
    """Recompute a scope's groups from its comments, keeping what staff did (clustering.partition);
    ``bands``: also store every comment's band keys again (a rebuild)."""
    draft_id, article_key = scope
    article_filter = Comment.article_id.is_(None) if article_key == 0 else Comment.article_id == article_key
    rows = session.execute(
        select(Comment.id, Comment.body).where(
            Comment.draft_id == draft_id, article_filter, Comment.status.not_in(EXCLUDED_STATUSES)
        )
    ).all()
    texts = {cid: Text.of(body) for cid, body in rows}
    keyed = {cid: band_keys(t) for cid, t in texts.items() if t.shingles}
    if bands:
        _replace_bands(session, scope, keyed)
    members = session.execute(
        select(GroupMember.comment_id, GroupMember.group_id, GroupMember.state).where(
            GroupMember.draft_id == draft_id, GroupMember.article_key == article_key
        )
    ).all()
    by_comment = {m.comment_id: (m.group_id, m.state) for m in members}
    split = {m.comment_id for m in members if m.state == "split"}
    pinned = {m.comment_id: m.group_id for m in members if m.state in PINNED_STATES and m.comment_id in texts}
    existing = {m.comment_id: m.group_id for m in members if m.state == "auto" and m.group_id is not None}
    groups = session.execute(
        select(CommentGroup.id, CommentGroup.confirmed).where(
            CommentGroup.draft_id == draft_id, CommentGroup.article_key == article_key
        )
    ).all()
    held = {g.id for g in groups if g.confirmed} | set(pinned.values())
    nodes = [cid for cid in texts if cid not in split]
    # The same candidates as ingest()'s indexed look-up: comments sharing a band key.
    buckets = candidate_buckets({cid: keyed[cid] for cid in nodes if cid in keyed})
    result = partition(nodes, buckets, lambda a, b: verify(texts[a], texts[b]), pinned, existing, held)
    placed: dict[int, tuple[int, str]] = {}
    used: set[int] = set()
    for group_id, component in result.components:
        if group_id is None:
            group = CommentGroup(draft_id=draft_id, article_key=article_key)
            session.add(group)
            session.flush()
            group_id = group.id
        used.add(group_id)
        for cid in component:
            placed[cid] = (group_id, by_comment[cid][1] if cid in pinned else "auto")
    stale = [m.comment_id for m in members if m.state != "split" and m.comment_id not in placed]
    for start in range(0, len(stale), CHUNK):
        session.execute(delete(GroupMember).where(GroupMember.comment_id.in_(stale[start : start + CHUNK])))
    changed = {cid: place for cid, place in placed.items() if place != by_comment.get(cid)}
    _upsert_members(session, scope, changed)
    gone = [g.id for g in groups if g.id not in used]
    if gone:
        session.execute(delete(CommentGroup).where(CommentGroup.id.in_(gone)))
    refresh(session, used)
    in_scope = and_(GroupMember.draft_id == draft_id, GroupMember.article_key == article_key)
    settle(session, draft_id, in_scope, and_(Comment.draft_id == draft_id, article_filter))


def _replace_bands(session: Session, scope: Scope, keyed: dict[int, list[int]]) -> None:
    """Store the scope's band keys (``keyed``: comment → keys) in place of those stored for it."""
    # One statement on the lookup index's prefix, not a statement per 500 comments: on PostgreSQL a
    # table that filled since it was last analysed made those a sequential scan of millions of rows each
    # (0.3 s apiece, 200 of them for 100,000 comments).
    session.execute(
        delete(CommentBand).where(CommentBand.draft_id == scope[0], CommentBand.article_key == scope[1])
    )
    duplicate = session.get_bind().dialect.loaded_dbapi.IntegrityError
    try:
        with session.begin_nested():
            _store_many_bands(session, scope, keyed.items())
    except duplicate:
        # Some comment's keys are stored under another scope (it moved and its update is still queued):
        # those rows go by comment, then the keys are written again.
        ids = sorted(keyed)
        for start in range(0, len(ids), CHUNK):
            session.execute(delete(CommentBand).where(CommentBand.comment_id.in_(ids[start : start + CHUNK])))
        _store_many_bands(session, scope, keyed.items())


def scopes_of_draft(session: Session, draft_id: int) -> list[Scope]:
    """Every scope of a draft that has comments or groups."""
    found = {
        (draft_id, scope_key(article_id))
        for article_id in session.scalars(
            select(Comment.article_id).where(Comment.draft_id == draft_id).distinct()
        )
    }
    found |= {
        (draft_id, key)
        for key in session.scalars(
            select(CommentGroup.article_key).where(CommentGroup.draft_id == draft_id).distinct()
        )
    }
    return sorted(found)
