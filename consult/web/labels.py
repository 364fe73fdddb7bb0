"""Door-specific display of labels: the consultation stage as a badge (names live in consult.vocabulary)."""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup, escape

from consult.i18n import _, localdate
from consult.vocabulary import draft_status_label


def stage_badge_key(status: str, draft, now: datetime) -> tuple:
    """Everything stage_badge shows that the clock moves: a kept page holding the badge is kept under it."""
    return (status, draft.days_left(now) if status == "open" else None)


def stage_badge(status: str, draft, now: datetime) -> Markup:
    """A badge for the consultation stage, with the days left while open."""
    days = draft.days_left(now) if status == "open" else None
    if days is not None:
        text, css = _("征求意见中，剩余%(n)d天", n=days), "badge badge-open"
    elif status == "open":
        text, css = draft_status_label("open"), "badge badge-open"
    elif status == "upcoming":
        text, css = _("将于%(date)s开始", date=localdate(draft.opens_at)), "badge"
    elif status == "closed":
        text, css = _("已截止，研究处理中"), "badge"
    elif status == "concluded":
        text, css = draft_status_label("concluded"), "badge badge-done"
    else:
        text, css = draft_status_label("draft"), "badge"
    return Markup('<span class="{}">{}</span>').format(css, escape(text))
