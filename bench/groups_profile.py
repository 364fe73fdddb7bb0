"""Profile `groups rebuild` in-process (cProfile): where a from-scratch rebuild spends its time.

    .venv/bin/python bench/groups_profile.py INSTANCE_DIR [--comments 20000] [--database-url URL]
                                             [--top 30] [--sort cumulative|tottime]

The first run makes the instance (or fills the empty PostgreSQL database of ``--database-url``) and
loads the comments as bench/groups.py does; later runs with the same folder reuse them. Each run empties
the grouping tables first (a rebuild from scratch), then profiles ``rebuild_draft`` and prints the top
functions.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.groups import SLUG, demo_instance, empty_grouping_tables, load  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance", type=Path)
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--campaigns", type=int, default=200)
    parser.add_argument("--share", type=float, default=0.6)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--save", help="also write the profile to this file (pstats)")
    args = parser.parse_args()
    fresh = not args.instance.resolve().exists()
    demo_instance(args.instance.resolve(), args.database_url)
    if fresh:
        load(args.comments, args.campaigns, args.share)

    from consult import create_app
    from consult.groups.operations import rebuild_draft

    app = create_app()
    with app.app_context():
        empty_grouping_tables()
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        rebuild_draft(SLUG)
        profile.disable()
        print(f"rebuild: {time.perf_counter() - started:.1f} s (under cProfile)")
    if args.save:
        profile.dump_stats(args.save)
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
