"""Finding the header row of an opinion table and mapping its columns to fields by their names.

Tables are laid out by people: title rows above the header, "意见内容（必填）", "联系电话：",
full-width letters, spaces inside headers. Headers are normalised and then matched exactly against a
table of synonyms, so a title row that merely mentions 意见 is not taken for the header.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from consult.i18n import _
from consult.intake import raw_table
from consult.intake.raw_table import FileError, RawTable

FIELDS = (
    "body",
    "article",
    "author_name",
    "name_public",
    "contact",
    "method",
    "date",
    "note",
    "reason",
    "suggestion",
)

# Header names as they appear in the tables contact points keep, already normalised (see normalise_header).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "article": ("条款", "对应条款", "条目", "涉及条款", "相关条款", "所涉条款", "条款序号"),  # i18n: data
    "body": (
        "意见",  # i18n: data
        "意见建议",  # i18n: data
        "意见内容",  # i18n: data
        "建议内容",  # i18n: data
        "具体意见",  # i18n: data
        "意见和建议",  # i18n: data
        "意见及建议",  # i18n: data
        "意见建议内容",  # i18n: data
        "具体意见建议",  # i18n: data
    ),
    "author_name": ("提出人", "姓名", "提出者", "建议人", "意见提出人", "提出人姓名"),  # i18n: data
    # Whether the person agreed that their name is published with the opinion (rows.parse_consent).
    "name_public": (
        "同意公开姓名",  # i18n: data
        "公开姓名",  # i18n: data
        "是否公开姓名",  # i18n: data
        "是否同意公开姓名",  # i18n: data
        "姓名是否公开",  # i18n: data
        "同意署名",  # i18n: data
        "是否同意署名",  # i18n: data
        "同意公开署名",  # i18n: data
        "署名公开",  # i18n: data
    ),
    "contact": (
        "联系方式",  # i18n: data
        "联系电话",  # i18n: data
        "电话",  # i18n: data
        "手机",  # i18n: data
        "邮箱",  # i18n: data
        "手机号",  # i18n: data
        "手机号码",  # i18n: data
        "电话号码",  # i18n: data
        "电子邮箱",  # i18n: data
    ),
    "method": ("收集方式", "方式", "征集方式"),  # i18n: data
    "date": ("日期", "收集日期", "征集日期"),  # i18n: data
    "note": ("备注",),  # i18n: data
    "reason": ("理由", "修改理由", "理由说明", "理由及依据"),  # i18n: data
    "suggestion": ("建议修改为", "修改建议", "建议条文", "修改为"),  # i18n: data
}
_FIELD_BY_NAME = {name: key for key, names in SYNONYMS.items() for name in names}

_SPACE = re.compile(r"\s+")
_PARENTHETICAL = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】")
_MARKS = ":*"


def normalise_header(text: str) -> str:
    """Header text reduced for matching: full-width → half-width, no spaces, no "（必填）", no "：" or "*"."""
    value = unicodedata.normalize("NFKC", text)
    value = _SPACE.sub("", value)
    value = _PARENTHETICAL.sub("", value)
    return value.strip(_MARKS)


def field_for(header: str) -> str | None:
    """The field a header names (``"body"`` for 意见内容), or None."""
    return _FIELD_BY_NAME.get(normalise_header(header))


@dataclass
class Layout:
    """Where the table's header is and which column holds each field (0-based column indexes).

    ``found`` lists every non-empty header as written, ``ignored`` those that match no field (or name
    a field a column further left already supplies), ``labels`` the header text of each mapped field.
    """

    header_row: int
    columns: dict[str, int]
    ignored: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)


def _layout_of(number: int, cells: list[str]) -> Layout:
    layout = Layout(header_row=number, columns={})
    for index, cell in enumerate(cells):
        text = cell.strip()
        if not text:
            continue
        layout.found.append(text)
        key = field_for(text)
        if key is None or key in layout.columns:
            layout.ignored.append(text)
        else:
            layout.columns[key] = index
            layout.labels[key] = text
    return layout


def find_layout(rows: RawTable | Sequence[tuple[int, list[str]]]) -> Layout:
    """The header row (the first of the first rows naming an opinion column) and its column mapping.

    A row naming at least two known columns is preferred, so a title cell that happens to read
    "意见建议" above the real header is skipped. Accepts a RawTable or its ``rows``. Raises FileError
    when no opinion column is found, naming the columns that were, and when the table has more than
    MAX_ROWS data rows.
    """
    numbered = rows.rows if isinstance(rows, RawTable) else rows
    candidates = [
        _layout_of(number, cells) for number, cells in numbered if number <= raw_table.HEADER_SEARCH_ROWS
    ]
    with_body = [layout for layout in candidates if "body" in layout.columns]
    chosen = next((layout for layout in with_body if len(layout.columns) >= 2), None)
    chosen = chosen or next(iter(with_body), None)
    if chosen is None:
        raise _no_body_column(candidates)
    data_rows = sum(1 for number, _cells in numbered if number > chosen.header_row)
    if data_rows > raw_table.MAX_ROWS:
        raise raw_table.too_many_rows()
    return chosen


def _no_body_column(candidates: list[Layout]) -> FileError:
    expected = "“" + "”“".join(SYNONYMS["body"][:3]) + "”"
    if not candidates:
        return FileError(_("表格中没有内容。请在第一个工作表中填写意见后重新上传。"))
    # Show the row that looks most like a header: the most known columns, else the most cells.
    best = max(candidates, key=lambda layout: (len(layout.columns), len(layout.found), -layout.header_row))
    return FileError(
        _(
            "没有找到意见内容列（表头应为%(expected)s等）；表头中找到的列：%(found)s。"
            "请把意见所在列的表头改为“意见内容”，或下载模板填写。",
            expected=expected,
            found="、".join(best.found),
        )
    )
