"""The feedback report as people read it: its places with their counts, and each place's comments by page.

The public report reads the summary its latest publication kept (consult/feedback/stored.py) and never
counts comments; the staff preview computes the same summary with grouped counts. A place's comments
(ReportItem, as report.py makes them) are read a page at a time, oldest first, by key: the cursor is
the last item's (submitted_at, id), so a deep page costs what the first does and ties in time keep
their order by id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, false, func, not_, select, tuple_
from sqlalchemy.orm import aliased, load_only

from consult.changes import generation
from consult.db import write_transaction
from consult.drafts.labels import as_commented, version_name
from consult.extensions import db
from consult.feedback.grouped import collapsed, stand_ins
from consult.feedback.queries import latest_publication, publications
from consult.feedback.report import ReportItem
from consult.feedback.stored import KINDS, compute, members, store
from consult.generation_cache import cache_for
from consult.models import (
    ArticleText,
    Comment,
    ContactPoint,
    Draft,
    DraftVersion,
    FeedbackPublication,
    GroupMember,
    PublishedUndecided,
    ReportPlace,
)
from consult.models.counts import GENERAL
from consult.models.enums import CONTACT_POINT_KINDS
from consult.paging import encode_cursor

FIRST_ITEMS = 20  # a place's comments in the report itself (the JSON's `items`); the rest by page
ITEMS_PER_PAGE = 20
PREVIEW_CACHE = "feedback-preview"  # consult.generation_cache.cache_for: the staff preview's summaries
KEPT_COUNTS = [getattr(ReportPlace, kind) for kind in KINDS]
# What an item shows of its comment (Comment.public_body reads body and masked_body).
ITEM_COLUMNS = (
    Comment.id,
    Comment.submitted_at,
    Comment.channel,
    Comment.version_id,
    Comment.body,
    Comment.masked_body,
)


@dataclass
class Place:
    """One article (or the general opinions, article_id None) of the report: counts, and a page of items."""

    article_id: int | None
    label: str | None
    chapter: str | None
    text: str
    removed: bool
    outcomes: dict[str, int]
    items: list[ReportItem] = field(default_factory=list)
    items_next: str | None = None  # where the next page of items starts (None: no more)

    @property
    def comment_count(self) -> int:
        """The place's comments in the report."""
        return sum(self.outcomes.values())


@dataclass
class Summary:
    """The report without its comments (FeedbackReportSchema dumps it; items: the first page per place)."""

    draft: Draft
    publication: FeedbackPublication | None  # None: the staff preview
    publications: list[FeedbackPublication]
    articles: list[Place]
    general: Place
    participants: int
    contact_point_ids: list[int]
    by_channel: dict[str, int]

    @property
    def all_places(self) -> list[Place]:
        """Every article, then the general opinions."""
        return [*self.articles, self.general]

    @property
    def contact_points(self) -> int:
        """How many contact points' opinions are in the report."""
        return len(self.contact_point_ids)

    @property
    def totals(self) -> dict[str, int]:
        """Comments, participants and the count per outcome (CONTRACT.md's `totals`)."""
        sums = {kind: sum(p.outcomes[kind] for p in self.all_places) for kind in KINDS}
        comments = sum(sums.values())
        return {"comments": comments, "participants": self.participants} | sums

    @property
    def revisions(self) -> list[FeedbackPublication]:
        """The publications after the first, each with its revision note."""
        return [p for p in self.publications if p.number > 1]


@dataclass(frozen=True)
class ItemsPage:
    """A page of a place's comments, oldest first; ``next`` is where the following page starts."""

    items: list[ReportItem]
    per_page: int
    next: str | None


def _places(rows: list[tuple[int, int | None, bool, dict[str, int]]]) -> list[Place]:
    """Places from (article id or GENERAL, text id, removed, outcomes), their texts read by id."""
    ids = [text_id for _a, text_id, _r, _o in rows if text_id is not None]
    texts = (
        {t.id: t for t in db.session.scalars(select(ArticleText).where(ArticleText.id.in_(ids)))}
        if ids
        else {}
    )
    places = []
    for article_id, text_id, removed, outcomes in rows:
        text = texts.get(text_id)
        places.append(
            Place(
                None if article_id == GENERAL else article_id,
                text.label if text else None,
                text.chapter if text else None,
                text.text if text else "",
                removed,
                outcomes,
            )
        )
    return places


