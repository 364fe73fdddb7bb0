"""Unbound extension objects, initialised by create_app."""

from flask import session
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
# create_app removes the per-request check Flask-Limiter installs, which would only cost time.
limiter = Limiter(key_func=client_address, default_limits=[], headers_enabled=False)
