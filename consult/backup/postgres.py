"""PostgreSQL: `pg_dump --format=custom` from one exported snapshot, and `pg_restore` into an empty database.

The manifest's counts and checksums are read in the very snapshot pg_dump copies (a REPEATABLE READ
transaction exports it, pg_dump imports it with --snapshot), so they describe the dump exactly while
the site keeps writing. pg_dump and pg_restore are found on PATH, or in the directory given with
--pg-bin; the password travels in PGPASSWORD, never on a command line that `ps` shows.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, Engine

from consult.backup.inventory import TableSummary, schema_revision, summarise
from consult.backup.manifest import BackupFailed
from consult.i18n import _

DUMP_FILE = "database.pgdump"
TOOL_TIMEOUT_SECONDS = 6 * 3600


def tool(name: str, pg_bin: str | None) -> str:
    """The path of pg_dump or pg_restore: in `pg_bin` when given, else on PATH."""
    found = shutil.which(name, path=pg_bin) if pg_bin else shutil.which(name)
    if not found:
        where = pg_bin or "PATH"
        raise BackupFailed(
            _(
                "找不到 %(tool)s（在 %(where)s 中）："
                "请安装 PostgreSQL 客户端程序，或用 --pg-bin 指定其所在目录。",
                tool=name,
                where=where,
            )
        )
    return found


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The libpq address (without the password) and the environment that carries the password."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    address = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return address, env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=TOOL_TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise BackupFailed(
            _("%(tool)s 运行失败：%(error)s", tool=Path(command[0]).name, error=str(err))
        ) from None
    if result.returncode != 0:
        raise BackupFailed(
            _(
                "%(tool)s 失败（退出码 %(code)d）：%(error)s",
                tool=Path(command[0]).name,
                code=result.returncode,
                error=result.stderr.strip()[-2000:],
            )
        )


def snapshot(engine: Engine, target: Path, pg_bin: str | None) -> tuple[dict[str, TableSummary], str | None]:
    """Dump the database into `target` and summarise the same snapshot."""
    pg_dump = tool("pg_dump", pg_bin)
    address, env = _libpq(engine.url)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot_id = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            tables, revision = summarise(conn), schema_revision(conn)
            # The exporting transaction stays open until pg_dump is done with the snapshot.
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot_id}",
                    f"--file={target}",
                    f"--dbname={address}",
                ],
                env,
            )
    return tables, revision


def restore(dump: Path, url: URL, pg_bin: str | None) -> None:
    """Load the dump into the (empty) target database in one transaction: all of it or nothing."""
    pg_restore = tool("pg_restore", pg_bin)
    address, env = _libpq(url)
    _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={address}",
            str(dump),
        ],
        env,
    )
