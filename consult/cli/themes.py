"""`flask themes rebuild SLUG`: compute a draft's themes per article (keeping staff's renames, merges
and moves)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from consult.context import CLI
from consult.errors import DomainError
from consult.i18n import _, _l
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
