"""Unbound extension objects, initialised by create_app."""

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
login_manager = LoginManager()
babel = Babel()
# No route-level limits: the comment quota calls the limiter itself (consult.ratelimits);
# create_app removes the per-request check Flask-Limiter installs, which would only cost time.
limiter = Limiter(key_func=client_address, default_limits=[], headers_enabled=False)
