"""Authorization in one place: every route declares who may use it with @access(LEVEL).

Levels: "public" (anyone), "signed_in", "intake" (contact-point operators, staff, admins), "staff"
(staff and admins), "admin", "commenter" (deputies and experts: their invitations). A request is
authenticated by the session cookie from /login or by
`Authorization: Bearer <token>`; a token alone authenticates (no CSRF), while a write that rides on
the session cookie must carry X-CSRFToken. Answers: API paths → 401 without credentials, 403 for the
wrong role; HTML pages → /login for anonymous visitors, 403 page for the wrong role.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import g, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import ValidationError as CSRFValidationError
from flask_wtf.csrf import validate_csrf
from sqlalchemy import select

from consult.auth.operations import token_digest
from consult.changes import ACCOUNTS, generation
from consult.clock import utcnow
from consult.db import end_read, write_transaction
from consult.errors import DomainError, Forbidden
from consult.extensions import db
from consult.generation_cache import cache_for
from consult.i18n import _
from consult.models import ApiToken, User
from consult.models.enums import ROLES
from consult.models.users import COMMENTING_ROLES

LEVELS: dict[str, frozenset[str] | None] = {
    "public": None,
    "signed_in": frozenset(ROLES),
    "intake": frozenset({"admin", "staff", "contact_point"}),
    "staff": frozenset({"admin", "staff"}),
    "admin": frozenset({"admin"}),
    "commenter": frozenset(COMMENTING_ROLES),
}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


class Unauthorized(DomainError):
    """No credentials, or credentials that no longer work."""

    code = "unauthorized"
    status = 401


class CSRFFailed(DomainError):
    """A session-authenticated write without a valid X-CSRFToken header."""

    code = "csrf_failed"
    status = 400


def _token_user() -> User | None:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None

    digest = token_digest(header[7:].strip())
    # Resolved once per change of any account or token (revoking, deactivating, a password change or
    # the last-used time bumps the counter), so a revoked token stops working on the next request.
    key = (digest, generation(db.session, ACCOUNTS))
    found = cache_for("tokens").get_or_make(key, lambda: _load_token(digest))
    end_read()
    if found is None:
        raise Unauthorized(_("API 令牌无效或已被撤销"))
    user, record_id, last_used = found
    now = utcnow()
    if last_used is None or now - last_used > TOKEN_TOUCH_INTERVAL:
        with write_transaction() as session:  # last-used time, at most once a minute
            session.get(ApiToken, record_id).last_used_at = now
    return user


def _load_token(digest: str) -> tuple[User, int, datetime | None] | None:
    """The token's account (detached, read only: it may serve several requests) or None."""
    row = db.session.execute(
        select(ApiToken.id, ApiToken.last_used_at, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
    ).first()  # one query: the token and its account
    if row is None or not row.User.active:
        return None
    record_id, last_used, user = row
    if user.contact_point is not None:
        db.session.expunge(user.contact_point)
    db.session.expunge(user)
    return user, record_id, last_used


def current_actor() -> User | None:
    """The authenticated user of this request (token first, then session), or None."""
    if "actor" in g:
        return g.actor
    g.via_token = "Authorization" in request.headers
    actor = (
        _token_user()
        if g.via_token
        else (current_user._get_current_object() if current_user.is_authenticated else None)
    )
    g.actor = actor
    return actor


def commenting_account() -> User | None:
    """The deputy or expert a comment sent with this request comes from (None: it comes from anyone).

    A token names them; so does the session, but then a JSON write must carry X-CSRFToken like any
    other session write (the HTML form checks its own token). An invalid token is refused (401) rather
    than taken as anonymous: a deputy whose token was revoked should hear so, not comment unnamed.
    """
    actor = current_actor() if ("Authorization" in request.headers or current_user.is_authenticated) else None
    if actor is None or actor.comment_channel is None:
        return None
    if _is_api() and not g.get("via_token"):
        _check_csrf_header()
    return actor


def _check_csrf_header() -> None:
    try:
        validate_csrf(request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token"))
    except CSRFValidationError:
        raise CSRFFailed(_("缺少或无效的 X-CSRFToken 请求头")) from None


def _is_api() -> bool:
    return request.path.startswith("/api/")


def access(level: str) -> Callable:
    """Declare who may use a view; the decorator enforces it."""
    if level not in LEVELS:
        raise ValueError(f"unknown access level {level!r}")
    roles = LEVELS[level]

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if roles is None:
                return view(*args, **kwargs)
            actor = current_actor()
            if actor is None:
                if _is_api():
                    raise Unauthorized(_("请先登录或提供 API 令牌"))
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if actor.role not in roles:
                raise Forbidden(_("您的账号无权进行此操作"))
            if _is_api() and request.method in WRITE_METHODS and not g.get("via_token"):
                _check_csrf_header()
            return view(*args, **kwargs)

        wrapper.access_level = level  # read by the authorization test
        return wrapper

    return decorate


public = access("public")
