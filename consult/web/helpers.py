"""Template filters and globals: local time in the reader's language, site settings."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import format_date, format_time

from consult.clock import utcnow


def localtime(value: datetime | None) -> str:
    """A UTC datetime shown in the configured zone: 2026年11月27日 10:00."""
    if value is None:
        return ""
    return f"{format_date(value, 'long')} {format_time(value, 'HH:mm')}"


def localdate(value: datetime | None) -> str:
    """A date in the configured zone: 2026年11月27日."""
    if value is None:
        return ""
    return format_date(value, "long")


def init_template_helpers(app: Flask) -> None:
    """Register the filters and the site settings every page needs."""
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["localdate"] = localdate

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
