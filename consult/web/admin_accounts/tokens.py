"""API tokens: issuing one for an account (shown once) and revoking one (asked first)."""

from __future__ import annotations

from flask import request, url_for

from consult.auth import operations as ops
from consult.auth import queries
from consult.auth.access import access, current_actor
from consult.errors import DomainError, NotFound
from consult.extensions import db
from consult.i18n import _
from consult.models import ApiToken
from consult.web.admin_accounts.common import bp, confirm, request_context, shown_once
from consult.web.admin_accounts.users import render_user


@bp.post("/users/<int:user_id>/tokens")
@access("admin")
def create_token(user_id: int):
    """Issue a named API token; it is shown once, on this answer."""
    name, actor = request.form.get("name", ""), current_actor()
    try:
        record, token = ops.create_token(actor, request_context(), user_id, name)
    except DomainError as err:
        return render_user(
            user_id, "token", errors=err.fields, message=err.message, token_name=name, status=err.status
        )
    user = queries.account(record.user_id)
    warning = _(
        "这是账号 %(name)s 的 API 令牌“%(token)s”，只显示这一次，系统只保存其摘要。请立即复制并妥善保存；"
        "丢失后只能撤销并重新生成。",
        name=user.username,
        token=record.name,
    )
    back = url_for("admin_accounts.user", user_id=user_id, _anchor="tokens")
    return shown_once(_("API 令牌已生成"), token, warning, back, user)


@bp.route("/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@access("admin")
def revoke_token(token_id: int):
    """Revoke an API token (after confirmation): it answers 401 from then on."""
    record = db.session.get(ApiToken, token_id)
    if record is None:
        raise NotFound(_("令牌不存在"))
    actor, username = current_actor(), record.user.username
    return confirm(
        _("撤销令牌“%(token)s”", token=record.name),
        _("撤销后，使用该令牌的程序将立即无法访问（账号 %(name)s）。此操作不能撤回。", name=username),
        _("确认撤销"),
        url_for("admin_accounts.user", user_id=record.user_id, _anchor="tokens"),
        lambda: ops.revoke_token(actor, request_context(), token_id),
        _("已撤销令牌“%(token)s”。", token=record.name),
    )
