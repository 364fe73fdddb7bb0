"""Reads for review (研究处理): counts per draft and article, comments with decisions, notes and tasks."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.comments import counts
from consult.errors import NotFound
from consult.extensions import db
from consult.i18n import _
from consult.models import (
    ArticleText,
    Comment,
    Decision,
    Draft,
    DraftVersion,
    User,
)
from consult.paging import Page

REVIEW_PER_PAGE = 50


@dataclass(frozen=True)
class Tally:
    """Published comments of one place (a draft, an article, the general opinions) and how many wait."""

    published: int = 0
    undecided: int = 0

    @property
    def decided(self) -> int:
        """Published comments that have a decision."""
        return self.published - self.undecided


@dataclass(frozen=True)
class DraftTally:
    """A draft in the review list."""

    draft: Draft
    tally: Tally


@dataclass(frozen=True)
class ArticleRow:
    """One article of a draft in the review overview; removed ones carry their last known text."""

    article_id: int
    label: str
    chapter: str | None
    tally: Tally
    removed: bool = False


@dataclass(frozen=True)
class DraftReview:
    """The review overview of a draft: every article with its counts, and the general opinions."""

    draft: Draft
    total: Tally
    general: Tally
    articles: list[ArticleRow]
    removed: list[ArticleRow] = field(default_factory=list)


def tallies_of(draft_id: int | None = None, article_ids: list[int | None] | None = None) -> dict:
    """(draft_id, article_id) → Tally of published comments, read from the kept counts
    (consult/comments/counts.py): of one draft, of some articles (None: general), or of every draft."""
    return {place: Tally(p, u) for place, (p, u) in counts.tallies(draft_id, article_ids).items()}


def _sum(tallies) -> Tally:
    items = list(tallies)
    return Tally(sum(t.published for t in items), sum(t.undecided for t in items))


def review_drafts() -> list[DraftTally]:
    """Every draft with its published and undecided comments; drafts with work waiting first."""
    tallies = tallies_of()
    by_draft: dict[int, list[Tally]] = {}
    for (draft_id, _article), tally in tallies.items():
        by_draft.setdefault(draft_id, []).append(tally)
    drafts = db.session.scalars(select(Draft).order_by(Draft.created_at.desc(), Draft.id.desc())).all()
    rows = [DraftTally(d, _sum(by_draft.get(d.id, []))) for d in drafts]
    return sorted(rows, key=lambda r: (r.tally.undecided == 0, r.tally.published == 0))


def _last_texts(draft: Draft, article_ids: set[int]) -> dict[int, ArticleText]:
    """The newest text of each article, in whichever version it last appeared."""
    if not article_ids:
        return {}
    rows = db.session.scalars(
        select(ArticleText)
        .join(DraftVersion, DraftVersion.id == ArticleText.version_id)
        .where(ArticleText.article_id.in_(article_ids), DraftVersion.draft_id == draft.id)
        .order_by(DraftVersion.number)
    ).all()
    return {t.article_id: t for t in rows}  # the newest version wins


def draft_review(draft: Draft) -> DraftReview:
    """Per article of the current version: published and undecided comments; general ones apart.

    Comments on an article that a revision removed stay reviewable: they are listed under their last label.
    """
    tallies = {a: t for (_d, a), t in tallies_of(draft.id).items()}
    version = draft.current_version
    current = (
        db.session.scalars(
            select(ArticleText).where(ArticleText.version_id == version.id).order_by(ArticleText.order)
        ).all()
        if version
        else []
    )
    articles = [
        ArticleRow(t.article_id, t.label, t.chapter, tallies.get(t.article_id, Tally())) for t in current
    ]
    current_ids = {t.article_id for t in current}
    gone = {a for a in tallies if a is not None and a not in current_ids}
    last = _last_texts(draft, gone)
    removed = [
        ArticleRow(
            a,
            last[a].label if a in last else f"#{a}",
            last[a].chapter if a in last else None,
            tallies[a],
            True,
        )
        for a in sorted(gone, key=lambda a: (last[a].number if a in last else 0, a))
    ]
    return DraftReview(draft, _sum(tallies.values()), tallies.get(None, Tally()), articles, removed)


@dataclass(frozen=True)
class ReviewPlace:
    """What a review page is about: one article (current or removed text) or the general opinions."""

    draft: Draft
    article_id: int | None
    text: ArticleText | None
    removed: bool = False

    @property
    def label(self) -> str:
        """The printed label, or the heading of the general opinions."""
        return self.text.label if self.text is not None else _("整体意见")


def review_place(draft: Draft, article_id: int | None) -> ReviewPlace:
    """The article of the draft (current text, or its last text if a revision removed it), or NotFound."""
    if article_id is None:
        return ReviewPlace(draft, None, None)
    version = draft.current_version
    text = (
        db.session.scalar(
            select(ArticleText).where(
                ArticleText.version_id == version.id, ArticleText.article_id == article_id
            )
        )
        if version
        else None
    )
    if text is not None:
        return ReviewPlace(draft, article_id, text)
    last = _last_texts(draft, {article_id}).get(article_id)
    if last is None:
        raise NotFound(_("该条款不存在"))
    return ReviewPlace(draft, article_id, last, removed=True)


@dataclass(frozen=True)
class ReviewComments:
    """One page of a place's published comments, with who decided and the label each was made on."""

    page: Page
    tally: Tally
    deciders: dict[int, str]
    labels_then: dict[int, str]


