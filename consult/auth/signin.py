"""Signing in and out, with limits on guessing that strangers cannot turn against the owner.

Every attempt is a row in login_attempt (username, address hash, succeeded, at), counted as a failure
from the moment it is made until its password proves right. The counts live in the database, so they
hold across workers and instances, and checking them and recording the attempt is one serialised step
(`_serialise`), so simultaneous guesses cannot all slip under a limit. Three limits:

1. Per account and address (PAIR_FAILURES = 5). From one address, five failures at one account are
   followed by a pause: the sixth attempt is refused (429) as before, but only for PAIR_PAUSE_FIRST
   (1 minute) after the fifth failure instead of a flat 15 minutes. The pause then doubles with each
   further failure (1, 2, 4, 8 minutes) up to PAIR_PAUSE_MAX (15 minutes, the length of the old
   lock). Failures are remembered for PAIR_MEMORY (24 hours) after that pair's latest success, so the
   pauses keep growing instead of starting over: one address gets at most 12 guesses at one account
   in the first hour and about 100 a day, against 20 an hour (480 a day) under the old lock. The
   owner who mistypes waits a minute, not a quarter of an hour.
2. Per address (ADDRESS_FAILURES = 20 within THROTTLE_WINDOW = 15 minutes), across accounts: the 21st
   attempt is refused until the oldest of those failures is 15 minutes old, as before.
3. Per account, from every address together (ACCOUNT_CEILING = 20 within ACCOUNT_WINDOW = 1 hour). It
   holds a guesser spread over many addresses to 20 guesses an hour, the rate the old per-account lock
   allowed (5 per 15 minutes), so guessing from places the account has not signed in from is no
   faster than before (the burst is 20 instead of 5, the hourly total the same). Unlike that lock it
   does not stop the owner: an address that signed in to the account before (within KNOWN_FOR, 90 days), or a
   browser carrying the signed known-browser cookie for it (consult/auth/known_browsers.py), passes
   the ceiling; limits 1 and 2 still apply to it. A stranger can hold back only sign-ins from places
   the account has never used, and it costs them 20 requests an hour.

A success never resets limits 2 and 3 (they count failures only), only the pair's own count in limit 1.
The first time in an ACCOUNT_WINDOW that an attempt brings an existing account to its ceiling (or
finds it there), an "auth.account_under_attack" audit row is written about the account (once, not on
every attempt); admins see it on the account list and page (consult.auth.queries.sign_in_attacks).
A refusal says how many minutes to wait, and carries Retry-After.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import Session

from consult import audit
from consult.auth.known_browsers import KNOWN_FOR
from consult.auth.passwords import verify_password
from consult.clock import utcnow
from consult.context import RequestContext
from consult.db import write_transaction
from consult.errors import DomainError, RateLimited
from consult.extensions import db
from consult.i18n import _
from consult.models import AuditLog, LoginAttempt, User
from consult.models.users import new_session_nonce


class Unauthenticated(DomainError):
    """Wrong user name or password (never says which)."""

    code = "unauthorized"
    status = 400


PAIR_FAILURES = 5  # failures of one account from one address before the pauses begin
PAIR_PAUSE_FIRST = timedelta(minutes=1)  # the pause after the 5th failure; doubles with each further one
PAIR_PAUSE_MAX = timedelta(minutes=15)  # the longest pause (the old lock's length)
PAIR_MEMORY = timedelta(hours=24)  # how long a pair's failures count (reset by that pair's success)
ADDRESS_FAILURES = 20  # failed sign-ins per address, across accounts, within THROTTLE_WINDOW
THROTTLE_WINDOW = timedelta(minutes=15)
ACCOUNT_CEILING = 20  # failed sign-ins per account from all addresses within ACCOUNT_WINDOW
ACCOUNT_WINDOW = timedelta(hours=1)  # also: at most one under-attack audit row per account per window
UNDER_ATTACK = "auth.account_under_attack"


class SignInPaused(RateLimited):
    """Too many failed sign-ins: says how long to wait (retry_after, in seconds)."""

    def __init__(self, wait: timedelta, by_ceiling: bool):
        seconds = max(1, math.ceil(wait.total_seconds()))
        message = _("登录失败次数过多，请%(n)d分钟后再试。", n=math.ceil(seconds / 60))
        if by_ceiling:
            message += _("如您是账号本人，可在以前登录过的浏览器或网络上登录。")
        super().__init__(message)
        self.retry_after = seconds


@dataclass(frozen=True)
class _Refusal:
    wait: timedelta
    limits: tuple[str, ...]  # which of "pair", "address", "account" refused


def _failed(*where: ColumnElement[bool]) -> tuple[ColumnElement[bool], ...]:
    return (~LoginAttempt.succeeded, *where)


def _from(address_hash: str | None) -> ColumnElement[bool]:
    return LoginAttempt.address_hash == address_hash if address_hash else LoginAttempt.address_hash.is_(None)


def _window(
    session: Session, where, limit: int, window: timedelta, now: datetime
) -> tuple[int, timedelta | None]:
    """A sliding window: the failures younger than `window`, and None while they are fewer than `limit`,
    else how long until enough of them have aged out for one more attempt."""
    recent = (*_failed(*where), LoginAttempt.at > now - window)
    count = session.scalar(select(func.count(LoginAttempt.id)).where(*recent))
    if count < limit:
        return count, None
    oldest_first = select(LoginAttempt.at).where(*recent).order_by(LoginAttempt.at, LoginAttempt.id)
    ages_out = session.scalar(oldest_first.offset(count - limit).limit(1))
    return count, max(ages_out + window - now, timedelta(seconds=1))


def _pair_wait(session: Session, username: str, address_hash: str | None, now: datetime) -> timedelta | None:
    """The growing pause of one account from one address, or None."""
    pair = (LoginAttempt.username == username, _from(address_hash))
    since = now - PAIR_MEMORY
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(*pair, LoginAttempt.succeeded, LoginAttempt.at > since)
    )
    since = max(since, last_success) if last_success else since
    count, last = session.execute(
        select(func.count(LoginAttempt.id), func.max(LoginAttempt.at)).where(
            *_failed(*pair), LoginAttempt.at > since
        )
    ).one()
    if count < PAIR_FAILURES:
        return None
    doublings = min(count - PAIR_FAILURES, 10)  # 2**10 minutes is far past the cap already
    wait = last + min(PAIR_PAUSE_FIRST * 2**doublings, PAIR_PAUSE_MAX) - now
    return wait if wait > timedelta(0) else None


def _known_source(
    session: Session, username: str, address_hash: str | None, known_user_ids: Collection[int], now: datetime
) -> bool:
    """Whether this browser or this address signed in to the account before (then the ceiling is lifted)."""
    if known_user_ids:
        user_id = session.scalar(select(User.id).where(User.username == username))
        if user_id is not None and user_id in known_user_ids:
            return True
    if not address_hash:
        return False
    signed_in_here = select(LoginAttempt.id).where(
        LoginAttempt.username == username,
        LoginAttempt.address_hash == address_hash,
        LoginAttempt.succeeded,
        LoginAttempt.at > now - KNOWN_FOR,
    )
    return session.scalar(signed_in_here.limit(1)) is not None


def _tell_admins(session: Session, ctx: RequestContext, username: str, now: datetime) -> None:
    """Record that an account is at its ceiling, at most once per ACCOUNT_WINDOW (only for real accounts)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        return
    already = session.scalar(
        select(AuditLog.id)
        .where(
            AuditLog.action == UNDER_ATTACK,
            AuditLog.target_type == "user",
            AuditLog.target_id == str(user.id),
            AuditLog.created_at > now - ACCOUNT_WINDOW,
        )
        .limit(1)
    )
    if already is not None:
        return
    recent = (*_failed(LoginAttempt.username == username), LoginAttempt.at > now - ACCOUNT_WINDOW)
    failures, addresses = session.execute(
        select(func.count(LoginAttempt.id), func.count(func.distinct(LoginAttempt.address_hash))).where(
            *recent
        )
    ).one()
    audit.record(session, None, ctx, UNDER_ATTACK, user, {"failures": failures, "addresses": addresses})


