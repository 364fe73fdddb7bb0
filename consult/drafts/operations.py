"""Draft operations: create a draft from its pasted text, and add a revised version."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from consult import audit
from consult.clock import utcnow
from consult.context import RequestContext
from consult.db import end_read, write_transaction
from consult.drafts import short_codes
from consult.drafts.explanations import carried
from consult.drafts.matching import match_articles, match_problems
from consult.drafts.parser import ParsedDraft, parse_draft
from consult.drafts.queries import by_slug
from consult.errors import Conflict, NotFound, ValidationError
from consult.i18n import _
from consult.models import Article, ArticleText, Comment, Draft, DraftVersion, User
from consult.sanitize import plain_text, staff_html

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?$")
SLUG_MAX = 120
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
TITLE_MAX = 200
TEXT_MAX = 500_000
# The request body that can carry a draft of TEXT_MAX characters: a Chinese character is 9 bytes once
# percent-encoded in a form (6 as a JSON \uXXXX escape), plus room for the other fields.
TEXT_BODY_MAX = TEXT_MAX * 9 + 64 * 1024
PARSE_ERRORS_SHOWN = 20


@dataclass(frozen=True)
class DraftInput:
    """What staff give for a new draft."""

    title: str
    text: str
    summary: str = ""
    slug: str | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    publish: bool = False
    show_comments: bool = True
    version_label: str | None = None


def one_line(value: str | None) -> str:
    """A title: plain text on one line (line breaks and runs of spaces become one space)."""
    return " ".join(plain_text(value).split())


def slug_from_title(title: str) -> str:
    """A URL slug in pinyin from a Chinese title: 城市书房条例（草案） → chengshi-shufang-tiaoli-caoan.

    Words (cut by jieba) become one pinyin run each, so the slug reads as words; Latin letters and
    digits are kept as they are ("ABC 条例 2026" → abc-tiaoli-2026).
    """
    # Loaded when a slug is made (staff creating a draft), not by every worker: pypinyin's dictionaries
    # are about 57 MB and rjieba's 33 MB of a process's memory
    import rjieba
    from pypinyin import lazy_pinyin

    words = []
    for word in rjieba.cut(title):
        words.append("".join(lazy_pinyin(word)) if _HAN.search(word) else word)
    slug = "-".join(w.lower() for w in words)
    slug = re.sub(r"[^a-z0-9]+", "-", slug).strip("-")
    return slug[:SLUG_MAX].strip("-") or "draft"


def parse_or_raise(text: str) -> ParsedDraft:
    """Parse the draft text; any parser error becomes a ValidationError listing the lines."""
    problem = _text_problem(text)
    if problem:
        raise ValidationError(problem[0], {"text": problem[1]})
    parsed = parse_draft(text)
    if not parsed.ok:
        messages = [issue.message for issue in parsed.errors[:PARSE_ERRORS_SHOWN]]
        raise ValidationError(
            _("草案全文有%(n)d处问题，请修改后重新提交", n=len(parsed.errors)), {"text": "\n".join(messages)}
        )
    return parsed


def _text_problem(text: str) -> tuple[str, str] | None:
    """(message, field message) when the text is empty or too long to parse."""
    if not text or not text.strip():
        return _("请粘贴法规草案全文"), _("草案全文不能为空")
    if len(text) > TEXT_MAX:
        return _("草案全文过长（不超过%(n)d个字符）", n=TEXT_MAX), _("草案全文过长")
    return None


def _date_problems(opens_at: datetime | None, closes_at: datetime | None) -> dict[str, str]:
    if opens_at and closes_at and closes_at <= opens_at:
        return {"closes_at": _("截止时间必须晚于开始时间")}
    return {}


def _validate_dates(opens_at: datetime | None, closes_at: datetime | None) -> None:
    problems = _date_problems(opens_at, closes_at)
    if problems:
        raise ValidationError(problems["closes_at"], problems)


def _check_fields(data: DraftInput) -> tuple[str, str, dict[str, str]]:
    """The cleaned title, the slug (given or generated) and the problems with title, slug and dates."""
    title = one_line(data.title)
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("请填写草案标题")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("标题不能超过%(n)d个字符", n=TITLE_MAX)
    slug = (data.slug or "").strip().lower() or slug_from_title(title)
    if not SLUG_RE.match(slug):
        errors["slug"] = _("网址标识只能使用小写字母、数字和连字符")
    errors.update(_date_problems(data.opens_at, data.closes_at))
    return title, slug, errors


def _free_slug(session, base: str) -> str:
    """A generated slug that is not taken yet: base, base-2, base-3, …"""
    taken = set(session.scalars(select(Draft.slug).where(Draft.slug.like(f"{base}%"))))
    n, slug = 1, base
    while slug in taken:
        n += 1
        suffix = f"-{n}"
        slug = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
    return slug


def _add_version(
    session,
    draft: Draft,
    parsed: ParsedDraft,
    label: str | None,
    number: int,
    source: str,
    matches: list[int | None],
    explanations: dict[int, str] | None = None,
) -> DraftVersion:
    """The new version's texts; an article continuing an old one keeps its explanation (条文释义)."""
    explanations = explanations or {}
    now = utcnow()
    version = DraftVersion(
        draft=draft,
        number=number,
        label=(label or parsed.version_label or "")[:100],
        source_text=source,
        published_at=now if draft.published_at else None,
    )
    session.add(version)
    for art, article_id in zip(parsed.articles, matches, strict=True):
        if article_id is None:
            article = Article(draft_id=draft.id)
            session.add(article)
            session.flush()
            article_id = article.id
        session.add(
            ArticleText(
                article_id=article_id,
                version=version,
                chapter=art.chapter,
                section=art.section,
                label=art.label,
                number=art.number,
                order=art.order,
                text=art.text,
                explanation=explanations.get(article_id),
            )
        )
    return version


