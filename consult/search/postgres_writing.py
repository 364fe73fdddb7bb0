"""What the PostgreSQL backend writes: documents as rows of analysed tokens, upserted or deleted by
key in batches, or a whole new table filled and swapped in (the table and its lock: postgres_table.py).

Every write holds the writer lock. rebuild holds it from before it reads the first document until
the swap commits, so a concurrent index() lands in the new table.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import text

from consult.search.analysis import analyze
from consult.search.base import Doc, fingerprint, windows
from consult.search.postgres_literals import filter_lexemes, tsvector_literal
from consult.search.postgres_table import NEW, TABLE, SearchTable, create_new, swap_in_new
from consult.search.postgres_totals import sample_lexemes

BATCH = 500
_COLUMNS = (
    "key",
    "kind",
    "id",
    "draft_id",
    "article_id",
    "status",
    "channel",
    "contact_point_id",
    "public",
    "text",
    "submitted_at",
    "fingerprint",
    "tokens",
)


def _row(doc: Doc) -> dict:
    return {
        "key": doc.key,
        "kind": doc.kind,
        "id": doc.id,
        "draft_id": doc.draft_id,
        "article_id": doc.article_id,
        "status": doc.status,
        "channel": doc.channel,
        "contact_point_id": doc.contact_point_id,
        "public": bool(doc.public),
        "text": doc.text or "",
        "submitted_at": doc.submitted_at,
        "fingerprint": fingerprint(doc),
        "tokens": tsvector_literal(analyze(doc.text or ""), filter_lexemes(doc) + sample_lexemes(doc.key)),
    }


def _insert_sql(table: str, upsert: bool) -> str:
    values = ", ".join("CAST(:tokens AS tsvector)" if c == "tokens" else f":{c}" for c in _COLUMNS)
    sql = f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES ({values})"
    if upsert:
        sql += " ON CONFLICT (key) DO UPDATE SET " + ", ".join(
            f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c != "key"
        )
        # a document indexed again unchanged leaves its row alone: no dead row, no index entries
        sql += f" WHERE {table}.fingerprint IS DISTINCT FROM EXCLUDED.fingerprint"
    return sql


def _batches(docs: Iterable[Doc]) -> Iterator[list[dict]]:
    """Rows in batches of ``BATCH``, each without a key twice (the last document wins; a key repeated
    in a later batch is upserted again): never more than a batch in memory, whatever the corpus."""
    for window in windows(docs, BATCH):
        yield [_row(doc) for doc in window]


def index_docs(table: SearchTable, docs: Iterable[Doc]) -> int:
    """Add or replace documents by key, in one transaction."""
    docs = list(docs)

    def work() -> int:
        count = 0
        with table.engine.begin() as conn:
            table.lock(conn)
            for batch in _batches(docs):
                conn.execute(text(_insert_sql(TABLE, upsert=True)), batch)
                count += len(batch)
        return count

    return table.retrying(work)


def remove_keys(table: SearchTable, keys: Iterable[str]) -> int:
    """Delete documents by key; an unknown key is no error."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return 0

    def work() -> int:
        with table.engine.begin() as conn:
            table.lock(conn)
            conn.execute(text(f"DELETE FROM {TABLE} WHERE key = ANY(:keys)"), {"keys": keys})
        return len(keys)

    return table.retrying(work)


def rebuild_table(table: SearchTable, docs: Iterable[Doc]) -> int:
    """Fill a new table with ``docs`` (each key once, as ``all_docs`` gives them: they are read a
    batch at a time, never all at once), index it, and swap it for the live one in one transaction."""
    table.ensure()
    count = 0
    with table.engine.begin() as conn:
        table.lock(conn)
        create_new(conn)
        for batch in _batches(docs):
            conn.execute(text(_insert_sql(NEW, upsert=False)), batch)
            count += len(batch)
        swap_in_new(conn)
    table.filter_lexemes = table.sample_lexemes = True
    return count
