"""Documents built from the database as it is now: what the index should hold for each target."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import select

from consult.extensions import db
from consult.models import ArticleText, Comment, Draft, DraftVersion
from consult.search.base import Doc

CHUNK = 1000


def _current_versions(draft_ids: Iterable[int] | None = None) -> dict[int, tuple[int, bool, bool]]:
    """draft id → (current version id, public, comments shown)."""
    query = select(Draft.id, Draft.published_at, Draft.show_comments)
    if draft_ids is not None:
        query = query.where(Draft.id.in_(list(draft_ids)))
    drafts = {d: (published is not None, bool(show)) for d, published, show in db.session.execute(query)}
    versions: dict[int, int] = {}
    if drafts:
        rows = db.session.execute(
            select(DraftVersion.draft_id, DraftVersion.id)
            .where(DraftVersion.draft_id.in_(list(drafts)))
            .order_by(DraftVersion.number)
        )
        for draft_id, version_id in rows:
            versions[draft_id] = version_id  # the newest number wins
    return {d: (versions[d], *drafts[d]) for d in drafts if d in versions}


def article_text(label: str, text: str, explanation: str | None) -> str:
    """What is searched of an article: its label and text, then its explanation (条文释义) on a line of its
    own, so a word found only in the explanation finds the article and the snippet shows it there."""
    return f"{label} {text}\n{explanation}" if explanation else f"{label} {text}"


def article_docs(
    draft_ids: Iterable[int] | None = None, *, after: int = 0, limit: int | None = None
) -> Iterator[Doc]:
    """The articles of each draft's current version; public once the draft is published. With
    ``limit``: at most that many, with an article id above ``after``, in article id order (a keyset
    batch, as `search check` reads them)."""
    current = _current_versions(draft_ids)
    by_version = {version: (draft_id, public) for draft_id, (version, public, _shown) in current.items()}
    if not by_version:
        return
    query = select(
        ArticleText.version_id,
        ArticleText.article_id,
        ArticleText.label,
        ArticleText.text,
        ArticleText.explanation,
    ).where(ArticleText.version_id.in_(list(by_version)))
    if limit is not None:
        query = query.where(ArticleText.article_id > after).order_by(ArticleText.article_id).limit(limit)
    rows = db.session.execute(query)
    for version_id, article_id, label, text, explanation in rows:
        draft_id, public = by_version[version_id]
        yield Doc(
            kind="article",
            id=article_id,
            draft_id=draft_id,
            text=article_text(label, text, explanation),
            public=public,
            article_id=article_id,
        )


COMMENT_COLUMNS = (
    Comment.id,
    Comment.draft_id,
    Comment.body,
    Comment.masked_body,
    Comment.status,
    Comment.article_id,
    Comment.channel,
    Comment.contact_point_id,
    Comment.submitted_at,
)


def comment_doc(comment, draft_public: bool, shown: bool) -> Doc:
    """A comment as indexed: its public text (the masked copy when there is one, so personal data that
    staff masked is never in the index), public only when published on a public draft showing comments."""
    return Doc(
        kind="comment",
        id=comment.id,
        draft_id=comment.draft_id,
        text=comment.masked_body or comment.body,
        public=comment.status == "published" and draft_public and shown,
        article_id=comment.article_id,
        status=comment.status,
        channel=comment.channel,
        contact_point_id=comment.contact_point_id,
        submitted_at=comment.submitted_at,
    )


def comment_visibility(draft_ids: Iterable[int] | None = None) -> dict[int, tuple[bool, bool]]:
    """draft id → (public, comments shown): all that a comment's document takes from its draft (its
    title and the rest are looked up when a hit is shown). A change to anything else of a draft leaves
    its comments' documents as they are (consult/search/events.py, ``COMMENT_FIELDS``)."""
    query = select(Draft.id, Draft.published_at, Draft.show_comments)
    if draft_ids is not None:
        query = query.where(Draft.id.in_(list(draft_ids)))
    return {d: (published is not None, bool(show)) for d, published, show in db.session.execute(query)}


def comment_docs(where=None, *, after: int = 0, limit: int | None = None) -> Iterator[Doc]:
    """Every comment matching ``where`` (a SQL condition; None: all) with an id above ``after``, in id
    order, at most ``limit`` of them, read in chunks of plain rows."""
    drafts = comment_visibility()
    last, left = after, limit
    while left is None or left > 0:
        size = CHUNK if left is None else min(CHUNK, left)
        query = select(*COMMENT_COLUMNS).where(Comment.id > last).order_by(Comment.id).limit(size)
        if where is not None:
            query = query.where(where)
        chunk = db.session.execute(query).all()
        if not chunk:
            return
        for row in chunk:
            public, shown = drafts.get(row.draft_id, (False, False))
            yield comment_doc(row, public, shown)
        last = chunk[-1].id
        if left is not None:
            left -= len(chunk)


def all_docs() -> Iterator[Doc]:
    """What the whole index should hold."""
    yield from article_docs()
    yield from comment_docs()
