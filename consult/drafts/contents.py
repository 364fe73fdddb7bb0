"""Find a draft's table of contents, printed with or without a 目录 heading, so the body skips it.

Real drafts are pasted with their table of contents: a run of chapter (and section) headings,
often with dot leaders and page numbers ("第一章　总则……1"), that the body then repeats with
the articles.  Parsed as body, every entry would be a chapter without articles.

Rules decided here:

* Contents under a 目录 (or 目次) line end where the first entry is repeated (the body starts
  again at 第一章); failing that, as before, at the first article or at the first chapter heading
  whose next chapter-or-article line is an article.
* Contents without such a line are recognised only when the draft opens with at least two
  headings and no article, the first heading comes again right after the run, and every chapter
  of the run is repeated below.  A chapter that has no article and is not repeated
  ("第一章　总则" / "第二章　管理" / "第一条") stays in the body and is reported as empty; a
  chapter heading followed by its first article is never contents.
* Inside the run, besides headings, short title-like lines are accepted ("附　　则……5", or a
  title printed on the line after its label).  Entries are compared by number, not title, so
  page numbers, leaders and a stale title do not matter.
"""

from dataclasses import replace
from itertools import islice

from consult.drafts.layout import ARTICLE, CHAPTER, SECTION, TEXT, Line, could_be_title, is_contents_heading
from consult.drafts.numerals import from_chinese
from consult.i18n import _

# A page number and the dot leaders before it, at the end of an entry: "……5", "....5", " ··· 5".
# Stripped with str.rstrip, which stays linear on a hostile line of a million dots.
_PAGE_DIGITS = "0123456789０１２３４５６７８９"
_LEADERS = " \t\u3000\xa0.．·•…⋯—_-"
_MIN_ENTRIES = 2


def body_start(lines: list[Line], header_end: int) -> int:
    """Index where the body begins: ``header_end``, or past the table of contents found there."""
    if header_end >= len(lines):
        return header_end
    if not is_contents_heading(lines[header_end]):
        return _repeated_run_end(lines, header_end) or header_end
    return _repeated_run_end(lines, header_end + 1) or _first_chapter_with_articles(lines, header_end + 1)


def contents_notice(first: int, last: int) -> str:
    """The notice that lines ``first`` to ``last`` (1-based) were read as a table of contents."""
    if first == last:
        return _("已识别第%(line)d行为目录，未作为正文。", line=first)
    return _("已识别第%(first)d行至第%(last)d行为目录，未作为正文。", first=first, last=last)


def _repeated_run_end(lines: list[Line], start: int) -> int | None:
    """Index of the repeat of the first heading when ``lines[start:]`` open with contents, else None."""
    first = lines[start] if start < len(lines) else None
    if first is None or first.kind not in (CHAPTER, SECTION) or _number(first) is None:
        return None
    entries: set[int | None] = set()
    for index in range(start, len(lines)):
        line = lines[index]
        if line.kind == ARTICLE or (line.kind == TEXT and not _is_entry_text(line)):
            return None
        if line.kind != first.kind:
            continue
        number = _number(line)
        if index > start and number == _number(first):
            below = {_number(later) for later in islice(lines, index, None) if later.kind == first.kind}
            enough = sum(lines[i].kind in (CHAPTER, SECTION) for i in range(start, index)) >= _MIN_ENTRIES
            return index if enough and entries <= below else None
        entries.add(number)
    return None


def _first_chapter_with_articles(lines: list[Line], start: int) -> int:
    """Index of the first article, or of the first chapter whose next chapter-or-article is an article."""
    for index in range(start, len(lines)):
        kind = lines[index].kind
        if kind == ARTICLE or (kind == CHAPTER and _chapter_has_articles(lines, index)):
            return index
    return len(lines)


def _chapter_has_articles(lines: list[Line], index: int) -> bool:
    """True when the next chapter-or-article line after ``index`` is an article."""
    for line in islice(lines, index + 1, None):
        if line.kind == ARTICLE:
            return True
        if line.kind == CHAPTER:
            return False
    return False


def _number(line: Line) -> int | None:
    """The heading's number, None when its numeral cannot be read."""
    try:
        return from_chinese(line.numeral)
    except ValueError:
        return None


def _is_entry_text(line: Line) -> bool:
    """True for a short title-like line, once its leader and page number are dropped."""
    text = line.text.rstrip(_PAGE_DIGITS).rstrip(_LEADERS)
    return bool(text) and could_be_title(replace(line, text=text))
