"""Workers told when the change counters move (PostgreSQL LISTEN/NOTIFY), instead of asking each request.

Every transaction that bumps a counter (consult/changes.py) also says ``NOTIFY consult_changes``, which
PostgreSQL delivers to every listening session when, and only when, the transaction commits. A gunicorn
worker (``consult.changes.keep_reader_connections``) keeps one listening connection in a thread of its
own; each notice moves the worker's ``epoch``. The counters it read are used again for as long as the
epoch has not moved, so a page that only needs them (a kept public page) asks the database nothing.

What keeps the numbers right:
- The epoch is taken *before* the counters are read: a notice that arrives during the read makes the
  next request read again.
- A transaction of this process that bumped a counter moves the process's own epoch when it commits,
  before the answer leaves: the person who wrote sees it on their next page from this worker at once;
  other workers, on this host or another, when the notice reaches them (a millisecond or so).
- The ``accounts`` counter is never taken from a notice (consult/changes.generation): a signed-out or
  deactivated account fails on its very next request in every worker, as before.
- Until the listener has said LISTEN, and from the moment its connection fails until it has said LISTEN
  again, nothing is used again: every request reads, as without notices.
SQLite has no notices and keeps reading (a local read on a kept connection).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref

CHANNEL = "consult_changes"
NOTIFY = f"NOTIFY {CHANNEL}"
RECONNECT_SECONDS = 1.0
POLL_SECONDS = 1.0  # how often a waiting listener looks up (to stop when asked)

log = logging.getLogger(__name__)

_own_epoch = 0  # moved by this process's own commits that bumped a counter
_own_lock = threading.Lock()


def own_change_committed() -> None:
    """A transaction of this process that bumped a counter has committed."""
    global _own_epoch
    with _own_lock:
        _own_epoch += 1


class Listener:
    """One LISTEN connection to the engine's database, in a daemon thread.

    ``epoch`` moves with each notice, and whenever the connection is made or lost."""

    def __init__(self, engine, connect_timeout: int = 5) -> None:
        self.conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.connect_timeout = connect_timeout
        self.epoch = 0
        self.listening = False
        self.stopped = False
        self.kept: tuple[tuple[int, int], dict[str, int]] | None = None
        self.thread = threading.Thread(target=self._run, name="consult-change-notices", daemon=True)

    def start(self) -> Listener:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped = True

    def stamp(self) -> tuple[int, int] | None:
        """What the counters read now are valid for; None while the listener is not listening."""
        if not self.listening:
            return None
        return (self.epoch, _own_epoch)

    def _run(self) -> None:
        import psycopg  # PostgreSQL only: the SQLite deployments never import it here

        while not self.stopped:
            try:
                with psycopg.connect(
                    self.conninfo, autocommit=True, connect_timeout=self.connect_timeout
                ) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.epoch += 1  # anything committed before LISTEN is read afresh
                    self.kept = None
                    self.listening = True
                    while not self.stopped:
                        for _notice in conn.notifies(timeout=POLL_SECONDS):
                            self.epoch += 1
            except Exception as err:  # a lost or refused connection: read on every request meanwhile
                if self.listening:
                    log.warning(
                        "change notices: connection lost (%s); reading the counters meanwhile",
                        type(err).__name__,
                    )
            finally:
                self.listening = False
                self.epoch += 1
            if not self.stopped:
                time.sleep(RECONNECT_SECONDS)


_listeners: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_listeners_lock = threading.Lock()


def listener_for(engine) -> Listener:
    """This process's listener for the engine's database, started on first use."""
    found = _listeners.get(engine)
    if found is None:
        with _listeners_lock:
            found = _listeners.get(engine)
            if found is None:
                found = _listeners[engine] = Listener(engine).start()
    return found


def stop_all() -> None:
    """Stop every listener of this process and wait for their connections to close (tests)."""
    with _listeners_lock:
        stopping = list(_listeners.values())
        _listeners.clear()
    for listener in stopping:
        listener.stop()
    for listener in stopping:
        listener.thread.join(POLL_SECONDS + RECONNECT_SECONDS + 5)
