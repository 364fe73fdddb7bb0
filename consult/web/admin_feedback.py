"""Staff: preview and publish a draft's feedback, open a revision, see satisfaction and the purge date."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_feedback", __name__, url_prefix="/admin")
