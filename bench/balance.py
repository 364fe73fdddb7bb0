"""Whether a wrk run's load fell evenly on gunicorn's workers, and the setting that keeps it even.

wrk opens its connections once and keeps them for the whole run, and each stays with the gunicorn worker
that accepted it. Two things put most of them on one worker, so that a round measures one worker (about
half the machine) instead of the server:

- the accept race at the start of a run, now and then;
- a worker replaced after ``GUNICORN_MAX_REQUESTS``: its connections close, wrk opens them again, and
  they go to whichever worker is quicker to accept. The other worker keeps its own. Under a benchmark's
  load (thousands of requests a second) that happens every 10-20 s.

In production nginx opens its upstream connections again every 1,000 requests (its default
``keepalive_requests``), so neither lasts. Here the benchmarks turn worker replacement off for the app
and the bare page alike (``steady_workers``), and ``balanced`` runs a round again when one worker did
more than ``BALANCE_LIMIT`` of the work, printing that it did. Both servers are measured the same way:
the ratio compares what a request costs, not where wrk's connections landed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

BALANCE_LIMIT = 0.65  # the busiest worker's share of the workers' CPU time over a run
RETRIES = 3


def steady_workers() -> None:
    """No worker replacement in the servers a benchmark starts (they inherit the environment).

    ``BENCH_MAX_REQUESTS`` sets another value, to measure with replacement."""
    os.environ["GUNICORN_MAX_REQUESTS"] = os.environ.get("BENCH_MAX_REQUESTS", "0")


def _cpu_ticks(pid: int) -> int | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[11]) + int(fields[12])  # utime and stime (the 14th and 15th fields)


def workers_cpu(master: int) -> dict[int, int]:
    """CPU ticks so far of each worker (child process) of the gunicorn master ``master``."""
    found: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            after_name = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(after_name[1]) == master:
            ticks = _cpu_ticks(int(entry.name))
            if ticks is not None:
                found[int(entry.name)] = ticks
    return found


def busiest_share(before: dict[int, int], after: dict[int, int]) -> float:
    """The busiest worker's share of the CPU time all workers used between two readings (0.5 is even
    with two workers; a worker that was replaced in between counts from zero)."""
    used = [ticks - before.get(pid, 0) for pid, ticks in after.items()]
    total = sum(used)
    return max(used) / total if total > 0 else 0.0


def balanced(run: Callable[[], T], master: int, label: str) -> tuple[T, float]:
    """``run()`` (one wrk run against the server of gunicorn master ``master``), run again while one
    worker did more than BALANCE_LIMIT of its work, at most RETRIES more times; the last result and its
    busiest worker's share."""
    for attempt in range(RETRIES + 1):
        before = workers_cpu(master)
        result = run()
        share = busiest_share(before, workers_cpu(master))
        if share <= BALANCE_LIMIT or attempt == RETRIES:
            return result, share
        print(f"      {label}: one worker did {share:.0%} of the work; running it again", flush=True)
    raise AssertionError("unreachable")
