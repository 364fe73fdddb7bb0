"""Review for staff: per-draft and per-article views, decisions, opinions entered by staff, the audit log."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_review", __name__, url_prefix="/admin")
