"""Account operations: users, sessions and API tokens (CLI and admin pages); contact points beside them."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from consult import audit

# The contact points' operations live beside these; imported here too, where the doors have found them.
from consult.auth.contact_points import (  # noqa: F401
    EMAIL_MAX,
    create_contact_point,
    normalise_email,
    update_contact_point,
)
from consult.auth.passwords import hash_password
from consult.clock import utcnow
from consult.context import RequestContext
from consult.db import write_transaction
from consult.errors import Conflict, Forbidden, NotFound, ValidationError
from consult.i18n import _
from consult.models import ApiToken, ContactPoint, User
from consult.models.enums import ROLES
from consult.models.users import COMMENTING_ROLES, new_session_nonce
from consult.personal_data import EMAIL
from consult.sanitize import plain_text, raw_length_over

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{2,80}$")


PASSWORD_MIN = 10


DISPLAY_NAME_MAX, TOKEN_NAME_MAX = 80, 80
_KEEP = object()  # update_user: leave the email address as it is


def _account_email(email: str | None) -> tuple[str | None, dict[str, str]]:
    """A deputy's or expert's address as stored (trimmed, lower-cased domain) and what is wrong with it."""
    value = normalise_email(email)
    if value is not None and (len(value) > EMAIL_MAX or not EMAIL.match(value)):
        message = _("电子邮箱格式不正确，请填写有效的电子邮箱地址，例如 zhangsan@example.gov.cn")
        return value, {"email": message}
    return value, {}


def _commenter_errors(role: str, display_name: str | None, email: str | None) -> dict[str, str]:
    """A deputy or expert comments under their real name and is invited by mail: both are required."""
    if role not in COMMENTING_ROLES:
        return {}
    errors = {}
    if not (display_name or "").strip():
        errors["display_name"] = _("人大代表和立法专家顾问的账号须填写姓名（显示名称），其意见以此署名公开")
    if not email:
        errors["email"] = _("人大代表和立法专家顾问的账号须填写电子邮箱，用于发送征求意见邀请")
    return errors


def _user_field_errors(
    username: str, password: str | None, role: str, contact_point_slug: str | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not USERNAME_RE.match(username):
        errors["username"] = _("用户名只能使用字母、数字、下划线、点和连字符，长度2至80个字符")
    role_errors = _role_errors(role, contact_point_slug)
    if "role" in role_errors:
        errors["role"] = role_errors.pop("role")
    if len(password or "") < PASSWORD_MIN:
        errors["password"] = _("密码至少需要%(n)d个字符", n=PASSWORD_MIN)
    return errors | role_errors


def _role_errors(role: str, contact_point_slug: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if role not in ROLES:
        errors["role"] = _("角色必须是 admin、staff、contact_point、deputy 或 expert 之一")
    if role == "contact_point" and not contact_point_slug:
        errors["contact_point"] = _("联系点操作员账号必须指定所属联系点")
    if role != "contact_point" and contact_point_slug:
        errors["contact_point"] = _("只有联系点操作员账号可以指定联系点")
    return errors


def create_user(
    actor: User | None,
    ctx: RequestContext,
    username: str,
    password: str,
    role: str,
    contact_point_slug: str | None = None,
    display_name: str | None = None,
    email: str | None = None,
) -> User:
    """Create an account; a contact-point operator is bound to one contact point; a deputy or an expert
    needs their name (their comments are signed with it) and an e-mail address (for invitations)."""
    username = (username or "").strip()
    display_name, name_errors = _display_name(display_name)
    email, email_errors = _account_email(email)
    errors = _user_field_errors(username, password, role, contact_point_slug) | name_errors | email_errors
    errors = _commenter_errors(role, display_name, email) | errors
    if errors:
        raise ValidationError(next(iter(errors.values())), errors)
    password_hash = hash_password(password)
    with write_transaction() as session:
        if session.scalar(select(User.id).where(User.username == username)):
            raise Conflict(_("用户名 %(name)s 已存在", name=username), {"username": _("该用户名已被使用")})
        point_id = None
        if contact_point_slug:
            point_id = session.scalar(select(ContactPoint.id).where(ContactPoint.slug == contact_point_slug))
            if point_id is None:
                raise ValidationError(
                    _("联系点 %(slug)s 不存在", slug=contact_point_slug), {"contact_point": _("联系点不存在")}
                )
        user = User(
            username=username,
            display_name=(display_name or username),
            password_hash=password_hash,
            role=role,
            contact_point_id=point_id,
            email=email,
        )
        session.add(user)
        session.flush()
        audit.record(session, actor, ctx, "user.create", user, {"username": username, "role": role})
    return user


def token_digest(token: str) -> str:
    """The stored form of an API token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> str:
    return "cst_" + secrets.token_urlsafe(32)


