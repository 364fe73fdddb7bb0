"""Public pages: the home page (more come with the citizen's path)."""

from __future__ import annotations

from flask import Blueprint, render_template

from consult.clock import utcnow
from consult.drafts.queries import public_drafts_by_stage

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    """Open consultations first, then upcoming, closed and concluded ones."""
    now = utcnow()
    return render_template("public/home.html", groups=public_drafts_by_stage(now), now=now)
