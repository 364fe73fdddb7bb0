"""The JSON API under /api/v1 (CONTRACT.md): one error shape, thin endpoints."""

from __future__ import annotations

from flask import Blueprint, jsonify

from consult.clock import utcnow
from consult.drafts.queries import public_drafts

bp = Blueprint("api", __name__)


def iso(value):
    """ISO 8601 with offset, or None."""
    return value.isoformat() if value is not None else None


@bp.get("/drafts")
def list_drafts():
    """Published drafts with their public status and count of published comments."""
    now = utcnow()
    return jsonify(
        {
            "drafts": [
                {
                    "slug": item.draft.slug,
                    "title": item.draft.title,
                    "status": item.status,
                    "opens_at": iso(item.draft.opens_at),
                    "closes_at": iso(item.draft.closes_at),
                    "comment_count": item.comment_count,
                }
                for item in public_drafts(now)
            ]
        }
    )
