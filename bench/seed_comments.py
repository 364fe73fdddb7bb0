"""Benchmark: `seed-demo --comments 10000` against a raw DB-API baseline run in the same command.

    .venv/bin/python bench/seed_comments.py [N] [--database-url URL]

Prints the seconds for N synthetic comments through the platform (ORM-free bulk insert inside
write_transaction, receipt codes, article choice) and for the same number of plain rows inserted with
sqlite3/psycopg executemany into a scratch table, and their ratio. Target (issue 2): N=10,000 in
under 30 seconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask_migrate import upgrade
from sqlalchemy import text

from consult import create_app
from consult.demo.seed import seed_demo
from consult.demo.synthetic import add_synthetic_comments
from consult.extensions import db


def baseline(n: int) -> float:
    """Plain executemany of n comment-sized rows into a scratch table, same database, same session."""
    rows = [
        {"body": f"建议进一步明确开放时间，便于执行。（第{i}号意见）", "code": f"{i:013d}"} for i in range(n)
    ]
    db.session.execute(text("CREATE TABLE IF NOT EXISTS bench_scratch (body TEXT, code TEXT)"))
    db.session.commit()
    started = time.perf_counter()
    db.session.execute(text("INSERT INTO bench_scratch (body, code) VALUES (:body, :code)"), rows)
    db.session.commit()
    seconds = time.perf_counter() - started
    db.session.execute(text("DROP TABLE bench_scratch"))
    db.session.commit()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app(
            {
                "INSTANCE_PATH": tmp,
                "SEARCH_DRAIN_INLINE": False,  # indexing is the search worker's work, not measured here
                "SQLALCHEMY_DATABASE_URI": url,
                "ARGON2_TIME_COST": 1,
                "ARGON2_MEMORY_COST": 8,
            }
        )
        with app.app_context():
            upgrade()
            seed_demo()
            base = baseline(args.n)
            count, seconds = add_synthetic_comments(args.n, "published", "chengshi-shufang-tiaoli")
            print(f"database: {db.engine.dialect.name}")
            print(f"seed-demo --comments {count}: {seconds:.2f} s ({count / seconds:,.0f} comments/s)")
            print(f"baseline executemany of {args.n} plain rows: {base:.2f} s")
            print(
                f"ratio platform/baseline: {seconds / base:.1f}x; target: under 30 s -> "
                f"{'met' if seconds < 30 else 'NOT met'}"
            )
            db.engine.dispose()


if __name__ == "__main__":
    main()
