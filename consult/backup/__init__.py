"""Backups of a live instance, and restoring one into an empty database (`flask --app consult backup …`).

A backup is a directory: the database as one consistent snapshot (SQLite's online backup, or
`pg_dump --format=custom`), the instance files nothing can rebuild (`secret_key`, `config.py`), and
manifest.json with the time, the code's version, the schema revision, every table's row count and
checksum, and every file's checksum. The search index, uploads awaiting confirmation, caches and lock
files are left out: the index is rebuilt from the database (`search reindex`), the rest is transient.

Restore checks the files against the manifest, refuses a database that already holds tables, loads the
snapshot, compares every table with the manifest, and only then puts the instance files back.
"""

from __future__ import annotations

import os
import shutil
import tomllib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import inspect

from consult.backup import postgres, sqlite
from consult.backup.inventory import summarise
from consult.backup.manifest import BackupFailed, Manifest, file_sha256, key_fingerprint
from consult.clock import utcnow
from consult.config import SECRET_KEY_FILE
from consult.errors import Conflict, ValidationError
from consult.extensions import db
from consult.i18n import _

__all__ = ["BackupFailed", "RestoreReport", "create_backup", "restore_backup"]

INSTANCE_DIR = "instance"
# Instance files that are not derived: the generated secret key (address hashes, sessions and signed
# cookies depend on it) and the operator's settings. Everything else there is rebuilt or transient.
INSTANCE_FILES = (SECRET_KEY_FILE, "config.py")
ROOT = Path(__file__).resolve().parent.parent.parent


def consult_version() -> str:
    """The code's version: the installed distribution's, or pyproject.toml's in a checkout."""
    try:
        return metadata.version("consult")
    except metadata.PackageNotFoundError:
        with (ROOT / "pyproject.toml").open("rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])


def _backend() -> str:
    name = db.engine.dialect.name
    if name not in ("sqlite", "postgresql"):
        raise BackupFailed(_("不支持备份该类型的数据库：%(name)s", name=name))
    return name


def _secret_key_record() -> dict[str, str]:
    cfg = current_app.config
    source = "setting" if cfg.get("SECRET_KEY_IS_EXPLICIT") else "instance file"
    return {"source": source, "fingerprint": key_fingerprint(cfg["SECRET_KEY"])}


def create_backup(directory: Path, pg_bin: str | None = None) -> Manifest:
    """Write a consistent backup of the configured database and instance files into a new directory."""
    backend = _backend()
    if directory.exists() and any(directory.iterdir()):
        raise Conflict(_("备份目录 %(dir)s 已存在且不为空：请指定一个新目录。", dir=str(directory)))
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)  # it holds personal data and the secret key
    try:
        return _write_backup(directory, backend, pg_bin)
    except BaseException as err:
        # Half a backup must not lie about: empty the directory, which held nothing before.
        for child in directory.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        if isinstance(err, OSError):
            raise BackupFailed(_("写入备份失败：%(error)s", error=str(err))) from err
        raise


def _write_backup(directory: Path, backend: str, pg_bin: str | None) -> Manifest:
    created_at = utcnow().isoformat()
    db.session.remove()  # nothing of this process stays open on the database while it is copied
    if backend == "sqlite":
        dump = directory / sqlite.DUMP_FILE
        tables, revision = sqlite.snapshot(db.engine.url, current_app.config["SQLITE_BUSY_TIMEOUT_MS"], dump)
    else:
        dump = directory / postgres.DUMP_FILE
        tables, revision = postgres.snapshot(db.engine, dump, pg_bin)
    os.chmod(dump, 0o600)
    files = {dump.name: file_sha256(dump)}
    instance = Path(current_app.instance_path)
    for name in INSTANCE_FILES:
        if (instance / name).is_file():
            (directory / INSTANCE_DIR).mkdir(mode=0o700, exist_ok=True)
            saved = directory / INSTANCE_DIR / name
            shutil.copyfile(instance / name, saved)
            os.chmod(saved, 0o600)
            files[f"{INSTANCE_DIR}/{name}"] = file_sha256(saved)
    manifest = Manifest(
        created_at=created_at,
        consult_version=consult_version(),
        backend=backend,
        schema_revision=revision,
        tables=tables,
        files=files,
        secret_key=_secret_key_record(),
    )
    manifest.write(directory)
    return manifest


@dataclass
class RestoreReport:
    """What restore did, and what the operator must still do or know."""

    manifest: Manifest
    instance_files: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def _refuse_unless_empty() -> None:
    tables = inspect(db.engine).get_table_names()
    if tables:
        raise Conflict(
            _(
                "目标数据库不是空的（已有 %(n)d 张表，如 %(names)s）：恢复只写入空数据库，以免覆盖现有数据。"
                "请新建一个空数据库（SQLite：换一个尚不存在的文件），"
                "并让 SQLALCHEMY_DATABASE_URI 指向它后再恢复。",
                n=len(tables),
                names="、".join(sorted(tables)[:3]),
            )
        )


