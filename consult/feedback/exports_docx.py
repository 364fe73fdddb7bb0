"""The summary of opinions as a Word document (python-docx for the frame, rows streamed into it).

python-docx lays out the document: A4 landscape, the title 《…》意见汇总表, the consultation period,
the summary figures, a heading and an empty table per chapter (then removed articles, then the
general opinions), CJK fonts (w:eastAsia) and page numbers. Each table carries a placeholder row;
the rows are then written as XML straight into the archive in place of it, so the document is never
one tree in memory.

A document is for reading: each article's cell summarises its comments (how many, and how many of
each outcome), and at most ``QUOTES_PER_ARTICLE`` of them are quoted, oldest first, with a last row
saying how many more there are and where to find them (the XLSX and CSV exports list every comment).
So a draft of a million comments gives a document of a few hundred pages, read in one short query
per article.
"""

from __future__ import annotations

import io
import re
import zipfile
from itertools import groupby
from typing import IO
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from consult.i18n import _
from consult.models.enums import OUTCOMES
from consult.spreadsheets import xml_text
from consult.vocabulary import channel_label, outcome_label, status_label

from .exports import (
    exported_at_text,
    figure_rows,
    group_text,
    local_time,
    outcome_text,
    period_text,
    scope_text,
)
from .summary import UNDECIDED, Place, Summary, SummaryRow

BODY_FONT = "仿宋"  # i18n: data (font names as Office knows them)
TITLE_FONT = "宋体"  # i18n: data
HEADING_FONT = "黑体"  # i18n: data
LATIN_FONT = "Times New Roman"
# 条款, 意见内容, 来源, 处理结果, 理由 in twentieths of a point: 14,000 fill A4 landscape (2.2 cm margins).
WIDTHS = (3400, 4900, 1900, 1200, 2600)
PLACEHOLDER = "@@ROWS-{}@@"
QUOTES_PER_ARTICLE = 20  # comments quoted per article (and for the general opinions); the rest counted
ROW_START = re.compile(r"<w:tr[ >]")


def _fonts(run_or_style, east_asian: str, size: float | None = None, bold: bool | None = None) -> None:
    font = run_or_style.font
    font.name = LATIN_FONT
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    rpr = run_or_style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east_asian)


def _paragraph(doc, text: str, font: str, size: float, bold=False, center=False, before=0, after=6):
    p = doc.add_paragraph()
    p.paragraph_format.space_before = Pt(before)
    p.paragraph_format.space_after = Pt(after)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(p.add_run(xml_text(text)), font, size, bold)
    return p


def _page_numbers(section) -> None:
    """A centred footer: — 1 — (a PAGE field), the way official documents number pages."""
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(p.add_run("— "), BODY_FONT, 10.5)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    p._p.append(field)
    _fonts(p.add_run(" —"), BODY_FONT, 10.5)


def _table(doc, headings: list[str], widths: tuple[int, ...], marker: str | None = None):
    rows = 2 if marker else 1
    table = doc.add_table(rows=rows, cols=len(headings))
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width * 635  # the grid: twentieths of a point → EMU
    for cell, heading, width in zip(table.rows[0].cells, headings, widths, strict=True):
        cell.width = width * 635
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _fonts(cell.paragraphs[0].add_run(heading), HEADING_FONT, 10.5, True)
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:fill"), "E7E6E6")
        cell._tc.get_or_add_tcPr().append(shading)
    header = table.rows[0]._tr.get_or_add_trPr()
    header.append(OxmlElement("w:tblHeader"))  # repeat the header on every page
    if marker:
        table.rows[1].cells[0].text = marker
    return table


def _group_key(place: Place) -> tuple[int, str | None]:
    if place.is_general:
        return (2, None)
    if place.removed:
        return (1, None)
    return (0, place.chapter)


def _group_heading(key: tuple[int, str | None]) -> str:
    kind, chapter = key
    if kind == 2:
        return _("总体意见")
    if kind == 1:
        return _("修改稿中已删除的条款")
    return chapter or _("条款意见")


