"""JSON endpoints of the feedback stage (versions)."""

from __future__ import annotations

from consult.api import bp  # noqa: F401
