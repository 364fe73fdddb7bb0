"""Benchmark: the memory of the search commands and of gunicorn's workers (issue 15, point 6).

    .venv/bin/python bench/worker_memory.py [--comments 100000] [--changes 500] [--database-url URL]
                                            [--soak-seconds 600] [--threads 4] [--bare-seconds S]
                                            [--inline] [--soak-only]

Part 1, the search commands at N/10 and at N comments (the ratio shows whether their memory follows
the corpus): seeds N/10 comments (``seed-demo``; an empty temporary SQLite file unless
``--database-url`` names an empty PostgreSQL database), then in child processes ``search reindex``,
``search check``, and ``search worker --once`` after ``--changes`` comments were edited (each edit
queues its outbox row, as the doors do); then adds the other 9N/10 comments and does it all again.
Each child's peak RSS is read from ``wait4`` (its own ``ru_maxrss``).

Part 2, the soak: the app under gunicorn (gunicorn.conf.py, 2 workers) with mixed traffic from
``--threads`` clients for ``--soak-seconds`` (the issue asks for an hour: ``--soak-seconds 3600``):
the home page, draft and article pages, the public API's draft list and comment pages, searches (HTML
and API) and comment posts (API, the rate limit lifted). Each worker's RSS is sampled every
``SAMPLE_SECONDS``; start, peak and end are printed beside the workers of bench/bare_app.py under the
same clients (for ``--bare-seconds``, by default as long; GET / only: it has one page). As deployed
(deploy/consult.env), the web workers leave the search and grouping outboxes to ``search worker`` and
``groups worker``, which run beside them and are sampled too; ``--inline`` drains in the web workers, as
`make run` does. ``--soak-only`` seeds and soaks without part 1. Target: every app worker under 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live import BIN, LiveServer, free_port  # noqa: E402

FLASK = [str(BIN / "flask"), "--app", "consult"]
SAMPLE_SECONDS = 5
TARGET_MB = 300
EDIT = """
import sys
sys.path.insert(0, {root!r})
from sqlalchemy import select, update
from consult import create_app
from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.models import Comment
from consult.search.events import queue
app = create_app()
with app.app_context():
    ids = list(db.session.scalars(select(Comment.id).order_by(Comment.id.desc()).limit({changes})))
    end_read()
    with write_transaction() as session:  # Core edits and their outbox rows, as the bulk doors queue them
        session.execute(update(Comment).where(Comment.id.in_(ids)).values(body=Comment.body + "（已修改）"))
        for n in ids:
            queue(session, "comment", n)
"""


def run_child(args: list[str], env: dict) -> tuple[float, float, str]:
    """Run a child; its peak RSS in MB (its own: reaped with wait4), its seconds and last output line."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        log.seek(0)
        lines = [line for line in log.read().splitlines() if line.strip()]
    if proc.returncode not in (0, 1):  # search check exits 1 when the index differs
        raise RuntimeError(f"{' '.join(args[-3:])} failed: " + "\n".join(lines[-20:]))
    return usage.ru_maxrss / 1024, seconds, lines[-1] if lines else ""


def commands(env: dict, changes: int) -> dict[str, tuple[float, float, str]]:
    """Peak RSS of reindex, check, and a worker draining ``changes`` edits, each in its own child."""
    found = {}
    found["baseline: the app loaded (flask routes)"] = run_child([*FLASK, "routes"], env)
    found["search reindex"] = run_child([*FLASK, "search", "reindex"], env)
    found["search check"] = run_child([*FLASK, "search", "check"], env)
    subprocess.run(
        [sys.executable, "-c", EDIT.format(root=str(ROOT), changes=changes)], env=env, check=True, cwd=ROOT
    )
    found[f"search worker --once ({changes} changes)"] = run_child(
        [*FLASK, "search", "worker", "--once"], env
    )
    return found


def seed(env: dict, comments: int) -> None:
    """The schema, the demo data and ``comments`` synthetic comments, indexed for search."""
    for step in (("db", "upgrade"), ("seed-demo", "--comments", str(comments)), ("search", "reindex")):
        subprocess.run([*FLASK, *step], env=env, check=True, capture_output=True, cwd=ROOT)


