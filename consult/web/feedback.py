"""The public feedback report (采纳情况反馈) and satisfaction on the receipt page."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("feedback", __name__)
