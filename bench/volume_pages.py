"""Benchmark: the public and staff pages at volume, page cache off, each against the bare page (issue 15).

    .venv/bin/python bench/volume_pages.py [--comments 300000] [--pending 20000]
        [--database-url URL] [--seconds 8] [--rounds 2] [--page-cache-seconds 0]

Seeds the demo data, then N published comments on one open draft and a backlog of pending ones
(`seed-demo --comments N --draft SLUG`, `seed-demo --comments P --status pending`) in a temporary instance
folder (SQLite by default; `--database-url` takes an empty PostgreSQL database, e.g. one made with
`createdb consult_volume`; the issue's figure is `--database-url … --comments 1000000`), serves the app
with gunicorn (2 workers, gunicorn.conf.py) beside bench/bare_app.py, and loads each page in turns with
the bare page under wrk (16 connections): the home page, the draft page, its busiest article, that
article's oldest page (the 最早 link, `after=0-0`), the public comments API's first and last page (by
its `before=` cursor), the staff moderation queue (signed in through /login) and its last page (by
`after=`), the staff review page of the draft and of the busiest article. For each it prints, per round
and as the median, requests per second as a ratio of the bare page's and p95 and p99 as multiples of the
bare page's. Target (issue 15, point 3 for the public pages): ratio >= 0.5 and p99 <= 3x with the page
cache off; the staff pages are read against the queue's target (p95 <= 3x).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.balance import balanced, steady_workers  # noqa: E402
from bench.draft_page import BareServer, load_average  # noqa: E402
from bench.moderation_queue import session_cookie  # noqa: E402
from tests.live import LiveServer  # noqa: E402

SLUG = "chengshi-shufang-tiaoli"
PASSWORD = "Bench-staff-pass-1"
TARGET_RATIO = 0.5
TARGET_P99 = 3.0
LUA = """
token = os.getenv("BENCH_TOKEN")
if token then wrk.headers["Authorization"] = "Bearer " .. token end
wrk.headers["User-Agent"] = "consult-bench"
cookie = os.getenv("BENCH_COOKIE")
if cookie then wrk.headers["Cookie"] = "session=" .. cookie end
done = function(summary, latency, requests)
  io.write(string.format("RPS %f\\nP95_US %d\\nP99_US %d\\nREQUESTS %d\\nERRORS %d\\nNON2XX %d\\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(95), latency:percentile(99),
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, summary.errors.status))
end
"""


@dataclass
class Run:
    """What one wrk run measured."""

    rps: float
    p95_ms: float
    p99_ms: float
    requests: int
    errors: int


def wrk(url: str, script: Path, auth: dict[str, str], seconds: int) -> Run:
    """One wrk run (2 threads, 16 connections, 5 s timeout) with the Lua script's summary."""
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "--timeout=5s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}, **auth},
        timeout=seconds + 60,
    ).stdout

    def number(name: str) -> float:
        return float(re.search(rf"{name} ([\d.]+)", out).group(1))

    return Run(
        rps=number("RPS"),
        p95_ms=number("P95_US") / 1000,
        p99_ms=number("P99_US") / 1000,
        requests=int(number("REQUESTS")),
        errors=int(number("ERRORS") + number("NON2XX")),
    )