def issue_token(actor: User | None, ctx: RequestContext, username: str, name: str = "") -> str:
    """Create a personal API token for an account; returns the token, which is never stored."""
    token = _new_token()
    with write_transaction() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise ValidationError(_("用户 %(name)s 不存在", name=username), {"username": _("用户不存在")})
        record = ApiToken(user_id=user.id, token_hash=token_digest(token), name=name[:80])
        session.add(record)
        session.flush()
        audit.record(session, actor, ctx, "token.create", record, {"user": username})
    return token


# ---------------------------------------------------------------------------------------------------
# Administration: the admin pages' operations. An admin may not lock themselves out: they cannot
# deactivate their own account or change their own role, so at least one active admin always remains.

# No 0/O, 1/l/I: a generated password is often read out or typed from a screen.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_password() -> str:
    """A random password that is easy to read and type: four dash-joined groups of four (≈92 bits)."""
    return "-".join("".join(secrets.choice(PASSWORD_ALPHABET) for _i in range(4)) for _g in range(4))


def _password_errors(password: str, password_repeat: str | None) -> dict[str, str]:
    if len(password or "") < PASSWORD_MIN:
        return {"password": _("密码至少需要%(n)d个字符", n=PASSWORD_MIN)}
    if password_repeat is not None and password != password_repeat:
        return {"password_repeat": _("两次输入的密码不一致")}
    return {}


def _display_name(value: str | None) -> tuple[str, dict[str, str]]:
    too_long = raw_length_over(value, DISPLAY_NAME_MAX)  # refused before cleaning (sanitize.raw_max)
    name = "" if too_long else plain_text(value or "").strip()
    if too_long or len(name) > DISPLAY_NAME_MAX:
        return name, {"display_name": _("显示名称不能超过%(n)d个字符", n=DISPLAY_NAME_MAX)}
    return name, {}


def _raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(next(iter(errors.values())), errors)


def _user(session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("账号不存在"))
    return user


def _is_self(actor: User | None, user: User) -> bool:
    return actor is not None and actor.id == user.id


@dataclass(frozen=True)
class NewAccount:
    """What the admin form gives to create an account."""

    username: str
    role: str
    display_name: str = ""
    contact_point_slug: str | None = None
    password: str = ""
    password_repeat: str | None = None
    generate_password: bool = False
    email: str = ""


def add_user(actor: User | None, ctx: RequestContext, data: NewAccount) -> tuple[User, str | None]:
    """Create an account with a password entered twice, or generated; returns the generated one once."""
    # A contact point picked in the form counts only for an operator (the select stays filled in
    # when the admin switches the role without JavaScript).
    slug = (data.contact_point_slug or "").strip() or None if data.role == "contact_point" else None
    password = generate_password() if data.generate_password else data.password
    display_name, errors = _display_name(data.display_name)
    email, email_errors = _account_email(data.email)
    errors = _user_field_errors((data.username or "").strip(), password, data.role, slug) | errors
    errors = _commenter_errors(data.role, display_name, email) | errors | email_errors
    if not data.generate_password:
        errors = _password_errors(password, data.password_repeat) | errors
    _raise_if(errors)
    user = create_user(actor, ctx, data.username, password, data.role, slug, display_name or None, email)
    return user, password if data.generate_password else None