def _summary(draft: Draft, publication, computed_rows, participants, points, by_channel) -> Summary:
    places = _places(computed_rows)
    return Summary(
        draft=draft,
        publication=publication,
        publications=publications(db.session, draft.id),
        articles=places[:-1],
        general=places[-1],
        participants=participants,
        contact_point_ids=list(points or []),
        by_channel=dict(by_channel or {}),
    )


def _summarise_once(draft_id: int, publication_id: int) -> None:
    """A publication made before summaries were kept: summarised now, once (the rebuild command's work)."""
    with write_transaction() as session:
        kept = session.get(FeedbackPublication, publication_id, with_for_update=True, populate_existing=True)
        if kept is not None and kept.participants is None:
            store(session.connection(), draft_id, publication_id)


def published_summary(draft: Draft, *, items: bool = False) -> Summary | None:
    """The report as the latest publication kept it (None before the first); ``items``: with each place's
    first page of comments."""
    latest = latest_publication(db.session, draft.id)
    if latest is None:
        return None
    figures = select(
        FeedbackPublication.participants,
        FeedbackPublication.contact_point_ids,
        FeedbackPublication.by_channel,
    ).where(FeedbackPublication.id == latest.id)  # columns, not the ORM object: a flush may have moved them
    participants, points, by_channel = db.session.execute(figures).one()
    if participants is None:
        _summarise_once(draft.id, latest.id)
        participants, points, by_channel = db.session.execute(figures).one()
    kept = db.session.execute(
        select(ReportPlace.article_id, ReportPlace.text_id, ReportPlace.removed, *KEPT_COUNTS)
        .where(ReportPlace.publication_id == latest.id)
        .order_by(ReportPlace.position)
    ).all()
    rows = [(a, t, r, dict(zip(KINDS, counts, strict=True))) for a, t, r, *counts in kept]
    summary = _summary(draft, latest, rows, participants, points, by_channel)
    if items:
        labels = _labels(draft.id)  # one query for every place's items
        for place in summary.all_places:
            if place.comment_count:
                page = items_page(draft, place, latest.id, None, FIRST_ITEMS, labels)
                place.items, place.items_next = page.items, page.next
    return summary


def preview_summary(draft: Draft, figures: bool = True) -> Summary:
    """What publishing would keep now, with the decisions as they stand (staff), no items: the places'
    counts from the kept counters, the figures by grouped counts (``figures`` False: left 0, for a
    place's own page). Kept per process under the ``comments`` change counter (read first), which every
    write of a comment or decision moves: while nothing changed, the preview scans nothing."""
    number = generation(db.session)
    connection = db.session.connection()
    if figures:
        key = (number, draft.id)
        computed = cache_for(PREVIEW_CACHE).get_or_make(key, lambda: compute(connection, draft.id, None))
    else:
        computed = compute(connection, draft.id, None, figures=False)
    rows = [(r["article_id"], r["text_id"], r["removed"], dict(r["outcomes"])) for r in computed.places]
    return _summary(draft, None, rows, computed.participants, computed.contact_point_ids, computed.by_channel)


def point_names(summary: Summary) -> list[str]:
    """The names of the contact points whose opinions are in the report (for the participants line)."""
    if not summary.contact_point_ids:
        return []
    query = select(ContactPoint.name).where(ContactPoint.id.in_(summary.contact_point_ids))
    return list(db.session.scalars(query.order_by(ContactPoint.id)))


def points_by_kind(summary: Summary) -> list[tuple[str, int]]:
    """How many contact points of each kind (基层立法联系点, 代表之家, 代表联络站) have opinions in the
    report, in the kinds' order; a report without any counts its grassroots points as 0."""
    counts: dict[str, int] = {}
    if summary.contact_point_ids:
        query = (
            select(ContactPoint.kind, func.count(ContactPoint.id))
            .where(ContactPoint.id.in_(summary.contact_point_ids))
            .group_by(ContactPoint.kind)
        )
        counts = dict(db.session.execute(query).all())
    found = [(kind, counts[kind]) for kind in CONTACT_POINT_KINDS if counts.get(kind)]
    return found or [(CONTACT_POINT_KINDS[0], 0)]


