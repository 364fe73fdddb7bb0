"""Computing a draft's themes and writing them, keeping what staff renamed, merged and moved.

Which comments count: pending and published ones (what staff are reviewing and what the public sees);
spam and rejected ones are in no theme. A draft may hold 100,000 comments, so the texts are streamed
(``yield_per``) twice: once for the document frequencies over the whole draft, then one article at a
time for each comment's keywords, which are all that is kept of a comment in memory. When every article
is computed, each is written in its own short write transaction. Staff's button runs this as a
background job (jobs.py); the command line runs it at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import delete, exists, func, insert, select, update

from consult.clock import utcnow
from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.models import Comment, Theme, ThemeAnchor, ThemeMember
from consult.models.counts import GENERAL
from consult.models.themes import ANCHOR_MAX, OpinionSummary
from consult.themes.clustering import Cluster, cluster
from consult.themes.keywords import DocumentFrequency, top_keywords, words

COUNTED = ("pending", "published")  # the statuses whose comments have themes
BATCH = 2000  # rows streamed per fetch, and rows inserted per statement


@dataclass(frozen=True)
class BuildResult:
    """What a recomputation did: articles (scopes) computed, themes found, whether anything changed."""

    scopes: int
    themes: int
    changed: bool


def _article_key():
    return func.coalesce(Comment.article_id, GENERAL)


def _texts(draft_id: int, article_key: int | None = None) -> Iterator[tuple[int, str]]:
    """(id, text) of a draft's counted comments (of one scope when given), streamed."""
    query = select(Comment.id, Comment.body).where(Comment.draft_id == draft_id, Comment.status.in_(COUNTED))
    if article_key is not None:
        query = query.where(
            Comment.article_id.is_(None) if article_key == GENERAL else Comment.article_id == article_key
        )
    yield from db.session.execute(query.order_by(Comment.id).execution_options(yield_per=BATCH))


def document_frequency(draft_id: int) -> DocumentFrequency:
    """How many of the draft's counted comments use each word."""
    df = DocumentFrequency()
    for _id, body in _texts(draft_id):
        df.add(words(body))
    end_read()
    return df


def scope_clusters(draft_id: int, article_key: int, df: DocumentFrequency) -> list[Cluster]:
    """The computed themes of one article (or of the general opinions)."""
    items = []
    for cid, body in _texts(draft_id, article_key):
        used = words(body)
        items.append((cid, top_keywords(used, df), tuple(sorted(set(used)))))
    end_read()
    return cluster(items)


def _scopes(session, draft_id: int) -> list[int]:
    with_comments = select(_article_key()).where(Comment.draft_id == draft_id, Comment.status.in_(COUNTED))
    with_themes = select(Theme.article_key).where(Theme.draft_id == draft_id)
    return sorted({k for (k,) in session.execute(with_comments.union(with_themes))})


def drop_stale_members(session, draft_id: int) -> int:
    """Forget memberships of comments no longer counted or moved to another article (even pinned ones)."""
    still = exists().where(
        Comment.id == ThemeMember.comment_id,
        Comment.status.in_(COUNTED),
        _article_key() == ThemeMember.article_key,
    )
    result = session.execute(delete(ThemeMember).where(ThemeMember.draft_id == draft_id, ~still))
    return result.rowcount or 0


def mark_changed(session, draft_id: int) -> OpinionSummary:
    """The summary changed: it is a draft (草稿) again until someone signs it off anew."""
    summary = session.get(OpinionSummary, draft_id)
    if summary is None:
        summary = OpinionSummary(draft_id=draft_id, changed_at=utcnow())
        session.add(summary)
    summary.signed_off_at = None
    summary.signed_off_by_id = None
    summary.signed_off_by_name = None
    summary.changed_at = utcnow()
    return summary


def _theme_for(session, draft_id: int, key: int, found: Cluster, anchors: dict[str, int]) -> int:
    theme_id = anchors.get(found.anchor)
    if theme_id is None:
        theme = Theme(draft_id=draft_id, article_key=key, keywords=list(found.keywords), size=0)
        session.add(theme)
        session.flush()
        theme_id = theme.id
        anchor = found.anchor[:ANCHOR_MAX]
        session.add(ThemeAnchor(draft_id=draft_id, article_key=key, anchor=anchor, theme_id=theme_id))
        anchors[found.anchor] = theme_id
    return theme_id