def _refusal(
    session: Session, ctx: RequestContext, username: str, known_user_ids: Collection[int], now: datetime
) -> tuple[_Refusal | None, int]:
    """Why this attempt is refused (None if it may go on), and the account's failures in ACCOUNT_WINDOW."""
    waits: dict[str, timedelta] = {}
    pair = _pair_wait(session, username, ctx.address_hash, now)
    if pair is not None:
        waits["pair"] = pair
    if ctx.address_hash:
        _n, by_address = _window(
            session, (LoginAttempt.address_hash == ctx.address_hash,), ADDRESS_FAILURES, THROTTLE_WINDOW, now
        )
        if by_address is not None:
            waits["address"] = by_address
    failures, by_account = _window(
        session, (LoginAttempt.username == username,), ACCOUNT_CEILING, ACCOUNT_WINDOW, now
    )
    if by_account is not None and not _known_source(session, username, ctx.address_hash, known_user_ids, now):
        waits["account"] = by_account
    refusal = _Refusal(max(waits.values()), tuple(waits)) if waits else None
    return refusal, failures


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


def _reserve_attempt(
    ctx: RequestContext, username: str, known_user_ids: Collection[int], now: datetime
) -> int | _Refusal:
    """Count this attempt as a failure before the password is checked, or say why it is refused.

    Checking the counts and recording the attempt in one serialised transaction means that
    simultaneous guesses cannot all pass the check before any of them is counted.
    """
    with write_transaction() as session:
        _serialise(session, username, ctx.address_hash)
        refusal, failures = _refusal(session, ctx, username, known_user_ids, now)
        if refusal is not None:
            details = {"username": username, "limits": list(refusal.limits)}
            audit.record(session, None, ctx, "auth.login_throttled", None, details)
        else:
            attempt = LoginAttempt(username=username, address_hash=ctx.address_hash, succeeded=False, at=now)
            session.add(attempt)
            session.flush()
            failures += 1
        if failures >= ACCOUNT_CEILING:  # this attempt brought the account to its ceiling, or it was there
            _tell_admins(session, ctx, username, now)
        return refusal if refusal is not None else attempt.id


def authenticate(
    ctx: RequestContext, username: str, password: str, known_user_ids: Collection[int] = ()
) -> User:
    """Check a sign-in under the three limits above; every attempt is recorded and audited.

    `known_user_ids` are the accounts the browser's known-browser cookie vouches for. Raises
    SignInPaused (429) when a limit refuses the attempt, Unauthenticated when the password is wrong.
    """
    username = (username or "").strip()[:80]
    now = utcnow()
    db.session.rollback()
    reserved = _reserve_attempt(ctx, username, known_user_ids, now)
    if isinstance(reserved, _Refusal):
        raise SignInPaused(reserved.wait, by_ceiling="account" in reserved.limits)
    user = db.session.scalar(select(User).where(User.username == username)) if username else None
    ok = verify_password(user.password_hash if user else None, password or "") and bool(user and user.active)
    db.session.rollback()  # end the read before writing the outcome
    with write_transaction() as session:
        if ok and user is not None:
            session.get(LoginAttempt, reserved).succeeded = True
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
