"""The shared search backend for deployments on PostgreSQL: one table of analysed tokens, GIN-indexed.

``search_doc`` is derived data: the backend creates it on first use (``CREATE TABLE IF NOT EXISTS``,
under an advisory lock), not the app's migrations. ``tokens`` holds the tokens of
``analysis.analyze`` with their positions (token order), so ``<->`` phrases match exactly what the
Whoosh backend matches. Not pg_trgm: it makes no trigrams of Chinese on a C-locale cluster.

Why literals and not ``to_tsvector('simple', …)``/``to_tsquery('simple', …)``: the text-search
parser splits what the analyzer keeps whole and adds parts that shift positions (``wi-fi`` becomes
``wi-fi``, ``wi``, ``fi`` at three positions, so a phrase after it no longer lines up), and on a
cluster whose locale does not class Han characters as letters it drops Chinese altogether. So the
tsvector is passed as a literal (``'lexeme':1,5 …``) and the tsquery too (``'开放' <-> '放时'``),
both as bound parameters cast with ``CAST(:v AS tsvector)``/``CAST(:q AS tsquery)``; every lexeme is
quoted and escaped, so no input can produce a syntax error. ``simple`` semantics (no stemming, no
stop words) hold by construction. Positions above 16383 are clamped (PostgreSQL's limit), and at
most 256 positions are kept per lexeme.

Locking: index(), remove() and rebuild() take a transaction-level advisory lock for this table and
wait at most ``lock_timeout`` seconds for it, then raise ``SearchBusy`` having written nothing.
rebuild() holds it from before it reads the first document until the swap commits, so a concurrent
index() lands in the new table. rebuild() fills ``search_doc_new``, builds its indexes, then drops
the old table and renames the new one in the same transaction: readers keep reading the old table
meanwhile and wait only for the swap itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from consult.search.analysis import ParsedQuery, Token, analyze, parse_query
from consult.search.base import Doc, Hit, Query, Results, SearchBusy, fingerprint
from consult.search.snippets import snippet

TABLE = "search_doc"
MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 256
BATCH = 500
RANK_NORMALIZATION = 0  # ts_rank_cd normalisation flags (0: none; the quality set ranks perfectly)
JOINED_BOOST = 1.0  # weight of the joined terms (``开放 时间`` read as ``开放时间``) in the rank
_LOCK_KEY = "hashtext(current_schema() || '.search_doc')"
_FILTERS = ("kind", "draft_id", "article_id", "status", "channel", "contact_point_id")
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


def _ddl(table: str) -> list[str]:
    return [
        f"""CREATE TABLE IF NOT EXISTS {table} (
            key text NOT NULL, kind text NOT NULL, id bigint NOT NULL, draft_id bigint NOT NULL,
            article_id bigint, status text, channel text, contact_point_id bigint,
            public boolean NOT NULL, text text NOT NULL, submitted_at timestamptz,
            fingerprint text NOT NULL, tokens tsvector NOT NULL)""",
    ]


def _indexes(table: str) -> list[str]:
    return [
        f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (key)",
        f"CREATE INDEX {table}_tokens ON {table} USING gin (tokens)",
        f"CREATE INDEX {table}_public_draft ON {table} (public, draft_id)",
    ]


def _lexeme(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(tokens: list[Token]) -> str:
    """The tsvector input for analysed tokens: each lexeme with its positions (1-based, token order)."""
    positions: dict[str, list[int]] = {}
    for token in tokens:
        positions.setdefault(token.text, []).append(min(token.pos + 1, MAX_POSITION))
    return " ".join(
        _lexeme(lexeme) + ":" + ",".join(map(str, sorted(set(found))[:MAX_POSITIONS_PER_LEXEME]))
        for lexeme, found in positions.items()
    )


def _sequence(tokens: tuple[str, ...]) -> str:
    return "(" + " <-> ".join(_lexeme(t) for t in tokens) + ")"


def tsquery_literal(parsed: ParsedQuery, *, loose: bool = False) -> str:
    """The tsquery: every clause as a ``<->`` sequence, clauses with ``&``; or the loose ``|``."""
    if loose:
        return " | ".join(_lexeme(t) for t in parsed.loose)
    return " & ".join(_sequence(c.tokens) for c in parsed.clauses)


def boost_literal(parsed: ParsedQuery) -> str | None:
    """The optional part of the rank: the unquoted terms joined as one phrase, or None."""
    return _sequence(parsed.joined) if len(parsed.joined) > 1 else None


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
        "tokens": tsvector_literal(analyze(doc.text or "")),
    }


def _insert_sql(table: str, upsert: bool) -> str:
    values = ", ".join("CAST(:tokens AS tsvector)" if c == "tokens" else f":{c}" for c in _COLUMNS)
    sql = f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES ({values})"
    if upsert:
        sql += " ON CONFLICT (key) DO UPDATE SET " + ", ".join(
            f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c != "key"
        )
    return sql


def _batches(docs: Iterable[Doc]) -> Iterator[list[dict]]:
    """Rows in batches, deduplicated by key (the last document wins)."""
    latest: dict[str, Doc] = {}
    for doc in docs:
        latest.pop(doc.key, None)
        latest[doc.key] = doc
    batch: list[dict] = []
    for doc in latest.values():
        batch.append(_row(doc))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


class PostgresBackend:
    """Search in PostgreSQL through a SQLAlchemy engine; see the module docstring."""

    def __init__(self, engine, *, lock_timeout: float = 10.0):
        self.engine = engine
        self.lock_timeout = lock_timeout
        self._ready = False

    # -- table and lock ----------------------------------------------------------------------

    def _ensure(self) -> None:
        if self._ready:
            return
        with self.engine.begin() as conn:
            if conn.execute(text(f"SELECT to_regclass('{TABLE}')")).scalar() is None:
                conn.execute(text(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})"))
                if conn.execute(text(f"SELECT to_regclass('{TABLE}')")).scalar() is None:
                    for statement in (*_ddl(TABLE), *_indexes(TABLE)):
                        conn.execute(text(statement))
        self._ready = True

    def _lock(self, conn) -> None:
        """The writer lock (until the transaction ends), or SearchBusy after ``lock_timeout``."""
        wait_ms = max(int(self.lock_timeout * 1000), 1)  # 0 would mean "wait for ever"
        conn.execute(text(f"SET LOCAL lock_timeout = '{wait_ms}ms'"))
        try:
            conn.execute(text(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})"))
        except sa_exc.OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) == "55P03":
                raise SearchBusy("the search table is locked by another writer") from exc
            raise
        conn.execute(text("SET LOCAL lock_timeout = 0"))

    def _retrying(self, work):
        """Run ``work`` once more after recreating the table if it vanished (e.g. a schema reset)."""
        self._ensure()
        try:
            return work()
        except sa_exc.ProgrammingError as exc:
            if getattr(exc.orig, "sqlstate", None) != "42P01":  # undefined_table
                raise
            self._ready = False
            self._ensure()
            return work()

    # -- the interface -----------------------------------------------------------------------

    def index(self, docs: Iterable[Doc]) -> int:
        """Add or replace documents by key, in one transaction."""
        docs = list(docs)

        def work() -> int:
            count = 0
            with self.engine.begin() as conn:
                self._lock(conn)
                for batch in _batches(docs):
                    conn.execute(text(_insert_sql(TABLE, upsert=True)), batch)
                    count += len(batch)
            return count

        return self._retrying(work)

    def remove(self, keys: Iterable[str]) -> int:
        """Delete documents by key; an unknown key is no error."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return 0

        def work() -> int:
            with self.engine.begin() as conn:
                self._lock(conn)
                conn.execute(text(f"DELETE FROM {TABLE} WHERE key = ANY(:keys)"), {"keys": keys})
            return len(keys)

        return self._retrying(work)

    def rebuild(self, docs: Iterable[Doc]) -> int:
        """Fill a new table with ``docs``, index it, and swap it for the live one in one transaction."""
        self._ensure()
        new = f"{TABLE}_new"
        count = 0
        with self.engine.begin() as conn:
            self._lock(conn)
            conn.execute(text(f"DROP TABLE IF EXISTS {new}"))
            for statement in _ddl(new):
                conn.execute(text(statement))
            for batch in _batches(docs):
                conn.execute(text(_insert_sql(new, upsert=False)), batch)
                count += len(batch)
            for statement in _indexes(new):
                conn.execute(text(statement))
            conn.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
            conn.execute(text(f"ALTER TABLE {new} RENAME TO {TABLE}"))
            for suffix in ("pkey", "tokens", "public_draft"):
                conn.execute(text(f"ALTER INDEX {new}_{suffix} RENAME TO {TABLE}_{suffix}"))
        return count

    def keys(self) -> dict[str, str]:
        """Every indexed key with the fingerprint of the document it was indexed from."""

        def work() -> dict[str, str]:
            with self.engine.connect() as conn:
                return dict(conn.execute(text(f"SELECT key, fingerprint FROM {TABLE}")).all())

        return self._retrying(work)

    def search(self, query: Query) -> Results:
        """One page of hits; when the strict query finds nothing, the loose one (any token, ranked)."""
        parsed = parse_query(query.text)
        if parsed.empty:
            return Results()

        def work() -> Results:
            results = self._search(query, parsed, loose=False)
            if results.total == 0 and parsed.loose:
                results = self._search(query, parsed, loose=True)
            return results

        return self._retrying(work)

    def _search(self, query: Query, parsed: ParsedQuery, *, loose: bool) -> Results:
        page, per_page = max(query.page, 1), max(query.per_page, 1)
        params: dict = {
            "q": tsquery_literal(parsed, loose=loose),
            "limit": per_page,
            "offset": (page - 1) * per_page,
        }
        where = ["tokens @@ q.main"]
        if query.public_only:
            where.append("public")
        for name in _FILTERS:
            value = getattr(query, name)
            if value is not None:
                where.append(f"{name} = :{name}")
                params[name] = value
        rank = f"ts_rank_cd(tokens, q.main, {RANK_NORMALIZATION})"
        boost = None if loose else boost_literal(parsed)
        if boost:
            params["b"] = boost
            rank += f" + {JOINED_BOOST} * ts_rank_cd(tokens, CAST(:b AS tsquery), {RANK_NORMALIZATION})"
        sql = f"""
            SELECT kind, id, draft_id, text, {rank} AS score, count(*) OVER () AS total
            FROM {TABLE}, (SELECT CAST(:q AS tsquery) AS main) AS q
            WHERE {" AND ".join(where)}
            ORDER BY score DESC, kind, id
            LIMIT :limit OFFSET :offset"""
        with self.engine.connect() as conn:
            rows = conn.execute(text(sql), params).all()
            if rows:
                total = rows[0].total
            else:
                count_sql = f"""SELECT count(*) FROM {TABLE}, (SELECT CAST(:q AS tsquery) AS main) AS q
                    WHERE {" AND ".join(where)}"""
                count_params = {k: v for k, v in params.items() if k not in ("limit", "offset", "b")}
                total = conn.execute(text(count_sql), count_params).scalar() if params["offset"] else 0
        hits = [
            Hit(r.kind, r.id, r.draft_id, score=float(r.score), snippet=snippet(r.text, parsed)) for r in rows
        ]
        return Results(hits=hits, total=int(total))

    def close(self) -> None:
        """Nothing of its own to release: the engine belongs to the caller."""
