"""Uploaded files kept in the instance folder between the preview and the confirmation.

The confirmation may reach another gunicorn worker, so the file and what was asked with it are kept on
disk (``instance/intake-uploads/<token>.bin`` and ``.json``), for the one operator who uploaded them,
and removed once imported or cancelled. Files older than a day are swept away on the next upload.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import current_app

from consult.errors import Forbidden, NotFound
from consult.i18n import _
from consult.intake.stored import KnownReport, from_json, to_json

FOLDER = "intake-uploads"
KEEP_SECONDS = 24 * 3600
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,40}")


@dataclass
class StoredUpload:
    """What the operator asked for with the file (the BatchRequest's fields but the bytes)."""

    user_id: int
    filename: str
    draft: str | None
    contact_point: str | None
    meeting_date: str | None
    meeting_place: str | None
    method: str | None
    participants: str | None
    collector: str | None


def _folder() -> Path:
    folder = Path(current_app.instance_path) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store(upload: StoredUpload, data: bytes, known: KnownReport | None = None) -> str:
    """Keep the file (and the preview's report, so the confirmation need not read it again)."""
    sweep()
    token = secrets.token_urlsafe(18)
    folder = _folder()
    (folder / f"{token}.bin").write_bytes(data)
    meta = {**asdict(upload), "known": to_json(known) if known is not None else None}
    (folder / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def load(token: str, user_id: int) -> tuple[StoredUpload, bytes]:
    """The kept file of this operator; NotFound when gone or expired, Forbidden for someone else's."""
    if not TOKEN.fullmatch(token or ""):
        raise NotFound(_("上传的文件已过期或不存在，请重新上传"))
    folder = _folder()
    try:
        if time.time() - (folder / f"{token}.bin").stat().st_mtime > KEEP_SECONDS:
            discard(token)
            raise NotFound(_("上传的文件已过期或不存在，请重新上传"))
        fields = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        fields.pop("known", None)
        meta = StoredUpload(**fields)
        data = (folder / f"{token}.bin").read_bytes()
    except (OSError, ValueError, TypeError):
        raise NotFound(_("上传的文件已过期或不存在，请重新上传")) from None
    if meta.user_id != user_id:
        raise Forbidden(_("只能确认自己上传的文件"))
    return meta, data


def load_known(token: str) -> KnownReport | None:
    """The preview's report kept with the file, if any (None when missing or unreadable: read again)."""
    if not TOKEN.fullmatch(token or ""):
        return None
    try:
        known = json.loads((_folder() / f"{token}.json").read_text(encoding="utf-8")).get("known")
        return from_json(known) if known else None
    except (OSError, ValueError, TypeError, KeyError):
        return None


def discard(token: str) -> None:
    """Remove a kept file (after the import, or when the operator cancels)."""
    if not TOKEN.fullmatch(token or ""):
        return
    for suffix in (".bin", ".json"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(_folder() / f"{token}{suffix}")


def sweep(now: float | None = None) -> int:
    """Remove files kept longer than a day; returns how many uploads went."""
    limit = (now or time.time()) - KEEP_SECONDS
    removed = 0
    for path in _folder().glob("*.bin"):
        try:
            if path.stat().st_mtime < limit:
                discard(path.stem)
                removed += 1
        except FileNotFoundError:
            continue
    return removed
