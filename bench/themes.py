"""Benchmark: themes and the drafted summary of opinions at volume (issue 16, point 3).

    .venv/bin/python bench/themes.py [--comments 100000] [--campaigns 200] [--share 0.6] [--database-url URL]

Loads the demo data and N comments on one open draft as bench/groups.py does (campaign copies and texts
of their own, fixed seed; SQLite in a temporary folder unless --database-url names an empty scratch
database), groups them (`groups rebuild`), then measures, each in a child process of its own, its wall time
and peak RSS:

1. `flask --app consult themes rebuild SLUG` from scratch (targets: peak < 500 MB);
2. the same again (what staff's button costs once themes exist);
3. the drafted summary read (opinion_summary) and written as DOCX (target: < 30 s).
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
from bench.groups import SLUG, demo_instance, load, peak_rss_mb  # noqa: E402
from tests.live import BIN  # noqa: E402

SUMMARY = (
    "import time\n"
    "from consult import create_app\n"
    "from consult.drafts.queries import by_slug\n"
    "from consult.themes.summary import opinion_summary\n"
    "from consult.themes.summary_docx import summary_docx\n"
    "app = create_app()\n"
    "with app.app_context():\n"
    "    t = time.perf_counter()\n"
    "    view = opinion_summary(by_slug('" + SLUG + "'))\n"
    "    read = time.perf_counter() - t\n"
    "    data = summary_docx(view)\n"
    "    print(f'summary read {read:.1f} s, DOCX {time.perf_counter() - t - read:.1f} s, '\n"
    "          f'{len(view.sections)} sections, {sum(len(s.themes) for s in view.sections)} themes, '\n"
    "          f'{len(data) // 1024} KB')\n"
)
MEMORY_MB, DOCX_SECONDS = 500, 30


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--campaigns", type=int, default=200)
    parser.add_argument("--share", type=float, default=0.6)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-themes-") as tmp:
        server = demo_instance(Path(tmp) / "instance", args.database_url)
        started = time.perf_counter()
        copies, own = load(args.comments, args.campaigns, args.share)
        print(
            f"database: {args.database_url or 'SQLite'}; on {SLUG}: {copies} campaign copies and {own} texts "
            f"of their own, loaded in {time.perf_counter() - started:.1f} s; load {load_average()}",
            flush=True,
        )
        flask = str(BIN / "flask")
        seconds, _mb, _out = peak_rss_mb(flask, "--app", "consult", "groups", "rebuild", SLUG, env=server.env)
        print(f"groups rebuild: {seconds:.1f} s", flush=True)
        met = True
        for name in ("themes rebuild (from scratch)", "themes rebuild (again)"):
            seconds, mb, out = peak_rss_mb(
                flask, "--app", "consult", "themes", "rebuild", SLUG, env=server.env
            )
            met = met and mb < MEMORY_MB
            print(
                f"{name}: {seconds:.1f} s, peak RSS {mb:.0f} MB; {out.splitlines()[0] if out else ''}",
                flush=True,
            )
        seconds, mb, out = peak_rss_mb(str(BIN / "python"), "-c", SUMMARY, env=server.env)
        met = met and mb < MEMORY_MB and seconds < DOCX_SECONDS
        print(f"summary and DOCX: {seconds:.1f} s in all (app start included), peak RSS {mb:.0f} MB; {out}")
        print(
            f"targets (peak < {MEMORY_MB} MB, summary DOCX < {DOCX_SECONDS} s): {'MET' if met else 'NOT MET'}"
        )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
