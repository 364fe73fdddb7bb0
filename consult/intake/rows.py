"""Rows of an opinion table → cleaned opinions or row errors, before anything touches the database.

Each row is checked on its own (a bad row never stops the others) and every problem is reported with
the row number the spreadsheet shows and the header of the column as written in the file, so an
operator can find and fix it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from consult.comments.operations import BODY_MIN
from consult.drafts.numerals import to_chinese
from consult.i18n import _
from consult.intake import raw_table
from consult.intake.articles import ArticleRef, parse_article_ref
from consult.intake.headers import Layout, field_for
from consult.intake.raw_table import RawTable
from consult.intake.workbooks import example_row
from consult.models.comments import AUTHOR_NAME_MAX, BODY_MAX
from consult.personal_data import normalise_contact
from consult.sanitize import plain_text

METHOD_MAX = 50
NOTE_MAX = 2000

_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"  # i18n: data
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"
)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_EXCEL_SERIAL = re.compile(r"\d{5}(?:\.0+)?")
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 is 1900-01-01 after Excel's fictitious 1900-02-29

# What people write in a 同意公开姓名 cell (after NFKC and lower-casing); an empty cell is "no".
CONSENT_YES = frozenset(
    {"是", "同意", "同意公开", "公开", "y", "yes", "true", "1", "√", "✓", "✔"}  # i18n: data
)
CONSENT_NO = frozenset(
    {"", "否", "不同意", "不同意公开", "不公开", "n", "no", "false", "0", "×", "✗", "✘"}  # i18n: data
)


@dataclass(frozen=True)
class RowError:
    """One problem in one row: ``column`` is the header as written in the file ("" for the whole row)."""

    row: int
    column: str
    message: str


@dataclass
class RowResult:
    """One data row, cleaned; it is importable when ``errors`` is empty."""

    row: int
    body: str
    article: ArticleRef
    author_name: str | None
    contact: str | None
    method: str | None
    date: dt.date | None
    note: str | None
    errors: list[RowError] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    # Whether the person agreed that their name is published (同意公开姓名 is 是); no column, no consent.
    name_public: bool = False

    @property
    def valid(self) -> bool:
        """Whether the row can be imported."""
        return not self.errors


@dataclass
class Report:
    """What a file holds: how it was read, which columns were used, and every data row."""

    format: str
    encoding: str | None
    header_row: int
    columns: dict[str, str]  # field → header text as in the file
    ignored: list[str]
    header: list[str]  # the header row's cells, for the error report
    rows: list[RowResult]
    blank_rows: int  # blank rows between the header and the last data row, skipped
    errors: list[RowError]
    repeated_headers: list[int] = field(default_factory=list)  # rows that repeat the header, skipped

    @property
    def valid_rows(self) -> list[RowResult]:
        """The rows that can be imported."""
        return [row for row in self.rows if row.valid]

    @property
    def invalid_rows(self) -> list[RowResult]:
        """The rows with at least one error."""
        return [row for row in self.rows if not row.valid]

    def error_report_rows(self) -> list[tuple[list[str], str]]:
        """(original cells, messages) of each invalid row: the input of workbooks.error_report_xlsx."""
        return [(row.raw, describe_errors(row.errors)) for row in self.invalid_rows]


def describe_errors(errors: list[RowError]) -> str:
    """Messages of one row joined for a single cell: "联系电话：…；条款：…"."""
    return "；".join(
        f"{error.column}：{error.message}" if error.column else error.message for error in errors
    )


def build_rows(table: RawTable, layout: Layout, article_numbers: set[int] | range) -> Report:
    """Clean and check every data row below the header; ``article_numbers`` are the current version's."""
    header = next((cells for number, cells in table.rows if number == layout.header_row), [])
    width = max([len(header), *(index + 1 for index in layout.columns.values())])
    labels = {
        key: layout.labels.get(key) or _column_name(header, index) for key, index in layout.columns.items()
    }
    example_body = example_row()[1]
    results: list[RowResult] = []
    repeated_headers: list[int] = []
    first_seen: dict[tuple[str, int | None, str], int] = {}
    for number, cells in table.rows:
        if number <= layout.header_row:
            continue
        values = {
            key: cells[index].strip() if index < len(cells) else "" for key, index in layout.columns.items()
        }
        if not any(value for key, value in values.items() if key != "name_public"):
            continue  # only unmapped columns (a pre-filled 序号), a consent cell, or nothing: a blank row
        if all(field_for(value) for value in values.values() if value):
            repeated_headers.append(number)  # a second header row (tables pasted together): not data
            continue
        raw = list(cells) + [""] * (width - len(cells))
        result = _build_row(number, values, raw, labels, article_numbers)
        if values.get("body") == example_body:
            message = _("这是模板中的示例行，请删除后再上传")
            result.errors.append(RowError(number, labels.get("body", ""), message))
        if result.valid:
            key = (result.article.kind, result.article.number, result.body)
            first = first_seen.setdefault(key, number)
            if first != number:
                result.errors.append(
                    RowError(number, labels.get("body", ""), _("与第%(row)d行重复", row=first))
                )
        results.append(result)
    last = results[-1].row if results else layout.header_row
    blank = last - layout.header_row - len(results) - sum(1 for n in repeated_headers if n < last)
    return Report(
        format=table.format,
        encoding=table.encoding,
        header_row=layout.header_row,
        columns=labels,
        ignored=list(layout.ignored),
        header=list(header) + [""] * (width - len(header)),
        rows=results,
        blank_rows=blank,
        repeated_headers=repeated_headers,
        errors=[error for result in results for error in result.errors],
    )


def _column_name(header: list[str], index: int) -> str:
    text = header[index].strip() if index < len(header) else ""
    return text or _("第%(n)d列", n=index + 1)


