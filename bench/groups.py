"""Benchmark: grouping similar comments at volume (issue 16, point 6).

    .venv/bin/python bench/groups.py [--comments 100000] [--campaigns 200] [--share 0.6]
                                     [--database-url URL] [--repeat 20] [--seconds 8] [--rounds 3]
                                     [--only rebuild] [--rebuild-rounds 1] [--compare CHECKOUT]

Loads the demo data, then N comments on one open draft (bulk inserts), of which ``--share`` are copies of
``--campaigns`` campaign texts forwarded with small edits (another estate's name, half-width commas,
10点/十点, an added 望采纳 or 谢谢) and the rest texts of their own, on the draft's articles (SQLite by
default; ``--database-url`` takes an empty PostgreSQL database, e.g. one made with `createdb bench_groups`).
The texts are drawn from a fixed seed, so two runs group the same comments. Then it measures:

1. grouping everything from scratch: `flask --app consult groups rebuild SLUG` in a child process, its
   wall time and peak RSS (targets: <= 60 s, <= 500 MB), beside the RSS of a process that merely loads
   the app; ``--rebuild-rounds N`` repeats it, each round on emptied grouping tables, and ``--compare``
   runs another checkout's rebuild (e.g. a worktree of main) and this one's in turns, every round quoted
   with the load average (the machine may be busy); ``--only rebuild`` stops after part 1;
2. one more published comment grouped: the grouping drain of its outbox row, in-process, for --repeat
   new campaign copies (each on its campaign's article, so it joins the group) and --repeat texts of
   their own (median and worst; target <= 50 ms);
3. the staff group list endpoint (`GET /api/v1/admin/drafts/SLUG/groups`, with an API token) under wrk
   (16 connections) in turns with bench/bare_app.py, both under gunicorn with 2 workers: its p95 as a
   ratio of the bare page's p95 in the same round, and the median of the rounds.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.draft_page import BareServer, load_average  # noqa: E402
from bench.moderation_queue import LUA, wrk_p95  # noqa: E402
from tests.live import BIN, LiveServer  # noqa: E402

SLUG = "chengshi-shufang-tiaoli"  # the demo's open draft
TIME_TARGET_S, MEMORY_TARGET_MB, ONE_TARGET_MS = 60.0, 500.0, 50.0
BULK = 5000
# Characters texts of their own are drawn from: common ones, so shingles look like Chinese text.
POOL = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把"
    "性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质"
    "气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活"
    "设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则"
)
ESTATES = ("运河花园", "锦绣家园", "东关新村", "柳岸小区", "文昌苑", "北门里", "梧桐公寓", "清水湾")
ENDINGS = ("", "望采纳！", "谢谢。", "恳请采纳")


# The benchmark runs the grouping and search drains itself: the app must not run them as it writes.
DRAINS_OFF = {"CONSULT_GROUPS_DRAIN_INLINE": "false", "CONSULT_SEARCH_DRAIN_INLINE": "false"}


def demo_instance(instance: Path, database_url: str | None, workers: int = 2, **env: str) -> LiveServer:
    """An instance folder with the demo data (migrated and seeded), the drains off (DRAINS_OFF) and
    ``env`` set, and its settings in this process's environment, so the app made here is that one."""
    server = LiveServer(instance, database_url=database_url, workers=workers, env={**DRAINS_OFF, **env})
    if not server.instance.exists():
        server.instance.mkdir(parents=True)
        for step in (("db", "upgrade"), ("seed-demo",)):
            result = server.flask(*step)
            if result.returncode != 0:
                sys.exit(f"flask {' '.join(step)} failed: {result.stderr[-2000:]}")
    os.environ.update({k: v for k, v in server.env.items() if k.startswith("CONSULT_")})
    return server


def _own_text(rng: random.Random, length: int = 48) -> str:
    return "".join(rng.choice(POOL) for _ in range(length)) + "。"


def campaign_bases(n: int, rng: random.Random) -> list[str]:
    """n campaign texts, each with an estate and an hour to vary ({estate}, {ten})."""
    return [
        f"我是{{estate}}的居民，{_own_text(rng, 30)}建议每天开放到晚上{{ten}}，{_own_text(rng, 24)}"
        for _ in range(n)
    ]


def campaigns_on(n: int, articles: list[int]) -> tuple[list[str], list[int | None]]:
    """The n campaign texts and the article each is on (a few on the draft as a whole), as loaded."""
    rng = random.Random(16)
    bases = campaign_bases(n, rng)
    return bases, [None if i % 10 == 0 else rng.choice(articles) for i in range(n)]


def copy_of(base: str, rng: random.Random) -> str:
    """A forwarded copy with small edits."""
    text = base.format(estate=rng.choice(ESTATES), ten=rng.choice(("10点", "十点")))
    if rng.random() < 0.4:
        text = text.replace("，", ",", 1)
    return text + rng.choice(ENDINGS)


