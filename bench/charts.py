"""Benchmark: what the charts of issue 16 (point 4) cost on a draft with many comments, in-process.

    .venv/bin/python bench/charts.py [--comments 100000] [--database-url URL] [--repeat 20]

Seeds the demo data plus N published comments on the open demo draft (`seed-demo --comments N --draft
SLUG`) in a temporary instance folder (SQLite by default; `--database-url` takes an empty PostgreSQL
database), then times, in the same process and run, against a baseline measured first: reading the draft's
per-article counters (consult/comments/counts.py, what the draft page reads anyway). The figures:

- published comments per channel, and every comment per local day and channel, read from their
  counters (comment_day_count, consult/comments/day_counts.py; until issue 16 point 4 was finished they
  were grouped statements over the draft's comments);
- a chart's SVG request cold (fragment caches cleared) and warm (kept under the change counter);
- the draft page (with its charts) with the page cache off and the staff overview (with its arrivals
  chart): cold, warm, and after a change elsewhere (the change counter moved).

Each figure is the median of --repeat runs, printed in ms and as a ratio of the baseline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live import LiveServer  # noqa: E402

SLUG = "chengshi-shufang-tiaoli"
PASSWORD = "Bench-charts-pass-1"


def median_ms(fn, repeat: int, before=None) -> float:
    times = []
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-charts-") as tmp:
        server = LiveServer(Path(tmp), database_url=args.database_url)
        for step in (("db", "upgrade"), ("seed-demo", "--comments", str(args.comments), "--draft", SLUG)):
            started = time.perf_counter()
            result = server.flask(*step)
            if result.returncode != 0:
                sys.exit(f"flask {' '.join(step)} failed: {result.stderr[-2000:]}")
            print(f"flask {' '.join(step)}: {time.perf_counter() - started:.1f} s", flush=True)
        result = server.flask(
            "users", "create", "benchstaff", "--role", "staff", "--password-stdin", stdin=PASSWORD + "\n"
        )
        if result.returncode != 0:
            sys.exit(result.stderr)
        os.environ.update({k: v for k, v in server.env.items() if k.startswith("CONSULT_")})
        os.environ["CONSULT_PAGE_CACHE_SECONDS"] = "0"
        run(args.repeat)


def run(repeat: int) -> None:
    # Imported after the environment is set: create_app reads it.
    from consult import create_app
    from consult.changes import bump
    from consult.comments import counts
    from consult.comments.statistics import arrivals, published_by_channel
    from consult.db import write_transaction
    from consult.extensions import db
    from consult.models import Draft
    from consult.web import fragments

    app = create_app()
    app.config["WTF_CSRF_ENABLED"] = False  # the bench signs in without reading the form's token
    with app.app_context():
        draft_id = db.session.query(Draft.id).filter_by(slug=SLUG).scalar()
        total = counts.published(draft_id)
        db.session.rollback()
    client = app.test_client()
    staff = app.test_client()
    signed_in = staff.post("/login", data={"username": "benchstaff", "password": PASSWORD})
    assert signed_in.status_code == 303, signed_in.status_code

    def in_app(fn):
        def call():
            with app.app_context():
                fn()
                db.session.rollback()

        return call

    def get(c, url):
        def call():
            resp = c.get(url)
            assert resp.status_code == 200, (url, resp.status_code)

        return call

    def clear():
        with app.app_context():
            fragments.clear()

    def moved_elsewhere():
        # What any change elsewhere does (another draft's comment, a decision): the counter moves.
        with app.app_context():
            with write_transaction() as session:
                bump(session)

    print(f"\n{total} published comments on {SLUG}; median of {repeat} runs each\n")
    baseline = median_ms(in_app(lambda: counts.published_by_article(draft_id)), repeat)
    rows = [
        ("per-article counters (baseline)", baseline),
        (
            "per channel, from its counters",
            median_ms(in_app(lambda: published_by_channel(draft_id)), repeat),
        ),
        (
            "per local day and channel, from its counters",
            median_ms(in_app(lambda: arrivals(draft_id)), repeat),
        ),
        ("articles.svg, cold", median_ms(get(client, f"/drafts/{SLUG}/charts/articles.svg"), repeat, clear)),
        ("articles.svg, warm", median_ms(get(client, f"/drafts/{SLUG}/charts/articles.svg"), repeat)),
        ("channels.svg, cold", median_ms(get(client, f"/drafts/{SLUG}/charts/channels.svg"), repeat, clear)),
        ("channels.svg, warm", median_ms(get(client, f"/drafts/{SLUG}/charts/channels.svg"), repeat)),
        (
            "draft page, cold (page cache off, fragments cleared)",
            median_ms(get(client, f"/drafts/{SLUG}"), repeat, clear),
        ),
        (
            "draft page, warm (page cache off, fragments kept)",
            median_ms(get(client, f"/drafts/{SLUG}"), repeat),
        ),
        (
            "draft page, change counter moved elsewhere",
            median_ms(get(client, f"/drafts/{SLUG}"), repeat, moved_elsewhere),
        ),
        (
            "staff overview with statistics, cold",
            median_ms(get(staff, f"/admin/review/{SLUG}"), repeat, clear),
        ),
        ("staff overview with statistics, warm", median_ms(get(staff, f"/admin/review/{SLUG}"), repeat)),
        (
            "staff overview, change counter moved elsewhere",
            median_ms(get(staff, f"/admin/review/{SLUG}"), repeat, moved_elsewhere),
        ),
    ]
    width = max(len(label) for label, _ in rows)
    for label, ms in rows:
        print(f"{label:<{width}}  {ms:9.2f} ms  {ms / baseline:8.1f}x baseline")


if __name__ == "__main__":
    main()
