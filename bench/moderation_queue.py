"""Benchmark: the moderation queue with 50,000 pending comments against a bare Flask page, same command.

    .venv/bin/python bench/moderation_queue.py [--comments 50000] [--database-url URL] [--queue-auth session]

Seeds the demo data plus N pending comments (`seed-demo --comments N --status pending`), serves the app
and bench/bare_app.py with gunicorn (2 workers each, gunicorn.conf.py), and loads each URL with wrk
(16 connections) alternately with the bare page. The queue page is asked for as a browser does, with the
session cookie of a staff member signed in through /login (`--queue-auth token`: with a Bearer token
instead); the API with a staff member's Bearer token. Deep pages both ways: by number (`page=`, the
"last page" link) and by keyset cursor (`after=`, the "next page" link, taken from the API's
`next_after`). Prints each URL's 95th percentile latency as a ratio of the bare page's p95 in the same
round. Target (issue 4): ≤ 3×, deep pages included.

`--no-recycle` (a diagnosis, not the target's setting) serves both apps with `--max-requests 0`: at the
thousands of requests a second wrk sends, gunicorn.conf.py's max_requests = 2000 replaces each worker
every second or two, and a new worker starts with its per-process caches, compiled templates and SQL
empty, which is what the app's tail latency then mostly measures.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.draft_page import BareServer, load_average  # noqa: E402
from tests.live import LiveServer  # noqa: E402

TARGET = 3.0
PASSWORD = "Bench-staff-pass-1"
LUA = """
token = os.getenv("BENCH_TOKEN")
if token then wrk.headers["Authorization"] = "Bearer " .. token end
wrk.headers["User-Agent"] = "consult-bench"
cookie = os.getenv("BENCH_COOKIE")
if cookie then wrk.headers["Cookie"] = "session=" .. cookie end
done = function(summary, latency, requests)
  io.write(string.format("P95_US %d\\nREQUESTS %d\\nERRORS %d\\nNON2XX %d\\n", latency:percentile(95),
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, summary.errors.status))
end
"""


def wrk_p95(url: str, script: Path, auth: dict[str, str], seconds: int) -> tuple[float, int, int]:
    """(p95 in ms, requests, errors) of one wrk run; auth: BENCH_TOKEN or BENCH_COOKIE, or nothing."""
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "--timeout=5s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}, **auth},
        timeout=seconds + 60,
    ).stdout
    p95 = int(re.search(r"P95_US (\d+)", out).group(1)) / 1000
    requests = int(re.search(r"REQUESTS (\d+)", out).group(1))
    errors = int(re.search(r"ERRORS (\d+)", out).group(1)) + int(re.search(r"NON2XX (\d+)", out).group(1))
    return p95, requests, errors


def session_cookie(base: str, username: str, password: str) -> str:
    """Sign in through /login as a browser does; the session cookie's value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", "consult-bench")]  # as wrk sends it (the session is bound to it)
    with opener.open(f"{base}/login", timeout=30) as resp:
        token = re.search(r'name="csrf-token" content="([^"]+)"', resp.read().decode()).group(1)
    form = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token})
    with opener.open(f"{base}/login", data=form.encode(), timeout=30) as resp:
        resp.read()
    with opener.open(f"{base}/admin/moderation", timeout=60) as resp:
        if not resp.geturl().endswith("/admin/moderation"):  # sent to /login: the sign-in failed
            raise RuntimeError("the benchmark's staff member could not sign in")
    return next(c.value for c in jar if c.name == "session")


def api_cursor(base: str, token: str, per_page: int, page: int) -> str:
    """The API's next_after at the end of that page: where the following page starts by the index."""
    request = urllib.request.Request(
        f"{base}/api/v1/admin/comments?status=pending&per_page={per_page}&page={page}",
        headers={"Authorization": f"Bearer {token}", "User-Agent": "consult-bench"},
    )
    with urllib.request.urlopen(request, timeout=120) as resp:
        return json.load(resp)["next_after"]


DRAFT_SLUG = "chengshi-shufang-tiaoli"  # the demo's open draft


