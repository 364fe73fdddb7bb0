"""Benchmark: the feedback report built once when published, then read, against baselines in the same command.

    .venv/bin/python bench/feedback_report.py [--comments 100000] [--database-url URL] [--reads 20]

Loads the demo drafts and N synthetic published comments on one draft (default 100,000; SQLite in a
temporary folder unless --database-url names an empty scratch database), decides every one of them (an
outcome each, in turn, one INSERT … SELECT), closes the consultation and then, in this process:

- ``publish``: publish_feedback, which freezes the decisions and computes and keeps the report's
  summary (consult/feedback/stored.py), timed, with the peak of Python memory allocated meanwhile
  (tracemalloc) and the process's resident peak;
- ``old build``: report.py's builder, which every read of the report ran before (every comment read
  and held in Python), for comparison, with its peak too;
- reads through the app (page cache off, the median of --reads requests each): the public JSON, the
  public page, an article's items page deep in the article (``after=`` a late cursor), the staff
  preview and an article's preview items (signed in), each as a ratio to the bare page
  (bench/bare_app.py, in process) and to ``SELECT 1`` through the app's own engine, in the same run;
  the first request's time too (the staff preview is kept under the change counter: its first view
  after a change is the one that counts).

Target (issue 15, points 4 and 3): reads as cheap as the first page whatever N; the build bounded in
memory (no comment held in Python).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SLUG = "chengshi-shufang-tiaoli"  # the demo's open draft
PASSWORD = "Bench-staff-pass-1"


def make_app(url: str, instance: str):
    from consult import create_app

    return create_app(
        {
            "INSTANCE_PATH": instance,
            "SQLALCHEMY_DATABASE_URI": url,
            "SEARCH_DRAIN_INLINE": False,
            "PAGE_CACHE_SECONDS": 0,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 8,
            "RATELIMIT_ENABLED": False,
        }
    )


def prepare(app, n: int) -> int:
    """Migrate, load the demo drafts, top the draft up to n published comments, decide them all, close it."""
    from datetime import timedelta

    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from consult.auth.operations import create_user
    from consult.clock import utcnow
    from consult.comments.counts import check
    from consult.context import CLI
    from consult.db import end_read
    from consult.demo.seed import seed_demo
    from consult.demo.synthetic import add_synthetic_comments
    from consult.extensions import db
    from consult.models import Comment, Draft

    upgrade()
    seed_demo()
    draft_id = db.session.scalar(select(Draft.id).where(Draft.slug == SLUG))
    have = db.session.scalar(
        select(func.count()).where(Comment.draft_id == draft_id, Comment.status == "published")
    )
    end_read()
    if have < n:
        add_synthetic_comments(n - have, "published", SLUG)
    now = utcnow()
    with db.engine.begin() as conn:
        # Every published comment decided, the five outcomes in turn (the counters repaired below).
        conn.execute(
            text(
                "INSERT INTO decision (comment_id, outcome, reason, decided_at, version) "
                "SELECT c.id, CASE c.id % 5 WHEN 0 THEN 'adopted' WHEN 1 THEN 'partially_adopted' "
                "WHEN 2 THEN 'not_adopted' WHEN 3 THEN 'already_provided' ELSE 'out_of_scope' END, "
                "'理由' || (c.id % 7), :now, 1 FROM comment c LEFT JOIN decision d ON d.comment_id = c.id "
                "WHERE c.draft_id = :draft AND c.status = 'published' AND d.id IS NULL"
            ),
            {"draft": draft_id, "now": now},
        )
        conn.execute(
            text("UPDATE draft SET closes_at = :closed WHERE id = :draft"),
            {"closed": now - timedelta(days=1), "draft": draft_id},
        )
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE")
    check(repair=True)  # comment_count after the decisions written in bulk (the preview reads it)
    create_user(None, CLI, "bench-feedback-staff", PASSWORD, "staff", None)
    total = db.session.scalar(
        select(func.count()).where(Comment.draft_id == draft_id, Comment.status == "published")
    )
    end_read()
    return total


def measured(work) -> tuple[float, float, object]:
    """(seconds, peak MB of Python allocations meanwhile, result) of one call."""
    tracemalloc.start()
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20, result


def median_ms(get, url: str, reads: int, **kw) -> tuple[float, int, float]:
    """The median time of `reads` GETs of url, in ms, the last answer's size and the first GET's time."""
    times, size = [], 0
    for _ in range(reads):
        started = time.perf_counter()
        resp = get(url, **kw)
        times.append((time.perf_counter() - started) * 1000)
        if resp.status_code != 200:
            raise SystemExit(f"{url}: {resp.status_code} {resp.data[:300]!r}")
        size = len(resp.data)
    return statistics.median(times), size, times[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="an empty scratch database (default: SQLite)")
    parser.add_argument("--reads", type=int, default=20)
    args = parser.parse_args()

    from sqlalchemy import select, text

    from bench.bare_app import create_app as bare_app
    from consult.context import CLI
    from consult.db import end_read
    from consult.extensions import db
    from consult.feedback.publishing import publish_feedback
    from consult.feedback.report import published_report
    from consult.models import Draft
    from tests.conftest import csrf_token_from

    with tempfile.TemporaryDirectory(prefix="bench-feedback-") as instance:
        url = args.database_url or f"sqlite:///{os.path.join(instance, 'bench.sqlite')}"
        app = make_app(url, instance)
        with app.app_context():
            started = time.perf_counter()
            total = prepare(app, args.comments)
            print(
                f"{db.engine.dialect.name}: {total:,} published decided comments on {SLUG}, "
                f"loaded in {time.perf_counter() - started:.1f} s"
            )

            seconds, peak, _pub = measured(lambda: publish_feedback(None, CLI, SLUG))
            end_read()
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"publish (freeze + kept summary): {seconds:8.2f} s, Python peak {peak:7.1f} MB "
                f"(process resident peak so far {rss:.0f} MB)"
            )
            draft = db.session.scalar(select(Draft).where(Draft.slug == SLUG))
            old_s, old_peak, report = measured(lambda: published_report(draft))
            biggest = max(report.articles, key=lambda a: a.comment_count)
            last = biggest.items[-25]
            del report
            end_read()
            print(f"old build (report.py, every read before): {old_s:8.2f} s, Python peak {old_peak:7.1f} MB")

            # Baselines in the same run: the bare page (in process) and SELECT 1 through the app's engine.
            bare = bare_app().test_client()
            bare_ms, _size, _first = median_ms(bare.get, "/", args.reads)
            times = []
            for _ in range(args.reads):
                t0 = time.perf_counter()
                with db.engine.connect() as conn:
                    conn.execute(text("SELECT 1")).scalar()
                times.append((time.perf_counter() - t0) * 1000)
            select_ms = statistics.median(times)

            from consult.paging import encode_cursor

            client = app.test_client()
            staff = app.test_client()
            token = csrf_token_from(staff.get("/login").data)
            signed = staff.post(
                "/login",
                data={"username": "bench-feedback-staff", "password": PASSWORD, "csrf_token": token},
            )
            assert signed.status_code == 303, signed.status_code
            deep = f"?after={encode_cursor(last.submitted_at, last.comment_id)}"
            reads = [
                ("public JSON", client.get, f"/api/v1/drafts/{SLUG}/feedback"),
                ("public page", client.get, f"/drafts/{SLUG}/feedback"),
                (
                    f"article items, deep ({biggest.comment_count:,} comments)",
                    client.get,
                    f"/drafts/{SLUG}/feedback/articles/{biggest.article_id}{deep}",
                ),
                (
                    "article items JSON, deep",
                    client.get,
                    f"/api/v1/drafts/{SLUG}/feedback/articles/{biggest.article_id}{deep}",
                ),
                ("staff preview page", staff.get, f"/admin/drafts/{SLUG}/feedback"),
                (
                    "staff preview, article items",
                    staff.get,
                    f"/admin/drafts/{SLUG}/feedback/articles/{biggest.article_id}",
                ),
            ]
            medians = f"medians of {args.reads}"
            print(f"baselines: bare page {bare_ms:.2f} ms, SELECT 1 {select_ms:.3f} ms ({medians})")
            heads = f"{'median ms':>10} {'x bare':>8} {'x SELECT 1':>11} {'bytes':>10} {'first ms':>9}"
            print(f"{'read':45} {heads}")
            for label, get, path in reads:
                ms, size, first = median_ms(get, path, args.reads)
                ratios = f"{ms / bare_ms:8.1f} {ms / select_ms:11.0f}"
                print(f"{label:45} {ms:10.2f} {ratios} {size:10,} {first:9.1f}")
            before = old_s * 1000 / bare_ms
            print(f"old build / bare page: {before:,.0f}x (what each read of the report cost before)")
            db.engine.dispose()


if __name__ == "__main__":
    main()
