"""Column types shared by the models: UTC datetimes and string enums with check constraints."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, DateTime, String
from sqlalchemy.types import TypeDecorator

# Ids are 32-bit integer columns on PostgreSQL: a larger one in a URL or a body is no row, never a 500.
ID_MAX = 2**31 - 1


class UTCDateTime(TypeDecorator):
    """Stores UTC; always returns aware UTC datetimes (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column_type(values: tuple[str, ...]) -> String:
    """A string wide enough for every value of an enum."""
    return String(max(len(v) for v in values) + 8)


def enum_check(column: str, values: tuple[str, ...], name: str | None = None) -> CheckConstraint:
    """A check constraint restricting a string column to the enum's values."""
    allowed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name or column)
