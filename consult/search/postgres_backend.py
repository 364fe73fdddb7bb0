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

Speed (issue 6 benchmark, 100,000 comments; figures in analysis.py's docstring):

- Filter lexemes: each row's ``tokens`` also holds its filter fields as lexemes without positions
  (``#public``, ``#draft_id:4``, ``#status:published`` …, see ``filter_lexemes``; the analyzer never
  makes a ``#``), and a query ANDs the ones it filters on, so the GIN bitmap holds only rows of the
  right draft and visibility: no heap visit for a match in another draft. A table is known to carry
  them by its comment (``MARKER``, set when the table is created); an older table is filtered by its
  columns alone until ``search reindex``. The column conditions stay in the WHERE in any case.
- Capped candidates: the first ``CANDIDATES`` matches in heap order (a bitmap heap scan that stops
  there; ``enable_seqscan`` is off for the statement, or with LIMIT the planner may test every
  row's tokens in a sequential scan) are the only ones ranked (``ts_rank_cd``). Below the cap the
  order and the total are exact, as before; above it the total is an estimate (the rows found,
  scaled by the share of the table's blocks the scan covered, two significant digits) and the
  ranking is over those first rows only. A page beyond the cap raises the cap to reach it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from consult.search.analysis import ParsedQuery, Token, analyze, loose_min_match, parse_query
from consult.search.base import Doc, Hit, Query, Results, SearchBusy, fingerprint
from consult.search.snippets import snippet

TABLE = "search_doc"
MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 256
BATCH = 500
RANK_NORMALIZATION = 0  # ts_rank_cd normalisation flags (0: none; the quality set ranks perfectly)
JOINED_BOOST = 1.0  # weight of the joined terms (``开放 时间`` read as ``开放时间``) in the rank
MARKER = "consult search_doc v2: filter lexemes"  # the table comment of a table whose rows carry them
CANDIDATES = 1000  # matches ranked per query (the first in heap order); above it the total is estimated
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
        f"COMMENT ON TABLE {table} IS '{MARKER}'",
    ]


def _indexes(table: str) -> list[str]:
    return [
        f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (key)",
        f"CREATE INDEX {table}_tokens ON {table} USING gin (tokens)",
        f"CREATE INDEX {table}_public_draft ON {table} (public, draft_id)",
    ]


def _lexeme(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _filter_lexeme(name: str, value) -> str:
    """``#public``, ``#draft_id:4``: the analyzer never makes a token with ``#`` (a separator)."""
    if name == "public":
        return "#public"
    return f"#{name}:{value}"


def filter_lexemes(doc: Doc) -> list[str]:
    """The filter fields of a document as lexemes without positions, so the GIN index filters too."""
    found = [_filter_lexeme("public", True)] if doc.public else []
    for name in _FILTERS:
        value = getattr(doc, name)
        if value is not None:
            found.append(_filter_lexeme(name, value))
    return found


def tsvector_literal(tokens: list[Token], filters: list[str] = ()) -> str:
    """The tsvector input for analysed tokens: each lexeme with its positions (1-based, token order),
    then the filter lexemes (no positions)."""
    positions: dict[str, list[int]] = {}
    for token in tokens:
        positions.setdefault(token.text, []).append(min(token.pos + 1, MAX_POSITION))
    return " ".join(
        [
            _lexeme(lexeme) + ":" + ",".join(map(str, sorted(set(found))[:MAX_POSITIONS_PER_LEXEME]))
            for lexeme, found in positions.items()
        ]
        + [_lexeme(f) for f in filters]
    )


def _sequence(tokens: tuple[str, ...]) -> str:
    return "(" + " <-> ".join(_lexeme(t) for t in tokens) + ")"


def tsquery_literal(parsed: ParsedQuery, *, loose: bool = False, min_match: int = 1) -> str:
    """The tsquery: every clause as a ``<->`` sequence, clauses with ``&``; or the loose ``|`` (with
    ``min_match`` > 1: an OR of every ``&`` of that many tokens)."""
    if loose and min_match > 1:
        return " | ".join(
            "(" + " & ".join(_lexeme(t) for t in group) + ")"
            for group in itertools.combinations(parsed.loose, min_match)
        )
    if loose:
        return " | ".join(_lexeme(t) for t in parsed.loose)
    return " & ".join(_sequence(c.tokens) for c in parsed.clauses)


def boost_literal(parsed: ParsedQuery) -> str | None:
    """The optional part of the rank: the unquoted terms joined as one phrase, or None."""
    return _sequence(parsed.joined) if len(parsed.joined) > 1 else None


def estimate_total(found: int, last_block: int, blocks: int) -> int:
    """The total when the candidate scan stopped at ``found`` rows in block ``last_block`` of ``blocks``:
    scaled by the share of the table scanned, rounded to two significant digits ("about N")."""
    if blocks <= last_block + 1:
        return found
    estimate = found * blocks / (last_block + 1)
    step = 10 ** max(len(str(int(estimate))) - 2, 0)
    return max(found, int(round(estimate / step) * step))


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
        "tokens": tsvector_literal(analyze(doc.text or ""), filter_lexemes(doc)),
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
        self._filter_lexemes = False  # whether the live table's tokens carry the filter lexemes

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
            comment = f"SELECT obj_description(to_regclass('{TABLE}'), 'pg_class')"
            marker = conn.execute(text(comment)).scalar()
        self._filter_lexemes = marker == MARKER
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
        self._filter_lexemes = True
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
            least = loose_min_match(parsed)
            if results.total == 0 and parsed.loose and least > 1:
                results = self._search(query, parsed, loose=True, min_match=least)
                results.partial = results.total > 0
            if results.total == 0 and parsed.loose:
                results = self._search(query, parsed, loose=True)
                results.partial = results.total > 0
            return results

        return self._retrying(work)

    def _search(self, query: Query, parsed: ParsedQuery, *, loose: bool, min_match: int = 1) -> Results:
        page, per_page = max(query.page, 1), max(query.per_page, 1)
        main = tsquery_literal(parsed, loose=loose, min_match=min_match)
        params: dict = {"r": main, "limit": per_page, "offset": (page - 1) * per_page}
        where = ["tokens @@ q.main"]
        lexemes = []
        if query.public_only:
            lexemes.append(_filter_lexeme("public", True))
            where.append("public")
        for name in _FILTERS:
            value = getattr(query, name)
            if value is not None:
                lexemes.append(_filter_lexeme(name, value))
                where.append(f"{name} = :{name}")
                params[name] = value
        if self._filter_lexemes and lexemes:
            # the filters inside the GIN index: the bitmap holds only matching rows of the right drafts
            main = f"({main}) & " + " & ".join(_lexeme(f) for f in lexemes)
        params["q"] = main
        params["cap"] = max(CANDIDATES, page * per_page)
        rank = f"ts_rank_cd(tokens, CAST(:r AS tsquery), {RANK_NORMALIZATION})"
        boost = None if loose else boost_literal(parsed)
        if boost:
            params["b"] = boost
            rank += f" + {JOINED_BOOST} * ts_rank_cd(tokens, CAST(:b AS tsquery), {RANK_NORMALIZATION})"
        # The first ``cap`` matches in heap order are the candidates (a bitmap scan stops there): only
        # they are ranked, and the total is exact below the cap, an estimate from the share of the
        # table the scan covered above it (see the module docstring).
        sql = f"""
            SELECT kind, id, draft_id, text, score, total, last_block FROM (
                SELECT kind, id, draft_id, text, {rank} AS score, count(*) OVER () AS total,
                       max((ctid::text::point)[0]) OVER () AS last_block
                FROM (SELECT ctid, kind, id, draft_id, text, tokens
                      FROM {TABLE}, (SELECT CAST(:q AS tsquery) AS main) AS q
                      WHERE {" AND ".join(where)} LIMIT :cap) AS candidates
            ) AS ranked
            ORDER BY score DESC, kind, id
            LIMIT :limit OFFSET :offset"""
        with self.engine.connect() as conn:
            # With LIMIT the planner may prefer a sequential scan that tests every row's tokens.
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            rows = conn.execute(text(sql), params).all()
            if rows:
                total = rows[0].total
                if total >= params["cap"]:
                    blocks = conn.execute(
                        text(f"SELECT pg_relation_size('{TABLE}') / current_setting('block_size')::int")
                    ).scalar()
                    total = estimate_total(total, int(rows[0].last_block), int(blocks or 0))
            elif params["offset"]:
                count_sql = f"""SELECT count(*) FROM (SELECT 1 FROM {TABLE},
                    (SELECT CAST(:q AS tsquery) AS main) AS q WHERE {" AND ".join(where)} LIMIT :cap) AS c"""
                count_params = {k: v for k, v in params.items() if k not in ("limit", "offset", "b", "r")}
                total = conn.execute(text(count_sql), count_params).scalar()
            else:
                total = 0
        hits = [
            Hit(r.kind, r.id, r.draft_id, score=float(r.score), snippet=snippet(r.text, parsed)) for r in rows
        ]
        return Results(hits=hits, total=int(total), estimated=int(total) >= params["cap"])

    def close(self) -> None:
        """Nothing of its own to release: the engine belongs to the caller."""