def _figures_text(summary: Summary) -> str:
    f = summary.figures
    return _(
        "共收到意见%(n)d条，参与者%(p)d人（个），涉及基层立法联系点%(c)d个。",
        n=f.comments,
        p=f.participants,
        c=f.contact_points,
    )


def _frame(summary: Summary) -> tuple[bytes, list[tuple[int, str | None]]]:
    """The document without its rows, and the groups (in order) whose tables wait for them."""
    doc = Document()
    _fonts(doc.styles["Normal"], BODY_FONT, 12)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.2))
    section.top_margin = section.bottom_margin = Cm(2.0)
    _page_numbers(section)
    title = _("《%(title)s》意见汇总表", title=summary.draft.title)
    doc.core_properties.title = title
    doc.core_properties.author = ""
    _paragraph(doc, title, TITLE_FONT, 22, bold=True, center=True, after=12)
    for line in (period_text(summary), scope_text(summary), exported_at_text()):
        _paragraph(doc, line, BODY_FONT, 12, center=True, after=2)
    _paragraph(doc, _("一、总体情况"), HEADING_FONT, 16, before=12)
    _paragraph(doc, _figures_text(summary), BODY_FONT, 14)
    figures = _table(doc, [_("类别"), _("项目"), _("条数")], (2400, 4200, 1400))
    for group, name, n in figure_rows(summary):
        cells = figures.add_row().cells
        for cell, value, width in zip(cells, (group, name, str(n)), (2400, 4200, 1400), strict=True):
            cell.width = width * 635
            _fonts(cell.paragraphs[0].add_run(value), BODY_FONT, 10.5)
    _paragraph(doc, _("二、意见及处理情况"), HEADING_FONT, 16, before=12)
    groups = [k for k, _p in groupby(summary.nonempty_places, key=_group_key)]
    headings = [_("条款"), _("意见内容"), _("来源"), _("处理结果"), _("理由")]
    for i, key in enumerate(groups):
        _paragraph(doc, _group_heading(key), HEADING_FONT, 14, before=8)
        _table(doc, headings, WIDTHS, PLACEHOLDER.format(i))
    if not groups:
        _paragraph(doc, _("暂无意见。"), BODY_FONT, 12)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue(), groups


def _runs(text: str, bold: bool = False) -> str:
    """Runs of text with line breaks kept (<w:br/>), spaces kept, and XML escaped."""
    props = '<w:rPr><w:b/><w:sz w:val="21"/></w:rPr>' if bold else '<w:rPr><w:sz w:val="21"/></w:rPr>'
    parts = xml_text(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    inner = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(p)}</w:t>' for p in parts)
    return f"<w:r>{props}{inner}</w:r>"


def _cell(width: int, content: str, merge: str | None = None) -> str:
    vmerge = "" if merge is None else ('<w:vMerge w:val="restart"/>' if merge == "restart" else "<w:vMerge/>")
    return (
        f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/>{vmerge}</w:tcPr>'
        f"<w:p><w:pPr><w:spacing w:after='0'/></w:pPr>{content}</w:p></w:tc>"
    )


def _source(row: SummaryRow) -> str:
    lines = [channel_label(row.channel), row.contact_point or row.author_name or "", local_time(row.dated)]
    return "\n".join(x for x in lines if x)


def _place_summary(summary: Summary, place: Place) -> str:
    """本条共收到意见N条：采纳a条，未采纳b条，尚未处理c条 (outcomes with no comment left out)."""
    counts = summary.figures.by_article_outcome
    parts = [
        _("%(outcome)s%(n)d条", outcome=outcome_label(o) if o != UNDECIDED else _("尚未处理"), n=n)
        for o in (*OUTCOMES, UNDECIDED)
        if (n := counts.get((place.article_id, o), 0))
    ]
    total = summary.figures.by_article.get(place.article_id, 0)
    return _("共收到意见%(n)d条：%(parts)s", n=total, parts=_("，").join(parts))


