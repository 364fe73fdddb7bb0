"""Benchmark: what a withdrawal costs the Whoosh index (issue 14, point 6).

    .venv/bin/python bench/search_withdrawal.py [--docs 10000 100000] [--batch 500] [--seed 6]

For each size: the documents of bench/search.py (same generator and seed) rebuilt into a temporary
folder, then the Whoosh writes a drain batch makes, timed one by one: a pending comment published
(nothing withdrawn: no rewrite), a published one taken down, a masked copy published in place of
the original, a comment deleted, and a batch of ``--batch`` masked copies spread over the whole index
(0: skipped; it rewrites every segment, the worst case of one drain batch).
Each is timed twice: the write itself (what the drain does, inline after a request's commit: the old
copy marked deleted, the key recorded) and then the rewrite steps that take the withdrawn text out of
the files (what the background thread or `search worker` does afterwards, one segment per step).
Prints seconds, the segments rewritten, the folder's size and the number of segments after each.
This times the backend's writes only (the drain's database reads come on top) on a shared machine:
the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import search as generator  # noqa: E402  (bench/search.py, the document generator)

from consult.search.whoosh_backend import WhooshBackend  # noqa: E402
from consult.search.whoosh_patches import whoosh_index  # noqa: E402


def folder_mib(path: str) -> float:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 2**20


def segment_ids(engine: WhooshBackend) -> set[str]:
    ix = whoosh_index.open_dir(os.path.join(engine.index_dir, engine._storage.pointer()))
    return {segment.segment_id() for segment in ix._segments()}


def step(engine: WhooshBackend, label: str, work) -> None:
    before = segment_ids(engine)
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    pending = engine.rewrites_pending()
    started = time.perf_counter()
    steps = 0
    while engine.rewrite_step():
        steps += 1
    rewrite = time.perf_counter() - started
    after = segment_ids(engine)
    print(
        f"  {label:<44} drain {seconds:7.2f} s, then rewrite {rewrite:7.2f} s "
        f"({pending} keys, {steps} steps); segments rewritten or merged {len(before - after)}, "
        f"now {len(after)}; {folder_mib(engine.index_dir):6.1f} MiB",
        flush=True,
    )


def run(n: int, seed: int, batch: int) -> None:
    comments, _quality = generator.quality_set()
    docs = generator.generate_docs(n, seed, generator.clauses_by_draft(comments))
    tmp = tempfile.mkdtemp(prefix="search-withdrawal-")
    engine = WhooshBackend(os.path.join(tmp, "whoosh"), lock_timeout=600)
    try:
        started = time.perf_counter()
        engine.rebuild(docs)
        print(
            f"{n} documents: rebuild {time.perf_counter() - started:.1f} s, "
            f"{folder_mib(engine.index_dir):.1f} MiB, {len(segment_ids(engine))} segments "
            f"(load average {os.getloadavg()[0]:.1f})",
            flush=True,
        )
        pending = next(d for d in docs if not d.public)
        public = [d for d in docs if d.public]
        step(
            engine,
            "publish a pending comment (no withdrawal)",
            lambda: engine.index([replace(pending, public=True)]),
        )
        step(
            engine,
            "take a published comment down",
            lambda: engine.index([replace(public[0], public=False, status="rejected")]),
        )
        step(
            engine,
            "publish a masked copy",
            lambda: engine.index([replace(public[1], text=public[1].text[:5] + "***********")]),
        )
        step(engine, "delete a comment", lambda: engine.remove([public[2].key]))
        spread = public[3 :: max(1, len(public) // max(batch, 1))][:batch]
        if spread:
            step(
                engine,
                f"a batch of {len(spread)} masked copies (spread)",
                lambda: engine.index([replace(d, text=d.text[:5] + "***") for d in spread]),
            )
        print(f"  load average at the end {os.getloadavg()[0]:.1f}", flush=True)
    finally:
        engine.close()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--batch", type=int, default=500, help="masked copies in the last batch (0: none)")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    for n in args.docs:
        run(n, args.seed, args.batch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
