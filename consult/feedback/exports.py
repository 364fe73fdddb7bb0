"""Export the summary of opinions (意见汇总表) for staff as XLSX, CSV or DOCX: one operation, three doors.

The file is written to a spooled temporary file (memory first, disk past a few megabytes) while the
rows stream from the database; the audit row, with the format and the number of rows, is written
once the file is complete. Spreadsheet cells are always text, so a comment such as ``=HYPERLINK(…)``
never becomes a formula in Excel.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from consult import audit
from consult.clock import local_zone, utcnow
from consult.context import RequestContext
from consult.db import end_read, write_transaction
from consult.drafts.queries import by_slug
from consult.errors import ValidationError
from consult.i18n import _, localdate
from consult.models import Draft, User
from consult.spreadsheets import write_csv as write_csv_rows
from consult.spreadsheets import xml_text
from consult.vocabulary import channel_label, outcome_label, status_label

from .summary import INCLUDE_CHOICES, UNDECIDED, Summary, SummaryRow, build_summary

FORMATS = ("xlsx", "csv", "docx")
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
SPOOL_BYTES = 8 * 1024 * 1024


@dataclass
class ExportedFile:
    """A finished export: the open file (at position 0), its names, media type, row count and size.

    `ascii_filename` names the file on disk for the CLI; downloads carry the Chinese `filename`.
    """

    data: IO[bytes]
    filename: str
    ascii_filename: str
    mimetype: str
    rows: int
    size: int


def check_format(fmt: str | None) -> str:
    """The export format, or a ValidationError naming `format`."""
    if fmt not in FORMATS:
        raise ValidationError(
            _("不支持的导出格式：%(f)s", f=str(fmt or "")[:20]),
            {"format": _("应为 %(list)s 之一", list="、".join(FORMATS))},
        )
    return fmt


def check_include(include: str | None) -> str:
    """Which comments to export (`published` by default, or `all`), or a ValidationError naming `status`."""
    include = include or "published"
    if include not in INCLUDE_CHOICES:
        raise ValidationError(
            _("参数 status 的取值无效"), {"status": _("应为 %(list)s 之一", list="、".join(INCLUDE_CHOICES))}
        )
    return include


def export_summary(
    actor: User, ctx: RequestContext, slug: str, fmt: str | None, include: str | None = None
) -> ExportedFile:
    """Write the draft's summary of opinions in the format, record the export, return the file."""
    fmt = check_format(fmt)
    include = check_include(include)
    draft = by_slug(slug)
    draft_id, title = draft.id, draft.title
    summary = build_summary(draft, include)
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (the door closes it)
    try:
        count = WRITERS[fmt](summary, out)
    except BaseException:
        out.close()
        raise
    end_read()
    with write_transaction() as session:
        details = {"format": fmt, "rows": count, "status": include}
        audit.record(session, actor, ctx, "export.summary", session.get(Draft, draft_id), details)
    size = out.seek(0, 2)
    out.seek(0)
    name = file_title(title)
    return ExportedFile(out, f"{name}.{fmt}", f"{slug}-summary.{fmt}", MIMETYPES[fmt], count, size)


def file_title(title: str) -> str:
    """The download's name without its suffix: 《title》's summary of opinions."""
    return _("%(title)s意见汇总表", title=title)


# ---- what each format shares -----------------------------------------------------------------------


def local_time(value: datetime | None) -> str:
    """A stored UTC time as local time, the way a spreadsheet reads it: 2026-11-27 10:00."""
    if value is None:
        return ""
    return value.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")


def place_label(row: SummaryRow) -> str:
    """The article's label as listed, with the label the comment was made on, or a removed mark."""
    label = row.place.label
    if row.place.removed:
        label = _("%(label)s（修改稿中已删除）", label=label)
    if row.label_then:
        label = _("%(label)s（原%(then)s）", label=label, then=row.label_then)
    return label


def outcome_text(row: SummaryRow) -> str:
    """The Chinese outcome, or that no decision was made yet."""
    return outcome_label(row.outcome) if row.outcome else _("尚未处理")


def group_text(row: SummaryRow) -> str:
    """共N条相同或相似意见 for a row that stands for a group; empty for a comment of its own."""
    return _("共%(n)d条相同或相似意见", n=row.group_size) if row.group_size else ""


def name_public_text(row: SummaryRow) -> str:
    """Whether the public sees the author's name (是/否); empty when there is no name."""
    if not row.author_name:
        return ""
    return _("是") if row.name_public else _("否（未同意公开，公开时显示为匿名）")


