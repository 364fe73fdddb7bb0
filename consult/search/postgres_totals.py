"""How many rows of the PostgreSQL search table match a query, within 15 % whatever the table's history.

The search ranks only the first ``CANDIDATES`` matches in heap order (postgres_backend.py); above that
it needs the total another way. Scaling the rows found by the share of the heap scanned assumed the
matches lie evenly over the table's blocks, which churn breaks (updated rows move to the end, dead and
freed space stays where it was; a draft's comments lie together): 1,700 read where 63,130 matched, and
VACUUM ANALYZE did not mend it.

Instead every row carries sample lexemes fixed by a hash of its key (``#sample:3`` on one row in 8,
``#sample:6`` on one in 64, ``#sample:9`` on one in 512, nested), so "the matches that also carry
``#sample:j``" is a random sample of the matches of share 1/2^j, whatever the physical order, the
dead rows, or the query. The matches are counted exactly up to ``FIRST_COUNT`` (8 × ``ENOUGH``: one
statement for most queries above the cap); beyond it, counted in the 1/8 sample up to the same bound,
beyond that in the 1/64 sample, then the 1/512 one. A sample is counted only once the bound below it
showed at least 2^j × ``ENOUGH`` matches, so it holds about ``ENOUGH`` or more (relative standard
error about 1/√500 ≈ 4.5 %, so 15 % is over three of them); the estimate is 2^j times its count, to
three significant digits. Each statement reads at most a few thousand rows, found through the GIN
index. The hash is stable (BLAKE2b), so the same rows give the same total.

A table created before the sample lexemes (its comment is an older ``MARKER``, postgres_table.py) is
counted exactly, up to ``EXACT_MAX``, until ``search reindex``.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text

SAMPLE_LEVELS = (3, 6, 9)  # shares 1/8, 1/64, 1/512
ENOUGH = 500  # sampled matches that make an estimate: a level is used once 2^level × ENOUGH match
FIRST_COUNT = 8 * ENOUGH  # counted exactly up to here, then in the 1/8 sample, up to here, then 1/64 …
SAMPLE_COUNT_MAX = 20_000  # the 1/512 sample's count stops here (over 10 million matches read as such)
EXACT_MAX = 1_000_000  # the exact count of a table without sample lexemes stops here


def sample_lexemes(key: str) -> list[str]:
    """``#sample:j`` for each level whose share the key's hash falls in (nested: a row with
    ``#sample:9`` also has 6 and 3)."""
    digest = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")
    return [f"#sample:{level}" for level in sorted(SAMPLE_LEVELS) if digest % (1 << level) == 0]


def count_matches(conn, table: str, where: list[str], params: dict, *, sampled: bool) -> tuple[int, bool]:
    """The total for the query bound as ``:q`` (with the column conditions ``where``), and whether it
    is an estimate. ``sampled``: the table's rows carry the sample lexemes."""
    bound = {k: v for k, v in params.items() if k in _names(where) or k == "q"}
    if not sampled:
        return _count(conn, table, where, bound, limit=EXACT_MAX), False
    found = _count(conn, table, where, bound, limit=FIRST_COUNT)
    if found < FIRST_COUNT:
        return found, False  # counted in full: the common case above the cap, one statement
    # Each sample is counted only once the count before it reached its bound: at least 2^level ×
    # ENOUGH match, so about ENOUGH or more are sampled.
    *denser, sparsest = SAMPLE_LEVELS
    for level in denser:
        found = _sample_count(conn, table, where, bound, level, FIRST_COUNT)
        if found < FIRST_COUNT:
            return about(found << level), True
    return about(_sample_count(conn, table, where, bound, sparsest, SAMPLE_COUNT_MAX) << sparsest), True


def about(estimate: int) -> int:
    """An estimate to three significant digits (the pages say "约"; rounding adds at most 0.5 %)."""
    step = 10 ** max(len(str(estimate)) - 3, 0)
    return round(estimate / step) * step


def _sample_count(conn, table: str, where: list[str], bound: dict, level: int, limit: int) -> int:
    query = f"({bound['q']}) & '#sample:{level}'"
    return _count(conn, table, where, {**bound, "q": query}, limit=limit)


def _count(conn, table: str, where: list[str], params: dict, *, limit: int) -> int:
    sql = f"""SELECT count(*) FROM (SELECT 1 FROM {table}, (SELECT CAST(:q AS tsquery) AS main) AS q
              WHERE {" AND ".join(where)} LIMIT :count_limit) AS c"""
    return int(conn.execute(text(sql), {**params, "count_limit": limit}).scalar())


def _names(where: list[str]) -> set[str]:
    return {part[1:] for condition in where for part in condition.split() if part.startswith(":")}
