"""Chinese labels for enum values shown on pages (through gettext)."""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup, escape

from consult.i18n import _, _l, localdate

CHANNELS = {
    "web": _l("网站"),
    "contact_point": _l("基层立法联系点"),
    "deputy": _l("人大代表"),
    "expert": _l("立法专家顾问"),
    "letter": _l("来信"),
}
OUTCOMES = {
    "adopted": _l("采纳"),
    "partially_adopted": _l("部分采纳"),
    "not_adopted": _l("未采纳"),
    "already_provided": _l("已有规定"),
    "out_of_scope": _l("不属于立法范畴"),
}


def channel_label(channel: str) -> str:
    """The Chinese name of a channel."""
    return str(CHANNELS.get(channel, channel))


def outcome_label(outcome: str) -> str:
    """The Chinese name of a decision outcome."""
    return str(OUTCOMES.get(outcome, outcome))


def stage_badge(status: str, draft, now: datetime) -> Markup:
    """A badge for the consultation stage, with the days left while open."""
    if status == "open" and draft.closes_at is not None:
        days = max(0, int(-(-(draft.closes_at - now).total_seconds() // 86400)))
        text, css = _("征求意见中，剩余%(n)d天", n=days), "badge badge-open"
    elif status == "upcoming":
        text, css = _("将于%(date)s开始", date=localdate(draft.opens_at)), "badge"
    elif status == "closed":
        text, css = _("已截止，研究处理中"), "badge"
    elif status == "concluded":
        text, css = _("已反馈采纳情况"), "badge badge-done"
    else:
        text, css = _("未发布"), "badge"
    return Markup('<span class="{}">{}</span>').format(css, escape(text))


STATUSES = {
    "pending": _l("待审核"),
    "published": _l("已公开"),
    "rejected": _l("不予公开"),
    "spam": _l("垃圾信息"),
}
ROLES = {"admin": _l("管理员"), "staff": _l("工作人员"), "contact_point": _l("联系点操作员")}
PERSONAL_DATA = {"phone": _l("电话号码"), "id_number": _l("身份证号码"), "email": _l("电子邮箱")}


def status_label(status: str) -> str:
    """The Chinese name of a moderation status."""
    return str(STATUSES.get(status, status))


def personal_data_label(kind: str) -> str:
    """The Chinese name of a kind of personal data."""
    return str(PERSONAL_DATA.get(kind, kind))


def role_label(role: str) -> str:
    """The Chinese name of an account role."""
    return str(ROLES.get(role, role))
