"""consult: a public-comment and legislative-consultation platform (立法征求意见平台)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class ConsultFlask(Flask):
    """Flask, asking once per function whether it is a coroutine function (Flask's documented override).

    Flask asks again for every hook and view it calls (``inspect.iscoroutinefunction``, about 13 times a
    page, some 10 µs); the answer for a function never changes. What is remembered is bounded: the app's
    hooks and views are a few hundred functions.
    """

    KEPT_MAX = 4096

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._sync_kept: dict[Any, Any] = {}

    def ensure_sync(self, func):
        try:
            return self._sync_kept[func]
        except KeyError:
            made = super().ensure_sync(func)
            if len(self._sync_kept) < self.KEPT_MAX:
                self._sync_kept[func] = made
            return made
        except TypeError:  # an unhashable callable
            return super().ensure_sync(func)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: a short list of named steps, each small and testable on its own."""
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("CONSULT_INSTANCE_PATH")
    app = ConsultFlask(
        __name__,
        instance_path=os.path.abspath(instance_path) if instance_path else os.path.join(ROOT, "instance"),
        instance_relative_config=True,
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
    )
    # The composition root imports each part as its step runs: `import consult` stays cheap.
    from consult.config import load_config

    load_config(app, config)
    # The composition root imports each part as its step runs: `import consult` stays cheap.
    from consult.routing import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is registered
    app.json.ensure_ascii = False  # Chinese stays readable in JSON answers
    configure_extensions(app)
    register_blueprints(app)
    configure_notifications(app)
    register_error_handlers(app)
    register_headers(app)
    register_template_helpers(app)
    register_cli(app)
    register_request_log(app)
    return app


def configure_notifications(app: Flask) -> None:
    """Refuse an SMS gateway whose shortest message cannot fit (signature and public address too long).

    After the blueprints: the message's link is built from its route.
    """
    # The composition root imports each part as its step runs: `import consult` stays cheap.
    from consult.feedback.sms import check_settings

    check_settings(app)


def configure_extensions(app: Flask) -> None:
    """Bind database, migrations, CSRF, sign-in, rate limiting and translations to the app."""
    # The composition root imports each part as its step runs: `import consult` stays cheap.
    from consult import models  # noqa: F401  (registers the tables)
    from consult.auth.session import init_login
    from consult.changes import track_changes
    from consult.db import init_db
    from consult.extensions import babel, csrf, csrf_on_writes_only, db, limiter, migrate, unhook_limiter
    from consult.groups import init_groups
    from consult.search import init_search

    db.init_app(app)
    init_db(app)
    track_changes()
    init_search(app)
    init_groups(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"), render_as_batch=True)
    csrf.init_app(app)
    csrf_on_writes_only(app)
    # the translations' helpers and the locale selector, imported as this step runs (see above)
    from consult.i18n import compile_catalogues, data_text, html_lang, install_fast_gettext

    compile_catalogues()  # the English catalogue, compiled when its .mo is missing or older than its .po
    from consult.web.preferences import locale  # the visitor's language (a door's module: composition root)

    # The visitor's choice (cookie consult_lang), else Accept-Language; zh outside a request.
    babel.init_app(app, locale_selector=locale, timezone_selector=lambda: app.config["TIMEZONE"])
    install_fast_gettext(app)
    app.jinja_env.globals["html_lang"] = html_lang
    app.jinja_env.filters["zh"] = data_text  # draft and people's text, marked lang="zh-CN"
    limiter.init_app(app)
    unhook_limiter(app)
    init_login(app)


def register_blueprints(app: Flask) -> None:
    """The HTML doors by audience, and the JSON API."""
    # The composition root imports each part as its step runs: `import consult` stays cheap.
    from consult.api import bp as api_bp
    from consult.extensions import csrf
    from consult.web.admin import bp as admin_bp
    from consult.web.admin_accounts import bp as admin_accounts_bp
    from consult.web.admin_audit import bp as admin_audit_bp
    from consult.web.admin_drafts import bp as admin_drafts_bp
    from consult.web.admin_explanations import bp as admin_explanations_bp
    from consult.web.admin_exports import bp as admin_exports_bp
    from consult.web.admin_feedback import bp as admin_feedback_bp
    from consult.web.admin_groups import bp as admin_groups_bp
    from consult.web.admin_invitations import bp as admin_invitations_bp
    from consult.web.admin_review import bp as admin_review_bp
    from consult.web.admin_stats import bp as admin_stats_bp
    from consult.web.admin_themes import bp as admin_themes_bp
    from consult.web.auth import bp as auth_bp
    from consult.web.charts import bp as charts_bp
    from consult.web.feedback import bp as feedback_bp
    from consult.web.health import bp as health_bp
    from consult.web.intake import bp as intake_bp
    from consult.web.invitations import bp as invitee_bp
    from consult.web.preferences import bp as preferences_bp
    from consult.web.public import bp as public_bp
    from consult.web.reach import bp as reach_bp
    from consult.web.search import bp as search_bp
    from consult.web.subscriptions import bp as subscriptions_bp
    from consult.web.versions import bp as versions_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(preferences_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(feedback_bp)
    app.register_blueprint(charts_bp)
    app.register_blueprint(versions_bp)
    app.register_blueprint(reach_bp)
    app.register_blueprint(subscriptions_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(invitee_bp)
    app.register_blueprint(admin_bp)
    staff_bps = (
        admin_drafts_bp,
        admin_explanations_bp,
        admin_review_bp,
        admin_groups_bp,
        admin_stats_bp,
        admin_audit_bp,
        admin_accounts_bp,
        admin_feedback_bp,
        admin_exports_bp,
        admin_themes_bp,
        admin_invitations_bp,
    )
    for staff_bp in staff_bps:
        app.register_blueprint(staff_bp)
    app.register_blueprint(intake_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    # The API's writes that ride on a session cookie check X-CSRFToken in @access (consult/auth/access.py),
    # whatever the body (JSON, or the intake upload's multipart form); token-authenticated calls need none.
    csrf.exempt(api_bp)


def register_error_handlers(app: Flask) -> None:
    """Domain errors and HTTP errors → the JSON error shape under /api/, Chinese pages elsewhere."""
    # The composition root imports each part as its step runs: `import consult` stays cheap.
    from consult.errors import init_error_handlers

    init_error_handlers(app)


def register_headers(app: Flask) -> None:
    """Security headers on every answer and no-store on personal ones (one after-request hook)."""
    # The composition root imports each part as its step runs: `import consult` stays cheap.
    from consult.web.headers import init_headers

    init_headers(app)


def register_template_helpers(app: Flask) -> None:
    """Filters and globals the templates share (local time, site settings)."""
    # The composition root imports each part as its step runs: `import consult` stays cheap.
    from consult.web.helpers import init_template_helpers

    init_template_helpers(app)


def register_request_log(app: Flask) -> None:
    """A request id on every answer and one JSON log line per request (last: its hook must run first)."""
    # The composition root imports each part as its step runs: `import consult` stays cheap.
    from consult.web.request_log import init_request_log

    init_request_log(app)


def register_cli(app: Flask) -> None:
    """The thin `flask --app consult …` commands."""
    # The composition root imports each part as its step runs: `import consult` stays cheap.
    from consult.cli import init_cli

    init_cli(app)
