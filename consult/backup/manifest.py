"""The backup's manifest (manifest.json): what was saved, from which schema and code, and its checksums.

Restore reads it first and refuses a backup whose files no longer match it; after restoring, the
database's tables must match it row for row (counts and checksums).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consult.backup.inventory import TableSummary
from consult.errors import DomainError, ValidationError
from consult.i18n import _

MANIFEST_FILE = "manifest.json"
FORMAT = "consult-backup"
FORMAT_VERSION = 1


class BackupFailed(DomainError):
    """The database or a tool failed while copying or restoring."""

    code = "internal_error"
    status = 500


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def key_fingerprint(secret_key: str) -> str:
    """Enough of a hash of SECRET_KEY to tell two keys apart; the key cannot be read back from it."""
    return hashlib.sha256(b"consult-backup-key-check:" + secret_key.encode("utf-8")).hexdigest()[:16]


@dataclass
class Manifest:
    """manifest.json, as written and read."""

    created_at: str
    consult_version: str
    backend: str  # "sqlite" or "postgresql"
    schema_revision: str | None
    tables: dict[str, TableSummary]
    files: dict[str, str]  # path inside the backup → sha256
    secret_key: dict[str, str] = field(default_factory=dict)  # {"source", "fingerprint"}

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at,
            "consult_version": self.consult_version,
            "backend": self.backend,
            "schema_revision": self.schema_revision,
            "tables": {name: summary.as_json() for name, summary in self.tables.items()},
            "files": self.files,
            "secret_key": self.secret_key,
        }

    def write(self, directory: Path) -> None:
        text = json.dumps(self.as_json(), ensure_ascii=False, indent=2, sort_keys=True)
        (directory / MANIFEST_FILE).write_text(text + "\n", encoding="utf-8")

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        """Read and check a backup's manifest; ValidationError names what is wrong."""
        path = directory / MANIFEST_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ValidationError(
                _("%(dir)s 中没有 manifest.json：这不是一份备份。", dir=str(directory))
            ) from None
        except (OSError, ValueError) as err:
            raise ValidationError(_("无法读取备份清单：%(error)s", error=str(err))) from None
        if raw.get("format") != FORMAT or raw.get("format_version") != FORMAT_VERSION:
            raise ValidationError(_("备份清单的格式不受支持。"))
        try:
            return cls(
                created_at=raw["created_at"],
                consult_version=raw["consult_version"],
                backend=raw["backend"],
                schema_revision=raw["schema_revision"],
                tables={
                    name: TableSummary(rows=int(t["rows"]), sha256=str(t["sha256"]))
                    for name, t in raw["tables"].items()
                },
                files={str(k): str(v) for k, v in raw["files"].items()},
                secret_key=dict(raw.get("secret_key") or {}),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ValidationError(_("备份清单不完整或已损坏。")) from None

    def check_files(self, directory: Path) -> None:
        """Every file the manifest lists is there, inside the backup, with its checksum."""
        root = directory.resolve()
        for name, expected in self.files.items():
            path = (directory / name).resolve()
            if root not in path.parents:
                raise ValidationError(_("备份清单中的文件路径无效：%(name)s", name=name))
            if not path.is_file():
                raise ValidationError(_("备份缺少文件：%(name)s", name=name))
            if file_sha256(path) != expected:
                raise ValidationError(_("备份文件已损坏或被改动（校验和不符）：%(name)s", name=name))

    def differences(self, tables: dict[str, TableSummary]) -> list[str]:
        """The tables whose rows differ from the manifest's (missing, extra, other count or checksum)."""
        found = []
        for name in sorted(set(self.tables) | set(tables)):
            want, have = self.tables.get(name), tables.get(name)
            if want is None or have is None:
                found.append(
                    _("%(table)s：表不存在", table=name)
                    if have is None
                    else _("%(table)s：多出的表", table=name)
                )
            elif want.rows != have.rows:
                found.append(
                    _(
                        "%(table)s：应有 %(want)d 行，实有 %(have)d 行",
                        table=name,
                        want=want.rows,
                        have=have.rows,
                    )
                )
            elif want.sha256 != have.sha256:
                found.append(_("%(table)s：行数相同但内容校验和不符", table=name))
        return found
