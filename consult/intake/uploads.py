"""Uploaded files kept in the instance folder between the preview and the confirmation.

The confirmation may reach another gunicorn worker, so the file and what was asked with it are kept on
disk (``instance/intake-uploads/<token>.bin`` and ``.json``), for the one operator who uploaded them,
and removed once imported or cancelled. Files older than a day are swept away on the next upload.

Age is measured by the time recorded in the ``.json`` when the file was kept, read from the one clock
(``consult.clock.utcnow``), never by the file system's modification time: comparing the injected clock
with real file times made the expiry depend on the day the tests ran.

The kept files hold every row of the upload and its contacts (names, phone numbers): the folder is
created 0700 and each file 0600 from the moment it exists (``os.open`` with the mode, then ``fchmod``,
so no umask can widen it), for the account the app runs as only.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import current_app

from consult.clock import utcnow
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


FOLDER_MODE = 0o700
FILE_MODE = 0o600


def _folder() -> Path:
    folder = Path(current_app.instance_path) / FOLDER
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    if folder.stat().st_mode & 0o777 != FOLDER_MODE:  # made by an older version, or under a umask
        os.chmod(folder, FOLDER_MODE)
    return folder


def _write_private(path: Path, content: bytes) -> None:
    """Create ``path`` readable by this account only, then write ``content`` (never an existing file)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
    with os.fdopen(fd, "wb") as stream:
        os.fchmod(fd, FILE_MODE)  # the umask may have removed bits from the mode given to open
        stream.write(content)


def store(upload: StoredUpload, data: bytes, known: KnownReport | None = None) -> str:
    """Keep the file (and the preview's report, so the confirmation need not read it again)."""
    sweep()
    token = secrets.token_urlsafe(18)
    folder = _folder()
    meta = {
        **asdict(upload),
        "stored_at": utcnow().timestamp(),
        "known": to_json(known) if known is not None else None,
    }
    # The record first: a sweep in another worker that finds the .bin always finds its time too.
    _write_private(folder / f"{token}.json", json.dumps(meta, ensure_ascii=False).encode("utf-8"))
    _write_private(folder / f"{token}.bin", data)
    return token


def load(token: str, user_id: int) -> tuple[StoredUpload, bytes]:
    """The kept file of this operator; NotFound when gone or expired, Forbidden for someone else's."""
    if not TOKEN.fullmatch(token or ""):
        raise NotFound(_("上传的文件已过期或不存在，请重新上传"))
    folder = _folder()
    try:
        fields = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        if _expired(fields.pop("stored_at", None), utcnow().timestamp()):
            discard(token)
            raise NotFound(_("上传的文件已过期或不存在，请重新上传"))
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


def _expired(stored_at: object, now: float) -> bool:
    """Kept longer than a day by the recorded time; a file without one (unreadable) counts as expired."""
    return not isinstance(stored_at, int | float) or now - stored_at > KEEP_SECONDS


def _stored_at(token: str) -> float | None:
    try:
        return json.loads((_folder() / f"{token}.json").read_text(encoding="utf-8")).get("stored_at")
    except (OSError, ValueError, AttributeError):
        return None


def sweep() -> int:
    """Remove uploads kept longer than a day by the one clock; returns how many went."""
    now = utcnow().timestamp()
    removed = 0
    for path in _folder().glob("*.bin"):
        if _expired(_stored_at(path.stem), now):
            discard(path.stem)
            removed += 1
    return removed