def _put_back_instance_files(directory: Path, manifest: Manifest, report: RestoreReport) -> None:
    instance = Path(current_app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    for name in INSTANCE_FILES:
        key = f"{INSTANCE_DIR}/{name}"
        if key not in manifest.files:
            continue
        saved, target = directory / key, instance / name
        if name == "config.py" and target.exists() and file_sha256(target) != manifest.files[key]:
            # This machine's own settings (its database address, above all) win; the old ones are kept beside.
            target = instance / "config.py.restored"
            report.notices.append(
                _(
                    "实例目录已有不同的 config.py，未覆盖；备份中的设置已写入 %(path)s，请对照。",
                    path=str(target),
                )
            )
        shutil.copyfile(saved, target)
        os.chmod(target, 0o600)
        report.instance_files.append(str(target))


def _key_notice(manifest: Manifest) -> str | None:
    """Warn when the site will run with another SECRET_KEY than the one the backup was made with."""
    recorded = manifest.secret_key.get("fingerprint")
    cfg = current_app.config
    if not recorded:
        return None
    if cfg.get("SECRET_KEY_IS_EXPLICIT"):
        current = key_fingerprint(cfg["SECRET_KEY"])
    elif f"{INSTANCE_DIR}/{SECRET_KEY_FILE}" in manifest.files:
        return None  # the generated key came back with the instance files
    else:
        current = key_fingerprint(cfg["SECRET_KEY"])
    if current == recorded:
        return None
    return _(
        "注意：当前 SECRET_KEY 与备份时不同。新意见的地址哈希将与旧的对不上（参与人数会重复计算，"
        "按地址的限流从零开始），已登录的工作人员需重新登录。如仍有备份时的密钥，请用它运行本站。"
    )


def code_revision() -> str | None:
    """The migration head(s) this code expects, joined like inventory.schema_revision."""
    config = AlembicConfig()
    config.set_main_option("script_location", current_app.extensions["migrate"].directory)
    return ",".join(sorted(ScriptDirectory.from_config(config).get_heads())) or None


def _revision_notice(manifest: Manifest) -> str | None:
    """Tell the operator to migrate a backup made by older code (or warn of newer)."""
    ours = code_revision()
    if manifest.schema_revision == ours:
        return None
    return _(
        "备份的数据库结构版本为 %(theirs)s，当前代码为 %(ours)s：请运行 flask --app consult db upgrade"
        "（备份若来自更新的代码版本，请改用那个版本的代码）。",
        theirs=manifest.schema_revision or "-",
        ours=ours or "-",
    )


def restore_backup(directory: Path, pg_bin: str | None = None) -> RestoreReport:
    """Restore into the configured (empty) database, check every table, then put the instance files back."""
    manifest = Manifest.read(directory)
    backend = _backend()
    if manifest.backend != backend:
        raise ValidationError(
            _(
                "这份备份来自 %(theirs)s 数据库，当前配置的是 %(ours)s：只能恢复到同类数据库。",
                theirs=manifest.backend,
                ours=backend,
            )
        )
    dump_name = sqlite.DUMP_FILE if backend == "sqlite" else postgres.DUMP_FILE
    if dump_name not in manifest.files:
        raise ValidationError(_("备份清单中没有数据库文件 %(name)s。", name=dump_name))
    manifest.check_files(directory)
    db.session.remove()
    if backend == "sqlite":
        sqlite.database_path(db.engine.url).parent.mkdir(
            parents=True, exist_ok=True
        )  # a new machine's folder
    _refuse_unless_empty()
    url = db.engine.url
    db.engine.dispose()  # no pooled connection may hold the empty database's old schema
    if backend == "sqlite":
        sqlite.restore(directory / dump_name, url, current_app.config["SQLITE_BUSY_TIMEOUT_MS"])
    else:
        postgres.restore(directory / dump_name, url, pg_bin)
    db.engine.dispose()
    with db.engine.connect() as conn:
        restored = summarise(conn)
    problems = manifest.differences(restored)
    if problems:
        raise BackupFailed(
            _("恢复后的数据与备份清单不符：%(problems)s", problems="；".join(problems[:10])),
        )
    report = RestoreReport(manifest=manifest)
    _put_back_instance_files(directory, manifest, report)
    for notice in (_key_notice(manifest), _revision_notice(manifest)):
        if notice:
            report.notices.append(notice)
    return report
