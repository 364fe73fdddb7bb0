"""The PostgreSQL backend's table: its DDL and indexes, creating it on first use, the table built
aside and swapped in by a rebuild, and the writer lock.

``search_doc`` is derived data: it is created here on first use (``CREATE TABLE IF NOT EXISTS``,
under an advisory lock), not by the app's migrations. A table whose rows carry the filter lexemes
(postgres_literals.py) and the sample lexemes that estimate totals (postgres_totals.py) is known by its
comment (``MARKER``, set when the table is created); an older table is filtered by its columns alone
(no marker) or counted exactly (``FILTERS_ONLY``) until ``search reindex``.

Locking: every write takes a transaction-level advisory lock for this table and waits at most
``lock_timeout`` seconds for it, then raises ``SearchBusy`` having written nothing. A rebuild fills
``search_doc_new``, builds its indexes, then drops the old table and renames the new one in the
same transaction: readers keep reading the old table meanwhile and wait only for the swap itself.
"""

from __future__ import annotations

from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from consult.search.base import SearchBusy

TABLE = "search_doc"
NEW = f"{TABLE}_new"  # the table a rebuild fills aside
MARKER = "consult search_doc v3: filter and sample lexemes"  # the comment of a table whose rows carry them
FILTERS_ONLY = "consult search_doc v2: filter lexemes"  # an older table's: no sample lexemes
LOCK_KEY = "hashtext(current_schema() || '.search_doc')"


def _ddl(table: str) -> list[str]:
    return [
        f"""CREATE TABLE IF NOT EXISTS {table} (
            key text NOT NULL, kind text NOT NULL, id bigint NOT NULL, draft_id bigint NOT NULL,
            article_id bigint, status text, channel text, contact_point_id bigint,
            public boolean NOT NULL, text text NOT NULL, submitted_at timestamptz,
            fingerprint text NOT NULL, tokens tsvector NOT NULL)""",
        f"COMMENT ON TABLE {table} IS '{MARKER}'",
    ]


def _indexes(table: str) -> list[str]:
    return [
        f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (key)",
        f"CREATE INDEX {table}_tokens ON {table} USING gin (tokens)",
        f"CREATE INDEX {table}_public_draft ON {table} (public, draft_id)",
    ]


def create_new(conn) -> None:
    """An empty ``search_doc_new`` without indexes (any left by a failed rebuild dropped first)."""
    conn.execute(text(f"DROP TABLE IF EXISTS {NEW}"))
    for statement in _ddl(NEW):
        conn.execute(text(statement))


def swap_in_new(conn) -> None:
    """Index the filled ``search_doc_new``, then put it in the live table's place, names and all."""
    for statement in _indexes(NEW):
        conn.execute(text(statement))
    conn.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
    conn.execute(text(f"ALTER TABLE {NEW} RENAME TO {TABLE}"))
    for suffix in ("pkey", "tokens", "public_draft"):
        conn.execute(text(f"ALTER INDEX {NEW}_{suffix} RENAME TO {TABLE}_{suffix}"))


class SearchTable:
    """The live table of one engine: whether it exists yet, whether it carries the filter and sample
    lexemes, and the writer lock."""

    def __init__(self, engine, *, lock_timeout: float):
        self.engine = engine
        self.lock_timeout = lock_timeout
        self._ready = False
        self.filter_lexemes = False  # whether the live table's tokens carry the filter lexemes
        self.sample_lexemes = False  # … and the sample lexemes

    def ensure(self) -> None:
        """Create the table if it does not exist (once per instance), and read its marker."""
        if self._ready:
            return
        with self.engine.begin() as conn:
            if conn.execute(text(f"SELECT to_regclass('{TABLE}')")).scalar() is None:
                conn.execute(text(f"SELECT pg_advisory_xact_lock({LOCK_KEY})"))
                if conn.execute(text(f"SELECT to_regclass('{TABLE}')")).scalar() is None:
                    for statement in (*_ddl(TABLE), *_indexes(TABLE)):
                        conn.execute(text(statement))
            comment = f"SELECT obj_description(to_regclass('{TABLE}'), 'pg_class')"
            marker = conn.execute(text(comment)).scalar()
        self.filter_lexemes = marker in (MARKER, FILTERS_ONLY)
        self.sample_lexemes = marker == MARKER
        self._ready = True

    def lock(self, conn) -> None:
        """The writer lock (until the transaction ends), or SearchBusy after ``lock_timeout``."""
        wait_ms = max(int(self.lock_timeout * 1000), 1)  # 0 would mean "wait for ever"
        conn.execute(text(f"SET LOCAL lock_timeout = '{wait_ms}ms'"))
        try:
            conn.execute(text(f"SELECT pg_advisory_xact_lock({LOCK_KEY})"))
        except sa_exc.OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) == "55P03":
                raise SearchBusy("the search table is locked by another writer") from exc
            raise
        conn.execute(text("SET LOCAL lock_timeout = 0"))

    def retrying(self, work):
        """Run ``work`` once more after recreating the table if it vanished (e.g. a schema reset)."""
        self.ensure()
        try:
            return work()
        except sa_exc.ProgrammingError as exc:
            if getattr(exc.orig, "sqlstate", None) != "42P01":  # undefined_table
                raise
            self._ready = False
            self.ensure()
            return work()
