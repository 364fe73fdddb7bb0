"""Previews for staff before anything is saved: a new draft's parsed structure, a revision's matching."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select

from consult.drafts.matching import MatchRow, OldArticle, match_problems, review_matches
from consult.drafts.operations import (  # the same checks the operations apply
    DraftInput,
    _check_fields,
    _free_slug,
    _text_problem,
)
from consult.drafts.parser import ParsedArticle, ParsedDraft, ParseIssue, parse_draft
from consult.drafts.queries import by_slug
from consult.extensions import db
from consult.i18n import _
from consult.models import Article, Draft, DraftVersion
from consult.sanitize import staff_html

FIRST_LINE_MAX = 60


def first_line(text: str, limit: int = FIRST_LINE_MAX) -> str:
    """The first line of an article, cut to `limit` characters with an ellipsis."""
    line = text.split("\n", 1)[0]
    return line if len(line) <= limit else line[:limit] + "…"


@dataclass(frozen=True)
class SourceIssue:
    """A parser error with the line it points at, as pasted."""

    line: int | None
    message: str
    source: str


@dataclass(frozen=True)
class OutlineGroup:
    """Consecutive articles under the same chapter and section."""

    chapter: str | None
    section: str | None
    articles: list[ParsedArticle]


@dataclass
class TextPreview:
    """A pasted text parsed: its structure, its problems with the lines they point at, and the
    parser's notices (what it left out, such as a table of contents), which stop nothing."""

    parsed: ParsedDraft | None
    issues: list[SourceIssue]
    groups: list[OutlineGroup]
    notices: list[ParseIssue] = field(default_factory=list)


@dataclass
class DraftPreview:
    """What create_draft would make of the input, and every problem that would stop it."""

    title: str
    slug: str
    slug_generated: bool
    summary_html: str
    text: TextPreview
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        """Whether saving would succeed (barring a race for the slug)."""
        return not self.errors and not self.text.issues


def _preview_text(text: str) -> tuple[TextPreview, dict[str, str]]:
    problem = _text_problem(text)
    if problem:
        return TextPreview(None, [], []), {"text": problem[1]}
    parsed = parse_draft(text)
    lines = re.split(r"\r\n|\r|\n", text)
    issues = [_source_issue(issue, lines) for issue in parsed.errors]
    groups: list[OutlineGroup] = []
    for article in parsed.articles:
        if not groups or (groups[-1].chapter, groups[-1].section) != (article.chapter, article.section):
            groups.append(OutlineGroup(article.chapter, article.section, []))
        groups[-1].articles.append(article)
    errors = {"text": _("全文有%(n)d处问题，见预览中的问题列表", n=len(issues))} if issues else {}
    return TextPreview(parsed, issues, groups, parsed.notices), errors


def _source_issue(issue: ParseIssue, lines: list[str]) -> SourceIssue:
    source = lines[issue.line - 1].strip() if issue.line and 0 < issue.line <= len(lines) else ""
    return SourceIssue(issue.line, issue.message, first_line(source, 80))


def preview_draft(data: DraftInput) -> DraftPreview:
    """What saving the new-draft form would create, and what stops it; nothing is written."""
    title, slug, errors = _check_fields(data)
    generated = not (data.slug or "").strip()
    if "slug" not in errors:
        if generated:
            slug = _free_slug(db.session, slug)
        elif db.session.scalar(select(Draft.id).where(Draft.slug == slug)):
            errors["slug"] = _("该网址标识已被使用")
    text, text_errors = _preview_text(data.text)
    return DraftPreview(title, slug, generated, staff_html(data.summary), text, {**errors, **text_errors})


@dataclass
class VersionPreview:
    """What add_version would do with a revised text: each new article's old article, the deletions."""

    draft: Draft
    current: DraftVersion
    text: TextPreview
    old: list[OldArticle]
    rows: list[MatchRow]
    deleted: list[OldArticle]
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        """Whether saving would succeed."""
        return not self.errors and not self.text.issues

    def label_of(self, article_id: int | None) -> str | None:
        """The current label of an old article (None for a new one)."""
        return next((a.label for a in self.old if a.article_id == article_id), None)

    def counts(self) -> dict[str, int]:
        """How many new articles are new, unchanged, renumbered or modified, and how many old ones go."""
        tally = {"new": 0, "unchanged": 0, "renumbered": 0, "modified": 0, "deleted": len(self.deleted)}
        for row in self.rows:
            tally[row.kind] += 1
        return tally


def preview_version(slug: str, text: str, matches: list[int | None] | None = None) -> VersionPreview:
    """The automatic matching (or the staff's corrected `matches`) of a revised text; nothing is written."""
    draft = by_slug(slug)
    current = draft.current_version
    old = [OldArticle(t.article_id, t.label, t.text) for t in current.texts] if current else []
    preview, errors = _preview_text(text)
    rows: list[MatchRow] = []
    deleted: list[OldArticle] = []
    if preview.parsed is not None and preview.parsed.ok:
        new = [(a.label, a.text) for a in preview.parsed.articles]
        if matches is not None:
            allowed = set(db.session.scalars(select(Article.id).where(Article.draft_id == draft.id)))
            errors.update(match_problems(matches, [label for label, _text in new], allowed))
        rows, deleted = review_matches(old, new, matches)
    return VersionPreview(draft, current, preview, old, rows, deleted, errors)