def _build_row(
    number: int,
    values: dict[str, str],
    raw: list[str],
    labels: dict[str, str],
    article_numbers: set[int] | range,
) -> RowResult:
    found: list[tuple[int, RowError]] = []
    order = {key: position for position, key in enumerate(values)}  # the file's column order

    def fail(key: str, message: str) -> None:
        found.append((order.get(key, len(order)), RowError(number, labels.get(key, ""), message)))

    too_long = {key for key, value in values.items() if len(value) > raw_table.MAX_CELL_CHARS}
    for key in too_long:
        limit, length = raw_table.MAX_CELL_CHARS, len(values[key])
        fail(key, _("内容超过%(max)d个字（现有%(n)d个字），请缩短或拆分", max=limit, n=length))
        values[key] = ""  # too long to clean or show; the original stays in ``raw``

    body = _body(values, fail, report_missing="body" not in too_long)
    article = _article(values.get("article", ""), article_numbers, fail)
    author = plain_text(values.get("author_name")) or None
    if author and len(author) > AUTHOR_NAME_MAX:
        fail("author_name", _("提出人不能超过%(n)d个字", n=AUTHOR_NAME_MAX))
    name_public = parse_consent(values.get("name_public", ""))
    if name_public is None:
        fail(
            "name_public",
            _(
                "无法识别“%(value)s”：同意公开提出人姓名请填“是”，不同意请填“否”（不填视为不公开）",
                value=values["name_public"],
            ),
        )
    contact = normalise_contact(values.get("contact"))
    if contact == "":
        fail(
            "contact",
            _("“%(value)s”不是有效的手机号码、固定电话（含区号）或电子邮箱", value=values["contact"]),
        )
        contact = None
    method = plain_text(values.get("method")) or None
    if method and len(method) > METHOD_MAX:
        fail("method", _("收集方式不能超过%(n)d个字", n=METHOD_MAX))
    note = plain_text(values.get("note")) or None
    if note and len(note) > NOTE_MAX:
        fail("note", _("备注不能超过%(n)d个字", n=NOTE_MAX))
    day = None
    if values.get("date"):
        day = parse_date(values["date"])
        if day is None:
            fail("date", _("无法识别日期“%(value)s”，请写成2026-11-20这样的格式", value=values["date"]))
    errors = [error for _position, error in sorted(found, key=lambda item: item[0])]
    return RowResult(
        number, body, article, author, contact, method, day, note, errors, raw, name_public=bool(name_public)
    )


def _body(values: dict[str, str], fail, report_missing: bool) -> str:
    """The opinion, with the reason and the suggested wording appended as labelled lines."""
    opinion = plain_text(values.get("body"))
    reason = plain_text(values.get("reason"))
    suggestion = plain_text(values.get("suggestion"))
    parts = [opinion] if opinion else []
    if reason:
        parts.append(_("理由：") + reason)
    if suggestion:
        parts.append(_("建议修改为：") + suggestion)
    body = "\n".join(parts)
    if not opinion and not suggestion:
        if report_missing:
            fail("body", _("没有填写意见内容"))
    elif len(body) < BODY_MIN:
        fail("body", _("意见内容至少需要%(n)d个字", n=BODY_MIN))
    elif len(body) > BODY_MAX:
        fail("body", _("意见内容不能超过%(max)d个字（现有%(n)d个字）", max=BODY_MAX, n=len(body)))
    return body


def _article(value: str, article_numbers: set[int] | range, fail) -> ArticleRef:
    ref = _parse_cached(value)
    if ref.kind == "invalid":
        fail("article", _("无法识别条款“%(value)s”，请填写如“第十条”或“总体意见”", value=value))
    elif ref.kind == "article" and ref.number not in article_numbers:
        fail(
            "article",
            _("没有第%(n)s条：%(valid)s", n=to_chinese(ref.number), valid=valid_range(article_numbers)),
        )
    return ref


@lru_cache(maxsize=4096)
def _parse_cached(value: str) -> ArticleRef:
    # A column of article references repeats the same few values thousands of times.
    return parse_article_ref(value)


def valid_range(article_numbers: set[int] | range) -> str:
    """本草案现行文本只有第一条至第三十二条 — the sentence that names the articles one can refer to."""
    if isinstance(article_numbers, range):
        low, high = (article_numbers[0], article_numbers[-1]) if len(article_numbers) else (None, None)
    else:
        numbers = [n for n in article_numbers if 1 <= n <= 9999]
        low, high = (min(numbers), max(numbers)) if numbers else (None, None)
    if low is None or high is None:
        return _("本草案现行文本没有条款，只能提出总体意见")
    if low == high:
        return _("本草案现行文本只有第%(n)s条", n=to_chinese(low))
    return _("本草案现行文本只有第%(first)s条至第%(last)s条", first=to_chinese(low), last=to_chinese(high))


def parse_consent(value: str) -> bool | None:
    """A 同意公开姓名 cell: True for 是/同意/Y/√/1, False for 否/不同意/N/×/0 or nothing; None otherwise."""
    text = unicodedata.normalize("NFKC", value or "").strip().lower()
    if text in CONSENT_YES:
        return True
    if text in CONSENT_NO:
        return False
    return None


def parse_date(value: str) -> dt.date | None:
    """2026-11-20, 2026/11/20, 2026.11.20, 2026年11月20日, 20261120 or an Excel serial (46346); else None."""
    text = value.strip()
    try:
        if match := _DATE.fullmatch(text):
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        if match := _COMPACT_DATE.fullmatch(text):
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        if _EXCEL_SERIAL.fullmatch(text):
            return _EXCEL_EPOCH + dt.timedelta(days=int(float(text)))
    except ValueError:
        return None
    return None
