"""Search work a process does in a background thread after a request's inline drain: the rewrite of
segments that still hold withdrawn text (whoosh_withdrawal.py), which can take minutes on a large index
and must not hold the request that withdrew it.

One thread at a time per process and index folder. A request that asks while the thread runs sets a
flag instead, and the thread runs its work once more before ending, so no request is left behind by a
thread that was about to end. The work itself takes the writer lock (a flock, so it also waits for
other processes: several gunicorn workers, each with its own thread, write one at a time). The thread
is a daemon: a process that exits mid-work leaves what Whoosh and the record on disk guarantee (a
valid index, the record still there), and the next drain or the worker picks it up. After a fork
(gunicorn's workers), the child forgets its parent's threads.

Tests wait for the work with ``wait_for_background`` instead of sleeping.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from flask import Flask

_guard = threading.Lock()
_running: dict[str, threading.Thread] = {}  # index folder → its thread
_again: set[str] = set()  # folders whose thread must run its work once more


def start_in_background(app: Flask, key: str, work: Callable[[], object]) -> None:
    """Run ``work()`` in a daemon thread inside an app context of ``app``, unless the thread for
    ``key`` runs: then it runs the work once more when done with the current round."""
    with _guard:
        if key in _running:
            _again.add(key)
            return
        thread = threading.Thread(
            target=_run, args=(app, key, work), name=f"search-background {key}", daemon=True
        )
        _running[key] = thread
    thread.start()


def _run(app: Flask, key: str, work: Callable[[], object]) -> None:
    while True:
        try:
            with app.app_context():
                work()
        except Exception:  # the record stays: the next drain, the worker or `search check --repair` retries
            app.logger.exception("background search work failed; the next drain retries it")
            with _guard:
                _again.discard(key)
                _running.pop(key, None)
            return
        with _guard:
            if key not in _again:
                _running.pop(key, None)
                return
            _again.discard(key)


def background_running() -> bool:
    """Whether a background thread of this process is at work."""
    with _guard:
        return bool(_running)


def wait_for_background(timeout: float | None = None) -> bool:
    """Wait until no background thread of this process is at work; False if ``timeout`` ran out."""
    while True:
        with _guard:
            threads = list(_running.values())
        if not threads:
            return True
        for thread in threads:
            thread.join(timeout)
            if thread.is_alive():
                return False


def _forget_after_fork() -> None:
    global _guard
    _guard = threading.Lock()  # the parent's may have been held by a thread the child does not have
    _running.clear()
    _again.clear()


os.register_at_fork(after_in_child=_forget_after_fork)
