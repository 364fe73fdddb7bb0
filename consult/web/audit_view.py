"""How the audit log reads on a page: an object by its name, the details as lines of 名称：值.

The actions' and object types' names come from the one registry beside audit.record(); this module
only knows the keys operations put in the details, so a row reads "理由：与本草案无关" instead of
{"reason": "与本草案无关"}. A key it does not know is still shown, by its code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from consult.audit import action_label, target_type_label
from consult.audit_queries import ARTICLE_ID_KEYS, USER_ID_KEYS
from consult.i18n import _, _l, localtime
from consult.models import AuditLog
from consult.vocabulary import channel_label, outcome_label, role_label, status_label

# The keys operations write into an audit row's details.
DETAIL_LABELS = {
    "username": _l("用户名"),
    "user": _l("账号"),
    "role": _l("角色"),
    "display_name": _l("显示名称"),
    "contact_point": _l("联系点"),
    "name": _l("名称"),
    "district": _l("所在区"),
    "email": _l("通知邮箱"),
    "generated": _l("自动生成密码"),
    "slug": _l("网址标识"),
    "title": _l("标题"),
    "summary": _l("起草说明"),
    "opens_at": _l("开始时间"),
    "closes_at": _l("截止时间"),
    "published": _l("已发布"),
    "show_comments": _l("公开显示意见"),
    "publish": _l("发布"),
    "articles": _l("条款数"),
    "changed": _l("修改了"),
    "before": _l("修改前"),
    "version": _l("版本"),
    "matched": _l("与原条款对应"),
    "new": _l("新增条款"),
    "corrected_by_staff": _l("人工校正了条款对应"),
    "from": _l("原状态"),
    "to": _l("新状态"),
    "reason": _l("理由"),
    "masked": _l("遮盖个人信息后公开"),
    "ids": _l("意见"),
    "count": _l("条数"),
    "outcome": _l("处理结果"),
    "channel": _l("来源"),
    "comment_id": _l("意见"),
    "article_id": _l("条款"),
    "length": _l("字数"),
    "assignee": _l("分配给"),
    "assignee_id": _l("原负责人"),
    "previous_assignee_id": _l("原负责人"),
    "number": _l("第几次发布"),
    "decisions": _l("处理结果条数"),
    "notifications": _l("待发通知"),
    "revision_note": _l("修订说明"),
    "format": _l("格式"),
    "rows": _l("行数"),
    "status": _l("范围"),
    "retention_days": _l("保存天数"),
    "concluded_at": _l("反馈发布时间"),
    "comments": _l("意见条数"),
    "mails_cancelled": _l("取消的邮件"),
    "mail_addresses": _l("删除的邮件地址"),
    "batches": _l("导入批次"),
    "file": _l("文件"),
    "sha256": _l("文件摘要"),
    "imported": _l("导入条数"),
    "invalid": _l("有错误的行"),
    "already": _l("此前已导入的行"),
    "undone_action": _l("撤销的操作"),
    "undoes": _l("撤销的记录"),
    "moderated_by_id": _l("原审核人"),
    "moderated_at": _l("原审核时间"),
}
EXPORT_SCOPES = {"published": _l("已公开的意见"), "all": _l("全部意见")}
# Bookkeeping an operation keeps to undo itself; the lines above already say what changed.
HIDDEN_KEYS = {"restore"}
LIST_KEYS = {"ids", "changed"}  # lists that are not a [before, after] pair
SHA_SHOWN = 12


def object_name(row: AuditLog, names: dict[tuple[str, str], str]) -> str:
    """The row's object as people say it: 草案《…》, 账号 zhang, 意见 #74; empty for none."""
    if not row.target_type:
        return ""
    name = names.get((row.target_type, row.target_id)) or (f"#{row.target_id}" if row.target_id else "")
    kind = target_type_label(row.target_type)
    if name.startswith("《"):  # a title in 《》 needs no space before it
        return f"{kind}{name}"
    return _("%(kind)s %(name)s", kind=kind, name=name).strip()


def _when(value: Any) -> str | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return localtime(moment) if moment.tzinfo is not None else None


def _value(key: str, value: Any, names: dict[tuple[str, str], str]) -> str:
    """One value of the details as text."""
    if isinstance(value, list) and key not in LIST_KEYS and len(value) == 2:
        # A change recorded as [before, after].
        old, new = (_value(key, v, names) if v is not None else _("（空）") for v in value)
        return f"{old} → {new}"
    if isinstance(value, bool) or value in ("True", "False"):
        return _("是") if value in (True, "True") else _("否")
    if isinstance(value, dict):
        return "；".join(f"{_label(k)}：{_value(k, v, names)}" for k, v in value.items() if v is not None)
    if key in ("from", "to"):
        return status_label(str(value))
    if key == "role":
        return role_label(str(value))
    if key == "outcome":
        return outcome_label(str(value))
    if key == "channel":
        return channel_label(str(value))
    if key == "status" and value in EXPORT_SCOPES:
        return str(EXPORT_SCOPES[value])
    if key == "undone_action":
        return action_label(str(value))
    if key == "undoes":
        return f"#{value}"
    if key in ("ids", "comment_id"):
        return "、".join(f"#{i}" for i in (value if isinstance(value, list) else [value]))
    if key in USER_ID_KEYS:
        return names.get(("user", str(value)), f"#{value}")
    if key in ARTICLE_ID_KEYS:
        return names.get(("article", str(value)), f"#{value}")
    if key == "changed" and isinstance(value, list):
        return "、".join(_label(k) for k in value)
    if key == "sha256":
        return f"{str(value)[:SHA_SHOWN]}…"
    if key == "format":
        return str(value).upper()
    return _when(value) or str(value)


def _label(key: str) -> str:
    return str(DETAIL_LABELS.get(key, key))


def detail_lines(row: AuditLog, names: dict[tuple[str, str], str]) -> list[str]:
    """The row's details as lines of 名称：值 (empty values left out)."""
    lines = []
    for key, value in (row.details or {}).items():
        if key in HIDDEN_KEYS or value is None or value == "" or value == []:
            continue
        lines.append(_("%(label)s：%(value)s", label=_label(key), value=_value(key, value, names)))
    return lines
