"""Reads about themes that the staff pages and the API share."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from consult.errors import NotFound
from consult.extensions import db
from consult.i18n import _
from consult.models import Comment, Theme, ThemeMember
from consult.models.counts import GENERAL
from consult.models.themes import OpinionSummary
from consult.models.types import ID_MAX
from consult.themes.build import COUNTED
from consult.themes.clustering import label_of

MEMBERS_PAGE = 50


@dataclass(frozen=True)
class ThemeView:
    """One theme as staff see it: its name (staff's, or its keywords), keywords and comments."""

    id: int
    article_id: int | None
    label: str
    named: bool  # staff named it
    keywords: list[str]
    size: int
    comment_ids: list[int]


def shown_label(theme: Theme) -> str:
    """The name a theme is shown with: staff's, else its keywords."""
    return theme.label or label_of(theme.keywords)


def _fresh(query):
    # populate_existing: the session keeps objects across commits, and the build writes with Core
    return db.session.scalars(query.execution_options(populate_existing=True)).all()


def themes_of_draft(draft_id: int, article_id: int | None = None, with_ids: bool = True) -> list[ThemeView]:
    """A draft's themes (of one article when given; 0 means the general opinions), by article, largest
    first; with the comment ids of each when ``with_ids``."""
    query = select(Theme).where(Theme.draft_id == draft_id)
    if article_id is not None:
        query = query.where(Theme.article_key == article_id)
    themes = _fresh(query.order_by(Theme.article_key, Theme.size.desc(), Theme.id))
    members: dict[int, list[int]] = {t.id: [] for t in themes}
    if with_ids and themes:
        rows = db.session.execute(
            select(ThemeMember.theme_id, ThemeMember.comment_id)
            .where(ThemeMember.draft_id == draft_id, ThemeMember.theme_id.is_not(None))
            .order_by(ThemeMember.comment_id)
            .execution_options(yield_per=5000)
        )
        for tid, cid in rows:
            if tid in members:
                members[tid].append(cid)
    return [
        ThemeView(
            id=t.id,
            article_id=None if t.article_key == GENERAL else t.article_key,
            label=shown_label(t),
            named=t.label is not None,
            keywords=list(t.keywords),
            size=t.size,
            comment_ids=members[t.id],
        )
        for t in themes
    ]


def theme_in_draft(draft_id: int, theme_id: int) -> Theme:
    """A theme of the draft, read afresh, or NotFound."""
    theme = (
        db.session.scalar(select(Theme).where(Theme.id == theme_id).execution_options(populate_existing=True))
        if 0 < theme_id <= ID_MAX
        else None
    )
    if theme is None or theme.draft_id != draft_id:
        raise NotFound(_("意见主题不存在"))
    return theme


@dataclass(frozen=True)
class MemberRow:
    """A comment of a theme as the theme's page lists it."""

    id: int
    body: str
    channel: str
    status: str
    pinned: bool


def theme_members(theme_id: int | None, draft_id: int, article_key: int, after: int = 0) -> list[MemberRow]:
    """A page (one more than MEMBERS_PAGE when more follow) of a theme's comments by id; theme None: the
    article's counted comments in no theme."""
    pinned = func.coalesce(ThemeMember.pinned, False)
    query = select(Comment.id, Comment.body, Comment.channel, Comment.status, pinned)
    query = query.where(Comment.id > after)
    if theme_id is not None:
        query = query.join(ThemeMember, ThemeMember.comment_id == Comment.id)
        query = query.where(ThemeMember.theme_id == theme_id)
    else:
        place = Comment.article_id.is_(None) if article_key == GENERAL else Comment.article_id == article_key
        query = (
            query.outerjoin(ThemeMember, ThemeMember.comment_id == Comment.id)
            .where(Comment.draft_id == draft_id, place, Comment.status.in_(COUNTED))
            .where(ThemeMember.theme_id.is_(None))
        )
    rows = db.session.execute(query.order_by(Comment.id).limit(MEMBERS_PAGE + 1)).all()
    return [MemberRow(*row) for row in rows]


def summary_state(draft_id: int) -> OpinionSummary | None:
    """The summary's sign-off and when the themes were last computed (None: never)."""
    return db.session.scalar(
        select(OpinionSummary)
        .where(OpinionSummary.draft_id == draft_id)
        .execution_options(populate_existing=True)
    )