def load(comments: int, campaigns: int, share: float) -> tuple[int, int]:
    """Bulk-insert the comments on SLUG (in this process, configured from the environment)."""
    from sqlalchemy import insert, select

    from consult import create_app
    from consult.clock import utcnow
    from consult.db import end_read, write_transaction
    from consult.extensions import db
    from consult.models import Comment, Draft
    from consult.planner_stats import refresh_statistics
    from consult.receipts import new_code

    app = create_app()
    rng = random.Random(16)
    bases = campaign_bases(campaigns, rng)
    copies = int(comments * share)
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == SLUG))
        draft_id, version_id = draft.id, draft.current_version.id
        articles = [t.article_id for t in draft.current_version.texts]
        # each campaign on one article (a few on the draft as a whole): drawn as campaigns_on draws them
        places = [None if i % 10 == 0 else rng.choice(articles) for i in range(campaigns)]
        end_read()
        now = utcnow()
        written = 0
        with write_transaction() as session:
            while written < comments:
                rows = []
                for i in range(written, min(comments, written + BULK)):
                    if i < copies:
                        c = i % campaigns
                        body, article_id = copy_of(bases[c], rng), places[c]
                    else:
                        body, article_id = (
                            _own_text(rng),
                            None if rng.random() < 0.2 else rng.choice(articles),
                        )
                    rows.append(
                        {
                            "draft_id": draft_id,
                            "version_id": version_id,
                            "article_id": article_id,
                            "body": body,
                            "channel": "web",
                            "status": "published",
                            "receipt_code": new_code(),
                            "submitted_at": now - timedelta(minutes=comments - i),
                            "address_hash": f"{i % 5000:032x}",
                            "notify": False,
                            "version": 1,
                        }
                    )
                session.execute(insert(Comment), rows)
                written += len(rows)
        refresh_statistics(Comment.__tablename__)
    return copies, comments - copies


def empty_grouping_tables() -> None:
    """No group, member or band key left (in this process, configured from the environment): the next
    rebuild groups everything from scratch, on tables as a first one finds them (PostgreSQL: TRUNCATE,
    so no dead rows of an earlier round
    slow the next one down)."""
    from sqlalchemy import delete, text

    from consult import create_app
    from consult.db import write_transaction
    from consult.models import CommentBand, CommentGroup, GroupMember

    with create_app().app_context(), write_transaction() as session:
        if session.get_bind().dialect.name == "postgresql":  # the big two (decisions may name a group)
            session.execute(text(f"TRUNCATE {GroupMember.__tablename__}, {CommentBand.__tablename__}"))
        for table in (GroupMember, CommentBand, CommentGroup):
            session.execute(delete(table))


def peak_rss_mb(*command: str, env: dict, cwd: Path = ROOT) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, output) of a command run as the only child of a fresh Python process
    (``cwd``: the checkout whose code `flask --app consult` runs)."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
        "sys.stderr.write(r.stdout[-500:] + r.stderr[-2000:])\n"
        "sys.exit(r.returncode)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, *command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr}")
    seconds, mb = (float(x) for x in done.stdout.split())
    return seconds, mb, done.stderr.strip()


def server_flask(server: LiveServer, checkout: Path, *args: str) -> str:
    """`flask --app consult ARGS` against the server's database with a checkout's code; its output."""
    done = server.flask(*args, timeout=3600, code=checkout)
    if done.returncode != 0:
        sys.exit(f"flask {' '.join(args)} ({checkout}) failed: {done.stderr[-2000:]}")
    return done.stdout


