"""What a database holds, table by table: its rows counted and checksummed, to compare two databases.

The checksum does not depend on the order the database returns rows in (a restored PostgreSQL database
may sort text by another collation): each row is hashed on its own, and the sorted row hashes are hashed
together with the table's column names. Values are read as the driver returns them, so two databases
of the same kind (SQLite and SQLite, PostgreSQL and PostgreSQL) compare equal when they hold the same.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

MIGRATIONS_TABLE = "alembic_version"
FETCH_ROWS = 2000


@dataclass(frozen=True)
class TableSummary:
    """One table's row count and checksum."""

    rows: int
    sha256: str

    def as_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "sha256": self.sha256}


def _plain(value: Any) -> Any:
    """A value the JSON encoder cannot write, as text that says the same on every run."""
    if isinstance(value, bytes | bytearray | memoryview):
        return {"base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _row_digest(row: tuple) -> bytes:
    encoded = json.dumps(list(row), default=_plain, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).digest()


def table_names(conn: Connection) -> list[str]:
    """Every table of the database (the migration record included), sorted."""
    return sorted(inspect(conn).get_table_names())


def _rows(conn: Connection, table: str) -> Iterator[list[tuple]]:
    quoted = conn.dialect.identifier_preparer.quote(table)
    result = conn.execution_options(stream_results=True).execute(text(f"SELECT * FROM {quoted}"))
    while chunk := result.fetchmany(FETCH_ROWS):
        yield [tuple(row) for row in chunk]
    result.close()


def summarise_table(conn: Connection, table: str) -> TableSummary:
    """Count one table's rows and checksum them, whatever order they come in."""
    quoted = conn.dialect.identifier_preparer.quote(table)
    columns = list(conn.execute(text(f"SELECT * FROM {quoted} WHERE 1 = 0")).keys())
    digests: list[bytes] = []
    for chunk in _rows(conn, table):
        digests.extend(_row_digest(row) for row in chunk)
    whole = hashlib.sha256(json.dumps(columns).encode("utf-8"))
    for digest in sorted(digests):
        whole.update(digest)
    return TableSummary(rows=len(digests), sha256=whole.hexdigest())


def summarise(conn: Connection) -> dict[str, TableSummary]:
    """Every table's summary, read in the connection's current transaction (one snapshot)."""
    return {table: summarise_table(conn, table) for table in table_names(conn)}


def schema_revision(conn: Connection) -> str | None:
    """The migration the database is at (heads joined by commas), or None before any."""
    if MIGRATIONS_TABLE not in inspect(conn).get_table_names():
        return None
    versions = conn.execute(text(f"SELECT version_num FROM {MIGRATIONS_TABLE}")).scalars().all()
    return ",".join(sorted(versions)) or None