def apply_scope(session, draft_id: int, key: int, clusters: list[Cluster]) -> bool:
    """Write one scope's computed themes, keeping staff's work; whether any membership or theme changed."""
    anchors = dict(
        session.execute(
            select(ThemeAnchor.anchor, ThemeAnchor.theme_id).where(
                ThemeAnchor.draft_id == draft_id, ThemeAnchor.article_key == key
            )
        ).all()
    )
    scope = (ThemeMember.draft_id == draft_id, ThemeMember.article_key == key)
    before = dict(session.execute(select(ThemeMember.comment_id, ThemeMember.theme_id).where(*scope)).all())
    pinned = set(session.scalars(select(ThemeMember.comment_id).where(*scope, ThemeMember.pinned)))
    of_scope = select(Theme.id).where(Theme.draft_id == draft_id, Theme.article_key == key)
    themes_before = set(session.scalars(of_scope))
    after: dict[int, int | None] = {cid: before[cid] for cid in pinned}
    keywords: dict[int, list[str]] = {}
    for found in clusters:  # largest first: a theme merged from several keeps its largest one's keywords
        theme_id = _theme_for(session, draft_id, key, found, anchors)
        keywords.setdefault(theme_id, list(found.keywords))
        for cid in found.comment_ids:
            if cid not in pinned:
                after[cid] = theme_id
    session.execute(delete(ThemeMember).where(*scope, ThemeMember.pinned.is_(False)))
    rows = [
        {"comment_id": cid, "theme_id": tid, "draft_id": draft_id, "article_key": key, "pinned": False}
        for cid, tid in after.items()
        if cid not in pinned
    ]
    for start in range(0, len(rows), BATCH):
        session.execute(insert(ThemeMember), rows[start : start + BATCH])
    sizes: dict[int, int] = {}
    for tid in after.values():
        if tid is not None:
            sizes[tid] = sizes.get(tid, 0) + 1
    now = utcnow()
    for theme in session.scalars(select(Theme).where(Theme.draft_id == draft_id, Theme.article_key == key)):
        size = sizes.get(theme.id, 0)
        if size == 0 and theme.label is None:
            session.delete(theme)  # nobody raises it any more, and staff never named it
            continue
        if theme.size != size or (theme.id in keywords and theme.keywords != keywords[theme.id]):
            theme.size = size
            theme.keywords = keywords.get(theme.id, theme.keywords)
            theme.updated_at = now
    session.flush()
    themes_now = set(session.scalars(of_scope))
    return before != after or themes_before != themes_now


def refresh_sizes(session, theme_ids: set[int]) -> None:
    """Count the members of some themes again (after staff moved or merged)."""
    for tid in theme_ids:
        n = session.scalar(select(func.count()).select_from(ThemeMember).where(ThemeMember.theme_id == tid))
        session.execute(update(Theme).where(Theme.id == tid).values(size=n, updated_at=utcnow()))


def build_draft(draft_id: int, progress: Callable[[int, int], None] | None = None) -> BuildResult:
    """Recompute a draft's themes from its counted comments, keeping what staff renamed, merged, moved.

    Every article is computed before anything is written, so the themes shown stay the old ones until the
    new ones replace them, article by article in short write transactions, at the end (and stay the old
    ones if the computation fails). ``progress(done, total)``: called as each article is computed.
    """
    end_read()
    df = document_frequency(draft_id)
    scopes = _scopes(db.session, draft_id)
    end_read()
    computed = []
    for done, key in enumerate(scopes, 1):
        computed.append((key, scope_clusters(draft_id, key, df)))
        if progress is not None:
            progress(done, len(scopes))
    with write_transaction() as session:
        changed = drop_stale_members(session, draft_id) > 0
    for key, clusters in computed:
        with write_transaction() as session:
            changed = apply_scope(session, draft_id, key, clusters) or changed
    with write_transaction() as session:
        summary = session.get(OpinionSummary, draft_id)
        if changed or summary is None:
            summary = mark_changed(session, draft_id)
        summary.themes_built_at = utcnow()
        themes = session.scalar(select(func.count()).select_from(Theme).where(Theme.draft_id == draft_id))
    return BuildResult(len(scopes), themes or 0, changed)
