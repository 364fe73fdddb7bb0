"""Settings: defaults in code, then instance/config.py, then CONSULT_<KEY> environment variables.

Every known key is coerced to its declared type, so `CONSULT_SECRET_KEY=123456` stays a string and
`CONSULT_PRODUCTION=yes` is refused instead of being read as a truthy string.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from limits import parse_many

SECRET_KEY_FILE = "secret_key"
MiB = 1024 * 1024


class ConfigError(RuntimeError):
    """A setting is missing or makes no sense; the app refuses to start."""


# key → (type, default). Types: str, int, bool, "str?" (optional string).
SETTINGS: dict[str, tuple[Any, Any]] = {
    "SECRET_KEY": ("str?", None),
    "SQLALCHEMY_DATABASE_URI": ("str?", None),
    "DATABASE_CONNECT_TIMEOUT": (int, 5),  # seconds to wait for PostgreSQL to accept a connection
    "SEARCH_BACKEND": (str, "whoosh"),
    "SEARCH_INDEX_DIR": ("str?", None),
    "RATELIMIT_STORAGE_URI": (str, "memory://"),
    "TIMEZONE": (str, "Asia/Shanghai"),
    "COMMENT_RATE_LIMIT": (str, "10 per minute;200 per day"),
    # Refused submissions (too long, empty, malformed) per address: more generous than the quota of
    # accepted comments, since people correct mistakes, but a flood of refused posts is throttled.
    "COMMENT_REFUSAL_LIMIT": (str, "30 per minute;500 per day"),
    # Unknown receipt codes looked up per address (page, API, rating and stop forms): codes are 13
    # random digits, so this makes guessing someone's code hopeless; found codes are never counted.
    "RECEIPT_LOOKUP_LIMIT": (str, "10 per minute;100 per day"),
    # Subscription requests (/subscribe and the API) per address: each may queue a confirmation mail.
    "SUBSCRIBE_RATE_LIMIT": (str, "5 per minute;30 per day"),
    # At most one confirmation message per subscriber address in this many minutes (no mail-bombing).
    "SUBSCRIPTION_CONFIRM_INTERVAL_MINUTES": (int, 60),
    # Unconfirmed subscriptions are purged after this many days; the confirmation link expires with them.
    "SUBSCRIPTION_UNCONFIRMED_DAYS": (int, 7),
    "PRODUCTION": (bool, False),
    "MAIL_SERVER": (str, "localhost"),
    "MAIL_PORT": (int, 25),
    "MAIL_USERNAME": ("str?", None),
    "MAIL_PASSWORD": ("str?", None),
    "MAIL_USE_TLS": (bool, False),
    "MAIL_FROM": (str, "noreply@localhost"),
    "SMS_GATEWAY_URL": ("str?", None),  # an HTTPS JSON gateway (consult/feedback/sms.py); unset: no SMS
    "SMS_GATEWAY_TOKEN": ("str?", None),
    "SMS_SIGN_NAME": ("str?", None),  # the 【签名】 the carriers require, counted in the 70 characters
    "CONTACT_RETENTION_DAYS": (int, 180),
    "PUBLIC_BASE_URL": (str, "http://127.0.0.1:5000"),  # links in notification mail (SERVER_NAME wins)
    "TRUSTED_PROXIES": (int, 0),
    "MAX_CONTENT_LENGTH": (int, 16 * MiB),
    "SITE_NAME": (str, "本市人大常委会立法征求意见平台"),  # i18n: data (operator setting)
    "SITE_OWNER": (str, "本市人民代表大会常务委员会法制工作委员会"),  # i18n: data (operator setting)
    "ICP_NUMBER": (str, ""),
    "GOV_SITE_CODE": (str, ""),
    "PUBLIC_SECURITY_FILING": (str, ""),
    "SQLITE_BUSY_TIMEOUT_MS": (int, 15000),
    "ARGON2_TIME_COST": (int, 3),
    "ARGON2_MEMORY_COST": (int, 65536),
    "SEARCH_DRAIN_INLINE": (bool, True),
    "GROUPS_DRAIN_INLINE": (bool, True),  # group similar comments after each commit; false: `groups worker`
    "SESSION_IDLE_MINUTES": (int, 120),
    "PAGE_CACHE_SECONDS": (int, 5),
    # Exports of more comments than this are jobs (consult/feedback/export_jobs.py): queued, written in
    # the background with their progress shown, downloaded when done; smaller ones are answered at once.
    "EXPORT_INLINE_MAX_ROWS": (int, 20_000),
    "EXPORT_JOBS_INLINE": (bool, True),  # the requesting process writes jobs in a thread; false: the worker
    "EXPORT_RETENTION_HOURS": (int, 24),  # a finished export's file is deleted this long after it was made
    "EXPORT_DIR": ("str?", None),  # where export files are written (default: exports in the instance folder)
    # Staff's recomputation of a draft's themes is a job (consult/themes/jobs.py): the requesting process
    # runs it in a thread; false: `flask --app consult themes worker` does.
    "THEME_JOBS_INLINE": (bool, True),
}

SEARCH_BACKENDS = ("whoosh", "postgres")
TRUE_WORDS = {"true", "1", "yes", "on"}
FALSE_WORDS = {"false", "0", "no", "off", ""}


def coerce(key: str, value: Any, kind: Any) -> Any:
    """Turn a raw setting into its declared type, or raise ConfigError naming the key."""
    if value is None:
        if kind == "str?":
            return None
        raise ConfigError(f"CONSULT_{key} must not be empty")
    if kind in (str, "str?"):
        return value if isinstance(value, str) else str(value)
    if kind is bool:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ConfigError(f"CONSULT_{key} must be true or false, not {value!r}")
    if kind is int:
        if isinstance(value, bool):
            raise ConfigError(f"CONSULT_{key} must be a whole number, not {value!r}")
        try:
            return int(str(value).strip())
        except ValueError:
            raise ConfigError(f"CONSULT_{key} must be a whole number, not {value!r}") from None
    raise ConfigError(f"unknown type for {key}")


def load_config(app: Flask, test_config: Mapping[str, Any] | None = None) -> None:
    """Layer defaults, instance/config.py, the environment and a test mapping; then validate."""
    for key, (_, default) in SETTINGS.items():
        app.config[key] = default
    app.config.from_pyfile("config.py", silent=True)
    # Unknown CONSULT_* keys get Flask's JSON-ish parsing; known keys are re-read raw and coerced.
    app.config.from_prefixed_env("CONSULT")
    for key in SETTINGS:
        raw = os.environ.get(f"CONSULT_{key}")
        if raw is not None:
            app.config[key] = raw
    if test_config:
        app.config.update(test_config)
    for key, (kind, _) in SETTINGS.items():
        app.config[key] = coerce(key, app.config.get(key), kind)
    _derive(app)
    _validate(app)


def _derive(app: Flask) -> None:
    """Fill the settings whose defaults depend on the instance folder."""
    cfg = app.config
    os.makedirs(app.instance_path, exist_ok=True)
    if not cfg["SQLALCHEMY_DATABASE_URI"]:
        cfg["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "consult.sqlite")
    if not cfg["SEARCH_INDEX_DIR"]:
        cfg["SEARCH_INDEX_DIR"] = os.path.join(app.instance_path, "search-index")
    if not cfg["EXPORT_DIR"]:
        cfg["EXPORT_DIR"] = os.path.join(app.instance_path, "exports")
    cfg["SECRET_KEY_IS_EXPLICIT"] = bool(cfg["SECRET_KEY"])
    if not cfg["SECRET_KEY"]:
        cfg["SECRET_KEY"] = _instance_secret(app.instance_path)
    # hide_parameters: an error's message never carries the values of its statement (a receipt code, a
    # comment, a contact), so neither does a logged traceback.
    engine_options: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A database host that does not answer must fail a request (and /healthz: 503) in seconds,
        # not after the operating system's TCP timeout of minutes.
        engine_options["connect_args"] = {"connect_timeout": cfg["DATABASE_CONNECT_TIMEOUT"]}
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options)
    # Staff sessions end after this much idle time (the cookie is renewed on each request).
    cfg["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=cfg["SESSION_IDLE_MINUTES"])
    # A Redis that is down must answer quickly, so the comment quota can fail open.
    cfg.setdefault(
        "RATELIMIT_STORAGE_OPTIONS",
        {"socket_connect_timeout": 1, "socket_timeout": 1}
        if cfg["RATELIMIT_STORAGE_URI"].startswith("redis")
        else {},
    )
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
    cfg["REMEMBER_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SECURE"] = cfg["PRODUCTION"]
    cfg["REMEMBER_COOKIE_SECURE"] = cfg["PRODUCTION"]
    # A CSRF token must not expire while someone is writing a long comment.
    cfg["WTF_CSRF_TIME_LIMIT"] = None
    cfg["BABEL_DEFAULT_LOCALE"] = "zh"
    cfg["BABEL_DEFAULT_TIMEZONE"] = cfg["TIMEZONE"]


def _instance_secret(instance_path: str) -> str:
    """Read the generated secret key, creating it (mode 0600) on first run."""
    path = os.path.join(instance_path, SECRET_KEY_FILE)
    try:
        with open(path, encoding="ascii") as fh:
            key = fh.read().strip()
        if key:
            return key
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    return key


def _validate(app: Flask) -> None:
    """Refuse settings that would run a broken or unsafe site."""
    cfg = app.config
    if cfg["SEARCH_BACKEND"] not in SEARCH_BACKENDS:
        raise ConfigError(f"CONSULT_SEARCH_BACKEND must be one of {', '.join(SEARCH_BACKENDS)}")
    if cfg["SEARCH_BACKEND"] == "postgres" and not cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        raise ConfigError("CONSULT_SEARCH_BACKEND=postgres needs a PostgreSQL database")
    if cfg["MAIL_PORT"] <= 0 or cfg["MAIL_PORT"] > 65535:
        raise ConfigError("CONSULT_MAIL_PORT must be between 1 and 65535")
    if cfg["DATABASE_CONNECT_TIMEOUT"] < 1:
        raise ConfigError("CONSULT_DATABASE_CONNECT_TIMEOUT must be at least 1 second")
    for key in (
        "CONTACT_RETENTION_DAYS",
        "TRUSTED_PROXIES",
        "MAX_CONTENT_LENGTH",
        "EXPORT_INLINE_MAX_ROWS",
        "SUBSCRIPTION_CONFIRM_INTERVAL_MINUTES",
    ):
        if cfg[key] < 0:
            raise ConfigError(f"CONSULT_{key} must not be negative")
    if cfg["SUBSCRIPTION_UNCONFIRMED_DAYS"] < 1:
        raise ConfigError("CONSULT_SUBSCRIPTION_UNCONFIRMED_DAYS must be at least 1 day")
    if cfg["EXPORT_RETENTION_HOURS"] < 1:
        raise ConfigError("CONSULT_EXPORT_RETENTION_HOURS must be at least 1 hour")
    try:
        ZoneInfo(cfg["TIMEZONE"])
    except Exception:
        raise ConfigError(f"CONSULT_TIMEZONE is not a known time zone: {cfg['TIMEZONE']!r}") from None
    for key in (
        "COMMENT_RATE_LIMIT",
        "COMMENT_REFUSAL_LIMIT",
        "RECEIPT_LOOKUP_LIMIT",
        "SUBSCRIBE_RATE_LIMIT",
    ):
        try:
            parse_many(cfg[key])
        except ValueError:
            raise ConfigError(f"CONSULT_{key} is not a rate limit: {cfg[key]!r}") from None
    _validate_sms(cfg)
    if cfg["PRODUCTION"]:
        if not cfg["SECRET_KEY_IS_EXPLICIT"]:
            raise ConfigError("PRODUCTION=true needs an explicit CONSULT_SECRET_KEY (at least 32 characters)")
        if len(cfg["SECRET_KEY"]) < 32:
            raise ConfigError("CONSULT_SECRET_KEY must be at least 32 characters in production")
        if cfg["RATELIMIT_STORAGE_URI"].startswith("memory://"):
            raise ConfigError(
                "PRODUCTION=true needs shared rate-limit storage: set CONSULT_RATELIMIT_STORAGE_URI=redis://…"
            )


def _validate_sms(cfg) -> None:
    """An SMS gateway needs a signature and an http(s) address (https in production).

    That a message still fits 70 characters is checked by consult.feedback.sms.check_settings at start-up.
    """
    url = cfg["SMS_GATEWAY_URL"]
    if not url:
        cfg["SMS_GATEWAY_URL"] = None
        return
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in ("http", "https") or (cfg["PRODUCTION"] and scheme != "https"):
        raise ConfigError(
            "CONSULT_SMS_GATEWAY_URL must be an https:// address (http:// only outside production)"
        )
    if not (cfg["SMS_SIGN_NAME"] or "").strip():
        raise ConfigError(
            "CONSULT_SMS_GATEWAY_URL needs CONSULT_SMS_SIGN_NAME (the signature every message carries)"
        )
