"""Benchmark: PostgreSQL search totals above the candidate cap, before and after churn (issue 15 §8).

    .venv/bin/python bench/search_totals.py [--docs 100000] [--queries 60] [--database-url URL]

Indexes bench/search.py's generated comments with ``rebuild()`` into a database of its own
(``search_totals_bench``, created and dropped here), then measures three states of the table: fresh;
after churn (the popular draft's comments hidden and shown again through ``index()`` as a draft's
visibility job does, a fifth of all rows deleted, as many new ones inserted); and after VACUUM ANALYZE.
In each state, for every query (bench/search.py's, public and staff forms) whose total is above
``CANDIDATES``: the exact count, the total ``search()`` gives (the sample lexemes,
postgres_totals.py), and the estimate of the share of the heap scanned used before (recomputed here
from the same first candidates). Prints the worst relative error and how many are within 15 %, and
the time of ``search()`` with its total against the same search counting exactly, and counting
nothing (the floor).
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_spec = importlib.util.spec_from_file_location("bench_search", ROOT / "bench" / "search.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_search"] = bench  # its dataclasses look their module up
_spec.loader.exec_module(bench)

from sqlalchemy import create_engine, text  # noqa: E402

from consult.search import postgres_backend  # noqa: E402
from consult.search.base import Doc, Query  # noqa: E402
from consult.search.postgres_backend import PostgresBackend  # noqa: E402

bench.BENCH_DB = "search_totals_bench"


def old_estimate(engine, pg: PostgresBackend, query: Query) -> int | None:
    """The estimate used before: rows found among the first candidates, scaled by the heap's share."""
    found = pg.search(query)
    if not found.estimated:
        return None
    where, params = capture(pg, query)
    sql = f"""SELECT count(*), max((ctid::text::point)[0]) FROM (SELECT ctid FROM search_doc,
              (SELECT CAST(:q AS tsquery) AS main) AS q WHERE {" AND ".join(where)} LIMIT :cap) AS c"""
    with engine.connect() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        rows, last = conn.execute(text(sql), params).one()
        blocks = conn.execute(text("SELECT pg_relation_size('search_doc') / 8192")).scalar()
    return int(rows * blocks / (last + 1)) if blocks > last + 1 else rows


def capture(pg: PostgresBackend, query: Query) -> tuple[list[str], dict]:
    """The WHERE and parameters search() builds for the strict query (read back through a spy)."""
    seen: dict = {}
    real = postgres_backend.count_matches

    def spy(conn, table, where, params, *, sampled):
        seen.setdefault("args", (list(where), {k: v for k, v in params.items() if k not in ("r", "b")}))
        return real(conn, table, where, params, sampled=sampled)

    postgres_backend.count_matches = spy
    try:
        pg.search(query)
    finally:
        postgres_backend.count_matches = real
    where, params = seen["args"]
    params.pop("limit", None)
    params.pop("offset", None)
    return where, params