def _row_xml(row: SummaryRow, first_of_place: bool, include_all: bool, about: str = "") -> str:
    w = WIDTHS
    if first_of_place:
        label = row.place.label + (_("（已删除）") if row.place.removed else "")
        text = _runs(label, bold=True) + _runs("\n" + row.place.text) + (_runs("\n" + about) if about else "")
        article = _cell(w[0], text, "restart")
    else:
        article = _cell(w[0], "", "continue")
    body = row.body if not row.label_then else _("（针对%(l)s）", l=row.label_then) + row.body
    if row.group_size:
        body += "\n" + group_text(row)
    outcome = outcome_text(row)
    if include_all and row.status != "published":
        outcome += "\n" + _("（%(s)s）", s=status_label(row.status))
    cells = (
        _cell(w[1], _runs(body)),
        _cell(w[2], _runs(_source(row))),
        _cell(w[3], _runs(outcome)),
        _cell(w[4], _runs(row.reason)),
    )
    return "<w:tr><w:trPr><w:cantSplit/></w:trPr>" + article + "".join(cells) + "</w:tr>"


def _more_xml(more: int) -> str:
    """The last row of an article whose comments were not all quoted: how many more, and where."""
    w = WIDTHS
    span = sum(w[1:])
    text = _("另有%(n)d条意见未在本表列出，全部意见见意见汇总表的XLSX或CSV导出。", n=more)
    return (
        "<w:tr>"
        + _cell(w[0], "", "continue")
        + f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{span}"/><w:gridSpan w:val="{len(w) - 1}"/></w:tcPr>'
        + f"<w:p><w:pPr><w:spacing w:after='0'/></w:pPr>{_runs(text)}</w:p></w:tc>"
        + "</w:tr>"
    )


def _split(document_xml: str, count: int) -> list[str]:
    """The document's XML cut around each placeholder row: count + 1 pieces."""
    pieces, rest = [], document_xml
    for i in range(count):
        at = rest.index(PLACEHOLDER.format(i))
        start = max(m.start() for m in ROW_START.finditer(rest, 0, at))
        end = rest.index("</w:tr>", at) + len("</w:tr>")
        pieces.append(rest[:start])
        rest = rest[end:]
    return [*pieces, rest]


def write_docx(summary: Summary, out: IO[bytes]) -> int:
    """Write the document to `out`; the number of comments it covers (quoted or counted)."""
    frame, groups = _frame(summary)
    count = 0
    include_all = summary.include == "all"
    with (
        zipfile.ZipFile(io.BytesIO(frame)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename == "word/document.xml":
                continue
            target.writestr(info, source.read(info.filename))
        pieces = _split(source.read("word/document.xml").decode("utf-8"), len(groups))
        with target.open("word/document.xml", "w", force_zip64=True) as xml:
            xml.write(pieces[0].encode("utf-8"))
            # the same runs of places as the frame's tables (_frame groups the same list the same way)
            runs = [list(run) for _key, run in groupby(summary.nonempty_places, key=_group_key)]
            for index, run in enumerate(runs):
                for place in run:
                    about = _place_summary(summary, place)
                    quoted = 0  # comments quoted: a row standing for a group quotes all of it
                    for row in summary.rows(place, QUOTES_PER_ARTICLE):
                        xml.write(_row_xml(row, quoted == 0, include_all, about).encode("utf-8"))
                        quoted += row.group_size or 1
                    total = summary.figures.by_article.get(place.article_id, 0)
                    if quoted and total > quoted:
                        xml.write(_more_xml(total - quoted).encode("utf-8"))
                    count += total if quoted else 0
                    if summary.progress is not None:  # an export job's progress: per article
                        summary.progress(count)
                xml.write(pieces[index + 1].encode("utf-8"))
    return count