def update_user(
    actor: User | None,
    ctx: RequestContext,
    user_id: int,
    display_name: str | None,
    role: str,
    contact_point_slug: str | None = None,
    email: str | object | None = _KEEP,
) -> User:
    """Change an account's display name, role, contact point and e-mail address (``email`` left out keeps
    it); an admin cannot change their own role."""
    slug = (contact_point_slug or "").strip() or None if role == "contact_point" else None
    display_name, errors = _display_name(display_name)
    keep_email = email is _KEEP
    email, email_errors = (None, {}) if keep_email else _account_email(email)  # type: ignore[arg-type]
    _raise_if(_role_errors(role, slug) | errors | email_errors)
    with write_transaction() as session:
        user = _user(session, user_id)
        if _is_self(actor, user) and role != user.role:
            raise Forbidden(
                _("不能更改自己账号的角色，请由另一位管理员操作。"), {"role": _("不能更改自己的角色")}
            )
        point = None
        if slug:
            point = session.scalar(select(ContactPoint).where(ContactPoint.slug == slug))
            if point is None:
                raise ValidationError(
                    _("联系点 %(slug)s 不存在", slug=slug), {"contact_point": _("联系点不存在")}
                )
        before = {
            "display_name": user.display_name,
            "role": user.role,
            "contact_point": user.contact_point.slug if user.contact_point else None,
            "email": user.email,
        }
        after = {
            "display_name": display_name or user.username,
            "role": role,
            "contact_point": slug,
            "email": user.email if keep_email else email,
        }
        _raise_if(_commenter_errors(role, display_name, after["email"]))
        changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
        if changes:
            user.display_name, user.role, user.email = after["display_name"], role, after["email"]
            user.contact_point_id = point.id if point else None
            audit.record(session, actor, ctx, "user.update", user, {"username": user.username, **changes})
    return user


def set_user_active(actor: User | None, ctx: RequestContext, user_id: int, active: bool) -> User:
    """Deactivate (its sessions end at once, its tokens stop working) or reactivate an account."""
    with write_transaction() as session:
        user = _user(session, user_id)
        if not active and _is_self(actor, user):
            raise Forbidden(_("不能停用自己的账号，请由另一位管理员操作。"))
        if user.active == active:
            raise Conflict(_("该账号已是启用状态。") if active else _("该账号已是停用状态。"))
        user.active = active
        if not active:
            user.session_nonce = new_session_nonce()
        action = "user.reactivate" if active else "user.deactivate"
        audit.record(session, actor, ctx, action, user, {"username": user.username})
    return user


def reset_password(
    actor: User | None,
    ctx: RequestContext,
    user_id: int,
    password: str = "",
    password_repeat: str | None = None,
    generate: bool = False,
) -> tuple[User, str | None]:
    """Set a new password (entered twice, or generated and returned once); the account's sessions end."""
    if generate:
        password = generate_password()
    else:
        _raise_if(_password_errors(password, password_repeat))
    password_hash = hash_password(password)
    with write_transaction() as session:
        user = _user(session, user_id)
        user.password_hash = password_hash
        user.session_nonce = new_session_nonce()
        audit.record(
            session,
            actor,
            ctx,
            "user.password_reset",
            user,
            {"username": user.username, "generated": generate},
        )
    return user, password if generate else None


def end_sessions(actor: User | None, ctx: RequestContext, user_id: int) -> User:
    """Sign an account out everywhere on an admin's word (rotates its session nonce)."""
    with write_transaction() as session:
        user = _user(session, user_id)
        user.session_nonce = new_session_nonce()
        audit.record(session, actor, ctx, "user.sign_out_everywhere", user, {"username": user.username})
    return user


def create_token(actor: User | None, ctx: RequestContext, user_id: int, name: str) -> tuple[ApiToken, str]:
    """Issue a named API token for an active account; returns the record and the token, shown once."""
    too_long = raw_length_over(name, TOKEN_NAME_MAX)  # refused before cleaning (sanitize.raw_max)
    name = "" if too_long else plain_text(name or "").strip()
    if not name or len(name) > TOKEN_NAME_MAX:
        raise ValidationError(
            _("请填写令牌名称（不超过%(n)d个字符）", n=TOKEN_NAME_MAX), {"name": _("请填写令牌名称")}
        )
    token = _new_token()
    with write_transaction() as session:
        user = _user(session, user_id)
        if not user.active:
            raise Conflict(_("账号已停用，不能签发令牌。"))
        record = ApiToken(user_id=user.id, token_hash=token_digest(token), name=name)
        session.add(record)
        session.flush()
        audit.record(session, actor, ctx, "token.create", record, {"user": user.username, "name": name})
    return record, token


def revoke_token(actor: User | None, ctx: RequestContext, token_id: int) -> ApiToken:
    """Revoke an API token: from now on it answers 401."""
    with write_transaction() as session:
        record = session.get(ApiToken, token_id)
        if record is None:
            raise NotFound(_("令牌不存在"))
        if record.revoked_at is not None:
            raise Conflict(_("该令牌已被撤销。"))
        record.revoked_at = utcnow()
        audit.record(
            session, actor, ctx, "token.revoke", record, {"user": record.user.username, "name": record.name}
        )
    return record
