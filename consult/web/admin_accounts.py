"""Accounts for admins: users, API tokens and contact points (thin doors over consult.auth.operations).

A generated password or a new API token is shown once, in the answer to the POST that made it, and
never stored anywhere (not even in the signed session cookie): that answer is `no-store` and the page
says to copy it now. Every other successful POST redirects (303). Destructive actions (deactivate,
sign out everywhere, revoke) ask first: their GET is the confirmation page, and a POST without
`confirm=1` only shows that page again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_user
from sqlalchemy import select

from consult.audit import action_label
from consult.auth import operations as ops
from consult.auth import queries
from consult.auth.access import access, current_actor
from consult.context import RequestContext
from consult.errors import DomainError, NotFound
from consult.extensions import db
from consult.i18n import _
from consult.models import ApiToken, ContactPoint, User
from consult.models.enums import ROLES
from consult.web.forms import form_page

bp = Blueprint("admin_accounts", __name__, url_prefix="/admin")


# --- Shared pieces of the doors -----------------------------------------------------------------


def _ctx() -> RequestContext:
    return RequestContext.from_request()


def _shown_once(title: str, secret: str, warning: str, back: str, user: User):
    """The one answer that carries a generated password or a new token: never cached, never stored."""
    html = render_template(
        "admin/accounts/secret.html", title=title, secret=secret, warning=warning, back=back, user=user
    )
    return html, 200, {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _confirm(title: str, message: str, button: str, cancel: str, run: Callable[[], Any], done: str):
    """A destructive action: GET (or a POST without confirm=1) shows the question; a confirmed POST runs."""
    if request.method == "GET" or request.form.get("confirm") != "1":
        return render_template(
            "admin/accounts/confirm.html", title=title, message=message, button=button, cancel=cancel
        )
    try:
        run()
    except DomainError as err:
        flash(err.message, "error")
    else:
        flash(done)
    return redirect(cancel, code=303)


def _password_choice() -> tuple[str, str | None, bool]:
    form = request.form
    return form.get("password", ""), form.get("password_repeat", ""), form.get("password_mode") == "generate"


# --- Users --------------------------------------------------------------------------------------


@bp.get("/users")
@access("admin")
def users():
    """Every account with its role, contact point, state, last sign-in and active tokens."""
    role = request.args.get("role") if request.args.get("role") in ROLES else None
    state = request.args.get("state") if request.args.get("state") in ("active", "inactive") else "all"
    point = request.args.get("contact_point") or None
    rows = queries.user_rows(role, state, point)
    return render_template(
        "admin/accounts/users.html",
        rows=rows,
        role=role,
        state=state,
        point=point,
        points=queries.all_contact_points(),
        roles=ROLES,
    )


def _render_new_user(values: dict[str, str], errors: dict[str, str], message: str | None, status: int):
    return form_page(
        "admin/accounts/user_new.html",
        status,
        values=values,
        errors=errors,
        message=message,
        points=queries.all_contact_points(),
        roles=ROLES,
    )


@bp.get("/users/new")
@access("admin")
def new_user():
    """The form to create an account (role and contact point may be prefilled from the query)."""
    values = {key: request.args.get(key, "") for key in ("role", "contact_point")}
    return _render_new_user(values, {}, None, 200)


@bp.post("/users/new")
@access("admin")
def create_user():
    """Create an account; a generated password is shown once, on this answer."""
    form = request.form
    password, repeat, generate = _password_choice()
    data = ops.NewAccount(
        username=form.get("username", ""),
        role=form.get("role", ""),
        display_name=form.get("display_name", ""),
        contact_point_slug=form.get("contact_point") or None,
        password=password,
        password_repeat=repeat,
        generate_password=generate,
    )
    actor = current_actor()
    try:
        user, generated = ops.add_user(actor, _ctx(), data)
    except DomainError as err:
        kept = {
            k: form.get(k, "") for k in ("username", "display_name", "role", "contact_point", "password_mode")
        }
        return _render_new_user(kept, err.fields, err.message, err.status)
    back = url_for("admin_accounts.user", user_id=user.id)
    if generated:
        warning = _(
            "这是账号 %(name)s 的初始密码，只显示这一次。请立即复制，并通过安全的方式交给本人。",
            name=user.username,
        )
        return _shown_once(_("账号已创建"), generated, warning, back, user)
    flash(_("已创建账号 %(name)s。", name=user.username))
    return redirect(back, code=303)


def _render_user(user_id: int, failed="", values=None, errors=None, message=None, token_name="", status=200):
    user = queries.account(user_id)
    tokens = list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user_id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )
    values = values or {
        "display_name": user.display_name,
        "role": user.role,
        "contact_point": user.contact_point.slug if user.contact_point else "",
    }
    return form_page(
        "admin/accounts/user.html",
        status,
        user=user,
        tokens=tokens,
        history=queries.account_history(user_id, [t.id for t in tokens]),
        action_label=action_label,
        is_self=current_actor().id == user.id,
        values=values,
        errors=errors,
        message=message,
        failed=failed,
        token_name=token_name,
        points=queries.all_contact_points(),
        roles=ROLES,
    )


@bp.get("/users/<int:user_id>")
@access("admin")
def user(user_id: int):
    """One account: edit it, its security actions, its API tokens and its recent history."""
    return _render_user(user_id)


@bp.post("/users/<int:user_id>")
@access("admin")
def update_user(user_id: int):
    """Change display name, role and contact point."""
    form = request.form
    actor = current_actor()
    try:
        ops.update_user(
            actor, _ctx(), user_id, form.get("display_name"), form.get("role", ""), form.get("contact_point")
        )
    except DomainError as err:
        kept = {k: form.get(k, "") for k in ("display_name", "role", "contact_point")}
        return _render_user(user_id, "edit", kept, err.fields, err.message, status=err.status)
    flash(_("已保存账号信息。"))
    return redirect(url_for("admin_accounts.user", user_id=user_id), code=303)


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@access("admin")
def deactivate_user(user_id: int):
    """Deactivate an account (after confirmation): its sessions end at once, its tokens stop working."""
    user, actor = queries.account(user_id), current_actor()
    return _confirm(
        _("停用账号 %(name)s", name=user.username),
        _("停用后，该账号将无法登录，已登录的会话立即失效，其 API 令牌也不再可用。可随时重新启用。"),
        _("确认停用"),
        url_for("admin_accounts.user", user_id=user_id),
        lambda: ops.set_user_active(actor, _ctx(), user_id, False),
        _("已停用账号 %(name)s。", name=user.username),
    )


@bp.route("/users/<int:user_id>/reactivate", methods=["GET", "POST"])
@access("admin")
def reactivate_user(user_id: int):
    """Reactivate an account (after confirmation)."""
    user, actor = queries.account(user_id), current_actor()
    return _confirm(
        _("重新启用账号 %(name)s", name=user.username),
        _("重新启用后，该账号可以用原密码登录，未撤销的 API 令牌也将恢复可用。"),
        _("确认启用"),
        url_for("admin_accounts.user", user_id=user_id),
        lambda: ops.set_user_active(actor, _ctx(), user_id, True),
        _("已重新启用账号 %(name)s。", name=user.username),
    )


@bp.route("/users/<int:user_id>/sign-out", methods=["GET", "POST"])
@access("admin")
def sign_out_user(user_id: int):
    """End every session of an account (after confirmation)."""
    user, actor = queries.account(user_id), current_actor()
    return _confirm(
        _("让 %(name)s 退出所有登录", name=user.username),
        _("该账号在所有设备上的登录会话将立即失效，需要重新登录。密码和 API 令牌不受影响。"),
        _("确认退出所有登录"),
        url_for("admin_accounts.user", user_id=user_id),
        lambda: ops.end_sessions(actor, _ctx(), user_id),
        _("账号 %(name)s 已在所有设备上退出登录。", name=user.username),
    )


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@access("admin")
def reset_password(user_id: int):
    """Set a new password, entered twice or generated (then shown once); the account's sessions end."""
    user, actor = queries.account(user_id), current_actor()
    if request.method == "GET":
        return form_page("admin/accounts/password.html", user=user, mode="")
    password, repeat, generate = _password_choice()
    try:
        user, generated = ops.reset_password(actor, _ctx(), user_id, password, repeat, generate)
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
    back = url_for("admin_accounts.user", user_id=user_id)
    if generated:
        warning = _(
            "这是账号 %(name)s 的新密码，只显示这一次。请立即复制，并通过安全的方式交给本人。",
            name=user.username,
        )
        return _shown_once(_("密码已重置"), generated, warning, back, user)
    flash(_("已重置账号 %(name)s 的密码，其所有登录会话已失效。", name=user.username))
    return redirect(back, code=303)