def measure(label: str, engine, pg: PostgresBackend, queries: list[Query]) -> None:
    rows = []
    for query in queries:
        pg._table.sample_lexemes = False
        started = time.perf_counter()
        exact = pg.search(query)
        exact_ms = (time.perf_counter() - started) * 1000
        pg._table.sample_lexemes = True
        if not exact.estimated and exact.total < postgres_backend.CANDIDATES:
            continue
        started = time.perf_counter()
        sampled = pg.search(query)
        sampled_ms = (time.perf_counter() - started) * 1000
        real = postgres_backend.count_matches
        postgres_backend.count_matches = lambda conn, table, where, params, *, sampled: (params["cap"], True)
        try:
            started = time.perf_counter()
            pg.search(query)  # no count at all: the floor (the heap share cost one more small statement)
            floor_ms = (time.perf_counter() - started) * 1000
        finally:
            postgres_backend.count_matches = real
        old = old_estimate(engine, pg, query)
        rows.append((query, exact.total, sampled.total, old, sampled_ms, exact_ms, floor_ms))
    if not rows:
        print(f"{label}: no query above the cap")
        return

    def error(estimate, exact):
        return abs(estimate - exact) / exact if estimate is not None else 0.0

    new_errors = [error(r[2], r[1]) for r in rows]
    old_errors = [error(r[3], r[1]) for r in rows]
    sampled_ms = sorted(r[4] for r in rows)
    exact_ms = sorted(r[5] for r in rows)
    print(
        f"{label}: {len(rows)} queries above the cap (exact totals {min(r[1] for r in rows)}–"
        f"{max(r[1] for r in rows)})\n"
        f"  sample lexemes: worst error {max(new_errors):.1%}, "
        f"within 15 % {sum(e <= 0.15 for e in new_errors)}"
        f"/{len(rows)}; search p50 {bench.percentile(sampled_ms, 50):.1f} ms, "
        f"p95 {bench.percentile(sampled_ms, 95):.1f} ms\n"
        f"  heap share (before): worst error {max(old_errors):.1%}, within 15 % "
        f"{sum(e <= 0.15 for e in old_errors)}/{len(rows)}\n"
        f"  no count (the floor): search p50 {bench.percentile(sorted(r[6] for r in rows), 50):.1f} ms, "
        f"p95 {bench.percentile(sorted(r[6] for r in rows), 95):.1f} ms\n"
        f"  exact count instead: search p50 {bench.percentile(exact_ms, 50):.1f} ms, "
        f"p95 {bench.percentile(exact_ms, 95):.1f} ms",
        flush=True,
    )
    worst = max(rows, key=lambda r: error(r[2], r[1]))
    print(
        f"  worst: {worst[0].text!r} draft={worst[0].draft_id} public_only={worst[0].public_only} "
        f"exact {worst[1]}, sampled {worst[2]}, heap share {worst[3]}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--database-url", default=bench.DEFAULT_URL)
    args = parser.parse_args()
    print(f"load average at start: {bench.load_average()}")
    comments, quality = bench.quality_set()
    docs = bench.generate_docs(args.docs, args.seed, bench.clauses_by_draft(comments))
    made = bench.make_queries(args.queries, args.seed, quality, comments)
    queries = [bq.query() for bq in made] + [
        Query(text=bq.text, public_only=False, kind="comment", draft_id=bq.draft_id, per_page=20)
        for bq in made
    ]
    url = bench.create_bench_database(args.database_url)
    engine = create_engine(url, connect_args={"connect_timeout": 5})
    pg = PostgresBackend(engine, lock_timeout=60)
    try:
        bench.timed("postgres rebuild()", lambda: pg.rebuild(docs))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE search_doc"))
        measure("fresh table", engine, pg, queries)

        rng = random.Random(args.seed)
        popular = [d for d in docs if d.draft_id == 1]
        hidden = [Doc(**{**d.__dict__, "public": False}) for d in popular]

        def churn() -> None:
            for batch in (hidden, popular):  # a draft hidden, then shown again: its rows twice
                for start in range(0, len(batch), 1000):
                    pg.index(batch[start : start + 1000])
            gone = rng.sample([d.key for d in docs], len(docs) // 5)
            pg.remove(gone)
            fresh = bench.generate_docs(len(gone), args.seed + 1, bench.clauses_by_draft(comments))
            for start in range(0, len(fresh), 1000):
                pg.index([Doc(**{**d.__dict__, "id": d.id + len(docs)}) for d in fresh[start : start + 1000]])

        bench.timed("churn (index() and remove())", churn)
        with engine.connect() as conn:
            size = conn.execute(text("SELECT pg_total_relation_size('search_doc')")).scalar() / 2**20
        print(f"search_doc after churn: {size:.0f} MiB")
        measure("after churn", engine, pg, queries)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE search_doc"))
        measure("after VACUUM ANALYZE", engine, pg, queries)
    finally:
        pg.close()
        engine.dispose()
        bench.drop_bench_database(args.database_url)
    print(f"load average at end: {bench.load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
