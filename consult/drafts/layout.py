"""Line-level layout of a draft regulation: splitting, classifying and reading header lines.

The layout follows printed Chinese regulations::

    本市城市书房条例（草案）          <- title: first non-blank line that is not structural
    （征求意见稿）                    <- version label: bracketed line right after the title
    目　录                            <- optional table of contents, skipped (consult.drafts.contents)
    第一章　总则                      <- chapter: 第X章 + white space + title
    第一节　一般规定                  <- section: 第X节 + white space + title
    第一条　为了……                    <- article: 第X条 + white space (or end of line)
    （一）……                          <- items and further paragraphs stay in the article

Rules decided here:

* Labels may use Chinese numerals or Arabic digits and may contain spaces inside
  ("第 3 条"); the stored label drops those spaces ("第3条").  A label must be followed by
  white space or the end of the line, so "第十条规定的……" at the start of a line is text.
* Chapter and section headings are normalised to ``第X章　标题`` (one full-width space);
  spaces between Chinese characters of the title are removed ("总　　则" -> "总则").
  A title printed on its own line must be a short phrase without sentence punctuation.
* A line reading 目录 or 目次 (spaces allowed) before the body opens a table of contents;
  where it ends, and contents printed without that line, are decided in
  ``consult.drafts.contents``.

The body itself (numbering, errors) is parsed in ``consult.drafts.parser``.
"""

import re
from dataclasses import dataclass

from consult.drafts.numerals import NUMERAL_CHARS

FULL_WIDTH_SPACE = "\u3000"

ARTICLE, CHAPTER, SECTION, TEXT = "article", "chapter", "section", "text"

_NUM = f"[{NUMERAL_CHARS}]{{1,12}}"
_ARTICLE = re.compile(rf"第\s*(?P<num>{_NUM})\s*条(?:\s+(?P<rest>.*))?")  # i18n: data
_CHAPTER = re.compile(rf"第\s*(?P<num>{_NUM})\s*章(?:\s+(?P<rest>.*))?")  # i18n: data
_SECTION = re.compile(rf"第\s*(?P<num>{_NUM})\s*节(?:\s+(?P<rest>.*))?")  # i18n: data
_VERSION = re.compile(r"[（(]\s*(?P<label>[^（()）]{1,30}?)\s*[）)]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_EDGE_SPACE = re.compile(r"^[\s\ufeff\u200b]+|[\s\ufeff\u200b]+$")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_SENTENCE_PUNCTUATION = re.compile(r"[。，；：！？,;:!?]")
_TITLE_MAX = 30
_CONTENTS_HEADINGS = ("目录", "目次")  # i18n: data


@dataclass(frozen=True)
class Line:
    """A non-blank line of the draft, classified."""

    no: int
    text: str
    kind: str
    numeral: str = ""
    rest: str = ""

    def label(self, unit: str) -> str:
        """The printed label without inner spaces, e.g. 第三条."""
        return f"第{self.numeral}{unit}"  # i18n: data


def split_lines(text: str) -> list[Line]:
    """Split on \\r\\n, \\r or \\n, strip each line and classify the non-blank ones."""
    lines = []
    for no, raw in enumerate(_LINE_BREAK.split(text), start=1):
        stripped = _EDGE_SPACE.sub("", raw)
        if stripped:
            lines.append(_classify(no, stripped))
    return lines


def _classify(no: int, text: str) -> Line:
    """Tell whether a stripped line is an article, chapter or section start, or plain text."""
    for kind, pattern in ((ARTICLE, _ARTICLE), (CHAPTER, _CHAPTER), (SECTION, _SECTION)):
        match = pattern.fullmatch(text)
        if match:
            numeral = re.sub(r"\s", "", match["num"])
            return Line(no, text, kind, numeral, (match["rest"] or "").strip())
    return Line(no, text, TEXT)


def is_contents_heading(line: Line) -> bool:
    """True for a 目录 or 目次 line (any spaces between the two characters)."""
    return line.kind == TEXT and re.sub(r"\s", "", line.text) in _CONTENTS_HEADINGS


def first_structural(lines: list[Line]) -> int:
    """Index of the first article, chapter, section or 目录 line (len(lines) if none)."""
    for index, line in enumerate(lines):
        if line.kind != TEXT or is_contents_heading(line):
            return index
    return len(lines)


def _version_label(line: Line) -> str | None:
    """The label inside a bracketed version line such as （征求意见稿）, else None."""
    match = _VERSION.fullmatch(line.text)
    if match and ("稿" in match["label"] or "草案" in match["label"]):  # i18n: data
        return match["label"]
    return None


def read_header(header: list[Line]) -> tuple[str | None, str | None]:
    """Title and version label from the lines before the body."""
    if not header:
        return None, None
    if _version_label(header[0]) is not None:
        return None, _version_label(header[0])
    version = _version_label(header[1]) if len(header) > 1 else None
    return header[0].text, version


def _normalise_title(title: str) -> str:
    """Drop spaces between Chinese characters and collapse the other runs of spaces."""
    return re.sub(r"\s+", " ", _CJK_GAP.sub("", title)).strip()


def format_heading(label: str, title: str) -> str:
    """Chapter or section heading with one full-width space between label and title."""
    title = _normalise_title(title)
    return f"{label}{FULL_WIDTH_SPACE}{title}" if title else label


def could_be_title(line: Line) -> bool:
    """True for a short text line without sentence punctuation (a heading's title)."""
    return line.kind == TEXT and len(line.text) <= _TITLE_MAX and not _SENTENCE_PUNCTUATION.search(line.text)
