"""The feedback report's summary: computed once with grouped SQL when it is published, kept, read many times.

The summary is the report without its comments: per place (every article of the current version in
order, a removed article right after the one it followed, the general opinions last) the count per
outcome, and the totals, participants, contact points and channels. ``compute`` builds it from the
report's members — a publication's frozen decisions (PublishedDecision) and its undecided comments
(PublishedUndecided), while they are still published — or, for the staff preview, from the published
comments with their decisions as they stand. It agrees with consult/feedback/report.py's builder
(tests/feedback/test_stored_report.py), but counts in the database and holds only the counts.

The preview reads its places' counts from the counters kept as comments and decisions are written
(consult/comments/counts.py) and scans only for the channels, contact points and participants.

``store`` keeps a publication's summary (ReportPlace rows and the publication's columns, and its groups
counted once: grouped.fold) in the
transaction that publishes it. A comment that leaves the report (taken down) or comes back moves it
again: ``_after_flush`` recomputes the latest publication's summary in that flush's transaction, so
reading the report never counts comments. A publication made before summaries were kept is summarised
by ``flask --app consult feedback rebuild-reports`` (or, failing that, once by its first reader).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    Integer,
    Select,
    and_,
    delete,
    event,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, attributes

from consult.db import write_transaction
from consult.extensions import db
from consult.feedback.grouped import fold
from consult.feedback.participants import participant_key
from consult.models import (
    ArticleText,
    Comment,
    CommentCount,
    Decision,
    DraftVersion,
    FeedbackPublication,
    PublishedDecision,
    PublishedUndecided,
    ReportPlace,
)
from consult.models.counts import GENERAL
from consult.models.enums import CHANNELS, OUTCOMES

KINDS = (*OUTCOMES, "undecided")


@dataclass
class Computed:
    """A summary as computed: place rows (article_id, text_id, removed, outcomes) and the figures."""

    places: list[dict]
    participants: int
    contact_point_ids: list[int]
    by_channel: dict[str, int]


def members(query, draft_id: int, publication_id: int | None):
    """``query`` over the report's comments, and the model holding each one's decision (outer-joined:
    Decision for the preview, PublishedDecision for a publication). The items' pages read them so too."""
    query = query.select_from(Comment).where(Comment.draft_id == draft_id, Comment.status == "published")
    if publication_id is None:
        return query.outerjoin(Decision, Decision.comment_id == Comment.id), Decision
    frozen = and_(
        PublishedDecision.publication_id == publication_id, PublishedDecision.comment_id == Comment.id
    )
    undecided = exists().where(
        PublishedUndecided.publication_id == publication_id, PublishedUndecided.comment_id == Comment.id
    )
    query = query.outerjoin(PublishedDecision, frozen).where(
        or_(PublishedDecision.id.is_not(None), undecided)
    )
    return query, PublishedDecision


def _texts(connection: Connection, draft_id: int):
    """The draft's versions (oldest first) and every text: (version id, article id) → (text id, order)."""
    versions = connection.execute(
        select(DraftVersion.id).where(DraftVersion.draft_id == draft_id).order_by(DraftVersion.number)
    ).scalars()
    rows = connection.execute(
        select(ArticleText.version_id, ArticleText.article_id, ArticleText.id, ArticleText.order)
        .join(DraftVersion, DraftVersion.id == ArticleText.version_id)
        .where(DraftVersion.draft_id == draft_id)
        .order_by(ArticleText.id)
    )
    texts: dict[int, dict[int, tuple[int, int]]] = {}
    for version_id, article_id, text_id, order in rows:
        texts.setdefault(version_id, {})[article_id] = (text_id, order)
    return list(versions), texts