def part_one(env: dict, comments: int, changes: int) -> None:
    small = comments // 10
    for step in (("db", "upgrade"), ("seed-demo", "--comments", str(small))):
        subprocess.run([*FLASK, *step], env=env, check=True, capture_output=True, cwd=ROOT)
    at_small = commands(env, changes)
    subprocess.run(
        [*FLASK, "seed-demo", "--comments", str(comments - small)],
        env=env,
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    at_large = commands(env, changes)
    print(f"\nsearch commands, peak RSS of each child (MB) at {small:,} and {comments:,} comments")
    print(f"  {'command':42s} {small:>10,} {comments:>10,}  ratio  seconds")
    for name, (mb_small, s_small, _) in at_small.items():
        mb_large, s_large, _ = at_large[name]
        ratio = mb_large / mb_small
        print(f"  {name:42s} {mb_small:10.0f} {mb_large:10.0f}  {ratio:5.2f}  {s_small:.0f} / {s_large:.0f}")
    print(f"  (the corpus grew {comments / small:.0f}x; a ratio near 1 is flat)")


# -- the soak --------------------------------------------------------------------------------------


def worker_pids(master: int) -> list[int]:
    """The gunicorn master's children (its workers)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            pids.append(int(entry))
    return pids


def rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Load:
    """Client threads sending mixed requests until stopped; counts answers by status."""

    def __init__(self, base: str, paths: list[str], post: tuple[str, dict] | None, threads: int):
        self.base, self.paths, self.post = base, paths, post
        self.stop = threading.Event()
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(n,), daemon=True) for n in range(threads)]

    def count(self, key: str) -> None:
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1

    def run(self, seed: int) -> None:
        rng = random.Random(seed)
        while not self.stop.is_set():
            try:
                if self.post and rng.random() < 0.05:
                    path, body = self.post
                    request = urllib.request.Request(
                        self.base + path,
                        data=json.dumps(
                            {**body, "body": f"{body['body']}（{rng.randrange(10**9)}）"}
                        ).encode(),
                        headers={"Content-Type": "application/json"},
                    )
                else:
                    request = urllib.request.Request(self.base + rng.choice(self.paths))
                with urllib.request.urlopen(request, timeout=60) as resp:
                    resp.read()
                    self.count(str(resp.status))
            except urllib.error.HTTPError as err:
                self.count(str(err.code))
            except OSError:
                self.count("error")

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(70)


def start_worker(server: LiveServer, name: str) -> subprocess.Popen:
    """`flask --app consult NAME worker` against the server's database, as its service unit runs it."""
    return subprocess.Popen(
        [str(BIN / "flask"), "--app", "consult", name, "worker"],
        cwd=ROOT,
        env=server.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def soak(master: int, load: Load, seconds: int, others: list[int] = ()) -> dict[int, list[float]]:
    """Each worker's RSS samples (MB) while ``load`` runs for ``seconds`` (``others``: more processes)."""
    samples: dict[int, list[float]] = {}
    with load:
        deadline = time.monotonic() + seconds
        while True:
            for pid in [*worker_pids(master), *others]:
                mb = rss_mb(pid)
                if mb is not None:
                    samples.setdefault(pid, []).append(mb)
            if time.monotonic() >= deadline:
                break
            time.sleep(SAMPLE_SECONDS)
    return samples


def app_paths(base: str) -> tuple[list[str], tuple[str, dict]]:
    """A mix of the public pages and API reads, and a comment post, on the seeded drafts."""
    with urllib.request.urlopen(base + "/api/v1/drafts", timeout=60) as resp:
        drafts = json.load(resp)["drafts"]
    paths = ["/", "/api/v1/drafts", "/search?q=开放时间", "/api/v1/search?q=管理", "/search?q=停车"]
    open_slug = None
    for draft in drafts:
        slug = draft["slug"]
        with urllib.request.urlopen(f"{base}/api/v1/drafts/{slug}", timeout=60) as resp:
            articles = json.load(resp)["articles"]
        paths += [
            f"/drafts/{slug}",
            f"/api/v1/drafts/{slug}/comments",
            f"/api/v1/drafts/{slug}/comments?page=5",
        ]
        paths += [f"/drafts/{slug}/articles/{a['id']}" for a in articles[:3]]
        if draft["status"] == "open" and open_slug is None:
            open_slug = slug
    paths = [urllib.request.quote(p, safe="/?=&") for p in paths]
    post = (
        (f"/api/v1/drafts/{open_slug}/comments", {"body": "建议延长开放时间，方便上班族。"})
        if open_slug
        else None
    )
    return paths, post


def report(name: str, samples: dict[int, list[float]], load: Load) -> float:
    peak = 0.0
    print(f"  {name}: {sum(load.counts.values()):,} answers {dict(sorted(load.counts.items()))}")
    for pid, values in sorted(samples.items()):
        peak = max(peak, max(values))
        print(f"    worker {pid}: start {values[0]:6.1f}  peak {max(values):6.1f}  end {values[-1]:6.1f} MB")
    return peak


def part_two(
    env: dict, instance: Path, database_url: str, seconds: int, threads: int, inline: bool, bare_seconds: int
) -> None:
    # As deployed (deploy/consult.env): the web workers leave the search and grouping outboxes to their
    # workers, which run beside them here and are sampled too. --inline measures the laptop set-up instead.
    drains = (
        {} if inline else {"CONSULT_SEARCH_DRAIN_INLINE": "false", "CONSULT_GROUPS_DRAIN_INLINE": "false"}
    )
    server = LiveServer(
        instance,
        database_url,
        workers=2,
        env={
            "CONSULT_COMMENT_RATE_LIMIT": "1000000 per minute",
            **{k: v for k, v in env.items() if k == "CONSULT_SEARCH_BACKEND"},
            **drains,
        },
    )
    server.start(seed=False)
    workers = [] if inline else [start_worker(server, name) for name in ("search", "groups")]
    try:
        paths, post = app_paths(server.url)
        load = Load(server.url, paths, post, threads)
        app_samples = soak(server.proc.pid, load, seconds, [w.pid for w in workers])
        app_load = load
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(30)
        server.stop()
    port = free_port()
    bare_env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_ACCESSLOG": "",
    }
    bare = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "bench.bare_app:app"],
        cwd=ROOT,
        env=bare_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        bare_load = Load(base, ["/"], None, threads)
        bare_samples = soak(bare.pid, bare_load, bare_seconds)
    finally:
        os.killpg(bare.pid, signal.SIGTERM)
        bare.wait(15)
    print(
        f"\ngunicorn soak: 2 workers, {threads} clients, {seconds} s (the bare app {bare_seconds} s),"
        f" RSS every {SAMPLE_SECONDS} s"
    )
    names = {w.pid: f"{w.args[3]} worker" for w in workers}
    app_peak = report(
        "consult (mixed traffic)", {p: v for p, v in app_samples.items() if p not in names}, app_load
    )
    for pid, values in app_samples.items():
        if pid in names:
            start, peak, end = values[0], max(values), values[-1]
            print(f"    {names[pid]} {pid}: start {start:6.1f}  peak {peak:6.1f}  end {end:6.1f} MB")
    bare_peak = report("bare Flask app (GET /)", bare_samples, bare_load)
    verdict = "met" if app_peak < TARGET_MB else "NOT met"
    ratio = app_peak / bare_peak
    print(f"  peak worker RSS: consult {app_peak:.1f} MB, bare {bare_peak:.1f} MB, ratio {ratio:.2f}x")
    print(f"  target: every worker under {TARGET_MB} MB -> {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=500)
    parser.add_argument("--database-url")
    parser.add_argument("--soak-seconds", type=int, default=600)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--bare-seconds", type=int, help="the bare app's soak (default: --soak-seconds)")
    parser.add_argument("--inline", action="store_true", help="drain search and groups in the web workers")
    parser.add_argument("--soak-only", action="store_true", help="seed, then only the soak (no part 1)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="consult-worker-memory-"))
    url = args.database_url or f"sqlite:///{folder}/bench.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSULT_")}
    env.update({"CONSULT_SQLALCHEMY_DATABASE_URI": url, "CONSULT_INSTANCE_PATH": str(folder)})
    if url.startswith("postgresql"):
        env["CONSULT_SEARCH_BACKEND"] = "postgres"
    try:
        if args.soak_only:
            seed(env, args.comments)
        else:
            part_one(env, args.comments, args.changes)
        if args.soak_seconds > 0:
            part_two(
                env,
                folder,
                url,
                args.soak_seconds,
                args.threads,
                args.inline,
                args.bare_seconds or args.soak_seconds,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