def find_place(summary: Summary, article_id: int | None) -> Place | None:
    """The summary's place of an article (None: the general opinions); None when the report has none."""
    return next((p for p in summary.all_places if p.article_id == article_id), None)


def items_page(
    draft: Draft,
    place: Place,
    publication_id: int | None,
    after: tuple | None,
    per_page: int = ITEMS_PER_PAGE,
    labels: dict[tuple[int, int], str] | None = None,
) -> ItemsPage:
    """One page of a place's comments in the report (publication None: the preview), oldest first, from
    just after ``after`` (a decoded cursor; None: the first page). ``labels``: the draft's article labels
    by (version id, article id), when the caller read them already (``_labels``)."""
    query, decided = members(select(Comment).options(load_only(*ITEM_COLUMNS)), draft.id, publication_id)
    query = query.add_columns(decided.outcome, decided.reason)
    column = Comment.article_id
    here = column.is_(None) if place.article_id is None else column == place.article_id
    query = query.where(here)
    # A group's members with the same decision are one entry (grouped.py): as the publication kept it
    # (nothing counted), or, for the preview, found in the place's scope.
    if publication_id is not None:
        undecided = aliased(PublishedUndecided)
        kept = and_(undecided.publication_id == publication_id, undecided.comment_id == Comment.id)
        query = (
            query.outerjoin(undecided, kept)
            .where(not_(func.coalesce(decided.folded, undecided.folded, false())))
            .add_columns(func.coalesce(decided.group_size, undecided.group_size))
        )
    else:
        listed, _decided = members(select(), draft.id, publication_id)
        scope = (GroupMember.draft_id == draft.id, GroupMember.article_key == (place.article_id or GENERAL))
        query = collapsed(query, decided, stand_ins(listed.where(here), decided, *scope))
    position = tuple_(Comment.submitted_at, Comment.id)
    if after is not None:
        query = query.where(position > tuple_(*after))
    rows = db.session.execute(query.order_by(Comment.submitted_at, Comment.id).limit(per_page + 1)).all()
    rows, more = rows[:per_page], len(rows) > per_page
    following = encode_cursor(rows[-1][0].submitted_at, rows[-1][0].id) if more else None
    if labels is None and place.article_id is not None and rows:
        labels = _labels(draft.id, place.article_id, {row[0].version_id for row in rows})
    return ItemsPage(_items(draft, place, rows, labels or {}), per_page, following)


def _labels(draft_id: int, article_id: int | None = None, versions=None) -> dict[tuple[int, int], str]:
    """(version id, article id) → the article's label in that version: of the draft, or of one article in
    some versions."""
    query = select(ArticleText.version_id, ArticleText.article_id, ArticleText.label)
    if article_id is None:
        query = query.join(DraftVersion, DraftVersion.id == ArticleText.version_id).where(
            DraftVersion.draft_id == draft_id
        )
    else:
        query = query.where(ArticleText.article_id == article_id, ArticleText.version_id.in_(versions))
    return {(v, a): label for v, a, label in db.session.execute(query)}


def _items(draft: Draft, place: Place, rows, labels: dict[tuple[int, int], str]) -> list[ReportItem]:
    """ReportItems as report.py makes them: the article named as its commenter knows it, when renumbered
    or removed since."""
    names = {v.id: version_name(v.label, v.number) for v in draft.versions}
    label_now = None if place.removed else place.label
    items = []
    for comment, outcome, reason, group_size in rows:
        then = labels.get((comment.version_id, place.article_id)) if place.article_id is not None else None
        renumbered = then is not None and place.label is not None and then != place.label
        moved = then is not None and then != label_now
        items.append(
            ReportItem(
                comment_id=comment.id,
                body=comment.public_body if draft.show_comments else "",
                channel=comment.channel,
                submitted_at=comment.submitted_at,
                outcome=outcome,
                reason=reason or "",
                commented_label=then if renumbered else None,
                commented_as=as_commented(then, names.get(comment.version_id), label_now) if moved else None,
                group_size=group_size,
            )
        )
    return items
