"""Reads of who works on what: internal notes, assignments and "my tasks" (staff only, never public)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.comments.review_queries import ReviewPlace, Tally, tallies_of
from consult.drafts.queries import by_slug
from consult.errors import NotFound
from consult.extensions import db
from consult.i18n import _
from consult.models import (
    ArticleText,
    Assignment,
    Comment,
    Draft,
    DraftVersion,
    ReviewNote,
    User,
)

# Internal notes and assignments (staff only; nothing here is ever on a public page)


def staff_members() -> list[User]:
    """Active staff and administrators, to assign work to."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.role.in_(("staff", "admin")))
            .order_by(User.username)
        )
    )


@dataclass(frozen=True)
class NoteRow:
    """An internal note with its author's name."""

    note: ReviewNote
    author: str | None


@dataclass(frozen=True)
class AssignedTo:
    """Who an article or a comment is assigned to."""

    assignee_id: int
    username: str


@dataclass(frozen=True)
class PlaceWork:
    """Assignments and internal notes of a review page: its article and the comments listed."""

    article_assignee: AssignedTo | None = None
    article_notes: list[NoteRow] = field(default_factory=list)
    comment_assignees: dict[int, AssignedTo] = field(default_factory=dict)
    comment_notes: dict[int, list[NoteRow]] = field(default_factory=dict)


def _note_rows(where) -> list[NoteRow]:
    rows = db.session.execute(
        select(ReviewNote, User.username)
        .outerjoin(User, User.id == ReviewNote.author_id)
        .where(where)
        .order_by(ReviewNote.created_at, ReviewNote.id)
    ).all()
    return [NoteRow(n, name) for n, name in rows]


def place_work(place: ReviewPlace, comment_ids: list[int]) -> PlaceWork:
    """The article's assignment and notes (none for the general opinions), and those of the comments."""
    article_assignee, article_notes = None, []
    if place.article_id is not None:
        row = db.session.execute(
            select(Assignment.assignee_id, User.username)
            .join(User, User.id == Assignment.assignee_id)
            .where(Assignment.article_id == place.article_id)
        ).first()
        article_assignee = AssignedTo(*row) if row else None
        article_notes = _note_rows(ReviewNote.article_id == place.article_id)
    assignees: dict[int, AssignedTo] = {}
    notes: dict[int, list[NoteRow]] = {}
    if comment_ids:
        for comment_id, user_id, name in db.session.execute(
            select(Assignment.comment_id, Assignment.assignee_id, User.username)
            .join(User, User.id == Assignment.assignee_id)
            .where(Assignment.comment_id.in_(comment_ids))
        ):
            assignees[comment_id] = AssignedTo(user_id, name)
        for row in _note_rows(ReviewNote.comment_id.in_(comment_ids)):
            notes.setdefault(row.note.comment_id, []).append(row)
    return PlaceWork(article_assignee, article_notes, assignees, notes)


def comment_place(slug: str, comment_id: int) -> tuple[Draft, Comment]:
    """A comment of the draft (for the notes and assignment doors), or NotFound."""
    draft = by_slug(slug)
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.draft_id != draft.id:
        raise NotFound(_("意见不存在"))
    return draft, comment


@dataclass(frozen=True)
class MyArticle:
    """An article assigned to me, with its current (or last) label and its comment counts."""

    draft: Draft
    article_id: int
    label: str
    tally: Tally


@dataclass(frozen=True)
class MyComment:
    """A comment assigned to me, with the label of its article (None: the draft as a whole)."""

    comment: Comment
    label: str | None


@dataclass(frozen=True)
class MyWork:
    """What is assigned to one staff member."""

    articles: list[MyArticle]
    comments: list[MyComment]

    @property
    def undecided(self) -> int:
        """Undecided comments among my articles and my comments."""
        return sum(a.tally.undecided for a in self.articles) + sum(
            1 for c in self.comments if c.comment.decision is None and c.comment.status == "published"
        )


def _labels(article_ids: set[int]) -> dict[int, str]:
    """The newest label of each article."""
    if not article_ids:
        return {}
    rows = db.session.execute(
        select(ArticleText.article_id, ArticleText.label)
        .join(DraftVersion, DraftVersion.id == ArticleText.version_id)
        .where(ArticleText.article_id.in_(article_ids))
        .order_by(DraftVersion.number)
    ).all()
    return dict(rows)  # the newest version wins


def my_work(user_id: int) -> MyWork:
    """The articles and comments assigned to the user, newest assignment first."""
    rows = db.session.scalars(
        select(Assignment)
        .where(Assignment.assignee_id == user_id)
        .order_by(Assignment.created_at.desc(), Assignment.id.desc())
    ).all()
    article_ids = {r.article_id for r in rows if r.article_id is not None}
    comment_ids = [r.comment_id for r in rows if r.comment_id is not None]
    tallies = (
        {a: t for (_d, a), t in tallies_of(article_ids=list(article_ids)).items()} if article_ids else {}
    )
    drafts = {
        d.id: d for d in db.session.scalars(select(Draft).where(Draft.id.in_({r.draft_id for r in rows})))
    }
    comments = (
        {
            c.id: c
            for c in db.session.scalars(
                select(Comment).where(Comment.id.in_(comment_ids)).options(selectinload(Comment.decision))
            )
        }
        if comment_ids
        else {}
    )
    labels = _labels(article_ids | {c.article_id for c in comments.values() if c.article_id is not None})
    articles = [
        MyArticle(
            drafts[r.draft_id],
            r.article_id,
            labels.get(r.article_id, f"#{r.article_id}"),
            tallies.get(r.article_id, Tally()),
        )
        for r in rows
        if r.article_id is not None
    ]
    mine = [
        MyComment(comments[r.comment_id], labels.get(comments[r.comment_id].article_id))
        for r in rows
        if r.comment_id is not None
    ]
    return MyWork(articles, mine)
