"""The JSON API under /api/v1 (CONTRACT.md): one error shape, thin endpoints."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__)

# Imported for their routes on bp.
from consult.api import (  # noqa: E402, F401
    admin,
    exports,
    feedback,
    groups,
    intake,
    invitations,
    public,
    search,
    subscriptions,
    themes,
    versions,
)