def compute(
    connection: Connection, draft_id: int, publication_id: int | None, figures: bool = True
) -> Computed:
    """The summary of a publication's report (None: the staff preview), by grouped counts; without
    ``figures`` (a preview's places only: no scan at all) participants, points and channels are left 0."""
    # One scan for the places' counts, the channels and the contact points (few groups: articles ×
    # outcomes × channels × points), one more for the distinct participants. The preview takes the
    # places' counts from the counters kept as comments and decisions are written (comment_count).
    preview = publication_id is None
    columns = (Comment.channel, Comment.contact_point_id) + (() if preview else (Comment.article_id,))
    counted, decided = members(select(*columns), draft_id, publication_id)
    outcome = () if preview else (decided.outcome,)
    grouped = counted.add_columns(*outcome, func.count()).group_by(*columns, *outcome)
    counts = _counters(connection, draft_id) if preview else {}
    by_channel = dict.fromkeys(CHANNELS, 0)
    points: set[int] = set()
    for channel, point, *place, n in connection.execute(grouped) if figures or not preview else ():
        if place:
            article_id, kind = place
            counts.setdefault(article_id, dict.fromkeys(KINDS, 0))[kind or "undecided"] += n
        by_channel[channel] = by_channel.get(channel, 0) + n
        if point is not None:
            points.add(point)
    versions, texts = _texts(connection, draft_id)
    current = texts.get(versions[-1], {}) if versions else {}
    places = [
        {"article_id": a, "text_id": t, "removed": False, "order": o}
        for a, (t, o) in sorted(current.items(), key=lambda item: item[1][1])
    ]
    removed = [a for a in counts if a is not None and a not in current]
    _place_removed(connection, draft_id, publication_id, removed, versions, texts, current, places)
    general = {"article_id": GENERAL, "text_id": None, "removed": False}
    rows = [*places, general]
    for row in rows:
        row["outcomes"] = counts.get(row["article_id"] or None, dict.fromkeys(KINDS, 0))
        row.pop("order", None)
    people, _decided = members(select(func.count(func.distinct(participant_key()))), draft_id, publication_id)
    return Computed(
        places=rows,
        participants=int(connection.execute(people).scalar() or 0) if figures else 0,
        contact_point_ids=sorted(points),
        by_channel=by_channel,
    )


def _counters(connection: Connection, draft_id: int) -> dict[int | None, dict[str, int]]:
    """Published comments per article (None: general) and outcome, from the kept counters."""
    rows = connection.execute(
        select(CommentCount.article_id, CommentCount.outcome, CommentCount.n).where(
            CommentCount.draft_id == draft_id, CommentCount.status == "published", CommentCount.n > 0
        )
    )
    counts: dict[int | None, dict[str, int]] = {}
    for article_id, kind, n in rows:
        place = counts.setdefault(None if article_id == GENERAL else article_id, dict.fromkeys(KINDS, 0))
        place[kind or "undecided"] += n
    return counts


def _place_removed(connection, draft_id, publication_id, removed, versions, texts, current, places) -> None:
    """Put each removed article (with comments) right after the current article it followed, under the
    text its first comment was made on (report.py's rule), in the order of their first comments."""
    found = []
    for article_id in removed:
        first, _decided = members(
            select(Comment.version_id, Comment.submitted_at, Comment.id), draft_id, publication_id
        )
        version_id, submitted_at, comment_id = connection.execute(
            first.where(Comment.article_id == article_id).order_by(Comment.submitted_at, Comment.id).limit(1)
        ).one()
        last = texts.get(version_id, {}).get(article_id) and (version_id, texts[version_id][article_id])
        if not last:
            last = next(((v, t[article_id]) for v, t in texts.items() if article_id in t), None)
        anchor = None
        if last is not None:
            (version, (_text_id, order)) = last
            before = [(o, a) for a, (_t, o) in texts[version].items() if o < order and a in current]
            anchor = max(before)[1] if before else None
        found.append(((submitted_at, comment_id), article_id, last[1][0] if last else None, anchor))
    found.sort(key=lambda f: f[0])
    after: dict[int | None, list[dict]] = {}
    for _first, article_id, text_id, anchor in found:
        after.setdefault(anchor, []).append({"article_id": article_id, "text_id": text_id, "removed": True})
    ordered = list(after.get(None, []))
    for place in places:
        ordered.append(place)
        ordered.extend(after.get(place["article_id"], []))
    places[:] = ordered


def store(connection: Connection, draft_id: int, publication_id: int) -> Computed:
    """Compute a publication's summary and keep it (replacing what was kept), in the caller's transaction."""
    computed = compute(connection, draft_id, publication_id)
    fold(connection, draft_id, publication_id, *members(select(), draft_id, publication_id))
    connection.execute(delete(ReportPlace).where(ReportPlace.publication_id == publication_id))
    connection.execute(
        insert(ReportPlace),
        [
            {
                "publication_id": publication_id,
                "position": position,
                "article_id": row["article_id"],
                "text_id": row["text_id"],
                "removed": row["removed"],
                **row["outcomes"],
            }
            for position, row in enumerate(computed.places)
        ],
    )
    connection.execute(
        update(FeedbackPublication)
        .where(FeedbackPublication.id == publication_id)
        .values(
            participants=computed.participants,
            contact_point_ids=computed.contact_point_ids,
            by_channel=computed.by_channel,
        )
    )
    return computed


