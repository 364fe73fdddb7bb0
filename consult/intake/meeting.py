"""The meeting a batch of opinions came from: date, place, method, participants, collector."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from consult.clock import local_zone, utcnow
from consult.i18n import _
from consult.models.enums import MEETING_METHODS
from consult.sanitize import plain_text
from consult.vocabulary import MEETING_METHODS as METHOD_LABELS  # the name consult.api.openapi_extra reads
from consult.vocabulary import method_names

PLACE_MAX = 200
COLLECTOR_MAX = 80
PARTICIPANTS_MAX = 100_000


@dataclass(frozen=True)
class Meeting:
    """Validated meeting details."""

    date: dt.date | None
    place: str | None
    method: str
    participants: int | None
    collector: str | None


def method_code(raw: str | None) -> str | None:
    """A method given as its code (``forum``) or its Chinese name (座谈会); None when unknown."""
    value = (raw or "").strip()
    if value in MEETING_METHODS:
        return value
    by_label = {str(label): code for code, label in METHOD_LABELS.items()}
    return by_label.get(value)


def parse_meeting(
    date: str | dt.date | None,
    place: str | None,
    method: str | None,
    participants: str | int | None,
    collector: str | None,
) -> tuple[Meeting | None, dict[str, str]]:
    """The meeting, or the message for each bad field (never both)."""
    errors: dict[str, str] = {}
    day = None
    if isinstance(date, dt.date):
        day = date
    elif (date or "").strip():
        try:
            day = dt.date.fromisoformat(date.strip())
        except ValueError:
            errors["meeting_date"] = _("日期格式应为“年-月-日”，例如 2026-11-20")
    if day is not None and day > utcnow().astimezone(local_zone()).date():
        errors["meeting_date"] = _("座谈或走访的日期不能晚于今天")
    code = method_code(method) if (method or "").strip() else "forum"
    if code is None:
        errors["method"] = _("收集方式应为%(names)s之一", names=method_names())
    count = None
    if isinstance(participants, int) and not isinstance(participants, bool):
        count = participants
    elif str(participants or "").strip():
        text = str(participants).strip()
        count = int(text) if text.isdigit() and len(text) < 8 else -1
    if count is not None and not 0 <= count <= PARTICIPANTS_MAX:
        errors["participants"] = _("参加人数应为0至%(max)d之间的整数", max=PARTICIPANTS_MAX)
    where = plain_text(place) or None
    if where and len(where) > PLACE_MAX:
        errors["meeting_place"] = _("地点不能超过%(n)d个字", n=PLACE_MAX)
    who = plain_text(collector) or None
    if who and len(who) > COLLECTOR_MAX:
        errors["collector"] = _("收集人不能超过%(n)d个字", n=COLLECTOR_MAX)
    if errors:
        return None, errors
    return Meeting(day, where, code, count, who), {}
