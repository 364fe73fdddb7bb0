"""JSON endpoints of the feedback stage (feedback)."""

from __future__ import annotations

from consult.api import bp  # noqa: F401
