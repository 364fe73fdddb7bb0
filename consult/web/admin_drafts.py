"""Draft authoring for staff: new drafts with a parsed preview, settings, stages and revised versions."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_drafts", __name__, url_prefix="/admin")