def create_draft(actor: User | None, ctx: RequestContext, data: DraftInput) -> Draft:
    """Create a draft with its first version; published at once when asked.

    A slug left empty is generated from the title in pinyin (with -2, -3… when taken); a slug
    given and already taken is a Conflict.
    """
    title, slug, errors = _check_fields(data)
    if errors:
        raise ValidationError(next(iter(errors.values())), errors)
    parsed = parse_or_raise(data.text)
    with write_transaction() as session:
        if not (data.slug or "").strip():
            slug = _free_slug(session, slug)
        elif session.scalar(select(Draft.id).where(Draft.slug == slug)):
            raise Conflict(_("网址标识 %(slug)s 已被使用", slug=slug), {"slug": _("该网址标识已被使用")})
        now = utcnow()
        draft = Draft(
            slug=slug,
            short_code=short_codes.free_code(session),
            title=title,
            summary=staff_html(data.summary),
            opens_at=data.opens_at,
            closes_at=data.closes_at,
            published_at=now if data.publish else None,
            show_comments=data.show_comments,
        )
        session.add(draft)
        session.flush()
        _add_version(session, draft, parsed, data.version_label, 1, data.text, [None] * len(parsed.articles))
        audit.record(
            session,
            actor,
            ctx,
            "draft.create",
            draft,
            {"slug": slug, "articles": len(parsed.articles), "publish": data.publish},
        )
    return draft


def add_version(
    actor: User | None,
    ctx: RequestContext,
    slug: str,
    text: str,
    label: str | None = None,
    matches: list[int | None] | None = None,
) -> DraftVersion:
    """Save a revised text as the new current version; articles keep their identity where they match.

    Without `matches` each new article continues the most similar old one (best pairs first).
    `matches` — one entry per new article, the id of the draft's article it continues or None for a
    new article — is the staff's corrected proposal and overrides the automatic matching; each old
    article may be used once.
    """
    parsed = parse_or_raise(text)
    with write_transaction() as session:
        draft = by_slug(slug, session=session)
        current = draft.current_version
        old = [(t.article_id, t.text) for t in current.texts] if current else []
        corrected = matches is not None
        if matches is None:
            matches = match_articles(old, [a.text for a in parsed.articles])
        else:
            allowed = set(session.scalars(select(Article.id).where(Article.draft_id == draft.id)))
            problems = match_problems(list(matches), [a.label for a in parsed.articles], allowed)
            if problems:
                raise ValidationError(next(iter(problems.values())), problems)
        number = (current.number + 1) if current else 1
        version = _add_version(
            session, draft, parsed, label, number, text, list(matches), carried(session, current)
        )
        draft.updated_at = utcnow()
        audit.record(
            session,
            actor,
            ctx,
            "draft.version",
            draft,
            {
                "version": number,
                "matched": sum(m is not None for m in matches),
                "new": sum(m is None for m in matches),
                "corrected_by_staff": corrected,
            },
        )
    return version


