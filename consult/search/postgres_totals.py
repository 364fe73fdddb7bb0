"""How many rows of the PostgreSQL search table match a query, within 15 % whatever the table's history.

The search ranks only the first ``CANDIDATES`` matches in heap order (postgres_backend.py); above that
it needs the total another way. Scaling the rows found by the share of the heap scanned assumed the
matches lie evenly over the table's blocks, which churn breaks (updated rows move to the end, dead and
freed space stays where it was; a draft's comments lie together): 1,700 read where 63,130 matched, and
VACUUM ANALYZE did not mend it.

Instead every row carries sample lexemes fixed by a hash of its key (``#sample:3`` on one row in 8,
``#sample:6`` on one in 64, ``#sample:9`` on one in 512, nested), so "the matches that also carry
``#sample:j``" is a random sample of the matches of share 1/2^j, whatever the physical order, the
dead rows, or the query. The total is counted exactly in the sparsest sample first, and in denser ones
while it holds fewer than ``ENOUGH`` matches: the first sample that holds ``ENOUGH`` (relative
standard error about 1/√500 ≈ 4.5 %, so 15 % is over three of them) gives the estimate, 2^j times
its count, to three significant digits; when none does, the exact count (then fewer than about
8 × ``ENOUGH`` match). Each count reads a few thousand rows at most, found through the GIN index.
The hash is stable (BLAKE2b), so the same rows give the same total.

A table created before the sample lexemes (its comment is an older ``MARKER``, postgres_table.py) is
counted exactly, up to ``EXACT_MAX``, until ``search reindex``.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text

SAMPLE_LEVELS = (9, 6, 3)  # sparsest first: shares 1/512, 1/64, 1/8
ENOUGH = 500  # sampled matches that make an estimate
SAMPLE_COUNT_MAX = 20_000  # a sample's count stops here (over 10 million matches read as 10 million)
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
    if sampled:
        for level in SAMPLE_LEVELS:
            query = f"({params['q']}) & '#sample:{level}'"
            found = _count(conn, table, where, {**bound, "q": query}, limit=SAMPLE_COUNT_MAX)
            if found >= ENOUGH:
                return about(found * (1 << level)), True
    return _count(conn, table, where, bound, limit=EXACT_MAX), False


def about(estimate: int) -> int:
    """An estimate to three significant digits (the pages say "约"; rounding adds at most 0.5 %)."""
    step = 10 ** max(len(str(estimate)) - 3, 0)
    return round(estimate / step) * step


def _count(conn, table: str, where: list[str], params: dict, *, limit: int) -> int:
    sql = f"""SELECT count(*) FROM (SELECT 1 FROM {table}, (SELECT CAST(:q AS tsquery) AS main) AS q
              WHERE {" AND ".join(where)} LIMIT :count_limit) AS c"""
    return int(conn.execute(text(sql), {**params, "count_limit": limit}).scalar())


def _names(where: list[str]) -> set[str]:
    return {part[1:] for condition in where for part in condition.split() if part.startswith(":")}
