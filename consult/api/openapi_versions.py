"""OpenAPI descriptions of the versions endpoints (merged into consult/api/openapi.py)."""

from __future__ import annotations

from typing import Any


def paths() -> dict[str, Any]:
    """Path items keyed by path."""
    return {}


def schemas() -> dict[str, Any]:
    """Component schemas keyed by name."""
    return {}
