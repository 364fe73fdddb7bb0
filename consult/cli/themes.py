"""`flask themes rebuild SLUG`: compute a draft's themes per article at once (keeping staff's renames,
merges and moves); `flask themes worker [--once]`: run the recomputations staff queued (with
THEME_JOBS_INLINE the web processes run them in a background thread instead)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from consult.cli.rounds import run_rounds
from consult.context import CLI
from consult.errors import DomainError
from consult.i18n import _, _l
from consult.themes.jobs import run_jobs
from consult.themes.operations import rebuild_themes

themes_cli = AppGroup("themes", help=_l("意见主题：按条款重新计算草案的意见主题。"))


@themes_cli.command("rebuild")
@click.argument("slug")
def themes_rebuild(slug: str) -> None:
    """Recompute a draft's themes from its pending and published comments."""
    try:
        result = rebuild_themes(None, CLI, slug)
    except DomainError as err:
        click.echo(_("错误：%(message)s", message=err.message), err=True)
        sys.exit(2)
    click.echo(
        _("已重新计算%(n)d个条款（含总体意见）的意见主题，共%(t)d个主题。", n=result.scopes, t=result.themes)
    )
    if result.changed:
        click.echo(_("主题有变化：意见汇总需要重新签发。"))


@themes_cli.command("worker")
@click.option("--once", is_flag=True, help=_l("处理完当前排队的重新计算任务后退出"))
@click.option("--interval", type=float, default=2.0, help=_l("没有任务时的等待秒数"))
def themes_worker(once: bool, interval: float) -> None:
    """Run the recomputations staff queued, oldest first, one at a time."""
    run_rounds(
        lambda: run_jobs(wait=True),
        once=once,
        interval=interval,
        failure="themes worker round failed; retrying",
        done=lambda n: _("已完成%(n)d个意见主题重新计算任务。", n=n),
    )
