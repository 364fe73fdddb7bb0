"""Staff downloads of the summary of opinions (意见汇总表): XLSX, CSV and DOCX."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_exports", __name__, url_prefix="/admin")
