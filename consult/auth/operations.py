"""Account operations: create users and contact points, authenticate, issue API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import func, select

from consult import audit
from consult.auth.passwords import hash_password, verify_password
from consult.clock import utcnow
from consult.context import RequestContext
from consult.db import write_transaction
from consult.errors import Conflict, DomainError, RateLimited, ValidationError
from consult.extensions import db
from consult.i18n import _
from consult.models import ApiToken, ContactPoint, LoginAttempt, User
from consult.models.enums import ROLES
from consult.models.users import new_session_nonce

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{2,80}$")


class Unauthenticated(DomainError):
    """Wrong user name or password (never says which)."""

    code = "unauthorized"
    status = 400


SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9\-]{1,78}[a-z0-9]$")
PASSWORD_MIN = 10


def create_contact_point(
    actor: User | None, ctx: RequestContext, slug: str, name: str, district: str | None = None
) -> ContactPoint:
    """Register a grassroots legislative contact point."""
    slug, name = (slug or "").strip(), (name or "").strip()
    errors = {}
    if not SLUG_RE.match(slug):
        errors["slug"] = _("标识只能使用小写字母、数字和连字符，长度3至80个字符")
    if not name or len(name) > 120:
        errors["name"] = _("请填写联系点名称（不超过120个字符）")
    if errors:
        raise ValidationError(next(iter(errors.values())), errors)
    with write_transaction() as session:
        if session.scalar(select(ContactPoint.id).where(ContactPoint.slug == slug)):
            raise Conflict(_("标识为 %(slug)s 的联系点已存在", slug=slug), {"slug": _("该标识已被使用")})
        point = ContactPoint(slug=slug, name=name, district=(district or "").strip() or None)
        session.add(point)
        session.flush()
        audit.record(session, actor, ctx, "contact_point.create", point, {"slug": slug, "name": name})
    return point


def create_user(
    actor: User | None,
    ctx: RequestContext,
    username: str,
    password: str,
    role: str,
    contact_point_slug: str | None = None,
    display_name: str | None = None,
) -> User:
    """Create an account; a contact-point operator is bound to one contact point."""
    username = (username or "").strip()
    errors: dict[str, str] = {}
    if not USERNAME_RE.match(username):
        errors["username"] = _("用户名只能使用字母、数字、下划线、点和连字符，长度2至80个字符")
    if role not in ROLES:
        errors["role"] = _("角色必须是 admin、staff 或 contact_point 之一")
    if len(password or "") < PASSWORD_MIN:
        errors["password"] = _("密码至少需要%(n)d个字符", n=PASSWORD_MIN)
    if role == "contact_point" and not contact_point_slug:
        errors["contact_point"] = _("联系点操作员账号必须指定所属联系点")
    if role != "contact_point" and contact_point_slug:
        errors["contact_point"] = _("只有联系点操作员账号可以指定联系点")
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
        )
        session.add(user)
        session.flush()
        audit.record(session, actor, ctx, "user.create", user, {"username": username, "role": role})
    return user


ACCOUNT_FAILURES = 5  # failed sign-ins per account within the window before it is paused
ADDRESS_FAILURES = 20  # failed sign-ins per address within the window
THROTTLE_WINDOW = timedelta(minutes=15)


def _throttled(username: str, address_hash: str | None, now) -> bool:
    since = now - THROTTLE_WINDOW
    last_success = db.session.scalar(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.username == username, LoginAttempt.succeeded)
    )
    account_since = max(since, last_success) if last_success else since
    account = db.session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.username == username, ~LoginAttempt.succeeded, LoginAttempt.at > account_since
        )
    )
    by_address = 0
    if address_hash:
        by_address = db.session.scalar(
            select(func.count(LoginAttempt.id)).where(
                LoginAttempt.address_hash == address_hash, ~LoginAttempt.succeeded, LoginAttempt.at > since
            )
        )
    return account >= ACCOUNT_FAILURES or by_address >= ADDRESS_FAILURES


def authenticate(ctx: RequestContext, username: str, password: str) -> User:
    """Check a sign-in; throttled per account and per address (counted in the database, so it holds
    across workers); every attempt is recorded and audited. Raises on failure."""
    username = (username or "").strip()[:80]
    now = utcnow()
    if _throttled(username, ctx.address_hash, now):
        db.session.rollback()
        with write_transaction() as session:
            audit.record(session, None, ctx, "auth.login_throttled", None, {"username": username})
        raise RateLimited(
            _("登录失败次数过多，请%(n)d分钟后再试。", n=int(THROTTLE_WINDOW.total_seconds() // 60))
        )
    user = db.session.scalar(select(User).where(User.username == username)) if username else None
    ok = verify_password(user.password_hash if user else None, password or "") and bool(user and user.active)
    db.session.rollback()  # end the read before writing the attempt
    with write_transaction() as session:
        session.add(LoginAttempt(username=username, address_hash=ctx.address_hash, succeeded=ok, at=now))
        if ok and user is not None:
            user = session.merge(user)
            user.last_login_at = now
            audit.record(session, user, ctx, "auth.login", user, {})
        else:
            audit.record(session, None, ctx, "auth.login_failed", None, {"username": username})
    if not ok:
        raise Unauthenticated(_("用户名或密码不正确。"))
    return user


def sign_out_everywhere(user_id: int, ctx: RequestContext) -> None:
    """Rotate the session nonce: every cookie issued before stops working."""
    with write_transaction() as session:
        user = session.get(User, user_id)
        if user is not None:
            user.session_nonce = new_session_nonce()
            audit.record(session, user, ctx, "auth.logout", user, {})


def token_digest(token: str) -> str:
    """The stored form of an API token."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(actor: User | None, ctx: RequestContext, username: str, name: str = "") -> str:
    """Create a personal API token for an account; returns the token, which is never stored."""
    token = "cst_" + secrets.token_urlsafe(32)
    with write_transaction() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise ValidationError(_("用户 %(name)s 不存在", name=username), {"username": _("用户不存在")})
        record = ApiToken(user_id=user.id, token_hash=token_digest(token), name=name[:80])
        session.add(record)
        session.flush()
        audit.record(session, actor, ctx, "token.create", record, {"user": username})
    return token
