"""Accounts: the list, creating one (a generated password shown once) and editing one."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from consult.audit import action_label
from consult.auth import operations as ops
from consult.auth import queries
from consult.auth.access import access, current_actor
from consult.errors import DomainError
from consult.extensions import db
from consult.i18n import _
from consult.models import ApiToken
from consult.models.enums import ROLES
from consult.web.admin_accounts.common import bp, password_choice, password_set, request_context
from consult.web.forms import form_page


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
    password, repeat, generate = password_choice()
    data = ops.NewAccount(
        username=form.get("username", ""),
        role=form.get("role", ""),
        display_name=form.get("display_name", ""),
        contact_point_slug=form.get("contact_point") or None,
        email=form.get("email", ""),
        password=password,
        password_repeat=repeat,
        generate_password=generate,
    )
    actor = current_actor()
    try:
        user, generated = ops.add_user(actor, request_context(), data)
    except DomainError as err:
        kept = {
            k: form.get(k, "")
            for k in ("username", "display_name", "role", "contact_point", "password_mode", "email")
        }
        return _render_new_user(kept, err.fields, err.message, err.status)
    return password_set(
        user,
        generated,
        url_for("admin_accounts.user", user_id=user.id),
        _("账号已创建"),
        _(
            "这是账号 %(name)s 的初始密码，只显示这一次。请立即复制，并通过安全的方式交给本人。",
            name=user.username,
        ),
        _("已创建账号 %(name)s。", name=user.username),
    )


def render_user(user_id: int, failed="", values=None, errors=None, message=None, token_name="", status=200):
    """One account's page (form, security actions, tokens, history); after a refusal, its input kept."""
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
        "email": user.email or "",
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
    return render_user(user_id)


@bp.post("/users/<int:user_id>")
@access("admin")
def update_user(user_id: int):
    """Change display name, role and contact point."""
    form = request.form
    actor = current_actor()
    try:
        ops.update_user(
            actor,
            request_context(),
            user_id,
            form.get("display_name"),
            form.get("role", ""),
            form.get("contact_point"),
            form.get("email", ""),
        )
    except DomainError as err:
        kept = {k: form.get(k, "") for k in ("display_name", "role", "contact_point", "email")}
        return render_user(user_id, "edit", kept, err.fields, err.message, status=err.status)
    flash(_("已保存账号信息。"))
    return redirect(url_for("admin_accounts.user", user_id=user_id), code=303)
