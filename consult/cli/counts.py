"""`flask counts check [--repair]`: compare the kept comment counts (per article; per day and channel) with a
fresh count (after a restore, or an upgrade that ran while comments arrived)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from consult.comments.counts import check
from consult.comments.day_counts import DayDifference
from consult.i18n import _, _l
from consult.models.counts import GENERAL, UNDECIDED

counts_cli = AppGroup("counts", help=_l("意见计数：核对（并修复）随写入维护的意见条数。"))
SHOWN = 20


@counts_cli.command("check")
@click.option("--repair", is_flag=True, help=_l("把不一致的计数改为重新统计的条数"))
def counts_check(repair: bool) -> None:
    """Compare the kept counts with a fresh count of the comments; exit 1 on a difference unless repaired."""

    found = check(repair)
    for difference in found[:SHOWN]:
        if isinstance(difference, DayDifference):
            draft_id, day, channel, status = difference.key
            click.echo(
                _(
                    "草案%(draft)d %(day)s %(channel)s %(status)s：计数%(stored)d，实有%(counted)d",
                    draft=draft_id,
                    day=day.isoformat(),
                    channel=channel,
                    status=status,
                    stored=difference.stored,
                    counted=difference.counted,
                )
            )
            continue
        draft_id, article_id, status, outcome = difference.key
        click.echo(
            _(
                "草案%(draft)d %(place)s %(status)s %(outcome)s：计数%(stored)d，实有%(counted)d",
                draft=draft_id,
                place=_("总体意见") if article_id == GENERAL else _("条款%(id)d", id=article_id),
                status=status,
                outcome=outcome if outcome != UNDECIDED else _("未作决定"),
                stored=difference.stored,
                counted=difference.counted,
            )
        )
    if len(found) > SHOWN:
        click.echo(_("……另有%(n)d处不一致", n=len(found) - SHOWN))
    if not found:
        click.echo(_("意见计数与数据库一致。"))
    elif repair:
        click.echo(_("已修复%(n)d处。", n=len(found)))
    else:
        sys.exit(1)
