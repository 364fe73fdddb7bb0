"""The drafted summary of opinions as a Word document, in the style of the summary export (DOCX).

The document is small whatever the number of comments: per article its text, and its themes with
counts and at most two quotations each. Until a staff member signs it off it says 草稿 in its title,
in a line under it and in every page's header; once signed off it names who signed and when.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

from consult.feedback.exports import period_text

# The export's own helpers, so both documents look alike (fonts with w:eastAsia, page numbers, tables).
from consult.feedback.exports_docx import (
    BODY_FONT,
    HEADING_FONT,
    TITLE_FONT,
    _fonts,
    _page_numbers,
    _paragraph,
    _table,
)
from consult.i18n import _
from consult.themes.summary import OpinionSummaryView, Section
from consult.themes.summary_words import DOCX_MIMETYPE, no_quote_text, quote_text, state_text, title_of

__all__ = ["DOCX_MIMETYPE", "quote_text", "state_text", "summary_docx", "title_of"]
WIDTHS = (3000, 1400, 8600)  # 主题, 意见数, 代表性意见 in twentieths of a point (A4 landscape)


def _cell_text(cell, text: str, width: int) -> None:
    cell.width = width * 635
    lines = text.split("\n")
    paragraph = cell.paragraphs[0]
    for i, line in enumerate(lines):
        if i:
            paragraph = cell.add_paragraph()
        _fonts(paragraph.add_run(line), BODY_FONT, 10.5)


def _section(doc, section: Section) -> None:
    heading = section.label + (_("（已删除）") if section.removed else "")
    _paragraph(doc, heading, HEADING_FONT, 14, before=8)
    for line in section.text.split("\n"):
        _paragraph(doc, line, BODY_FONT, 12)
    if not section.themes:
        return
    table = _table(doc, [_("主题"), _("意见数"), _("代表性意见")], WIDTHS)
    for theme in section.themes:
        cells = table.add_row().cells
        counts = _("%(m)d条", m=theme.opinions)
        if theme.comments != theme.opinions:
            counts += "\n" + _("（原始意见%(n)d条）", n=theme.comments)
        quotes = "\n".join(quote_text(q) for q in theme.quotes) or no_quote_text()
        for cell, text, width in zip(cells, (theme.label, counts, quotes), WIDTHS, strict=True):
            _cell_text(cell, text, width)


def summary_docx(view: OpinionSummaryView) -> bytes:
    """The summary as a .docx file's bytes."""
    doc = Document()
    _fonts(doc.styles["Normal"], BODY_FONT, 12)
    page = doc.sections[0]
    page.orientation = WD_ORIENT.LANDSCAPE
    page.page_width, page.page_height = Cm(29.7), Cm(21.0)
    page.left_margin = page.right_margin = Cm(2.2)
    page.top_margin = page.bottom_margin = Cm(2.0)
    _page_numbers(page)
    if not view.signed_off:
        header = page.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _fonts(header.add_run(_("草稿")), HEADING_FONT, 12, True)
    title = title_of(view)
    doc.core_properties.title = title
    doc.core_properties.author = ""
    _paragraph(doc, title, TITLE_FONT, 22, bold=True, center=True, after=12)
    for line in (period_text(view), state_text(view)):
        _paragraph(doc, line, BODY_FONT, 12, center=True, after=2)
    comments = sum(s.comments for s in view.sections)
    opinions = sum(s.opinions for s in view.sections)
    _paragraph(doc, _("一、总体情况"), HEADING_FONT, 16, before=12)
    total = _("共收到意见%(n)d条，相同或相似意见合并计算后为%(m)d条。", n=comments, m=opinions)
    _paragraph(doc, total, BODY_FONT, 14)
    _paragraph(doc, _("二、各条款意见"), HEADING_FONT, 16, before=12)
    for section in view.sections:
        _section(doc, section)
    if not view.sections:
        _paragraph(doc, _("暂无意见。"), BODY_FONT, 12)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def summary_filename(view: OpinionSummaryView) -> str:
    """The download's name: 《…》意见汇总（草稿）.docx."""
    return title_of(view).replace("《", "").replace("》", "") + ".docx"