def table_columns() -> list[tuple[str, int, Callable[[int, SummaryRow], str]]]:
    """(heading, width in characters, value) of each column of the XLSX and CSV tables."""
    memo: dict[tuple, str] = {}

    def once(key: tuple, make: Callable[[], str]) -> str:
        # Labels repeat on every row and gettext is slow next to a dict: look each one up once per file.
        if key not in memo:
            memo[key] = make()
        return memo[key]

    return [
        (_("序号"), 6, lambda n, r: str(n)),
        (_("条款"), 14, lambda n, r: once((r.place.position, r.label_then), lambda: place_label(r))),
        (_("条款内容"), 40, lambda n, r: r.place.text),
        (_("意见内容"), 60, lambda n, r: r.body),
        (_("相同或相似意见"), 16, lambda n, r: group_text(r)),
        (_("公开文本（遮盖后）"), 30, lambda n, r: r.masked_body or ""),
        (_("渠道"), 14, lambda n, r: once(("channel", r.channel), lambda: channel_label(r.channel))),
        (_("联系点"), 22, lambda n, r: r.contact_point or ""),
        (_("提出人"), 12, lambda n, r: r.author_name or ""),
        (
            _("姓名公开"),
            8,
            lambda n, r: once(("name", bool(r.author_name), r.name_public), lambda: name_public_text(r)),
        ),
        (_("联系方式"), 18, lambda n, r: r.contact or ""),
        (_("提交/收到时间"), 17, lambda n, r: local_time(r.dated)),
        (_("处理结果"), 14, lambda n, r: once(("outcome", r.outcome), lambda: outcome_text(r))),
        (_("理由"), 40, lambda n, r: r.reason),
        (_("审核状态"), 10, lambda n, r: once(("status", r.status), lambda: status_label(r.status))),
        (_("意见编号"), 10, lambda n, r: str(r.comment_id)),
    ]


def table_rows(summary: Summary) -> Iterator[list[str]]:
    """The data rows of the XLSX and CSV tables, numbered from 1."""
    columns = [value for _h, _w, value in table_columns()]
    for n, row in enumerate(summary.rows(), start=1):
        yield [xml_text(value(n, row)) for value in columns]


def period_text(summary: Summary) -> str:
    """The consultation period in words."""

    draft = summary.draft
    if draft.opens_at is None or draft.closes_at is None:
        return _("征求意见时间：未设定")
    return _("征求意见时间：%(a)s至%(b)s", a=localdate(draft.opens_at), b=localdate(draft.closes_at))


def scope_text(summary: Summary) -> str:
    """Which comments the export holds."""
    if summary.include == "all":
        return _("统计范围：全部意见（含未公开的意见）")
    return _("统计范围：已公开的意见")


def exported_at_text() -> str:
    """When the file was made (local time)."""
    return _("导出时间：%(t)s", t=local_time(utcnow()))


def figure_rows(summary: Summary) -> list[tuple[str, str, int]]:
    """(group, name, count) of the summary figures: totals, then by channel, outcome and status."""
    f = summary.figures
    rows = [
        (_("总计"), _("意见总数"), f.comments),
        (_("总计"), _("参与人数（个）"), f.participants),
        (_("总计"), _("基层立法联系点数"), f.contact_points),
    ]
    rows += [(_("渠道"), channel_label(c), n) for c, n in f.by_channel.items()]
    rows += [
        (_("处理结果"), outcome_label(o) if o != UNDECIDED else _("尚未处理"), n)
        for o, n in f.by_outcome.items()
    ]
    if summary.include == "all":
        rows += [(_("审核状态"), status_label(s), n) for s, n in f.by_status.items()]
    return rows


# ---- CSV ---------------------------------------------------------------------------------------------


def write_csv(summary: Summary, out: IO[bytes]) -> int:
    """UTF-8 with a BOM (so Excel guesses right), one header row, every cell formula-safe."""
    header = [heading for heading, _w, _v in table_columns()]
    return write_csv_rows(out, itertools.chain([header], table_rows(summary))) - 1


def _write_xlsx(summary: Summary, out: IO[bytes]) -> int:
    # the writers import this module (rows, labels): import the one asked for, when it is asked for
    from .exports_xlsx import write_xlsx

    return write_xlsx(summary, out)


def _write_docx(summary: Summary, out: IO[bytes]) -> int:
    # the writers import this module (rows, labels): import the one asked for, when it is asked for
    from .exports_docx import write_docx

    return write_docx(summary, out)


WRITERS: dict[str, Callable[[Summary, IO[bytes]], int]] = {
    "xlsx": _write_xlsx,
    "csv": write_csv,
    "docx": _write_docx,
}
