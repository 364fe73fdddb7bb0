"""Benchmark: what staff's "recompute themes" button costs the request, before and after it became a job.

    .venv/bin/python bench/theme_jobs.py [--comments 20000] [--rounds 2] [--database-url URL]

Loads the demo data and N comments on one open draft as bench/groups.py does (SQLite in a temporary
folder unless --database-url names an empty scratch database), computes the themes once, then in each
round, in turns (the order alternates): the old button (the whole recomputation in the request,
operations.rebuild_themes) and the new one (jobs.request_rebuild: the job queued), each timed as the
request would be; then the queued job run as the worker runs it (jobs.run_jobs), timed, and its themes
compared with those the recomputation at once left.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.draft_page import load_average  # noqa: E402
from bench.groups import SLUG, demo_instance, load  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-theme-jobs-") as tmp:
        demo_instance(Path(tmp) / "instance", args.database_url, CONSULT_THEME_JOBS_INLINE="false")
        load(args.comments, 200, 0.6)

        from sqlalchemy import select

        from consult import create_app
        from consult.context import CLI
        from consult.db import end_read, write_transaction
        from consult.drafts.queries import by_slug
        from consult.extensions import db
        from consult.models import User
        from consult.themes.jobs import latest_job, request_rebuild, run_jobs
        from consult.themes.operations import rebuild_themes
        from consult.themes.queries import themes_of_draft

        def snapshot(draft_id: int) -> list[tuple]:
            end_read()
            found = sorted(
                (t.article_id or 0, t.label, tuple(t.keywords), tuple(sorted(t.comment_ids)))
                for t in themes_of_draft(draft_id)
            )
            end_read()
            return found

        app = create_app()
        with app.app_context():
            with write_transaction() as session:
                session.add(User(username="bench-staff", role="staff", password_hash="-", display_name="b"))
            staff = db.session.scalar(select(User).where(User.username == "bench-staff"))
            draft_id = by_slug(SLUG).id
            end_read()
            started = time.perf_counter()
            rebuild_themes(staff, CLI, SLUG)
            print(
                f"database: {args.database_url or 'SQLite'}; {args.comments} comments on {SLUG}; themes "
                f"computed once in {time.perf_counter() - started:.1f} s; load {load_average()}",
                flush=True,
            )
            old_times, new_times, job_times = [], [], []
            for round_no in range(1, args.rounds + 1):
                order = ("old", "new") if round_no % 2 else ("new", "old")
                line = []
                for name in order:
                    end_read()
                    started = time.perf_counter()
                    if name == "old":
                        rebuild_themes(staff, CLI, SLUG)
                        old_times.append(time.perf_counter() - started)
                        at_once = snapshot(draft_id)
                        line.append(f"old button (computed in the request) {old_times[-1]:.2f} s")
                    else:
                        _job, created = request_rebuild(staff, CLI, SLUG)
                        new_times.append(time.perf_counter() - started)
                        assert created
                        line.append(f"new button (job queued) {new_times[-1] * 1000:.1f} ms")
                end_read()
                started = time.perf_counter()
                run_jobs()
                job_times.append(time.perf_counter() - started)
                job = latest_job(draft_id)
                state = job.state
                end_read()
                same = snapshot(draft_id) == at_once
                line.append(f"the job itself {job_times[-1]:.2f} s ({state}, themes as at once: {same})")
                print(f"round {round_no}: " + "; ".join(line) + f"; load {load_average()}", flush=True)
            print("old button: " + " / ".join(f"{t:.2f} s" for t in old_times))
            print("new button: " + " / ".join(f"{t * 1000:.1f} ms" for t in new_times))
            print("job run by the worker: " + " / ".join(f"{t:.2f} s" for t in job_times))
            db.session.remove()
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
