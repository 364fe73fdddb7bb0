"""The Chinese names of every stored enum value: channels, outcomes, statuses, roles, meeting methods,
kinds of personal data. One home, so pages, exports, mail and open data call a thing the same name.

Domain-level: it imports only translations, so any package (and any door) may use it.
A label is a lazy string; the *_label functions return plain strings, fit for JSON and files.
"""

from __future__ import annotations

from collections.abc import Mapping

from consult.i18n import _l

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
COMMENT_STATUSES = {
    "pending": _l("待审核"),
    "published": _l("已公开"),
    "rejected": _l("不予公开"),
    "spam": _l("垃圾信息"),
}
ROLES = {
    "admin": _l("管理员"),
    "staff": _l("工作人员"),
    "contact_point": _l("联系点操作员"),
    "deputy": _l("人大代表"),
    "expert": _l("立法专家顾问"),
}
CONTACT_POINT_KINDS = {
    "legislative": _l("基层立法联系点"),
    "deputy_home": _l("代表之家"),
    "deputy_station": _l("代表联络站"),
}
DRAFT_STATUSES = {
    "draft": _l("未发布"),
    "upcoming": _l("即将征求意见"),
    "open": _l("征求意见中"),
    "closed": _l("已截止"),
    "concluded": _l("已反馈采纳情况"),
}
MEETING_METHODS = {
    "forum": _l("座谈会"),
    "visit": _l("走访"),
    "questionnaire": _l("问卷"),
    "letter": _l("来信"),
    "other": _l("其他"),
}
OUTBOX_KINDS = {
    "search.index": _l("更新搜索索引"),
    "search.remove": _l("移出搜索索引"),
    "mail.feedback": _l("采纳情况通知邮件"),
    "sms.feedback": _l("采纳情况通知短信"),
    "groups.update": _l("归并相似意见"),
    "mail.reach": _l("订阅邮件"),
    "sms.reach": _l("订阅短信"),
    "mail.invite": _l("征求意见邀请邮件"),
}
SUBSCRIPTION_TOPICS = {"drafts": _l("新的征求意见"), "feedback": _l("意见采纳情况反馈")}
SUBSCRIPTION_CHANNELS = {"email": _l("电子邮件"), "sms": _l("短信")}
EXPORT_FORMATS = {"xlsx": _l("Excel 表格（XLSX）"), "csv": _l("CSV 表格"), "docx": _l("Word 文档（DOCX）")}
EXPORT_INCLUDES = {"published": _l("已公开的意见"), "all": _l("全部意见（含未公开的意见）")}
EXPORT_JOB_STATES = {
    "queued": _l("排队中"),
    "running": _l("正在导出"),
    "done": _l("已完成"),
    "failed": _l("导出失败"),
}
THEME_JOB_STATES = {
    "queued": _l("排队中"),
    "running": _l("正在计算"),
    "done": _l("已完成"),
    "failed": _l("计算失败"),
}
# The kinds consult.personal_data finds (its KINDS); that module is the home of what they look like.
PERSONAL_DATA = {"phone": _l("电话号码"), "id_number": _l("身份证号码"), "email": _l("电子邮箱")}

# Each enum of consult.models.enums and its labels, in the enum's order (tests/test_vocabulary.py
# fails when a value is added to an enum without a name here).
BY_ENUM: dict[str, Mapping[str, object]] = {
    "CHANNELS": CHANNELS,
    "OUTCOMES": OUTCOMES,
    "COMMENT_STATUSES": COMMENT_STATUSES,
    "ROLES": ROLES,
    "CONTACT_POINT_KINDS": CONTACT_POINT_KINDS,
    "DRAFT_STATUSES": DRAFT_STATUSES,
    "MEETING_METHODS": MEETING_METHODS,
    "OUTBOX_KINDS": OUTBOX_KINDS,
    "EXPORT_FORMATS": EXPORT_FORMATS,
    "EXPORT_INCLUDES": EXPORT_INCLUDES,
    "EXPORT_JOB_STATES": EXPORT_JOB_STATES,
    "THEME_JOB_STATES": THEME_JOB_STATES,
    "SUBSCRIPTION_TOPICS": SUBSCRIPTION_TOPICS,
    "SUBSCRIPTION_CHANNELS": SUBSCRIPTION_CHANNELS,
}


def _label(labels: Mapping[str, object], value: str | None) -> str:
    return str(labels.get(value, value)) if value is not None else ""


def topic_label(topic: str) -> str:
    """The Chinese name of a subscription topic."""
    return _label(SUBSCRIPTION_TOPICS, topic)


def channel_label(channel: str) -> str:
    """The Chinese name of a channel."""
    return _label(CHANNELS, channel)


def outcome_label(outcome: str) -> str:
    """The Chinese name of a decision outcome."""
    return _label(OUTCOMES, outcome)


def status_label(status: str) -> str:
    """The Chinese name of a moderation status."""
    return _label(COMMENT_STATUSES, status)


def role_label(role: str) -> str:
    """The Chinese name of an account role."""
    return _label(ROLES, role)


def point_kind_label(kind: str) -> str:
    """The Chinese name of a kind of contact point."""
    return _label(CONTACT_POINT_KINDS, kind)


def draft_status_label(status: str) -> str:
    """The Chinese name of a draft's stage."""
    return _label(DRAFT_STATUSES, status)


def method_label(method: str) -> str:
    """The Chinese name of a meeting method."""
    return _label(MEETING_METHODS, method)


def method_names() -> str:
    """Every meeting method's name, as a list for people: 座谈会、走访、问卷、来信、其他."""
    return "、".join(str(label) for label in MEETING_METHODS.values())


def personal_data_label(kind: str) -> str:
    """The Chinese name of a kind of personal data."""
    return _label(PERSONAL_DATA, kind)


def codes_and_labels(labels: Mapping[str, object]) -> str:
    """Every value with its name, for a reader of raw data: "web 网站、contact_point 基层立法联系点…"."""
    return "、".join(f"{code} {label}" for code, label in labels.items())


def export_job_state_label(state: str) -> str:
    """The Chinese name of an export job's state."""
    return _label(EXPORT_JOB_STATES, state)