def bench_urls(base: str, token: str, args: argparse.Namespace) -> dict[str, tuple[str, dict[str, str]]]:
    """Label → (URL, wrk's credentials): first, numbered deep and cursor deep pages of the queue and API."""
    pages, api_pages = max(1, args.comments // 25), max(1, args.comments // 50)
    token_auth = {"BENCH_TOKEN": token}
    queue_auth = (
        {"BENCH_COOKIE": session_cookie(base, "benchstaff", PASSWORD)}
        if args.queue_auth == "session"
        else token_auth
    )
    # Deep by cursor: the page that starts after the API's page (api_pages - 6) of 50, as deep as the
    # numbered deep pages; the queue shows 25 a page, so there it is page 2 × that + 1.
    deep_api = max(1, api_pages - 6)
    cursor = api_cursor(base, token, 50, deep_api)
    queue, api = f"{base}/admin/moderation", f"{base}/api/v1/admin/comments?status=pending&per_page=50"
    return {
        f"queue page 1 ({args.queue_auth})": (queue, queue_auth),
        f"queue page {pages - 5} (page=)": (f"{queue}?page={pages - 5}", queue_auth),
        f"queue page {2 * deep_api + 1} (after=)": (
            f"{queue}?page={2 * deep_api + 1}&after={cursor}",
            queue_auth,
        ),
        "API page 1 (token)": (api, token_auth),
        f"API page {api_pages - 5} (page=)": (f"{api}&page={api_pages - 5}", token_auth),
        f"API page {deep_api + 1} (after=)": (f"{api}&page={deep_api + 1}&after={cursor}", token_auth),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=50_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--queue-auth",
        choices=("session", "token"),
        default="session",
        help="how the queue page is asked for: a signed-in browser's cookie (default) or a Bearer token",
    )
    parser.add_argument(
        "--no-recycle",
        action="store_true",
        help="serve both apps with --max-requests 0 (diagnosis: how much worker recycling costs)",
    )
    args = parser.parse_args()
    if args.no_recycle:
        os.environ["GUNICORN_CMD_ARGS"] = "--max-requests 0"  # read by both gunicorns, over the config file
    with tempfile.TemporaryDirectory() as tmp:
        app = LiveServer(Path(tmp) / "instance", database_url=args.database_url, workers=2)
        bare = BareServer(2, Path(tmp) / "bare.log")
        script = Path(tmp) / "p95.lua"
        script.write_text(LUA)
        met = True
        try:
            app.start()
            seeded = app.flask("seed-demo", "--comments", str(args.comments), "--status", "pending")
            print(seeded.stdout.strip().splitlines()[-1])
            app.flask(
                "users", "create", "benchstaff", "--role", "staff", "--password-stdin", stdin=f"{PASSWORD}\n"
            )
            token = app.flask("users", "token", "benchstaff").stdout.strip().splitlines()[-1]
            bare.start()
            urls = bench_urls(app.url, token, args)
            print(
                f"database: {args.database_url or 'SQLite'}; pending: {args.comments}+; load {load_average()}"
            )
            # Beside them, for reference (issue 3's figure, no target here): the public draft page.
            urls[f"draft page (public, reference) {DRAFT_SLUG}"] = (f"{app.url}/drafts/{DRAFT_SLUG}", {})
            for label, (url, auth) in urls.items():
                reference = label.startswith("draft page")
                ratios, worst_errors = [], 0
                for n in range(1, args.rounds + 1):
                    base, _, _ = wrk_p95(bare.url, script, {}, args.seconds)
                    p95, requests, errors = wrk_p95(url, script, auth, args.seconds)
                    ratios.append(p95 / base)
                    worst_errors = max(worst_errors, errors)
                    print(
                        f"   {label:<30} round {n}: p95 {p95:7.1f} ms vs bare {base:6.1f} ms -> "
                        f"{p95 / base:5.2f}x ({requests} requests, {errors} errors)"
                    )
                median = statistics.median(ratios)
                if reference:
                    print(f"{label}: median p95 ratio {median:.2f}x (reference, {worst_errors} errors)")
                    continue
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
