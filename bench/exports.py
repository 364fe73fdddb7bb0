"""Benchmark: the summary of opinions exported as a job (CSV, XLSX, DOCX) against plain writers of the same
rows, each in a child process of its own, measured in the same command.

    .venv/bin/python bench/exports.py [--comments N] [--database-url URL] [--formats csv,xlsx,docx]

Loads the demo drafts and N synthetic published comments on one draft (default 100,000; SQLite in a
temporary folder unless --database-url names an empty scratch database), then runs each case in a fresh
child process and reports its wall time and peak resident memory (the child's ru_maxrss, and its growth
over the memory the child held once the app was loaded and the database connected; the peak is reset
then, through /proc/self/clear_refs, so the start-up's own peak does not hide the export's):

- ``csv`` / ``xlsx`` / ``docx``: the export worker's path (request_export above the threshold, then
  run_jobs: the file written to the export folder with its progress);
- ``baseline-csv``: the same comment rows read with one plain SELECT (fetchmany) and written with the
  csv module alone; ``baseline-xlsx``: the same rows written with openpyxl's write-only workbook alone.

Each format's time and memory are printed as ratios to its baseline (DOCX to the CSV baseline: it reads
every article but quotes at most QUOTES_PER_ARTICLE per article). Target (issue 15, point 5): peak
memory under 300 MB whatever the size.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SLUG = "chengshi-shufang-tiaoli"
TARGET_MB = 300
BASELINE_SQL = (
    "SELECT c.id, c.article_id, c.body, c.masked_body, c.channel, c.author_name, c.contact, "
    "c.submitted_at, c.status, d.outcome, d.reason FROM comment c "
    "LEFT JOIN decision d ON d.comment_id = c.id WHERE c.draft_id = :draft AND c.status = 'published' "
    "ORDER BY c.article_id, c.submitted_at, c.id"
)


def rss_mb(field: str = "VmHWM") -> float:
    """This process's resident memory in MB: its peak (VmHWM) or now (VmRSS), from /proc (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> None:
    """Start the peak (VmHWM) again from the memory held now: the app's start-up peak is not the export's."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def make_app(url: str, instance: str):
    from consult import create_app

    return create_app(
        {
            "INSTANCE_PATH": instance,
            "SQLALCHEMY_DATABASE_URI": url,
            "SEARCH_DRAIN_INLINE": False,
            "EXPORT_INLINE_MAX_ROWS": 0,  # every export a job: the worker's path is what is measured
            "EXPORT_JOBS_INLINE": False,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 8,
        }
    )


def prepare(url: str, instance: str, n: int) -> int:
    """Migrate, load the demo drafts and top the draft up to n published comments; the draft's count."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from consult.demo.seed import seed_demo
    from consult.demo.synthetic import add_synthetic_comments
    from consult.extensions import db
    from consult.models import Comment, Draft

    app = make_app(url, instance)
    with app.app_context():
        upgrade()
        seed_demo()
        draft_id = db.session.scalar(select(Draft.id).where(Draft.slug == SLUG))
        have = db.session.scalar(
            select(func.count()).where(Comment.draft_id == draft_id, Comment.status == "published")
        )
        db.session.rollback()
        if have < n:
            add_synthetic_comments(n - have, "published", SLUG)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
        total = db.session.scalar(
            select(func.count()).where(Comment.draft_id == draft_id, Comment.status == "published")
        )
        db.engine.dispose()
    return total


def child(case: str, url: str, instance: str) -> dict:
    """Run one case in this (child) process; its figures."""
    from sqlalchemy import select, text

    from consult.context import CLI
    from consult.extensions import db
    from consult.feedback.export_jobs import request_export, run_jobs
    from consult.models import Draft, ExportJob, User

    app = make_app(url, instance)
    with app.app_context():
        draft_id = db.session.scalar(select(Draft.id).where(Draft.slug == SLUG))
        staff = db.session.scalar(select(User).where(User.role == "staff").limit(1))
        db.session.rollback()
        loaded = rss_mb("VmRSS")
        reset_peak()
        out_dir = app.config["EXPORT_DIR"]
        os.makedirs(out_dir, exist_ok=True)
        started = time.perf_counter()
        if case.startswith("baseline-"):
            path = os.path.join(out_dir, f"{case}.{case.split('-')[1]}")
            rows = 0
            with db.engine.connect() as conn:
                result = conn.execution_options(stream_results=True, yield_per=1000).execute(
                    text(BASELINE_SQL), {"draft": draft_id}
                )
                if case == "baseline-csv":
                    with open(path, "w", encoding="utf-8-sig", newline="") as f:
                        writer = csv.writer(f)
                        for row in result:
                            writer.writerow(["" if v is None else str(v) for v in row])
                            rows += 1
                else:
                    from openpyxl import Workbook

                    wb = Workbook(write_only=True)
                    ws = wb.create_sheet("rows")
                    for row in result:
                        ws.append(["" if v is None else str(v) for v in row])
                        rows += 1
                    wb.save(path)
            size = os.path.getsize(path)
        else:
            job = request_export(staff, CLI, SLUG, case).job
            run_jobs()
            db.session.rollback()
            job = db.session.get(ExportJob, job.id)
            if job.state != "done":
                raise SystemExit(f"{case}: the job ended {job.state}: {job.error}")
            rows, size = job.rows_done, job.size
        seconds = time.perf_counter() - started
        db.engine.dispose()
    return {
        "case": case,
        "seconds": seconds,
        "peak_mb": rss_mb(),
        "loaded_mb": loaded,
        "rows": rows,
        "size": size,
    }


def run_child(case: str, url: str, instance: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", case, "--database-url", url, "--instance", instance],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{case} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="an empty scratch database (default: SQLite)")
    parser.add_argument("--formats", default="csv,xlsx,docx")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--instance", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.database_url, args.instance)))
        return
    formats = [f for f in args.formats.split(",") if f]
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
        started = time.perf_counter()
        total = prepare(url, tmp, args.comments)
        print(f"database: {url.split(':', 1)[0]}; published comments on {SLUG}: {total:,}")
        print(f"(loaded in {time.perf_counter() - started:.0f} s)")
        cases = ["baseline-csv", *(["baseline-xlsx"] if "xlsx" in formats else []), *formats]
        results = {case: run_child(case, url, tmp) for case in cases}
    print()
    print(f"{'case':<14}{'rows':>10}{'seconds':>10}{'peak MB':>10}{'growth MB':>11}{'file MB':>10}")
    for case, r in results.items():
        growth = r["peak_mb"] - r["loaded_mb"]
        print(
            f"{case:<14}{r['rows']:>10,}{r['seconds']:>10.1f}{r['peak_mb']:>10.0f}{growth:>11.0f}"
            f"{r['size'] / 1e6:>10.1f}"
        )
    print()
    met = True
    for fmt in formats:
        r = results[fmt]
        base = results.get(f"baseline-{fmt}", results["baseline-csv"])
        met = met and r["peak_mb"] < TARGET_MB
        time_ratio, memory_ratio = r["seconds"] / base["seconds"], r["peak_mb"] / base["peak_mb"]
        ratios = f"time {time_ratio:.2f}x and peak memory {memory_ratio:.2f}x"
        print(
            f"{fmt}: {ratios} "
            f"its baseline ({base['case']}); peak {r['peak_mb']:.0f} MB -> "
            f"{'met' if r['peak_mb'] < TARGET_MB else 'NOT met'} (target under {TARGET_MB} MB)"
        )
    print(f"target: every export under {TARGET_MB} MB -> {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
