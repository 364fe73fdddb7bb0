"""Benchmark: the staff review page of one article at volume against a bare Flask page, same command.

    .venv/bin/python bench/review_page.py [--comments 100000] [--database-url URL] [--seconds 8] [--rounds 3]

Seeds the demo data plus N published comments on one open draft (`seed-demo --comments N --draft SLUG`)
in a temporary instance folder (SQLite by default; `--database-url` takes an empty PostgreSQL database,
e.g. one made with `createdb consult_review`), serves the app and bench/bare_app.py with gunicorn
(2 workers each, gunicorn.conf.py, page cache off) and loads each URL with wrk (16 connections) in
turns with the bare page, as a staff member signed in through /login: the review page of the draft's
busiest article (50 comments, each with its decision form, assignment and notes), its last page, its
"undecided only" view, and the general opinions. Prints each URL's 95th percentile latency as a ratio
of the bare page's p95 in the same round, and the median of the rounds. Target (issue 15): <= 3x.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.balance import balanced, steady_workers  # noqa: E402
from bench.draft_page import BareServer, load_average  # noqa: E402
from bench.moderation_queue import LUA, session_cookie, wrk_p95  # noqa: E402
from bench.volume_pages import sql_value  # noqa: E402
from tests.live import LiveServer  # noqa: E402

SLUG = "chengshi-shufang-tiaoli"  # the demo's open draft
PASSWORD = "Bench-staff-pass-1"
TARGET = 3.0
PER_PAGE = 50  # consult.comments.review_queries.REVIEW_PER_PAGE


def review_urls(server: LiveServer) -> dict[str, str]:
    """Label → URL of each review page measured."""
    draft_id = sql_value(server, f"SELECT id FROM draft WHERE slug = '{SLUG}'")
    busiest = (
        f"SELECT article_id FROM comment WHERE draft_id = {draft_id} AND status = 'published' "
        "AND article_id IS NOT NULL GROUP BY article_id ORDER BY count(*) DESC LIMIT 1"
    )
    article_id = sql_value(server, busiest)
    count = int(
        sql_value(
            server,
            f"SELECT count(*) FROM comment WHERE article_id = {article_id} AND status = 'published'",
        )
    )
    last = max(1, -(-count // PER_PAGE))
    base = f"{server.url}/admin/review/{SLUG}"
    return {
        f"busiest article ({count} comments), page 1": f"{base}/articles/{article_id}",
        f"busiest article, last page ({last})": f"{base}/articles/{article_id}?page={last}",
        "busiest article, undecided only": f"{base}/articles/{article_id}?undecided=1",
        "general opinions": f"{base}/general",
    }


def page_size(url: str, cookie: str) -> int:
    """Bytes of one response as the signed-in staff member gets it."""
    request = urllib.request.Request(
        url, headers={"Cookie": f"session={cookie}", "User-Agent": "consult-bench"}
    )
    with urllib.request.urlopen(request, timeout=120) as resp:
        if resp.status != 200 or "/login" in resp.geturl():
            raise RuntimeError(f"{url} answered {resp.status} at {resp.geturl()}")
        return len(resp.read())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    steady_workers()
    with tempfile.TemporaryDirectory() as tmp:
        app = LiveServer(
            Path(tmp) / "instance",
            database_url=args.database_url,
            workers=2,
            env={"CONSULT_PAGE_CACHE_SECONDS": "0"},
        )
        bare = BareServer(2, Path(tmp) / "bare.log")
        script = Path(tmp) / "p95.lua"
        script.write_text(LUA)
        met = True
        try:
            app.start()
            seeded = app.flask("seed-demo", "--comments", str(args.comments), "--draft", SLUG)
            print(seeded.stdout.strip().splitlines()[-1])
            app.flask(
                "users", "create", "benchstaff", "--role", "staff", "--password-stdin", stdin=f"{PASSWORD}\n"
            )
            cookie = session_cookie(app.url, "benchstaff", PASSWORD)
            auth = {"BENCH_COOKIE": cookie}
            bare.start()
            urls = review_urls(app)
            print(
                f"database: {args.database_url or 'SQLite'}; published on {SLUG}: {args.comments}+; "
                f"load {load_average()}"
            )
            for label, url in urls.items():
                print(f"   {label}: {page_size(url, cookie) / 1024:.0f} KiB")
                ratios, worst_errors = [], 0
                for n in range(1, args.rounds + 1):
                    (base, _, _), bare_share = balanced(
                        lambda: wrk_p95(bare.url, script, {}, args.seconds), bare.proc.pid, "bare page"
                    )
                    (p95, requests, errors), share = balanced(
                        lambda url=url: wrk_p95(url, script, auth, args.seconds), app.proc.pid, label
                    )
                    ratios.append(p95 / base)
                    worst_errors = max(worst_errors, errors)
                    print(
                        f"   {label:<44} round {n}: p95 {p95:7.1f} ms vs bare {base:6.1f} ms -> "
                        f"{p95 / base:5.2f}x ({requests} requests, {errors} errors; "
                        f"busiest worker {share:.0%}, bare {bare_share:.0%})"
                    )
                median = statistics.median(ratios)
                ok = median <= TARGET and worst_errors == 0
                met &= ok
                print(
                    f"{label}: median p95 ratio {median:.2f}x (target <= {TARGET}x, no errors): "
                    f"{'met' if ok else 'NOT MET'}"
                )
        finally:
            if getattr(bare, "proc", None) is not None:
                bare.stop()
            app.stop()
        print(f"load average at the end: {load_average()}")
        return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
