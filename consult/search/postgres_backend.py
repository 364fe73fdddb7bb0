"""The shared search backend for deployments on PostgreSQL: one table of analysed tokens, GIN-indexed,
and how it answers a query.

``tokens`` holds the tokens of ``analysis.analyze`` with their positions (token order), so ``<->``
phrases match exactly what the Whoosh backend matches. Not pg_trgm: it makes no trigrams of Chinese
on a C-locale cluster. The concerns apart: the table's DDL, its creation on first use, the rebuild's
swap and the writer lock are postgres_table.py's; the rows written, postgres_writing.py's; the
tsvector and tsquery literals (why literals, and the filter lexemes), postgres_literals.py's. This
module holds the search.

Speed (issue 6 benchmark, 100,000 comments; figures in analysis.py's docstring):

- Filter lexemes: a query ANDs the filter lexemes (``#public``, ``#draft_id:4`` …, see
  ``postgres_literals.filter_lexemes``) of the fields it filters on, so the GIN bitmap holds only
  rows of the right draft and visibility: no heap visit for a match in another draft. Only on a
  table known to carry them (``postgres_table.MARKER``); an older table is filtered by its columns
  alone until ``search reindex``. The column conditions stay in the WHERE in any case.
- Capped candidates: the first ``CANDIDATES`` matches in heap order (a bitmap heap scan that stops
  there; ``enable_seqscan`` is off for the statement, or with LIMIT the planner may test every
  row's tokens in a sequential scan) are the only ones ranked (``ts_rank_cd``). Below the cap the
  order and the total are exact, as before; above it the ranking is over those first rows only, and
  the total is counted in a random sample of the matches fixed by the rows' sample lexemes
  (postgres_totals.py: within 15 % whatever the table's history; the share of the heap scanned,
  used before, was off by 37 times after churn). A page beyond the cap raises the cap to reach it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import text

from consult.search.analysis import ParsedQuery, loose_min_match, parse_query
from consult.search.base import Doc, Hit, Kind, Query, Results
from consult.search.postgres_literals import FILTERS, boost_literal, filter_lexeme, lexeme, tsquery_literal
from consult.search.postgres_table import TABLE, SearchTable
from consult.search.postgres_totals import count_matches
from consult.search.postgres_writing import index_docs, rebuild_table, remove_keys
from consult.search.snippets import snippet

RANK_NORMALIZATION = 0  # ts_rank_cd normalisation flags (0: none; the quality set ranks perfectly)
JOINED_BOOST = 1.0  # weight of the joined terms (``开放 时间`` read as ``开放时间``) in the rank
STREAM_BATCH = 1000  # rows fetched per round trip by ``fingerprints``
CANDIDATES = 1000  # matches ranked per query (the first in heap order); above it the total is estimated


class PostgresBackend:
    """Search in PostgreSQL through a SQLAlchemy engine: the interface of base.py, searched here, the
    table kept and written by postgres_table.py and postgres_writing.py."""

    def __init__(self, engine, *, lock_timeout: float = 10.0):
        self.engine = engine
        self._table = SearchTable(engine, lock_timeout=lock_timeout)

    # -- the interface -----------------------------------------------------------------------

    def index(self, docs: Iterable[Doc]) -> int:
        """Add or replace documents by key, in one transaction."""
        return index_docs(self._table, docs)

    def remove(self, keys: Iterable[str]) -> int:
        """Delete documents by key; an unknown key is no error."""
        return remove_keys(self._table, keys)

    def rebuild(self, docs: Iterable[Doc]) -> int:
        """Fill a new table with ``docs``, index it, and swap it for the live one in one transaction."""
        return rebuild_table(self._table, docs)

    def keys(self) -> dict[str, str]:
        """Every indexed key with the fingerprint of the document it was indexed from."""

        def work() -> dict[str, str]:
            with self.engine.connect() as conn:
                return dict(conn.execute(text(f"SELECT key, fingerprint FROM {TABLE}")).all())

        return self._table.retrying(work)

    def fingerprints(self, kind: Kind) -> Iterator[tuple[int, str]]:
        """(id, fingerprint) of every indexed ``kind`` document, in id order, from a server-side
        cursor ``STREAM_BATCH`` rows at a time (the sort is the server's: nothing held here)."""
        sql = text(f"SELECT id, fingerprint FROM {TABLE} WHERE kind = :kind ORDER BY id")

        def start():
            conn = self.engine.connect()
            try:
                return conn, conn.execution_options(yield_per=STREAM_BATCH).execute(sql, {"kind": kind})
            except BaseException:
                conn.close()
                raise

        conn, rows = self._table.retrying(start)
        with conn:
            for row in rows:
                yield row.id, row.fingerprint

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

        return self._table.retrying(work)

    def _search(self, query: Query, parsed: ParsedQuery, *, loose: bool, min_match: int = 1) -> Results:
        page, per_page = max(query.page, 1), max(query.per_page, 1)
        main = tsquery_literal(parsed, loose=loose, min_match=min_match)
        params: dict = {"r": main, "limit": per_page, "offset": (page - 1) * per_page}
        where = ["tokens @@ q.main"]
        lexemes = []
        if query.public_only:
            lexemes.append(filter_lexeme("public", True))
            where.append("public")
        for name in FILTERS:
            value = getattr(query, name)
            if value is not None:
                lexemes.append(filter_lexeme(name, value))
                where.append(f"{name} = :{name}")
                params[name] = value
        if self._table.filter_lexemes and lexemes:
            # the filters inside the GIN index: the bitmap holds only matching rows of the right drafts
            main = f"({main}) & " + " & ".join(lexeme(f) for f in lexemes)
        params["q"] = main
        params["cap"] = max(CANDIDATES, page * per_page)
        rank = f"ts_rank_cd(tokens, CAST(:r AS tsquery), {RANK_NORMALIZATION})"
        boost = None if loose else boost_literal(parsed)
        if boost:
            params["b"] = boost
            rank += f" + {JOINED_BOOST} * ts_rank_cd(tokens, CAST(:b AS tsquery), {RANK_NORMALIZATION})"
        # The first ``cap`` matches in heap order are the candidates (a bitmap scan stops there): only
        # they are ranked; the total is exact below the cap, counted in a sample above it (see the
        # module docstring).
        sql = f"""
            SELECT kind, id, draft_id, text, score, total FROM (
                SELECT kind, id, draft_id, text, {rank} AS score, count(*) OVER () AS total
                FROM (SELECT kind, id, draft_id, text, tokens
                      FROM {TABLE}, (SELECT CAST(:q AS tsquery) AS main) AS q
                      WHERE {" AND ".join(where)} LIMIT :cap) AS candidates
            ) AS ranked
            ORDER BY score DESC, kind, id
            LIMIT :limit OFFSET :offset"""
        estimated = False
        with self.engine.connect() as conn:
            # With LIMIT the planner may prefer a sequential scan that tests every row's tokens.
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            rows = conn.execute(text(sql), params).all()
            total = rows[0].total if rows else 0
            if total >= params["cap"] or (not rows and params["offset"]):
                total, estimated = count_matches(
                    conn, TABLE, where, params, sampled=self._table.sample_lexemes
                )
        hits = [
            Hit(r.kind, r.id, r.draft_id, score=float(r.score), snippet=snippet(r.text, parsed)) for r in rows
        ]
        return Results(hits=hits, total=int(total), estimated=estimated)

    def close(self) -> None:
        """Nothing of its own to release: the engine belongs to the caller."""