def one_more(repeat: int, campaigns: int) -> tuple[list[float], list[float]]:
    """ms to group one more published comment: a campaign copy, and a text of its own, each --repeat times."""
    from sqlalchemy import select

    from consult import create_app
    from consult.db import end_read, write_transaction
    from consult.extensions import db
    from consult.groups.drain import drain
    from consult.models import Comment, Draft
    from consult.receipts import new_code

    app = create_app()
    rng = random.Random(61)
    timings: dict[str, list[float]] = {"copy": [], "own": []}
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == SLUG))
        draft_id, version_id = draft.id, draft.current_version.id
        articles = [t.article_id for t in draft.current_version.texts]
        bases, places = campaigns_on(campaigns, articles)  # the same campaigns, on the same articles
        end_read()
        drain(wait=True)  # whatever the demo's seeding left queued
        for n in range(-2, repeat * 2):  # the first two warm up (the MinHash permutations, the caches)
            kind = "copy" if n % 2 == 0 else "own"
            if kind == "copy":  # on its campaign's article: it joins the campaign's group
                c = rng.randrange(len(bases))
                body, article_id = copy_of(bases[c], rng), places[c]
            else:
                body, article_id = _own_text(rng), rng.choice(articles)
            with write_transaction() as session:
                session.add(
                    Comment(
                        draft_id=draft_id,
                        version_id=version_id,
                        article_id=article_id,
                        body=body,
                        status="published",
                        receipt_code=new_code(),
                    )
                )
            started = time.perf_counter()
            done = drain(wait=True)
            if n >= 0:
                timings[kind].append((time.perf_counter() - started) * 1000)
            assert done >= 1, "the new comment's grouping row was not there"
    return timings["copy"], timings["own"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--campaigns", type=int, default=200)
    parser.add_argument("--share", type=float, default=0.6)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=("rebuild",), help="measure part 1 only")
    parser.add_argument(
        "--rebuild-rounds", type=int, default=1, help="part 1 this many times, each from scratch"
    )
    parser.add_argument(
        "--compare",
        type=Path,
        help="another checkout (e.g. a worktree of main): part 1 with its code and this one's in turns",
    )
    args = parser.parse_args()
    met = True
    with tempfile.TemporaryDirectory(prefix="bench-groups-") as tmp:
        server = demo_instance(Path(tmp) / "instance", args.database_url, CONSULT_PAGE_CACHE_SECONDS="0")
        started = time.perf_counter()
        copies, own = load(args.comments, args.campaigns, args.share)
        print(
            f"database: {args.database_url or 'SQLite'}; on {SLUG}: {copies} copies of {args.campaigns} "
            f"campaigns and {own} texts of their own, loaded in {time.perf_counter() - started:.1f} s; "
            f"load {load_average()}",
            flush=True,
        )

        flask = str(BIN / "flask")
        _s, idle_mb, _out = peak_rss_mb(
            str(BIN / "python"), "-c", "from consult import create_app; create_app()", env=server.env
        )
        # --compare: this checkout's rebuild and another's in turns, each round from scratch
        checkouts = [ROOT] if args.compare is None else [args.compare.resolve(), ROOT]
        # each checkout on its own schema: the other's migrations head (emptied tables: quick to change)
        heads = {c: server_flask(server, c, "db", "heads").split()[0] for c in checkouts}
        for n in range(1, args.rebuild_rounds + 1):
            for checkout in checkouts:
                if n > 1 or checkout != checkouts[0]:
                    empty_grouping_tables()
                if len(checkouts) > 1:
                    step = ("db", "upgrade") if checkout == ROOT else ("db", "downgrade", heads[checkout])
                    server_flask(server, ROOT, *step)
                seconds, mb, out = peak_rss_mb(
                    flask, "--app", "consult", "groups", "rebuild", SLUG, env=server.env, cwd=checkout
                )
                ok = seconds <= TIME_TARGET_S and mb <= MEMORY_TARGET_MB
                met &= ok or checkout != ROOT
                print(f"   {out.splitlines()[-1] if out else ''}")
                print(
                    f"grouping from scratch{f' (round {n}, {checkout.name})' if len(checkouts) > 1 else ''}: "
                    f"{seconds:.1f} s, peak RSS {mb:.0f} MB (the app merely loaded: {idle_mb:.0f} MB) "
                    f"(targets <= {TIME_TARGET_S:.0f} s, <= {MEMORY_TARGET_MB:.0f} MB): "
                    f"{'met' if ok else 'NOT MET'}; load {load_average()}",
                    flush=True,
                )
        if args.only == "rebuild":
            print(f"load average at the end: {load_average()}")
            return 0 if met else 1

        copy_ms, own_ms = one_more(args.repeat, args.campaigns)
        for label, ms in (("a campaign copy", copy_ms), ("a text of its own", own_ms)):
            ok = statistics.median(ms) <= ONE_TARGET_MS
            met &= ok
            print(
                f"one more published comment grouped, {label}: median {statistics.median(ms):.1f} ms, "
                f"worst {max(ms):.1f} ms of {len(ms)} (target <= {ONE_TARGET_MS:.0f} ms): "
                f"{'met' if ok else 'NOT MET'}",
                flush=True,
            )

        server.flask(
            "users", "create", "benchstaff", "--role", "staff", "--password-stdin", stdin="Bench-groups-1\n"
        )
        token = server.flask("users", "token", "benchstaff").stdout.strip().splitlines()[-1]
        bare = BareServer(2, Path(tmp) / "bare.log")
        script = Path(tmp) / "p95.lua"
        script.write_text(LUA)
        try:
            server.start(seed=False)
            bare.start()
            url = f"{server.url}/api/v1/admin/drafts/{SLUG}/groups"
            ratios = []
            for n in range(1, args.rounds + 1):
                base, _, _ = wrk_p95(bare.url, script, {}, args.seconds)
                p95, requests, errors = wrk_p95(url, script, {"BENCH_TOKEN": token}, args.seconds)
                # No request answered in time (wrk's 5 s timeout, or none done in the round): no p95 to
                # speak of, an unbounded ratio.
                ratios.append(p95 / base if p95 and requests > errors else float("inf"))
                print(
                    f"   group list round {n}: p95 {p95:7.1f} ms vs bare {base:6.1f} ms -> "
                    f"{ratios[-1]:5.2f}x ({requests} requests, {errors} errors)",
                    flush=True,
                )
            print(
                f"staff group list endpoint: median p95 ratio {statistics.median(ratios):.2f}x the bare page"
            )
        finally:
            if getattr(bare, "proc", None) is not None:
                bare.stop()
            server.stop()
    print(f"load average at the end: {load_average()}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
