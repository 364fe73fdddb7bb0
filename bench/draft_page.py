"""Benchmark: the draft page with 10,000 published comments against a bare Flask page, both under gunicorn.

    .venv/bin/python bench/draft_page.py [--database-url URL] [--connections 16] [--duration 10]

Seeds the demo data plus 10,000 published comments on one open draft
(`flask --app consult seed-demo --comments 10000 --draft chengshi-shufang-tiaoli`) in a temporary instance
folder (SQLite by default; `--database-url` takes an empty PostgreSQL database, e.g. one made with
`createdb consult_bench`), serves the app with gunicorn (2 workers, gunicorn.conf.py) beside
bench/bare_app.py (a bare Flask app rendering a 20-item template, same gunicorn settings), and loads
them alternately with wrk: bare, page, bare, page, bare, page. Prints each round, the page's requests
per second as a ratio of the bare page's (median of the rounds) and both p99s, for the draft page, its
third article's page and the home page. Target (issue 15): ratio >= 0.5 at 16 connections, with no
errors, and the page's p99 at most 3 times the bare page's. `--page-cache-seconds 0` measures a cold
render (every request misses the page cache; the fragments of consult/web/fragments.py still serve).

Then, to say what is slow, it times a few requests of each page in-process: wall time, SQL statements
and their time, template rendering time, and the functions with the most own time (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live import BIN, LiveServer, free_port  # noqa: E402

SLUG = "chengshi-shufang-tiaoli"
TARGET_RATIO = 0.5
TARGET_P99 = 3.0  # the page's p99 at most this many times the bare page's
PROJECT_CODE = re.escape(str(ROOT)) + r"/(consult|templates)/"
SOCKET_ERRORS = ("connect", "read", "write", "timeout")
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class WrkResult:
    """What one wrk run measured."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: dict[str, int]

    @property
    def errors(self) -> int:
        """Non-2xx/3xx answers plus connect, read, write and timeout errors."""
        return self.non_2xx + sum(self.socket_errors.values())

    def line(self) -> str:
        """One printable line."""
        return (
            f"{self.rps:8.1f} req/s  p50 {self.p50_ms:7.1f} ms  p99 {self.p99_ms:7.1f} ms  "
            f"{self.requests:6d} requests  errors {self.errors}{self.error_detail()}"
        )

    def error_detail(self) -> str:
        """Which errors, when there were any (wrk counts a request slower than its 2 s timeout as one)."""
        parts = [f"non-2xx {self.non_2xx}"] if self.non_2xx else []
        parts += [f"{kind} {n}" for kind, n in self.socket_errors.items() if n]
        return f" ({', '.join(parts)})" if parts else ""


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if not match:
        raise ValueError(f"unreadable wrk latency {value!r}")
    return float(match.group(1)) * UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> WrkResult:
    """Requests/sec, p50, p99, requests and errors from `wrk --latency` output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"(\d+) requests in", output)
    if not (rps and p50 and p99 and total):
        raise RuntimeError("could not read wrk output:\n" + output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return WrkResult(
        rps=float(rps.group(1)),
        p50_ms=_ms(p50.group(1)),
        p99_ms=_ms(p99.group(1)),
        requests=int(total.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=dict(zip(SOCKET_ERRORS, (int(g) for g in sockets.groups()), strict=True))
        if sockets
        else {},
    )


def wrk_command(url: str, args: argparse.Namespace) -> list[str]:
    """The wrk command line for one run."""
    return [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        f"--timeout={args.timeout}s",
        "--latency",
        url,
    ]


def run_wrk(url: str, args: argparse.Namespace) -> WrkResult:
    """One wrk run against url; a request slower than --timeout counts as an error, not as latency."""
    cmd = wrk_command(url, args)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=args.duration + 60).stdout
    return parse_wrk(out)


def fetch(url: str) -> tuple[int, bytes]:
    """Status and body of one GET."""
    with urllib.request.urlopen(url, timeout=60) as resp:
        return resp.status, resp.read()


class BareServer:
    """bench/bare_app.py under gunicorn with the same configuration file as the app."""

    def __init__(self, workers: int, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = log
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CONSULT_")}
        self.env.update(
            {
                "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                "GUNICORN_WORKERS": str(workers),
                "GUNICORN_ACCESSLOG": "",
            }
        )
        self.proc: subprocess.Popen | None = None

    def start(self) -> BareServer:
        """Start gunicorn and wait until the page answers."""
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "bench.bare_app:app"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("bare gunicorn exited: " + self.log.read_text()[-2000:])
            try:
                if fetch(self.url)[0] == 200:
                    return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("bare gunicorn did not answer in time")

    def stop(self) -> None:
        """Stop gunicorn and its workers."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def page_cache_setting(server: LiveServer) -> str:
    """The server's PAGE_CACHE_SECONDS as the app resolves it (the cache is per gunicorn worker)."""
    code = "from consult import create_app; print(create_app().config.get('PAGE_CACHE_SECONDS'))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=server.env, capture_output=True, text=True, check=False
    )
    value = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "unknown"
    return {"None": "none in this app", "0": "off"}.get(value, f"{value} s")


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load: the figures mean little on a busy machine."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def warm(url: str, n: int = 20) -> None:
    """A few requests so both workers have loaded templates and opened connections."""
    for _ in range(n):
        status, _body = fetch(url)
        if status != 200:
            raise RuntimeError(f"{url} answered {status}")


