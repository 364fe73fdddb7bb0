"""Unbound extension objects, initialised by create_app."""

from functools import partial

from flask import Flask, current_app, request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

from consult.net import client_address

# Stable constraint names, so migrations can drop and alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Objects stay readable after commit without a new (read) transaction: a door renders what an
# operation returned, and write_transaction() refuses to start inside an open read transaction.
db = SQLAlchemy(
    metadata=MetaData(naming_convention=NAMING_CONVENTION),
    session_options={"expire_on_commit": False},
)
migrate = Migrate()
csrf = CSRFProtect()


class SessionLoginManager(LoginManager):
    """Flask-Login's manager, which looks at a session's protection only when there is a session."""

    def _session_protection_failed(self) -> bool:
        # Flask-Login skips an empty session (a new visitor, or one just signed out) only after it has
        # hashed the visitor's address and user agent into an identifier to compare: on every first
        # page of every visitor. The answer for an empty session is the same without it.
        if not session:
            return False
        return super()._session_protection_failed()


login_manager = SessionLoginManager()
babel = Babel()
# No route-level limits: the comment quota calls the limiter itself (consult.ratelimits);
# create_app removes the hooks Flask-Limiter installs on every request (unhook_limiter).
limiter = Limiter(key_func=client_address, default_limits=[], headers_enabled=False)


def _limiters_hook(hook) -> bool:
    if getattr(hook, "__self__", None) is limiter:  # its check before and its context's reset after
        return True
    return isinstance(hook, partial) and bool(hook.args) and hook.args[0] is limiter  # its headers


def unhook_limiter(app: Flask) -> None:
    """Take out the per-request hooks Flask-Limiter installed on ``app``: the check of route limits
    (there are none), the rate-limit headers and conditional deductions (turned off, none declared) and
    the reset of its per-request context (which only those hooks fill). The storage, which
    consult.ratelimits asks directly, stays."""
    for hooks in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        if None in hooks:
            hooks[None] = [hook for hook in hooks[None] if not _limiters_hook(hook)]


def csrf_on_writes_only(app: Flask) -> None:
    """Flask-WTF's CSRF hook, asked only for the methods it checks (WTF_CSRF_METHODS).

    For any other method (a page view) it returns without a word, but only after looking the view up
    and formatting its name to see whether it is exempt: on every GET. The answer is the same."""
    hooks = app.before_request_funcs.get(None, [])
    for i, hook in enumerate(hooks):
        if getattr(hook, "__qualname__", "") == "CSRFProtect.init_app.<locals>.csrf_protect":

            def csrf_protect(check=hook):
                if request.method in current_app.config["WTF_CSRF_METHODS"]:
                    return check()
                return None

            hooks[i] = csrf_protect
