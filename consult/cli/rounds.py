"""The loop every background worker command runs (`search`, `groups`, `themes` and `exports worker`).

A worker does rounds: one round does what is waiting (a drain of an outbox, the queued jobs) and says
how much it did. A round that fails is logged with its traceback and counts as nothing done: what it
was doing is recorded on its rows or jobs, and the next round tries again, so a database restart or a
full disk never ends the worker. After a round that did nothing the worker sleeps ``interval`` seconds;
after one that did something it goes straight on. ``--once`` ends the worker after its first round,
or, for the outbox workers (``until_idle``), after the first round that found nothing left.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import click
from flask import current_app


def run_rounds(
    step: Callable[[], int],
    *,
    once: bool,
    interval: float,
    failure: str,
    done: Callable[[int], str] | None = None,
    until_idle: bool = False,
) -> None:
    """Call ``step`` round after round (see the module's text); ``done(n)`` says what a round did."""
    while True:
        try:
            n = step()
        except Exception:  # recorded on the rows or the job; the next round tries again
            current_app.logger.exception(failure)
            n = 0
        if n and done is not None:
            click.echo(done(n))
        if once and not (until_idle and n):
            return
        if not n:
            time.sleep(interval)
