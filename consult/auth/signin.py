"""Signing in and out: throttled per account and per address, counted in the database."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import func, select, text

from consult import audit
from consult.auth.passwords import verify_password
from consult.clock import utcnow
from consult.context import RequestContext
from consult.db import write_transaction
from consult.errors import DomainError, RateLimited
from consult.extensions import db
from consult.i18n import _
from consult.models import LoginAttempt, User
from consult.models.users import new_session_nonce


class Unauthenticated(DomainError):
    """Wrong user name or password (never says which)."""

    code = "unauthorized"
    status = 400


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


def _serialise(session, username: str, address_hash: str | None) -> None:
    """Make check-and-count one step per account and address, across workers.

    SQLite already runs one writer at a time (write_transaction begins IMMEDIATE); PostgreSQL takes
    transaction-scoped advisory locks on the account and the address, always in the same order.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted(
        int.from_bytes(hashlib.sha256(f"login:{part}".encode()).digest()[:8], "big", signed=True)
        for part in {f"user:{username}", f"address:{address_hash or ''}"}
    )
    for key in keys:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _reserve_attempt(ctx: RequestContext, username: str, now) -> int | None:
    """Count this attempt as a failure before the password is checked; None when throttled.

    Checking the count and recording the attempt in one serialised transaction means that
    simultaneous guesses cannot all pass the check before any of them is counted.
    """
    with write_transaction() as session:
        _serialise(session, username, ctx.address_hash)
        if _throttled(username, ctx.address_hash, now):
            audit.record(session, None, ctx, "auth.login_throttled", None, {"username": username})
            return None
        attempt = LoginAttempt(username=username, address_hash=ctx.address_hash, succeeded=False, at=now)
        session.add(attempt)
        session.flush()
        return attempt.id


def authenticate(ctx: RequestContext, username: str, password: str) -> User:
    """Check a sign-in; throttled per account and per address (counted in the database, so it holds
    across workers); every attempt is recorded and audited. Raises on failure."""
    username = (username or "").strip()[:80]
    now = utcnow()
    db.session.rollback()
    attempt_id = _reserve_attempt(ctx, username, now)
    if attempt_id is None:
        raise RateLimited(
            _("登录失败次数过多，请%(n)d分钟后再试。", n=int(THROTTLE_WINDOW.total_seconds() // 60))
        )
    user = db.session.scalar(select(User).where(User.username == username)) if username else None
    ok = verify_password(user.password_hash if user else None, password or "") and bool(user and user.active)
    db.session.rollback()  # end the read before writing the outcome
    with write_transaction() as session:
        if ok and user is not None:
            session.get(LoginAttempt, attempt_id).succeeded = True
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
