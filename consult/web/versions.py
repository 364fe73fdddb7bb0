"""Public pages about a draft's versions: the comparison table (修改对照表) and the open-data package."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("versions", __name__)
