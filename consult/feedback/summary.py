"""The summary of opinions (意见汇总表) that staff export: its places, figures and rows, read once.

Rows come grouped by article in the current version's order, then the articles a revision removed
(under the label they last had), then the general opinions (总体意见); inside a place, oldest first.
A group's members with the same decision are one row, its size beside it (共N条相同或相似意见).
They are streamed (yield_per), so a draft with 50,000 comments is never held in memory at once.
Decisions are the live ones: staff export while they review.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select

from consult.extensions import db
from consult.feedback.grouped import collapsed, stand_ins
from consult.feedback.participants import participant_key
from consult.i18n import _
from consult.models import ArticleText, Comment, ContactPoint, Decision, Draft, DraftVersion, GroupMember
from consult.models.enums import CHANNELS, COMMENT_STATUSES, OUTCOMES

INCLUDE_CHOICES = ("published", "all")
FETCH_CHUNK = 1000
PROGRESS_EVERY = 5000  # rows between two calls of Summary.progress (an export job's progress)
UNDECIDED = "undecided"


@dataclass(frozen=True)
class Place:
    """Where comments are grouped: an article (current, or removed by a revision) or the general opinions."""

    position: int
    article_id: int | None
    label: str
    chapter: str | None
    text: str
    removed: bool = False

    @property
    def is_general(self) -> bool:
        """Whether this is the place of the opinions on the draft as a whole."""
        return self.article_id is None


@dataclass(frozen=True)
class SummaryRow:
    """One comment in the summary, with the place it is listed under and its live decision."""

    place: Place
    comment_id: int
    label_then: str | None  # the label the comment was made on, when the article was renumbered since
    body: str
    masked_body: str | None
    channel: str
    contact_point: str | None
    author_name: str | None
    name_public: bool  # whether the public sees author_name (Comment.public_name)
    contact: str | None
    submitted_at: datetime
    received_at: datetime | None
    status: str
    outcome: str | None
    reason: str
    # It stands for this many similar comments with the same decision (共N条, feedback/grouped.py).
    group_size: int | None = None

    @property
    def dated(self) -> datetime:
        """When the opinion reached the office: received (offline channels) or submitted."""
        return self.received_at or self.submitted_at


@dataclass(frozen=True)
class Figures:
    """Counts over the comments in the export."""

    comments: int
    participants: int
    contact_points: int
    by_channel: dict[str, int]
    by_outcome: dict[str, int]  # every outcome, then UNDECIDED
    by_status: dict[str, int]
    by_article: dict[int | None, int] = field(default_factory=dict)
    # (article id or None, outcome or UNDECIDED) → count: what the DOCX says of each article's comments
    by_article_outcome: dict[tuple[int | None, str], int] = field(default_factory=dict)


@dataclass
class Summary:
    """A draft's summary of opinions: places in order, figures, and the rows to stream."""

    draft: Draft
    include: str
    places: list[Place]
    figures: Figures
    _labels: dict[tuple[int, int], str] = field(default_factory=dict, repr=False)
    # told the number of rows read so far, every PROGRESS_EVERY rows of a full read (export jobs)
    progress: Callable[[int], None] | None = field(default=None, repr=False)

    @property
    def nonempty_places(self) -> list[Place]:
        """The places that have at least one comment in the export, in order."""
        return [p for p in self.places if self.figures.by_article.get(p.article_id, 0)]

    def rows(self, place: Place | None = None, limit: int | None = None) -> Iterator[SummaryRow]:
        """Every comment of the export in place order, fetched in chunks; or the first `limit` of one
        place (the DOCX quotes a few per article: one short query each, on the listing's index)."""
        by_article = {p.article_id: p for p in self.places}
        where = _where(self.draft, self.include)
        if place is not None:
            column = Comment.article_id
            where.append(column.is_(None) if place.is_general else column == place.article_id)
        order = case(
            {p.article_id: p.position for p in self.places if p.article_id is not None},
            value=Comment.article_id,
            else_=len(self.places),
        )
        query = (
            select(
                Comment.id,
                Comment.article_id,
                Comment.version_id,
                Comment.body,
                Comment.masked_body,
                Comment.channel,
                ContactPoint.name,
                Comment.author_name,
                Comment.name_public,
                Comment.contact,
                Comment.submitted_at,
                Comment.received_at,
                Comment.status,
                Decision.outcome,
                Decision.reason,
            )
            .outerjoin(Decision, Decision.comment_id == Comment.id)
            .outerjoin(ContactPoint, ContactPoint.id == Comment.contact_point_id)
            .where(*where)
        )
        # A group's members with the same decision are one row (grouped.py): one grouped statement over
        # the exported members of the draft (or of the place), in the database.
        listed = select().select_from(Comment).outerjoin(Decision, Decision.comment_id == Comment.id)
        standing = stand_ins(listed.where(*where), Decision, GroupMember.draft_id == self.draft.id)
        query = (
            collapsed(query, Decision, standing)
            .order_by(order, Comment.submitted_at, Comment.id)
            .limit(limit)
            .execution_options(yield_per=FETCH_CHUNK)
        )
        for read, r in enumerate(db.session.execute(query), start=1):
            if place is None and self.progress is not None and read % PROGRESS_EVERY == 0:
                self.progress(read)
            place_of_row = by_article.get(r.article_id) or by_article[None]
            then = self._labels.get((r.version_id, r.article_id)) if r.article_id is not None else None
            yield SummaryRow(
                place=place_of_row,
                comment_id=r.id,
                label_then=then if then and then != place_of_row.label else None,
                body=r.body,
                masked_body=r.masked_body,
                channel=r.channel,
                contact_point=r.name,
                author_name=r.author_name,
                name_public=r.name_public,
                contact=r.contact,
                submitted_at=r.submitted_at,
                received_at=r.received_at,
                status=r.status,
                outcome=r.outcome,
                reason=r.reason or "",
                group_size=r.group_size,
            )