def freeze_undecided(connection: Connection, draft_id: int, publication_id: int) -> None:
    """Record the draft's published comments without a decision as the publication's undecided ones."""
    connection.execute(
        insert(PublishedUndecided).from_select(
            ["publication_id", "comment_id"],
            select(literal(publication_id, Integer), Comment.id)
            .outerjoin(Decision, Decision.comment_id == Comment.id)
            .where(Comment.draft_id == draft_id, Comment.status == "published", Decision.id.is_(None)),
        )
    )


def rebuild_reports(everything: bool = False) -> list[tuple[int, int]]:
    """Keep the summary of every publication made before summaries were kept (``everything``: of every
    publication), one write transaction each; (draft id, publication number) of each one summarised."""
    query = select(FeedbackPublication.id, FeedbackPublication.draft_id, FeedbackPublication.number)
    if not everything:
        query = query.where(FeedbackPublication.participants.is_(None))
    done = []
    for publication_id, draft_id, number in db.session.execute(query.order_by(FeedbackPublication.id)).all():
        with write_transaction() as session:
            store(session.connection(), draft_id, publication_id)
        done.append((draft_id, number))
    return done


# --- keeping it true when a comment leaves the report or comes back ----------------------------------


def _was(obj, attr: str):
    history = attributes.get_history(obj, attr, passive=attributes.PASSIVE_NO_INITIALIZE)
    if history.deleted:
        return history.deleted[0]
    return history.unchanged[0] if history.unchanged else getattr(obj, attr)


def _moved(session: Session) -> dict[int, int]:
    """Comment id → draft id of every comment this flush moved into, out of or within the published ones."""
    moved: dict[int, int] = {}
    for obj in session.dirty:
        if not isinstance(obj, Comment):
            continue
        changed = [
            a
            for a in ("status", "article_id")
            if attributes.get_history(obj, a, passive=attributes.PASSIVE_NO_INITIALIZE).added
        ]
        if changed and "published" in (_was(obj, "status"), obj.status):
            moved[obj.id] = obj.draft_id
    for obj in session.deleted:
        if isinstance(obj, Comment) and _was(obj, "status") == "published":
            moved[obj.id] = _was(obj, "draft_id")
    return moved


def _latest_kept(connection: Connection, draft_id: int) -> int | None:
    """The draft's latest publication, when its summary is kept."""
    row = connection.execute(
        select(FeedbackPublication.id, FeedbackPublication.participants)
        .where(FeedbackPublication.draft_id == draft_id)
        .order_by(FeedbackPublication.number.desc())
        .limit(1)
    ).first()
    return row.id if row is not None and row.participants is not None else None


def kept_covering(connection: Connection, draft_id: int, comment_ids: Select) -> int | None:
    """The draft's latest kept publication when it counts one of these comments (a SELECT of their ids):
    what the session event below does for the ORM's changes, for a bulk status change (a group moderated
    at once), which asks before its UPDATE and ``store``s the publication again after it."""
    publication_id = _latest_kept(connection, draft_id)
    if publication_id is not None and _covers(connection, publication_id, comment_ids):
        return publication_id
    return None


def _covers(connection: Connection, publication_id: int, comment_ids: Iterable[int] | Select) -> bool:
    ids = comment_ids if isinstance(comment_ids, Select) else list(comment_ids)
    frozen = select(PublishedDecision.comment_id).where(
        PublishedDecision.publication_id == publication_id, PublishedDecision.comment_id.in_(ids)
    )
    undecided = select(PublishedUndecided.comment_id).where(
        PublishedUndecided.publication_id == publication_id, PublishedUndecided.comment_id.in_(ids)
    )
    return connection.execute(frozen.union_all(undecided).limit(1)).first() is not None


def _after_flush(session: Session, _context) -> None:
    moved = _moved(session)
    if not moved:
        return
    connection = session.connection()
    deleted = {obj.id for obj in session.deleted if isinstance(obj, Comment)}
    for draft_id in sorted(set(moved.values())):
        publication_id = _latest_kept(connection, draft_id)
        ids = {c for c, d in moved.items() if d == draft_id}
        if publication_id is not None and (ids & deleted or _covers(connection, publication_id, ids)):
            store(connection, draft_id, publication_id)


def track_reports() -> None:
    """Register the session event once per process."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


track_reports()  # registered on import: publishing imports this module, and every door imports publishing
