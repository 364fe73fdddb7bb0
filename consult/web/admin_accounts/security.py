"""An account's security actions: deactivate, reactivate and sign out everywhere (each asked first),
and a new password (entered twice or generated, then shown once)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import request, url_for
from flask_babel import LazyString
from flask_login import login_user

from consult.auth import operations as ops
from consult.auth import queries
from consult.auth.access import access, current_actor
from consult.context import RequestContext
from consult.errors import DomainError
from consult.i18n import _, _l
from consult.models import User
from consult.web.admin_accounts.common import bp, confirm, password_choice, password_set, request_context
from consult.web.forms import form_page


@dataclass(frozen=True)
class AccountAction:
    """A destructive action on one account, asked first. Its texts may name the account as %(name)s."""

    endpoint: str  # admin_accounts.<endpoint>, at /admin/users/<id>/<path>
    path: str
    doc: str
    title: LazyString
    message: LazyString
    button: LazyString
    done: LazyString
    run: Callable[[User | None, RequestContext, int], object]


ACCOUNT_ACTIONS = (
    AccountAction(
        "deactivate_user",
        "deactivate",
        "Deactivate an account (after confirmation): its sessions end at once, its tokens stop working.",
        _l("停用账号 %(name)s"),
        _l("停用后，该账号将无法登录，已登录的会话立即失效，其 API 令牌也不再可用。可随时重新启用。"),
        _l("确认停用"),
        _l("已停用账号 %(name)s。"),
        lambda actor, ctx, user_id: ops.set_user_active(actor, ctx, user_id, False),
    ),
    AccountAction(
        "reactivate_user",
        "reactivate",
        "Reactivate an account (after confirmation).",
        _l("重新启用账号 %(name)s"),
        _l("重新启用后，该账号可以用原密码登录，未撤销的 API 令牌也将恢复可用。"),
        _l("确认启用"),
        _l("已重新启用账号 %(name)s。"),
        lambda actor, ctx, user_id: ops.set_user_active(actor, ctx, user_id, True),
    ),
    AccountAction(
        "sign_out_user",
        "sign-out",
        "End every session of an account (after confirmation).",
        _l("让 %(name)s 退出所有登录"),
        _l("该账号在所有设备上的登录会话将立即失效，需要重新登录。密码和 API 令牌不受影响。"),
        _l("确认退出所有登录"),
        _l("账号 %(name)s 已在所有设备上退出登录。"),
        ops.end_sessions,
    ),
)


def _account_action_view(action: AccountAction) -> Callable:
    """The confirmation page (GET, or a POST without confirm=1) and the confirmed POST of one action."""

    def view(user_id: int):
        user, actor = queries.account(user_id), current_actor()
        name = {"name": user.username}
        return confirm(
            str(action.title % name),
            str(action.message % name),
            str(action.button),
            url_for("admin_accounts.user", user_id=user_id),
            lambda: action.run(actor, request_context(), user_id),
            str(action.done % name),
        )

    view.__name__, view.__doc__ = action.endpoint, action.doc
    return view


for _action in ACCOUNT_ACTIONS:
    bp.add_url_rule(
        f"/users/<int:user_id>/{_action.path}",
        endpoint=_action.endpoint,
        view_func=access("admin")(_account_action_view(_action)),
        methods=["GET", "POST"],
    )


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@access("admin")
def reset_password(user_id: int):
    """Set a new password, entered twice or generated (then shown once); the account's sessions end."""
    user, actor = queries.account(user_id), current_actor()
    if request.method == "GET":
        return form_page("admin/accounts/password.html", user=user, mode="")
    password, repeat, generate = password_choice()
    try:
        user, generated = ops.reset_password(actor, request_context(), user_id, password, repeat, generate)
    except DomainError as err:
        return form_page(
            "admin/accounts/password.html",
            err.status,
            user=queries.account(user_id),
            errors=err.fields,
            message=err.message,
            mode=request.form.get("password_mode", ""),
        )
    if actor.id == user.id:
        login_user(user)  # the reset ended every session, this one too: keep the admin signed in here
    return password_set(
        user,
        generated,
        url_for("admin_accounts.user", user_id=user_id),
        _("密码已重置"),
        _(
            "这是账号 %(name)s 的新密码，只显示这一次。请立即复制，并通过安全的方式交给本人。",
            name=user.username,
        ),
        _("已重置账号 %(name)s 的密码，其所有登录会话已失效。", name=user.username),
    )
