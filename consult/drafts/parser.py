"""Parse the plain text of a draft regulation into chapters, sections and articles.

Lines are split, classified and the title, version label and table of contents read in
``consult.drafts.layout`` (which also documents the printed layout and label rules); this
module walks the body, builds the articles and chapters and checks their numbering.

Rules decided here (beyond the obvious ones):

* A heading without a title takes the next line as its title when that line is a short
  phrase without sentence punctuation.
* Non-structural lines before the body (a preamble, a date line, …) are ignored.  A bare
  heading such as "附则" without 第X章 is not a chapter: after the first article it is
  ordinary text of the current article.
* Text between a chapter/section heading and the next article belongs to no article and
  is reported as an error, so that nothing in the draft is silently dropped.
* Besides the errors the brief asks for, chapters and sections without any article and,
  in a draft with chapters, articles placed before the first chapter are reported.
  Section numbers restart at 第一节 in every chapter and are checked like chapters.
* When a label cannot be read, the article keeps the number expected at that place so
  that one bad label does not cascade into further numbering errors.
* A table of contents (``consult.drafts.contents``) is left out of the structure and named in
  a notice: notices tell staff what was done with their text, and unlike errors stop nothing.
"""

import re
from dataclasses import asdict, dataclass, field

from consult.drafts.contents import body_start, contents_notice
from consult.drafts.layout import (
    ARTICLE,
    CHAPTER,
    FULL_WIDTH_SPACE,
    SECTION,
    TEXT,
    Line,
    could_be_title,
    first_structural,
    format_heading,
    read_header,
    split_lines,
)
from consult.drafts.numerals import MAX, from_chinese, to_chinese
from consult.i18n import _

__all__ = [
    "ARTICLE",
    "CHAPTER",
    "FULL_WIDTH_SPACE",
    "SECTION",
    "TEXT",
    "ParseIssue",
    "ParsedArticle",
    "ParsedDraft",
    "parse_draft",
]

_ARABIC_DIGITS = re.compile(r"[0-9０-９]+")
_UNREADABLE = {
    ARTICLE: lambda line, label: _("第%(line)d行：无法识别条文序号“%(label)s”。", line=line, label=label),
    CHAPTER: lambda line, label: _("第%(line)d行：无法识别章的序号“%(label)s”。", line=line, label=label),
    SECTION: lambda line, label: _("第%(line)d行：无法识别节的序号“%(label)s”。", line=line, label=label),
}


@dataclass
class ParsedArticle:
    """One article (条) of the draft."""

    label: str
    number: int
    order: int
    chapter: str | None
    section: str | None
    text: str
    line: int


@dataclass
class ParseIssue:
    """A problem found in the draft, with its 1-based line number when it has one."""

    line: int | None
    message: str


