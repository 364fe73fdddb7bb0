"""Benchmark: the moderation queue with 50,000 pending comments against a bare Flask page, same command.

    .venv/bin/python bench/moderation_queue.py [--comments 50000] [--database-url URL]

Seeds the demo data plus N pending comments (`seed-demo --comments N --status pending`), serves the app
and bench/bare_app.py with gunicorn (2 workers each, gunicorn.conf.py), and loads each URL with wrk
(16 connections, a staff member's Bearer token) alternately with the bare page. Prints each URL's 95th
percentile latency as a ratio of the bare page's p95 in the same round. Target (issue 4): ≤ 3×, deep
pages included.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.draft_page import BareServer, load_average  # noqa: E402
from tests.live import LiveServer  # noqa: E402

TARGET = 3.0
LUA = """
token = os.getenv("BENCH_TOKEN")
if token then wrk.headers["Authorization"] = "Bearer " .. token end
done = function(summary, latency, requests)
  io.write(string.format("P95_US %d\\nREQUESTS %d\\nERRORS %d\\nNON2XX %d\\n", latency:percentile(95),
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, summary.errors.status))
end
"""


def wrk_p95(url: str, script: Path, token: str | None, seconds: int) -> tuple[float, int, int]:
    """(p95 in ms, requests, errors) of one wrk run."""
    env = {"BENCH_TOKEN": token} if token else {}
    import os

    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "--timeout=5s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
        timeout=seconds + 60,
    ).stdout
    p95 = int(re.search(r"P95_US (\d+)", out).group(1)) / 1000
    requests = int(re.search(r"REQUESTS (\d+)", out).group(1))
    errors = int(re.search(r"ERRORS (\d+)", out).group(1)) + int(re.search(r"NON2XX (\d+)", out).group(1))
    return p95, requests, errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=50_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp) / "instance"
        app = LiveServer(instance, database_url=args.database_url, workers=2)
        app.start()
        seeded = app.flask("seed-demo", "--comments", str(args.comments), "--status", "pending")
        print(seeded.stdout.strip().splitlines()[-1])
        app.flask(
            "users",
            "create",
            "benchstaff",
            "--role",
            "staff",
            "--password-stdin",
            stdin="Bench-staff-pass-1\n",
        )
        token = app.flask("users", "token", "benchstaff").stdout.strip().splitlines()[-1]
        bare = BareServer(2, Path(tmp) / "bare.log").start()
        script = Path(tmp) / "p95.lua"
        script.write_text(LUA)
        pages = max(1, args.comments // 25)
        api_pages = max(1, args.comments // 50)
        urls = {
            "queue page 1": f"{app.url}/admin/moderation",
            f"queue page {pages - 5} (deep)": f"{app.url}/admin/moderation?page={pages - 5}",
            "API page 1": f"{app.url}/api/v1/admin/comments?status=pending&per_page=50",
            f"API page {api_pages - 5} (deep)": f"{app.url}/api/v1/admin/comments?status=pending&per_page=50"
            f"&page={api_pages - 5}",
        }
        print(f"database: {args.database_url or 'SQLite'}; pending: {args.comments}+; load {load_average()}")
        met = True
        try:
            for label, url in urls.items():
                ratios, worst_errors = [], 0
                for n in range(1, args.rounds + 1):
                    base, _, _ = wrk_p95(bare.url, script, None, args.seconds)
                    p95, requests, errors = wrk_p95(url, script, token, args.seconds)
                    ratios.append(p95 / base)
                    worst_errors = max(worst_errors, errors)
                    print(
                        f"   {label:<26} round {n}: p95 {p95:7.1f} ms vs bare {base:6.1f} ms -> "
                        f"{p95 / base:5.2f}x ({requests} requests, {errors} errors)"
                    )
                median = statistics.median(ratios)
                ok = median <= TARGET and worst_errors == 0
                met &= ok
                print(
                    f"{label}: median p95 ratio {median:.2f}x (target <= {TARGET}x, no errors): "
                    f"{'met' if ok else 'NOT MET'}"
                )
        finally:
            bare.stop()
            app.stop()
        print(f"load average at the end: {load_average()}")
        return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