def compare(label: str, bare_url: str, page_url: str, args: argparse.Namespace) -> bool:
    """Alternate bare and page runs; print each round and the median ratio; whether the target is met."""
    warm(bare_url)
    warm(page_url)
    print(f"\n== {label}: {page_url}")
    print(
        f"   {' '.join(wrk_command('URL', args))}, alternating with bare; "
        "requests slower than the timeout are errors and not in p50/p99"
    )
    bares, pages, ratios = [], [], []
    for n in range(1, args.rounds + 1):
        bare = run_wrk(bare_url, args)
        print(f"   round {n} bare  {bare.line()}", flush=True)
        page = run_wrk(page_url, args)
        print(f"   round {n} page  {page.line()}", flush=True)
        ratio = page.rps / bare.rps if bare.rps else 0.0
        print(f"   round {n} ratio {ratio:.3f}", flush=True)
        bares.append(bare)
        pages.append(page)
        ratios.append(ratio)
    median_ratio = statistics.median(ratios)
    errors = sum(r.errors for r in bares + pages)
    page_p99 = statistics.median(r.p99_ms for r in pages)
    bare_p99 = statistics.median(r.p99_ms for r in bares)
    p99_times = page_p99 / bare_p99 if bare_p99 else float("inf")
    met = median_ratio >= TARGET_RATIO and errors == 0 and p99_times <= TARGET_P99
    print(
        f"   {label}: median ratio {median_ratio:.3f} "
        f"(page {statistics.median(r.rps for r in pages):.1f} req/s, "
        f"bare {statistics.median(r.rps for r in bares):.1f} req/s); "
        f"p99 page {page_p99:.1f} ms, bare {bare_p99:.1f} ms ({p99_times:.1f}x); errors {errors}; "
        f"target ratio >= {TARGET_RATIO}, p99 <= {TARGET_P99:g}x bare, no errors: "
        f"{'MET' if met else 'NOT MET'}"
    )
    return met


def _profile_rows(profiler: cProfile.Profile, order: str, limit: int, *restrict: str) -> list[str]:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(*restrict, limit)
    rows = [line for line in out.getvalue().splitlines() if re.match(r"\s+[\d/]+\s+[\d.]+\s", line)]
    return [" ".join(row.replace(str(ROOT) + "/", "").split())[:150] for row in rows]


def profile_pages(instance: Path, database_url: str | None, paths: list[str], repeats: int = 5) -> None:
    """Time requests in-process: wall, SQL (count, time, slowest), template rendering, cProfile own time."""
    from flask import before_render_template, template_rendered
    from sqlalchemy import event

    from consult import create_app
    from consult.extensions import db

    # A cached page would time the cache, not the page: what is slow is what a cache miss costs.
    config = {
        "INSTANCE_PATH": str(instance),
        "PAGE_CACHE_SECONDS": 0,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 8,
    }
    if database_url:
        config["SQLALCHEMY_DATABASE_URI"] = database_url
    app = create_app(config)
    sql: list[tuple[float, str]] = []
    render: list[float] = []
    started: list[float] = []  # a stack: fragments render inside the page's template

    def before_sql(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("consult_bench_t0", []).append(time.perf_counter())

    def after_sql(conn, cursor, statement, parameters, context, executemany):
        sql.append((time.perf_counter() - conn.info["consult_bench_t0"].pop(), statement))

    def before_render(sender, template, context, **extra):
        started.append(time.perf_counter())

    def after_render(sender, template, context, **extra):
        begun = started.pop()
        if not started:  # only the outermost template: the fragments' time is inside it
            render.append(time.perf_counter() - begun)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before_sql)
    event.listen(engine, "after_cursor_execute", after_sql)
    before_render_template.connect(before_render, app)
    template_rendered.connect(after_render, app)
    client = app.test_client()
    print(
        f"\n== in-process timing ({engine.dialect.name}, page cache off), "
        f"median of {repeats} requests after one warm-up"
    )
    for path in paths:
        assert client.get(path).status_code == 200
        walls, counts, sql_ms, render_ms, slowest = [], [], [], [], []
        size = 0
        for _ in range(repeats):
            sql.clear()
            render.clear()
            t0 = time.perf_counter()
            resp = client.get(path)
            walls.append((time.perf_counter() - t0) * 1000)
            size = len(resp.data)
            counts.append(len(sql))
            sql_ms.append(sum(s for s, _ in sql) * 1000)
            render_ms.append(sum(render) * 1000)
            slowest = sorted(sql, reverse=True)[:3]
        print(
            f"   GET {path}: {statistics.median(walls):.1f} ms wall, "
            f"{statistics.median(counts):.0f} SQL statements taking {statistics.median(sql_ms):.1f} ms, "
            f"template {statistics.median(render_ms):.1f} ms (includes SQL run lazily from the template), "
            f"{size / 1024:.0f} KiB"
        )
        for seconds, statement in slowest:
            print(f"      {seconds * 1000:6.1f} ms  {' '.join(statement.split())[:150]}")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(repeats):
            client.get(path)
        profiler.disable()
        total = pstats.Stats(profiler).total_tt
        print(
            f"      cProfile over {repeats} requests, {total * 1000 / repeats:.0f} ms each profiled "
            "(ncalls tottime percall cumtime percall function):"
        )
        print("      most own time:")
        for row in _profile_rows(profiler, "tottime", 8):
            print("        " + row)
        print("      most cumulative time in the app's own code and templates:")
        for row in _profile_rows(profiler, "cumulative", 12, PROJECT_CODE):
            print("        " + row)
    after_one_comment(app, client, paths[0])
    with app.app_context():
        db.engine.dispose()


