"""record(): the one way to write an audit row, inside the caller's transaction; and the one registry
of the actions it may record, with their Chinese names (and those of the objects they are about).

An action missing from ACTIONS is refused when recorded, so no page ever shows a bare code;
tests/test_audit.py finds every action recorded in consult/ and checks it is registered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from consult.i18n import _l
from consult.models import AuditLog

if TYPE_CHECKING:
    from consult.context import RequestContext
    from consult.models import User

# Every action the platform records, with the name the audit log and an account's history show.
ACTIONS = {
    "auth.login": _l("登录"),
    "auth.logout": _l("退出登录"),
    "auth.login_failed": _l("登录失败"),
    "auth.login_throttled": _l("登录尝试过多被暂停"),
    "auth.account_under_attack": _l("账号正被多处猜测密码"),
    "user.create": _l("创建账号"),
    "user.update": _l("修改账号"),
    "user.deactivate": _l("停用账号"),
    "user.reactivate": _l("重新启用账号"),
    "user.password_reset": _l("重置密码"),
    "user.sign_out_everywhere": _l("退出所有登录"),
    "token.create": _l("生成 API 令牌"),
    "token.revoke": _l("撤销 API 令牌"),
    "contact_point.create": _l("创建联系点"),
    "contact_point.update": _l("修改联系点"),
    "invitation.create": _l("邀请提出意见"),
    "invitation.remind": _l("提醒受邀人提出意见"),
    "draft.create": _l("创建草案"),
    "draft.update": _l("修改草案"),
    "draft.version": _l("发布修改稿"),
    "article.explain": _l("修改条文释义"),
    "comment.publish": _l("公开意见"),
    "comment.reject": _l("不予公开"),
    "comment.spam": _l("标为垃圾信息"),
    "comment.bulk_publish": _l("批量公开意见"),
    "comment.bulk_reject": _l("批量不予公开"),
    "comment.bulk_spam": _l("批量标为垃圾信息"),
    "comment.undo": _l("撤销审核"),
    "comment.decide": _l("处理意见"),
    "comment.enter": _l("录入意见"),
    "review.note": _l("添加内部备注"),
    "review.assign": _l("分配任务"),
    "review.unassign": _l("取消分配"),
    "feedback.publish": _l("发布采纳情况反馈"),
    "feedback.revise": _l("开始修订采纳情况反馈"),
    "export.summary": _l("导出意见汇总表"),
    "export.queue": _l("排队导出意见汇总表"),
    "export.download": _l("下载导出的意见汇总表"),
    "contacts.purge": _l("删除联系方式"),
    "subscriptions.purge": _l("删除过期订阅地址"),
    "intake.import": _l("导入意见表格"),
    "group.split": _l("移出同类意见组"),
    "group.merge": _l("合并同类意见组"),
    "group.confirm": _l("确认同类意见组"),
    "group.publish": _l("全部公开同类意见组"),
    "group.reject": _l("同类意见组全部不予公开"),
    "theme.rebuild": _l("重新计算意见主题"),
    "theme.queue": _l("排队重新计算意见主题"),
    "theme.rename": _l("重命名意见主题"),
    "theme.merge": _l("合并意见主题"),
    "theme.move": _l("调整意见所属主题"),
    "summary.edit": _l("修改意见汇总（草稿）"),
    "summary.sign_off": _l("签发意见汇总"),
    "summary.download": _l("下载意见汇总"),
    "group.decide": _l("对同类意见组作出处理决定"),
}

# The kinds of object an audit row is about (the target's table), by name.
TARGET_TYPES = {
    "draft": _l("草案"),
    "comment": _l("意见"),
    "user": _l("账号"),
    "api_token": _l("API 令牌"),
    "contact_point": _l("联系点"),
    "intake_batch": _l("导入批次"),
    "review_note": _l("内部备注"),
    "assignment": _l("任务分配"),
    "comment_group": _l("同类意见组"),
    "theme": _l("意见主题"),
    "invitation": _l("征求意见邀请"),
}


class UnknownAuditAction(ValueError):
    """An action that is not in the registry: a programming error, never a user's."""


def action_label(action: str) -> str:
    """The Chinese name of an audit action (its code only for rows written before it was registered)."""
    return str(ACTIONS.get(action, action))


def target_type_label(target_type: str) -> str:
    """The Chinese name of the kind of object an audit row is about."""
    return str(TARGET_TYPES.get(target_type, target_type))


def record(
    session: Session,
    actor: User | None,
    ctx: RequestContext,
    action: str,
    target: Any,
    details: dict[str, Any] | None = None,
) -> AuditLog:
    """Append an audit row: who (actor), what (action), to which object (target), from where (ctx).

    Raises UnknownAuditAction for an action missing from ACTIONS.
    """
    if action not in ACTIONS:
        raise UnknownAuditAction(f"audit action {action!r} is not registered in consult.audit.ACTIONS")
    row = AuditLog(
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.username if actor is not None else "",
        action=action,
        target_type=getattr(target, "__tablename__", "") if target is not None else "",
        target_id=str(getattr(target, "id", "") or "") if target is not None else "",
        details=details or {},
        address_hash=ctx.address_hash,
    )
    session.add(row)
    return row