def flask(server: LiveServer, *args: str, stdin: str | None = None, timeout: int = 3600) -> str:
    """`flask --app consult …` against the server's database (seeding a million rows takes minutes)."""
    result = server.flask(*args, stdin=stdin, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed: {result.stderr[-2000:]}")
    return result.stdout


def sql_value(server: LiveServer, query: str) -> str:
    """One value from the server's database, through the app's own engine."""
    code = (
        "from consult import create_app\nfrom consult.extensions import db\nfrom sqlalchemy import text\n"
        "app = create_app()\nwith app.app_context():\n"
        f"    print(db.session.execute(text({query!r})).scalar())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=server.env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip().splitlines()[-1]


def cursor_at(server: LiveServer, where: str, skip: int, newest_first: bool) -> str:
    """The page cursor of the comment `skip` rows from the end a listing reaches last (`where` is SQL)."""
    order = (
        "Comment.submitted_at.desc(), Comment.id.desc()"
        if newest_first
        else "Comment.submitted_at, Comment.id"
    )
    code = (
        "from sqlalchemy import select, text\nfrom consult import create_app\n"
        "from consult.extensions import db\nfrom consult.models import Comment\n"
        "from consult.paging import encode_cursor\napp = create_app()\nwith app.app_context():\n"
        f"    row = db.session.execute(select(Comment.submitted_at, Comment.id).where(text({where!r}))"
        f".order_by({order}).offset({skip}).limit(1)).one()\n"
        "    print(encode_cursor(*row))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=server.env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    return result.stdout.strip().splitlines()[-1]


def pages(server: LiveServer, cookie: str) -> list[tuple[str, str, dict[str, str], bool]]:
    """(label, url, auth, public) for every page measured."""
    base = server.url
    draft_id = sql_value(server, f"SELECT id FROM draft WHERE slug = '{SLUG}'")
    article_id = sql_value(
        server,
        f"SELECT article_id FROM comment WHERE draft_id = {draft_id} AND status = 'published' "
        "AND article_id IS NOT NULL GROUP BY article_id ORDER BY count(*) DESC LIMIT 1",
    )
    # The API lists newest first: its last page is what comes before the 21st oldest. The queue lists
    # oldest first: its last page is what comes after the 51st newest.
    published = f"comment.draft_id = {draft_id} AND comment.status = 'published'"
    api_last = cursor_at(server, published, 20, newest_first=False)
    queue_last = cursor_at(server, "comment.status = 'pending'", 50, newest_first=True)
    api = f"{base}/api/v1/drafts/{SLUG}/comments"
    staff = {"BENCH_COOKIE": cookie}
    return [
        ("home", f"{base}/", {}, True),
        ("draft page", f"{base}/drafts/{SLUG}", {}, True),
        ("busiest article page", f"{base}/drafts/{SLUG}/articles/{article_id}", {}, True),
        ("its oldest page (after=0-0)", f"{base}/drafts/{SLUG}/articles/{article_id}?after=0-0", {}, True),
        ("comments API, first page", api, {}, True),
        ("comments API, last page (before=)", f"{api}?before={api_last}", {}, True),
        ("staff queue, page 1", f"{base}/admin/moderation", staff, False),
        ("staff queue, last page (after=)", f"{base}/admin/moderation?after={queue_last}", staff, False),
        ("staff review, draft", f"{base}/admin/review/{SLUG}", staff, False),
        ("staff review, busiest article", f"{base}/admin/review/{SLUG}/articles/{article_id}", staff, False),
    ]


def measure(
    label: str,
    url: str,
    auth: dict,
    public: bool,
    bare_url: str,
    script: Path,
    args,
    masters: tuple[int, int],
) -> bool:
    """Rounds of bare then page; print each and the medians; whether the page met its target."""
    for _ in range(5):  # warm: templates loaded, connections open, nothing failing
        status = fetch_status(url, auth)
        if status != 200:
            raise RuntimeError(f"{label}: {url} answered {status}")
    ratios, p95s, p99s, errors = [], [], [], 0
    for n in range(1, args.rounds + 1):
        bare, bare_share = balanced(lambda: wrk(bare_url, script, {}, args.seconds), masters[0], "bare page")
        page, page_share = balanced(lambda: wrk(url, script, auth, args.seconds), masters[1], label)
        ratios.append(page.rps / bare.rps if bare.rps else 0.0)
        p95s.append(page.p95_ms / bare.p95_ms if bare.p95_ms else float("inf"))
        p99s.append(page.p99_ms / bare.p99_ms if bare.p99_ms else float("inf"))
        errors += page.errors
        print(
            f"   {label:<36} round {n}: {page.rps:8.1f} req/s vs bare {bare.rps:8.1f} -> {ratios[-1]:.3f}; "
            f"p95 {page.p95_ms:7.1f} ms ({p95s[-1]:.2f}x), p99 {page.p99_ms:7.1f} ms ({p99s[-1]:.2f}x); "
            f"errors {page.errors}; busiest worker {page_share:.0%} (bare {bare_share:.0%})",
            flush=True,
        )
    ratio, p95x, p99x = (statistics.median(v) for v in (ratios, p95s, p99s))
    if public:
        met = ratio >= TARGET_RATIO and p99x <= TARGET_P99 and errors == 0
        target = f"ratio >= {TARGET_RATIO}, p99 <= {TARGET_P99:g}x, no errors"
    else:
        met = p95x <= TARGET_P99 and errors == 0
        target = f"p95 <= {TARGET_P99:g}x, no errors"
    print(
        f"{label}: median ratio {ratio:.3f}, p95 {p95x:.2f}x, p99 {p99x:.2f}x, errors {errors} "
        f"(target {target}): {'met' if met else 'NOT MET'}",
        flush=True,
    )
    return met


def fetch_status(url: str, auth: dict[str, str]) -> int:
    import urllib.request

    headers = {"User-Agent": "consult-bench"}
    if "BENCH_COOKIE" in auth:
        headers["Cookie"] = "session=" + auth["BENCH_COOKIE"]
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=120) as resp:
        resp.read()
        return resp.status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=300_000)
    parser.add_argument("--pending", type=int, default=20_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--page-cache-seconds", type=int, default=0)
    parser.add_argument(
        "--only",
        default="",
        help="measure only the pages whose label contains one of these texts (comma-separated)",
    )
    parser.add_argument(
        "--seeded",
        action="store_true",
        help="the database (--database-url) was seeded by an earlier run: upgrade it, add nothing",
    )
    args = parser.parse_args()
    for name in [n for n in os.environ if n.startswith("CONSULT_")]:
        del os.environ[name]
    steady_workers()
    with tempfile.TemporaryDirectory(prefix="consult-volume-") as tmp:
        env = {"CONSULT_PAGE_CACHE_SECONDS": str(args.page_cache_seconds)}
        server = LiveServer(Path(tmp) / "instance", database_url=args.database_url, workers=2, env=env)
        bare = BareServer(2, Path(tmp) / "bare.log")
        script = Path(tmp) / "wrk.lua"
        script.write_text(LUA)
        met = True
        try:
            server.instance.mkdir(parents=True)
            started = time.perf_counter()
            flask(server, "db", "upgrade")
            if not args.seeded:
                for extra in (("--draft", SLUG), ("--status", "pending")):
                    n = args.comments if extra[0] == "--draft" else args.pending
                    print(flask(server, "seed-demo", "--comments", str(n), *extra).strip().splitlines()[-1])
                print(f"seeded in {time.perf_counter() - started:.0f} s")
                flask(
                    server,
                    "users",
                    "create",
                    "benchstaff",
                    "--role",
                    "staff",
                    "--password-stdin",
                    stdin=f"{PASSWORD}\n",
                )
            server.start(seed=False)
            bare.start()
            cookie = session_cookie(server.url, "benchstaff", PASSWORD)
            total = sql_value(server, "SELECT count(*) FROM comment")
            print(
                f"database: {(args.database_url or 'SQLite').split('@')[-1]}; {total} comments "
                f"({args.comments} published on {SLUG}, {args.pending}+ pending); page cache "
                f"{args.page_cache_seconds} s; gunicorn 2 workers, max_requests "
                f"{os.environ['GUNICORN_MAX_REQUESTS']}; load {load_average()}",
                flush=True,
            )
            for label, url, auth, public in pages(server, cookie):
                if args.only and not any(part in label for part in args.only.split(",")):
                    continue
                met &= measure(
                    label, url, auth, public, bare.url, script, args, (bare.proc.pid, server.proc.pid)
                )
        finally:
            if getattr(bare, "proc", None) is not None:
                bare.stop()
            server.stop()
        print(f"load average at the end: {load_average()}")
        return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