def after_one_comment(app, client, path: str, repeats: int = 10) -> None:
    """The draft page right after one new published comment on its third article (the fragments kept
    under the change counter are stale, the other articles' blocks are not), and with no fragment kept."""
    from consult.db import end_read, write_transaction
    from consult.drafts.queries import by_slug
    from consult.models import Comment
    from consult.receipts import new_code
    from consult.web import fragments

    def timed() -> float:
        started = time.perf_counter()
        assert client.get(path).status_code == 200
        return (time.perf_counter() - started) * 1000

    after, cold = [], []
    with app.app_context():
        for n in range(repeats):
            end_read()
            with write_transaction() as session:
                draft = by_slug(SLUG, session=session)
                version = draft.current_version
                session.add(
                    Comment(
                        draft_id=draft.id,
                        version_id=version.id,
                        article_id=version.texts[2].article_id,
                        body=f"基准测试新意见{n}",
                        status="published",
                        receipt_code=new_code(),
                    )
                )
            after.append(timed())
        for _ in range(repeats):
            with app.test_request_context():
                fragments.clear()
            cold.append(timed())
    print(
        f"   GET {path} right after one new published comment: {statistics.median(after):.1f} ms wall; "
        f"with no fragment kept: {statistics.median(cold):.1f} ms (medians of {repeats})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--timeout", type=int, default=2, help="wrk's request timeout in seconds (wrk's default)"
    )
    parser.add_argument(
        "--page-cache-seconds",
        type=int,
        default=None,
        help="CONSULT_PAGE_CACHE_SECONDS for the server (default: the app's default; 0: no cache)",
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the in-process timing")
    args = parser.parse_args()
    # The in-process timing must see the server's settings, not a developer's CONSULT_* variables.
    for name in [n for n in os.environ if n.startswith("CONSULT_")]:
        del os.environ[name]

    with tempfile.TemporaryDirectory(prefix="consult-bench-") as tmp:
        instance = Path(tmp) / "instance"
        instance.mkdir()
        server_env = {}
        if args.page_cache_seconds is not None:
            server_env["CONSULT_PAGE_CACHE_SECONDS"] = str(args.page_cache_seconds)
        server = LiveServer(instance, database_url=args.database_url, workers=args.workers, env=server_env)
        bare = BareServer(args.workers, Path(tmp) / "bare.log")
        for step in (
            ("db", "upgrade"),
            ("seed-demo", "--comments", str(args.comments), "--draft", SLUG),
        ):
            started = time.perf_counter()
            result = server.flask(*step)
            if result.returncode != 0:
                print(result.stdout, result.stderr, file=sys.stderr)
                return 2
            print(f"flask {' '.join(step)}: {time.perf_counter() - started:.1f} s")
        try:
            server.start(seed=False)
            bare.start()
            draft = json.loads(fetch(f"{server.url}/api/v1/drafts/{SLUG}")[1])
            third = draft["articles"][2]["id"]
            where = args.database_url.split("@")[-1] if args.database_url else "SQLite (instance folder)"
            print(
                f"database: {where}; draft {SLUG}: {draft['comment_count']} published comments, "
                f"{len(draft['articles'])} articles, status {draft['status']}; "
                f"gunicorn workers {args.workers}; page cache {page_cache_setting(server)}; "
                f"load average {load_average()}"
            )
            draft_path = f"/drafts/{SLUG}"
            article_path = f"/drafts/{SLUG}/articles/{third}"
            results = [
                compare("draft page", bare.url, server.url + draft_path, args),
                compare("third article page", bare.url, server.url + article_path, args),
                compare("home page", bare.url, server.url + "/", args),
            ]
        finally:
            server.stop()
            bare.stop()
        if not args.no_profile:
            profile_pages(instance, args.database_url, [draft_path, article_path, "/"])
        print(f"\nload average at the end: {load_average()}")
        print(f"draft page target: {'MET' if results[0] else 'NOT MET'}")
        print(f"article and home page targets: {'MET' if all(results[1:]) else 'NOT MET'}")
        return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
