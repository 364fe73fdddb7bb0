"""URL converters for every door: every <int:…> id in a route fits the database's 32-bit integer columns."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

from consult.models.types import ID_MAX


class IdConverter(IntegerConverter):
    """Flask's int converter, bounded by default: a larger id is a 404, never a database overflow (500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=ID_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
