"""The per-row report of an intake preview or import, as the CLI prints it."""

from __future__ import annotations

import click

from consult.i18n import _
from consult.intake.importing import BatchOutcome
from consult.intake.rows import describe_errors


def print_outcome(outcome: BatchOutcome, dry_run: bool) -> None:
    """How the file was read, then one line per data row: imported, already imported, or its errors."""
    report = outcome.report
    click.echo(
        _(
            "文件：%(f)s（%(fmt)s，%(enc)s），表头在第%(h)d行",
            f=outcome.filename,
            fmt=report.format.upper(),
            enc=report.encoding or _("无需编码"),
            h=report.header_row,
        )
    )
    click.echo(_("使用的列：%(c)s", c="、".join(report.columns.values())))
    if report.ignored:
        click.echo(_("忽略的列：%(c)s", c="、".join(report.ignored)))
    for row in report.rows:
        if not row.valid:
            state = _("错误：%(m)s", m=describe_errors(row.errors))
        elif row.row in outcome.already:
            state = _("此前已导入，跳过")
        else:
            state = _("将导入") if dry_run else _("已导入")
        general = row.article.text if row.article.kind == "invalid" else _("整体意见")
        place = outcome.article_label(row) or general
        click.echo(f"  {row.row:>6}  {place:<8} {state}")
    summary = _(
        "共%(total)d行：有效%(valid)d行，其中此前已导入%(already)d行；有错误%(bad)d行。",
        total=outcome.rows_total,
        valid=outcome.rows_valid,
        already=len(outcome.already),
        bad=len(report.invalid_rows),
    )
    click.echo(summary)
    if outcome.batch_id is not None:
        click.echo(_("已导入%(n)d条意见，批次号 %(id)d。", n=outcome.rows_imported, id=outcome.batch_id))
