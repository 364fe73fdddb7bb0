"""Template filters and globals: local time in Chinese, site settings."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from consult.clock import local_zone, utcnow


def localtime(value: datetime | None, fmt: str = "%Y年%m月%d日 %H:%M") -> str:
    """A UTC datetime shown in the configured zone (Asia/Shanghai)."""
    if value is None:
        return ""
    return value.astimezone(local_zone()).strftime(fmt)


def localdate(value: datetime | None) -> str:
    """A date in the configured zone, 2026年11月27日."""
    if value is None:
        return ""
    local = value.astimezone(local_zone())
    return f"{local.year}年{local.month}月{local.day}日"


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
