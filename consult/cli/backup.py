"""`flask --app consult backup create DIR` and `backup restore DIR`: the door to consult/backup/."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from consult.backup import create_backup, restore_backup
from consult.errors import DomainError
from consult.i18n import _, _l

backup_cli = AppGroup("backup", help=_l("备份：为运行中的站点做一致的备份，或恢复到空数据库。"))

PG_BIN_HELP = _l("pg_dump、pg_restore 所在目录（默认在 PATH 中查找）")


def _fail(err: DomainError) -> None:
    click.echo(_("错误：%(message)s", message=err.message), err=True)
    sys.exit(2 if err.status < 500 else 1)


@backup_cli.command("create")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--pg-bin", default=None, help=PG_BIN_HELP)
def backup_create(directory: Path, pg_bin: str | None) -> None:
    """Write a consistent backup of the database and the instance files into a new directory."""
    try:
        manifest = create_backup(directory, pg_bin)
    except DomainError as err:
        _fail(err)
    rows = sum(table.rows for table in manifest.tables.values())
    click.echo(
        _(
            "已备份到 %(dir)s：%(tables)d 张表，共 %(rows)d 行；数据库结构版本 %(revision)s。",
            dir=str(directory),
            tables=len(manifest.tables),
            rows=rows,
            revision=manifest.schema_revision or "-",
        )
    )
    for name in sorted(manifest.files):
        click.echo(f"  {name}")
    if manifest.secret_key.get("source") == "setting":
        click.echo(_("SECRET_KEY 来自环境变量或设置，不在备份中：请另行妥善保存。"))


@backup_cli.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--pg-bin", default=None, help=PG_BIN_HELP)
def backup_restore(directory: Path, pg_bin: str | None) -> None:
    """Restore a backup into the configured empty database and check every table against its manifest."""
    try:
        report = restore_backup(directory, pg_bin)
    except DomainError as err:
        _fail(err)
    manifest = report.manifest
    click.echo(
        _(
            "已恢复 %(created)s 的备份：%(tables)d 张表的行数和校验和与备份清单一致。",
            created=manifest.created_at,
            tables=len(manifest.tables),
        )
    )
    for path in report.instance_files:
        click.echo(_("已恢复实例文件：%(path)s", path=path))
    for notice in report.notices:
        click.echo(notice)
    click.echo(_("请运行 flask --app consult search reindex 重建检索索引，然后再启动站点。"))
