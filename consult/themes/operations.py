"""Staff's actions on themes and on the drafted summary, and the recomputation.

Each is one write transaction with its audit row. Rename, merge and move are kept through every later
recomputation (build.py); each change to what the summary says makes it a draft (草稿) again, to be
signed off anew.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import update

from consult import audit
from consult.clock import utcnow
from consult.db import end_read, write_transaction
from consult.drafts.queries import by_slug
from consult.errors import Conflict, NotFound, ValidationError
from consult.i18n import _
from consult.models import Comment, Theme, ThemeAnchor, ThemeMember
from consult.models.counts import GENERAL
from consult.models.themes import LABEL_MAX, SECTION_TEXT_MAX, SIGNER_NAME_MAX, OpinionSummary, SummarySection
from consult.models.types import ID_MAX
from consult.sanitize import plain_text
from consult.themes.build import COUNTED, BuildResult, build_draft, mark_changed, refresh_sizes
from consult.themes.jobs import writer_lock
from consult.themes.summary import section_version

if TYPE_CHECKING:
    from consult.context import RequestContext
    from consult.models import User

MERGE_MAX = 50  # themes merged at once


def rebuild_themes(actor: User | None, ctx: RequestContext, slug: str) -> BuildResult:
    """Recompute a draft's themes at once (the command line; staff's button queues a job: jobs.py)."""
    draft = by_slug(slug)
    draft_id = draft.id
    end_read()
    with writer_lock(wait=True):  # one recomputation at a time: never interleaved with a queued job's
        result = build_draft(draft_id)
    with write_transaction() as session:
        audit.record(
            session, actor, ctx, "theme.rebuild", session.get(type(draft), draft_id),
            {"scopes": result.scopes, "themes": result.themes, "changed": result.changed},
        )  # fmt: skip
    return result


def _theme(session, theme_id: int, draft_id: int | None = None) -> Theme:
    theme = session.get(Theme, theme_id) if 0 < theme_id <= ID_MAX else None
    if theme is None or (draft_id is not None and theme.draft_id != draft_id):
        raise NotFound(_("意见主题不存在"))
    return theme


def rename_theme(actor: User, ctx: RequestContext, slug: str, theme_id: int, label: str) -> Theme:
    """Name a theme (an empty name: back to its keywords); the name stays through recomputations."""
    draft_id = by_slug(slug).id
    name = plain_text(label or "").strip()
    if len(name) > LABEL_MAX:
        message = _("主题名称不能超过%(n)d个字", n=LABEL_MAX)
        raise ValidationError(message, {"label": message})
    end_read()
    with write_transaction() as session:
        theme = _theme(session, theme_id, draft_id)
        before = theme.label
        theme.label = name or None
        theme.updated_at = utcnow()
        audit.record(session, actor, ctx, "theme.rename", theme, {"from": before, "to": theme.label})
        mark_changed(session, draft_id)
        return theme


def merge_themes(actor: User, ctx: RequestContext, slug: str, target_id: int, other_ids: list[int]) -> Theme:
    """Merge themes of one article into ``target_id``: their comments (kept there) and keywords (anchors,
    so comments that raise them later join it too)."""
    draft_id = by_slug(slug).id
    others = sorted(set(other_ids) - {target_id})
    if not others or len(others) > MERGE_MAX:
        message = _("请选择要并入的主题（1至%(n)d个）", n=MERGE_MAX)
        raise ValidationError(message, {"sources": message})
    end_read()
    with write_transaction() as session:
        target = _theme(session, target_id, draft_id)
        sources = [_theme(session, tid, draft_id) for tid in others]
        if any(t.article_key != target.article_key for t in sources):
            message = _("只能合并同一条款的主题")
            raise ValidationError(message, {"sources": message})
        # Pinned, like a move: what staff put together stays together whatever a recomputation finds.
        merged = ThemeMember.theme_id.in_([target.id, *others])
        session.execute(update(ThemeMember).where(merged).values(theme_id=target.id, pinned=True))
        session.execute(
            update(ThemeAnchor).where(ThemeAnchor.theme_id.in_(others)).values(theme_id=target.id)
        )
        if target.label is None:
            target.label = next((t.label for t in sources if t.label), None)
        for source in sources:
            session.delete(source)
        session.flush()
        refresh_sizes(session, {target.id})
        audit.record(session, actor, ctx, "theme.merge", target, {"merged": others})
        mark_changed(session, draft_id)
        return target


def move_comment(
    actor: User, ctx: RequestContext, slug: str, comment_id: int, theme_id: int | None
) -> ThemeMember:
    """Put a comment in another theme of its article (None: in no theme); it stays there."""
    draft_id = by_slug(slug).id
    end_read()
    with write_transaction() as session:
        comment = session.get(Comment, comment_id) if 0 < comment_id <= ID_MAX else None
        if comment is None or comment.draft_id != draft_id or comment.status not in COUNTED:
            message = _("该草案没有这条意见（或它未计入主题：垃圾信息和不予公开的意见不计入）")
            raise ValidationError(message, {"comment_id": message})
        key = comment.article_id or GENERAL
        target = _theme(session, theme_id, draft_id) if theme_id is not None else None
        if target is not None and target.article_key != key:
            message = _("只能移到这条意见所在条款的主题")
            raise ValidationError(message, {"theme_id": message})
        member = session.get(ThemeMember, comment_id)
        if member is not None and member.article_key != key:
            session.delete(member)  # the comment was moved to another article since: start afresh
            session.flush()
            member = None
        if member is None:
            member = ThemeMember(comment_id=comment_id, draft_id=draft_id, article_key=key)
            session.add(member)
        before = member.theme_id
        member.theme_id = target.id if target is not None else None
        member.pinned = True
        session.flush()
        refresh_sizes(session, {t for t in (before, member.theme_id) if t is not None})
        audit.record(session, actor, ctx, "theme.move", comment, {"from": before, "to": member.theme_id})
        mark_changed(session, draft_id)
        return member


def edit_section(
    actor: User, ctx: RequestContext, slug: str, article_id: int | None, text: str, seen: str | None = None
) -> None:
    """Staff's text for one article's section of the summary (empty: back to the drafted text).

    ``seen``: the version of the text the form showed (consult/themes/summary.section_version); when a
    colleague saved another text since, the save is refused (Conflict) and nothing is written.
    """
    draft = by_slug(slug)
    key = article_id or GENERAL
    body = plain_text(text or "").strip()
    if len(body) > SECTION_TEXT_MAX:
        message = _("这一部分不能超过%(n)d个字", n=SECTION_TEXT_MAX)
        raise ValidationError(message, {"text": message})
    end_read()
    with write_transaction() as session:
        section = session.get(SummarySection, (draft.id, key))
        if seen is not None and seen != section_version(section.text if section is not None else None):
            message = _("这一部分刚被其他工作人员修改过，上面显示的是现在保存的文字。请核对后再保存")
            raise Conflict(message, {"text": message})
        if not body:
            if section is not None:
                session.delete(section)
        else:
            if section is None:
                section = SummarySection(draft_id=draft.id, article_key=key)
                session.add(section)
            section.text = body
            section.updated_at = utcnow()
            section.updated_by_id = actor.id if actor is not None else None
        target = session.get(type(draft), draft.id)
        details = {"article_id": article_id, "cleared": not body}
        audit.record(session, actor, ctx, "summary.edit", target, details)
        mark_changed(session, draft.id)


def sign_off_summary(actor: User, ctx: RequestContext, slug: str) -> OpinionSummary:
    """Sign the summary off as it now stands: it shows who signed and when until it changes again."""
    draft = by_slug(slug)
    end_read()
    with write_transaction() as session:
        summary = session.get(OpinionSummary, draft.id)
        if summary is None or summary.themes_built_at is None:
            raise Conflict(_("请先计算意见主题，再签发意见汇总"))
        if summary.signed_off_at is not None:
            raise Conflict(_("意见汇总已经签发，内容没有变化"))
        summary.signed_off_at = utcnow()
        summary.signed_off_by_id = actor.id
        summary.signed_off_by_name = (actor.display_name or actor.username)[:SIGNER_NAME_MAX]
        audit.record(session, actor, ctx, "summary.sign_off", session.get(type(draft), draft.id))
        return summary


def export_summary_docx(actor: User, ctx: RequestContext, slug: str) -> tuple[bytes, str]:
    """The summary as a Word document (bytes, file name), with its audit row."""
    # imported here: the document pulls in python-docx, which the other operations never need
    from consult.themes.summary import opinion_summary
    from consult.themes.summary_docx import summary_docx, summary_filename

    draft = by_slug(slug)
    view = opinion_summary(draft)
    data = summary_docx(view)
    end_read()
    with write_transaction() as session:
        details = {"signed_off": view.signed_off, "sections": len(view.sections)}
        audit.record(session, actor, ctx, "summary.download", session.get(type(draft), draft.id), details)
    return data, summary_filename(view)