UPDATABLE = ("title", "summary", "opens_at", "closes_at", "publish", "show_comments")


def update_draft(
    actor: User | None, ctx: RequestContext, slug: str, changes: dict, expected_version: int | None = None
) -> Draft:
    """Change a draft's title, note, dates, publication or comment display (closing early = closes_at now)."""
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ValidationError(
            _("不能修改这些字段：%(f)s", f="、".join(sorted(unknown))), {k: _("不可修改") for k in unknown}
        )
    with write_transaction() as session:
        draft = by_slug(slug, session=session)
        if expected_version is not None and draft.version != expected_version:
            raise Conflict(_("草案刚刚已被其他工作人员修改，请刷新后重试。"))
        before = {
            "title": draft.title,
            "opens_at": draft.opens_at,
            "closes_at": draft.closes_at,
            "published": draft.published_at is not None,
            "show_comments": draft.show_comments,
        }
        if "title" in changes:
            title = one_line(changes["title"])
            if not title or len(title) > TITLE_MAX:
                raise ValidationError(
                    _("标题不能为空，且不超过%(n)d个字符", n=TITLE_MAX), {"title": _("请检查标题")}
                )
            draft.title = title
        if "summary" in changes:
            draft.summary = staff_html(changes["summary"])
        if "opens_at" in changes:
            draft.opens_at = changes["opens_at"]
        if "closes_at" in changes:
            draft.closes_at = changes["closes_at"]
        _validate_dates(draft.opens_at, draft.closes_at)
        if "show_comments" in changes:
            draft.show_comments = bool(changes["show_comments"])
        if "publish" in changes:
            if changes["publish"] and draft.published_at is None:
                draft.published_at = utcnow()
                for version in draft.versions:
                    version.published_at = version.published_at or draft.published_at
            elif not changes["publish"] and draft.published_at is not None:
                if session.scalar(select(Comment.id).where(Comment.draft_id == draft.id).limit(1)):
                    raise Conflict(_("草案已收到意见，不能撤回发布"))
                draft.published_at = None
        draft.updated_at = utcnow()
        audit.record(
            session,
            actor,
            ctx,
            "draft.update",
            draft,
            {"changed": sorted(changes), "before": {k: str(v) for k, v in before.items()}},
        )
    return draft


# -- stages: publish, open now, close now ---------------------------------------------------------

STAGES = ("publish", "open-now", "close-now")


def available_stages(draft: Draft, now: datetime) -> list[str]:
    """The stage actions that make sense for the draft now (the buttons staff are offered)."""
    stages = []
    if draft.published_at is None:
        stages.append("publish")
    if draft.feedback_published_at is None:
        if draft.opens_at is None or draft.opens_at > now:
            stages.append("open-now")
        elif draft.closes_at is None or draft.closes_at > now:
            stages.append("close-now")
    return stages


def change_stage(
    actor: User | None, ctx: RequestContext, slug: str, stage: str, expected_version: int | None
) -> Draft:
    """发布 / 立即开始征求意见 / 立即截止: one update_draft call, refused when the stage does not apply.

    The stage is checked on a read; the optimistic lock (the version read, or the one the page
    showed) makes update_draft refuse if the draft changed in between.
    """
    if stage not in STAGES:
        raise NotFound(_("没有这项操作"))
    draft = by_slug(slug)
    now = utcnow()
    if expected_version is not None and draft.version != expected_version:
        raise Conflict(_("草案刚刚已被其他工作人员修改，请刷新后重试。"))
    if stage not in available_stages(draft, now):
        raise Conflict(_("草案当前所处阶段不能进行这项操作，请刷新后查看。"))
    version = draft.version
    end_read()  # update_draft writes in its own transaction
    changes = {"publish": {"publish": True}, "open-now": {"opens_at": now}, "close-now": {"closes_at": now}}
    return update_draft(actor, ctx, slug, changes[stage], version)


# -- previews: what saving would do, without saving -------------------------------------------------
