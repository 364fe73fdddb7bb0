"""Template filters and globals: local time in the reader's language, site settings."""

from __future__ import annotations

from flask import Flask, url_for
from flask_login import current_user

from consult.auth.access import LEVELS
from consult.clock import utcnow
from consult.feedback import sms
from consult.i18n import _, localdate, localtime
from consult.models.enums import OUTCOMES as OUTCOME_NAMES
from consult.vocabulary import (
    channel_label,
    draft_status_label,
    method_label,
    outcome_label,
    personal_data_label,
    point_kind_label,
    role_label,
    status_label,
)
from consult.web import cache
from consult.web.labels import stage_badge
from consult.web.limits import LIMITS


def init_template_helpers(app: Flask) -> None:
    """Register the filters and the site settings every page needs."""
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["localdate"] = localdate
    # Flask-WTF offers csrf_token() as a global and through a context processor; replace both so a
    # cacheable page renders a placeholder (consult.web.cache).
    app.jinja_env.globals["csrf_token"] = cache.csrf_token
    app.context_processor(lambda: {"csrf_token": cache.csrf_token})
    app.jinja_env.globals["submission_id"] = cache.submission_id
    app.jinja_env.globals["sms_enabled"] = sms.enabled
    app.jinja_env.globals["limits"] = LIMITS
    app.jinja_env.globals.update(
        channel_label=channel_label,
        outcome_label=outcome_label,
        stage_badge=stage_badge,
        status_label=status_label,
        role_label=role_label,
        point_kind_label=point_kind_label,
        draft_status_label=draft_status_label,
        method_label=method_label,
        personal_data_label=personal_data_label,
        outcome_names=OUTCOME_NAMES,
    )

    @app.template_global()
    def staff_nav() -> list[tuple[str, str]]:
        """(url, label) of the staff workspace's sections that exist (blueprints fill in over time)."""

        sections = [
            ("admin.overview", _("工作台")),
            ("admin.moderation", _("审核")),
            ("admin_review.review", _("研究处理")),
            ("admin_review.mine", _("我的任务")),
            ("admin_drafts.drafts", _("草案")),
            ("admin_review.enter_comment", _("录入意见")),
            ("intake.dashboard", _("意见导入")),
            ("admin_audit.audit_log", _("操作日志")),
            ("admin_accounts.users", _("账号")),
            ("invitee.my_invitations_page", _("我的邀请")),
        ]

        def allowed(endpoint: str) -> bool:
            level = getattr(app.view_functions[endpoint], "access_level", "admin")
            roles = LEVELS.get(level)
            return roles is None or (current_user.is_authenticated and current_user.role in roles)

        return [
            (url_for(endpoint), label)
            for endpoint, label in sections
            if endpoint in app.view_functions and allowed(endpoint)
        ]

    @app.context_processor
    def _site():
        cfg = app.config
        return {
            "site_name": cfg["SITE_NAME"],
            "site_owner": cfg["SITE_OWNER"],
            "icp_number": cfg["ICP_NUMBER"],
            "gov_site_code": cfg["GOV_SITE_CODE"],
            "public_security_filing": cfg["PUBLIC_SECURITY_FILING"],
            "now": utcnow(),
        }