def _where(draft: Draft, include: str) -> list:
    where = [Comment.draft_id == draft.id]
    if include == "published":
        where.append(Comment.status == "published")
    return where


def _figures(draft: Draft, include: str) -> Figures:
    where = _where(draft, include)
    grouped = db.session.execute(
        select(Comment.article_id, Comment.channel, Comment.status, Decision.outcome, func.count(Comment.id))
        .outerjoin(Decision, Decision.comment_id == Comment.id)
        .where(*where)
        .group_by(Comment.article_id, Comment.channel, Comment.status, Decision.outcome)
    ).all()
    by_article: Counter = Counter()
    channels: Counter = Counter()
    statuses: Counter = Counter()
    outcomes: Counter = Counter()
    article_outcomes: Counter = Counter()
    for article_id, channel, status, outcome, n in grouped:
        by_article[article_id] += n
        article_outcomes[(article_id, outcome or UNDECIDED)] += n
        channels[channel] += n
        statuses[status] += n
        outcomes[outcome or UNDECIDED] += n
    participants, points = db.session.execute(
        select(
            func.count(func.distinct(participant_key())), func.count(func.distinct(Comment.contact_point_id))
        ).where(*where)
    ).one()
    return Figures(
        comments=sum(by_article.values()),
        participants=participants or 0,
        contact_points=points or 0,
        by_channel={c: channels.get(c, 0) for c in CHANNELS},
        by_outcome={o: outcomes.get(o, 0) for o in (*OUTCOMES, UNDECIDED)},
        by_status={s: statuses.get(s, 0) for s in COMMENT_STATUSES},
        by_article=dict(by_article),
        by_article_outcome=dict(article_outcomes),
    )


def build_summary(draft: Draft, include: str = "published") -> Summary:
    """The draft's summary: the current version's articles in order, removed ones after, general last."""
    figures = _figures(draft, include)
    texts = db.session.execute(
        select(ArticleText, DraftVersion.number)
        .join(DraftVersion, DraftVersion.id == ArticleText.version_id)
        .where(DraftVersion.draft_id == draft.id)
        .order_by(DraftVersion.number, ArticleText.order)
    ).all()
    labels = {(t.version_id, t.article_id): t.label for t, _n in texts}
    last: dict[int, ArticleText] = {t.article_id: t for t, _n in texts}  # the newest version wins
    current = draft.current_version
    current_texts = [t for t, _n in texts if current is not None and t.version_id == current.id]
    places = [Place(i, t.article_id, t.label, t.chapter, t.text) for i, t in enumerate(current_texts)]
    current_ids = {t.article_id for t in current_texts}
    gone = sorted(
        (a for a in figures.by_article if a is not None and a not in current_ids),
        key=lambda a: (last[a].number if a in last else 0, a),
    )
    for article_id in gone:
        text = last.get(article_id)
        places.append(
            Place(
                len(places),
                article_id,
                text.label if text else f"#{article_id}",
                text.chapter if text else None,
                text.text if text else "",
                removed=True,
            )
        )
    places.append(Place(len(places), None, _("总体意见"), None, ""))
    return Summary(draft, include, places, figures, labels)