@dataclass
class ParsedDraft:
    """Result of ``parse_draft``: the structure of the draft, every problem found and the notices."""

    title: str | None
    version_label: str | None
    articles: list[ParsedArticle] = field(default_factory=list)
    chapters: list[dict] = field(default_factory=list)
    errors: list[ParseIssue] = field(default_factory=list)
    notices: list[ParseIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the draft was parsed without any error."""
        return not self.errors

    def to_dict(self) -> dict:
        """Return a JSON-ready dict of the draft."""
        return {
            "title": self.title,
            "version_label": self.version_label,
            "chapters": [{**chapter, "sections": list(chapter["sections"])} for chapter in self.chapters],
            "articles": [asdict(article) for article in self.articles],
            "errors": [{"line": issue.line, "message": issue.message} for issue in self.errors],
            "notices": [{"line": notice.line, "message": notice.message} for notice in self.notices],
        }


@dataclass
class _Sequence:
    """Numbering state of articles, chapters or sections."""

    unit: str
    prev: int | None = None
    prev_label: str = ""
    seen: dict[int, int] = field(default_factory=dict)

    def expected(self) -> int:
        """The number that should come next: one more than the previous, skipping numbers already used."""
        number = (self.prev or 0) + 1
        while number in self.seen:
            number += 1
        return number


@dataclass
class _Heading:
    """A chapter or section being filled with articles.

    ``record`` is the chapter's entry in ``ParsedDraft.chapters``; for a section it is the
    entry of the enclosing chapter (None outside chapters) and ``position`` its index there.
    """

    kind: str
    line: Line
    heading: str
    record: dict | None = None
    position: int = 0
    article_count: int = 0


@dataclass
class _OpenArticle:
    """An article whose paragraphs are still being collected."""

    label: str
    number: int
    line: int
    chapter: str | None
    section: str | None
    paragraphs: list[str] = field(default_factory=list)


def parse_draft(text: str) -> ParsedDraft:
    """Parse the plain text of a draft into title, version label, chapters and articles."""
    lines = split_lines(text)
    header_end = first_structural(lines)
    title, version_label = read_header(lines[:header_end])
    draft = ParsedDraft(title=title, version_label=version_label)
    if not lines:
        draft.errors.append(ParseIssue(None, _("草案内容为空。")))
        return draft
    start = body_start(lines, header_end)
    if start > header_end:
        first = lines[header_end].no
        draft.notices.append(ParseIssue(first, contents_notice(first, lines[start - 1].no)))
    _BodyParser(draft).run(lines[start:])
    if not draft.articles:
        draft.errors.append(
            ParseIssue(None, _("未找到任何条文：每一条应另起一行，以“第一条”这样的编号开头，编号后空一格。"))
        )
    return draft


def _format_label(number: int, unit: str, like: str) -> str:
    """第X条/章/节 for ``number``, in Arabic digits when the label ``like`` uses them."""
    if _ARABIC_DIGITS.search(like) or number > MAX:
        return f"第{number}{unit}"  # i18n: data
    return f"第{to_chinese(number)}{unit}"  # i18n: data


class _BodyParser:
    """Walks the body lines once, building articles and chapters and collecting errors."""

    def __init__(self, draft: ParsedDraft) -> None:
        self.draft = draft
        self.articles = _Sequence("条")  # i18n: data
        self.chapters = _Sequence("章")  # i18n: data
        self.sections = _Sequence("节")  # i18n: data
        self.chapter: _Heading | None = None
        self.section: _Heading | None = None
        self.article: _OpenArticle | None = None
        self.awaiting_title: _Heading | None = None
        self.first_loose_article: int | None = None

    def run(self, lines: list[Line]) -> None:
        """Parse every body line, then close whatever is still open."""
        handlers = {ARTICLE: self.on_article, CHAPTER: self.on_chapter, SECTION: self.on_section}
        for line in lines:
            handlers.get(line.kind, self.on_text)(line)
        self.close_article()
        self.close_heading(self.section)
        self.close_heading(self.chapter)

    def error(self, line: int | None, message: str) -> None:
        """Record a problem and carry on."""
        self.draft.errors.append(ParseIssue(line, message))

    # -- articles ---------------------------------------------------------------------------

    def on_article(self, line: Line) -> None:
        """Start a new article."""
        self.close_article()
        self.awaiting_title = None
        label = line.label("条")  # i18n: data
        number = self.number(line, label, self.articles)
        if self.chapter is None and self.first_loose_article is None:
            self.first_loose_article = line.no
        for heading in (self.chapter, self.section):
            if heading is not None:
                heading.article_count += 1
        self.article = _OpenArticle(
            label=label,
            number=number,
            line=line.no,
            chapter=self.chapter.heading if self.chapter else None,
            section=self.section.heading if self.section else None,
            paragraphs=[line.rest] if line.rest else [],
        )

    def close_article(self) -> None:
        """Finish the open article, if any, and add it to the draft."""
        article, self.article = self.article, None
        if article is None:
            return
        if not article.paragraphs:
            self.error(
                article.line,
                _("第%(line)d行：%(label)s没有正文内容。", line=article.line, label=article.label),
            )
        self.draft.articles.append(
            ParsedArticle(
                label=article.label,
                number=article.number,
                order=len(self.draft.articles),
                chapter=article.chapter,
                section=article.section,
                text="\n".join(article.paragraphs),
                line=article.line,
            )
        )

    def on_text(self, line: Line) -> None:
        """A paragraph or item of the open article, a heading's title, or stray text."""
        if self.article is not None:
            self.article.paragraphs.append(line.text)
        elif self.awaiting_title is not None and could_be_title(line):
            self.set_title(self.awaiting_title, line.text)
        else:
            self.error(
                line.no,
                _(
                    "第%(line)d行：这段文字位于章节标题之后、条文之前，不属于任何条文，请并入条文或删除。",
                    line=line.no,
                ),
            )
        self.awaiting_title = None

    # -- chapters and sections ----------------------------------------------------------------

    def on_chapter(self, line: Line) -> None:
        """Start a new chapter; section numbering restarts."""
        self.close_article()
        self.close_heading(self.section)
        self.close_heading(self.chapter)
        self.section = None
        label = line.label("章")  # i18n: data
        number = self.number(line, label, self.chapters)
        if self.first_loose_article is not None and not self.draft.chapters:
            self.error(
                line.no,
                _(
                    "第%(line)d行：%(label)s之前已有条文（第%(first)d行起），分章的草案中所有条文都应在章内。",
                    line=line.no,
                    label=label,
                    first=self.first_loose_article,
                ),
            )
        heading = format_heading(label, line.rest)
        record = {"heading": heading, "number": number, "line": line.no, "sections": []}
        self.draft.chapters.append(record)
        self.chapter = _Heading(CHAPTER, line, heading, record)
        self.sections = _Sequence("节")  # i18n: data
        self.awaiting_title = None if line.rest else self.chapter

    def on_section(self, line: Line) -> None:
        """Start a new section inside the current chapter (or in a draft without chapters)."""
        self.close_article()
        self.close_heading(self.section)
        label = line.label("节")  # i18n: data
        self.number(line, label, self.sections)
        heading = format_heading(label, line.rest)
        record = self.chapter.record if self.chapter else None
        self.section = _Heading(SECTION, line, heading, record, len(record["sections"]) if record else 0)
        if record is not None:
            record["sections"].append(heading)
        self.awaiting_title = None if line.rest else self.section

    def set_title(self, heading: _Heading, title: str) -> None:
        """Give a heading printed without a title the title found on the next line."""
        heading.heading = format_heading(heading.heading, title)
        if heading.record is None:
            return
        if heading.kind == CHAPTER:
            heading.record["heading"] = heading.heading
        else:
            heading.record["sections"][heading.position] = heading.heading

    def close_heading(self, heading: _Heading | None) -> None:
        """Report a chapter or section that holds no article."""
        if heading is not None and heading.article_count == 0:
            self.error(
                heading.line.no,
                _("第%(line)d行：%(heading)s下没有任何条文。", line=heading.line.no, heading=heading.heading),
            )

    # -- numbering ------------------------------------------------------------------------------

    def number(self, line: Line, label: str, seq: _Sequence) -> int:
        """Read the label's number, check it follows the previous one and return it."""
        try:
            number = from_chinese(line.numeral)
        except ValueError:
            self.error(line.no, _UNREADABLE[line.kind](line.no, label))
            number = seq.expected()
        else:
            self.check_order(line.no, number, label, seq)
        seq.prev, seq.prev_label = number, label
        seq.seen.setdefault(number, line.no)
        return number

    def check_order(self, line: int, number: int, label: str, seq: _Sequence) -> None:
        """Report a number that is repeated, out of order or skips some numbers."""
        expected = seq.expected()
        if number != expected:
            self.error(line, _order_message(line, number, label, expected, seq))


def _order_message(line: int, number: int, label: str, expected: int, seq: _Sequence) -> str:
    """Chinese message for a number that is not the expected one."""
    expected_label = _format_label(expected, seq.unit, label)
    if number in seq.seen:
        return _(
            "第%(line)d行：%(label)s重复，第%(first)d行已有%(label)s。",
            line=line,
            label=label,
            first=seq.seen[number],
        )
    if number < expected:
        return _(
            "第%(line)d行：%(prev)s之后应为%(expected)s，实际为%(label)s（顺序错乱）。",
            line=line,
            prev=seq.prev_label,
            expected=expected_label,
            label=label,
        )
    missing = _missing(expected, number - 1, seq.unit, label)
    if seq.prev is None:
        return _(
            "第%(line)d行：应从%(expected)s开始，实际为%(label)s（缺少%(missing)s）。",
            line=line,
            expected=expected_label,
            label=label,
            missing=missing,
        )
    return _(
        "第%(line)d行：%(prev)s之后应为%(expected)s，实际为%(label)s（跳过了%(missing)s）。",
        line=line,
        prev=seq.prev_label,
        expected=expected_label,
        label=label,
        missing=missing,
    )


def _missing(first: int, last: int, unit: str, like: str) -> str:
    """The skipped labels: 第六条, or 第六条至第八条 for a run."""
    if first == last:
        return _format_label(first, unit, like)
    return _(
        "%(first)s至%(last)s", first=_format_label(first, unit, like), last=_format_label(last, unit, like)
    )