def review_comments(
    place: ReviewPlace, undecided_only: bool, page: int, per_page: int = REVIEW_PER_PAGE
) -> ReviewComments:
    """Published comments of the place, oldest first (the order staff work through them)."""
    where = [Comment.draft_id == place.draft.id, Comment.status == "published"]
    where.append(
        Comment.article_id == place.article_id
        if place.article_id is not None
        else Comment.article_id.is_(None)
    )
    tally = next(iter(tallies_of(place.draft.id, [place.article_id]).values()), Tally())
    listed = list(where)
    if undecided_only:
        listed.append(~select(Decision.id).where(Decision.comment_id == Comment.id).exists())
    total = tally.undecided if undecided_only else tally.published  # kept counts, nothing counted here
    page = max(1, min(page, -(-total // per_page) or 1))  # deciding empties pages under "undecided only"
    rows = db.session.scalars(
        select(Comment)
        .where(*listed)
        .options(selectinload(Comment.decision))
        .order_by(Comment.submitted_at.asc(), Comment.id.asc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    decider_ids = {c.decision.decided_by_id for c in rows if c.decision and c.decision.decided_by_id}
    deciders = (
        dict(db.session.execute(select(User.id, User.username).where(User.id.in_(decider_ids))).all())
        if decider_ids
        else {}
    )
    labels_then: dict[int, str] = {}
    if place.text is not None:
        versions = {c.version_id for c in rows if c.version_id != place.text.version_id}
        if versions:
            then = dict(
                db.session.execute(
                    select(ArticleText.version_id, ArticleText.label).where(
                        ArticleText.article_id == place.article_id, ArticleText.version_id.in_(versions)
                    )
                ).all()
            )
            labels_then = {
                c.id: then[c.version_id]
                for c in rows
                if c.version_id in then and then[c.version_id] != place.text.label
            }
    return ReviewComments(Page(list(rows), page, per_page, total), tally, deciders, labels_then)


def neighbours(place: ReviewPlace) -> tuple[ArticleText | None, ArticleText | None]:
    """The articles before and after this one in the current version (None at either end)."""
    version = place.draft.current_version
    if version is None or place.text is None or place.removed:
        return None, None
    order = place.text.order
    before = db.session.scalar(
        select(ArticleText)
        .where(ArticleText.version_id == version.id, ArticleText.order < order)
        .order_by(ArticleText.order.desc())
        .limit(1)
    )
    after = db.session.scalar(
        select(ArticleText)
        .where(ArticleText.version_id == version.id, ArticleText.order > order)
        .order_by(ArticleText.order.asc())
        .limit(1)
    )
    return before, after


def entry_drafts() -> list[Draft]:
    """Drafts staff may enter offline opinions for: those with a text, newest first."""
    return list(
        db.session.scalars(
            select(Draft)
            .where(select(DraftVersion.id).where(DraftVersion.draft_id == Draft.id).exists())
            .order_by(Draft.created_at.desc(), Draft.id.desc())
        )
    )


def entered_comment(comment_id: int) -> tuple[Comment, str | None]:
    """A comment with the current label of its article (for the confirmation after entering it)."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(_("意见不存在"))
    label = None
    if comment.article_id is not None:
        label = db.session.scalar(
            select(ArticleText.label)
            .join(DraftVersion, DraftVersion.id == ArticleText.version_id)
            .where(ArticleText.article_id == comment.article_id)
            .order_by(DraftVersion.number.desc())
            .limit(1)
        )
    return comment, label
