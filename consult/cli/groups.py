"""`flask groups rebuild SLUG` and `flask groups worker`: the groups of similar comments."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from consult.cli.rounds import run_rounds
from consult.errors import DomainError
from consult.groups.drain import drain
from consult.groups.operations import rebuild_draft
from consult.i18n import _, _l

groups_cli = AppGroup("groups", help=_l("同类意见：重新计算草案的意见分组、处理待分组的变更。"))


@groups_cli.command("rebuild")
@click.argument("slug")
def groups_rebuild(slug: str) -> None:
    """Recompute a draft's groups, keeping what staff split, merged or confirmed."""
    try:
        scopes = rebuild_draft(slug)
    except DomainError as err:
        click.echo(_("错误：%(message)s", message=err.message), err=True)
        sys.exit(2)
    click.echo(_("已重新计算%(n)d个条款（含总体意见）的意见分组。", n=scopes))


@groups_cli.command("worker")
@click.option("--once", is_flag=True, help=_l("处理完当前待分组的变更后退出"))
@click.option("--interval", type=float, default=1.0, help=_l("没有变更时的等待秒数"))
def groups_worker(once: bool, interval: float) -> None:
    """Group comments as they change (one per deployment; `make run` does it after each commit)."""
    run_rounds(
        lambda: drain(wait=True),
        once=once,
        interval=interval,
        failure="grouping drain failed; retrying",
        done=lambda n: _("已处理%(n)d条分组变更。", n=n),
        until_idle=True,
    )