# --- API tokens ---------------------------------------------------------------------------------


@bp.post("/users/<int:user_id>/tokens")
@access("admin")
def create_token(user_id: int):
    """Issue a named API token; it is shown once, on this answer."""
    name, actor = request.form.get("name", ""), current_actor()
    try:
        record, token = ops.create_token(actor, _ctx(), user_id, name)
    except DomainError as err:
        return _render_user(
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
    return _shown_once(_("API 令牌已生成"), token, warning, back, user)


@bp.route("/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@access("admin")
def revoke_token(token_id: int):
    """Revoke an API token (after confirmation): it answers 401 from then on."""
    record = db.session.get(ApiToken, token_id)
    if record is None:
        raise NotFound(_("令牌不存在"))
    actor, username = current_actor(), record.user.username
    return _confirm(
        _("撤销令牌“%(token)s”", token=record.name),
        _("撤销后，使用该令牌的程序将立即无法访问（账号 %(name)s）。此操作不能撤回。", name=username),
        _("确认撤销"),
        url_for("admin_accounts.user", user_id=record.user_id, _anchor="tokens"),
        lambda: ops.revoke_token(actor, _ctx(), token_id),
        _("已撤销令牌“%(token)s”。", token=record.name),
    )


# --- Contact points -----------------------------------------------------------------------------


def _render_points(values: dict[str, str], errors: dict[str, str], message: str | None, status: int):
    return form_page(
        "admin/accounts/contact_points.html",
        status,
        rows=queries.contact_point_rows(),
        values=values,
        errors=errors,
        message=message,
    )


@bp.get("/contact-points")
@access("admin")
def contact_points():
    """Every contact point with its operators and comments, and the form to register one."""
    return _render_points({}, {}, None, 200)


@bp.post("/contact-points")
@access("admin")
def create_contact_point():
    """Register a contact point."""
    form, actor = request.form, current_actor()
    try:
        point = ops.create_contact_point(
            actor, _ctx(), form.get("slug", ""), form.get("name", ""), form.get("district"), form.get("email")
        )
    except DomainError as err:
        kept = {k: form.get(k, "") for k in ("slug", "name", "district", "email")}
        return _render_points(kept, err.fields, err.message, err.status)
    flash(_("已登记联系点“%(name)s”。", name=point.name))
    return redirect(url_for("admin_accounts.contact_points"), code=303)


def _render_point(point_id: int, values=None, errors=None, message=None, status=200):
    point = db.session.get(ContactPoint, point_id)
    if point is None:
        raise NotFound(_("联系点不存在"))
    operators = list(
        db.session.scalars(
            select(User).where(User.contact_point_id == point_id).order_by(User.active.desc(), User.username)
        )
    )
    values = values or {"name": point.name, "district": point.district or "", "email": point.email or ""}
    return form_page(
        "admin/accounts/contact_point.html",
        status,
        point=point,
        operators=operators,
        values=values,
        errors=errors,
        message=message,
    )


@bp.get("/contact-points/<int:point_id>")
@access("admin")
def contact_point(point_id: int):
    """One contact point: edit its name, district and notification email, see its operators."""
    return _render_point(point_id)


@bp.post("/contact-points/<int:point_id>")
@access("admin")
def update_contact_point(point_id: int):
    """Change a contact point's name, district and notification email."""
    form, actor = request.form, current_actor()
    try:
        ops.update_contact_point(
            actor, _ctx(), point_id, form.get("name", ""), form.get("district"), form.get("email", "")
        )
    except DomainError as err:
        kept = {k: form.get(k, "") for k in ("name", "district", "email")}
        return _render_point(point_id, kept, err.fields, err.message, err.status)
    flash(_("已保存联系点信息。"))
    return redirect(url_for("admin_accounts.contact_point", point_id=point_id), code=303)
