"""Where the Whoosh index lives on disk and who may use it: generations, the atomic swap, the writer
lock, and each thread's searcher.

Layout of ``index_dir``::

    CURRENT       the name of the live generation, replaced atomically (os.replace)
    gen-<n>/      a complete Whoosh index; rebuild() writes gen-<n+1> aside, then swaps CURRENT
    writer.lock   flock()ed by whoever writes (index, remove, rebuild), in any process

Readers never see a half index: a search reads CURRENT and uses a searcher on that generation.
Each thread keeps its searcher between calls and ``refresh()``es it (a new one after a commit, the
old one closed); when CURRENT names another generation, or the files vanished under it, it closes it
and opens one on the new generation. A thread that opens a searcher on a newer state also closes the
idle searchers other threads still hold on older ones, so no idle thread keeps deleted segment files
open. The generation just replaced is kept until the next rebuild, so readers in flight finish, or
until a write withdraws text (whoosh_withdrawal.py), which deletes it at once. Segments are written
as separate files (``compound=False``): Whoosh copies a compound segment's files into memory every
time a searcher opens them.

Writers wait for ``writer.lock`` up to ``lock_timeout`` seconds, then raise ``SearchBusy`` having
written nothing (the caller keeps its outbox rows and retries). Whoosh's own WRITELOCK is taken
inside it with the same timeout, as a second guard. What is written under the lock is
whoosh_writing.py's; the schema of a new generation is the backend's (whoosh_backend.make_schema).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import threading
import time
from collections.abc import Callable

from consult.search.base import SearchBusy
from consult.search.whoosh_patches import LockError, Schema, whoosh_index

CURRENT = "CURRENT"
LOCK_FILE = "writer.lock"
_GEN = re.compile(r"gen-(\d+)")


# Megabytes of postings a write holds before spilling them to a sorted run on disk. A commit merges
# small segments into one (Whoosh's MERGE_SMALL), and a withdrawal rewrites a segment of up to
# SEGMENT_DOCS documents: both pass their postings through this pool. At Whoosh's default (128) the
# process held a merge's or a rewrite's postings in memory, more as the index grew (tracemalloc: 10 MB
# for a merge of 550 documents, 40 MB for 2,000), so a worker's peak followed the index. At 8 it stays
# flat, and merges take no longer. Every writer gets it unless it asks for more (a rebuild).
WRITE_POOL_MB = 8


class WhooshStorage:
    """The generations of one index folder; see the module docstring for layout, swapping and locking."""

    def __init__(self, index_dir: str, schema: Callable[[], Schema], *, lock_timeout: float):
        self.index_dir = os.path.abspath(index_dir)
        self.lock_timeout = lock_timeout
        self._schema = schema  # makes the schema of a new generation
        self._ix = None
        self._ix_name: str | None = None
        self._local = threading.local()  # per thread: (generation name, searcher)
        self._searchers: dict = {}  # every open searcher → (generation name, Whoosh TOC generation)
        self._busy: set = set()  # searchers inside a reading() now: never closed by another thread
        self._guard = threading.Lock()

    # -- generations -------------------------------------------------------------------------

    def pointer(self) -> str | None:
        """The name of the live generation (what CURRENT says), or None before the first write."""
        try:
            with open(os.path.join(self.index_dir, CURRENT), encoding="ascii") as fh:
                return fh.read().strip() or None
        except FileNotFoundError:
            return None

    def _generations(self) -> list[tuple[int, str]]:
        try:
            names = os.listdir(self.index_dir)
        except FileNotFoundError:
            return []
        return sorted((int(m.group(1)), name) for name in names if (m := _GEN.fullmatch(name)))

    def new_generation(self):
        """Create an empty index in a fresh gen-<n> folder (under the writer lock); returns (name, index)."""
        number = max((n for n, _ in self._generations()), default=0) + 1
        name = f"gen-{number}"
        path = os.path.join(self.index_dir, name)
        os.makedirs(path)
        return name, whoosh_index.create_in(path, self._schema())

    def swap(self, name: str) -> None:
        """Make generation ``name`` the live one: CURRENT replaced atomically, written to disk first."""
        tmp = os.path.join(self.index_dir, f"{CURRENT}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="ascii") as fh:
            fh.write(name)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, os.path.join(self.index_dir, CURRENT))

    def discard(self, name: str) -> None:
        """Delete the folder of generation ``name`` (whatever of it there is)."""
        shutil.rmtree(os.path.join(self.index_dir, name), ignore_errors=True)

    def cleanup(self, keep: set[str]) -> None:
        """Delete every generation not named in ``keep``."""
        for _, name in self._generations():
            if name not in keep:
                self.discard(name)

    def _live(self):
        """(generation name, index) of the live index, reopened when CURRENT changed; None if none yet."""
        name = self.pointer()
        if name is None:
            return None
        with self._guard:
            if name != self._ix_name or self._ix is None:
                self._ix = whoosh_index.open_dir(os.path.join(self.index_dir, name))
                self._ix_name = name
            return name, self._ix

    def _index(self):
        """The live index, or None when there is none yet."""
        live = self._live()
        return None if live is None else live[1]

    def live_for_writing(self):
        """The live index, created empty if there is none (call under the writer lock)."""
        if self.pointer() is None:
            name, ix = self.new_generation()
            ix.close()
            self.swap(name)
        return self._index()

    # -- reading -----------------------------------------------------------------------------

    def _forget_searcher(self) -> None:
        held = getattr(self._local, "held", None)
        self._local.held = None
        if held is not None:
            with self._guard:
                self._searchers.pop(held[1], None)
                self._busy.discard(held[1])
            with contextlib.suppress(Exception):
                held[1].close()

    def _searcher(self):
        """This thread's searcher on the live generation, refreshed and marked busy (``reading``
        unmarks it); None when there is no index. A thread that opens a searcher on a newer state
        closes the idle searchers other threads hold on older ones (see ``_retire_idle``)."""
        live = self._live()
        if live is None:
            return None
        name, ix = live
        held = getattr(self._local, "held", None)
        with self._guard:
            usable = held is not None and held[0] == name and held[1] in self._searchers
            if usable:
                self._busy.add(held[1])  # no other thread retires it from here on
        if usable:
            searcher = held[1].refresh()
            if searcher is held[1]:
                return searcher
        else:
            searcher = ix.searcher()
        self._forget_searcher()
        self._local.held = (name, searcher)
        state = (name, searcher.reader().generation())
        with self._guard:
            self._searchers[searcher] = state
            self._busy.add(searcher)
        self._retire_idle(state)
        return searcher

    def _retire_idle(self, state: tuple[str, int]) -> None:
        """Close the searchers of other threads that are idle and read an older state of the index.

        Left open, an idle thread's searcher would keep the files of replaced segments and generations
        open (deleted, no longer in the folder, still on disk) until that thread's next search: text a
        withdrawal rewrote away would stay readable from those open files. Their threads open a new
        searcher on their next search (``_searcher`` sees theirs is gone)."""
        with self._guard:
            idle = [s for s, seen in self._searchers.items() if seen != state and s not in self._busy]
            for searcher in idle:
                del self._searchers[searcher]
        for searcher in idle:
            with contextlib.suppress(Exception):
                searcher.close()

    def reading(self, work, empty):
        """Run ``work(searcher)``; on a generation swapped and removed underneath, reopen and retry."""
        for attempt in range(3):
            searcher = None
            try:
                searcher = self._searcher()
                return empty if searcher is None else work(searcher)
            except (OSError, whoosh_index.IndexError):
                self._forget_searcher()
                with self._guard:
                    self._ix = None
                if attempt == 2:
                    raise
            finally:
                if searcher is not None:
                    with self._guard:
                        self._busy.discard(searcher)
        return empty

    # -- locking -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def write_lock(self):
        """Hold ``writer.lock`` (flock, across processes), or raise SearchBusy after ``lock_timeout``."""
        os.makedirs(self.index_dir, exist_ok=True)
        fd = os.open(os.path.join(self.index_dir, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise SearchBusy(
                            f"search index {self.index_dir} is locked by another writer"
                        ) from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def writer(self, ix, **kwargs):
        """A Whoosh writer on ``ix`` (segments as separate files), or SearchBusy if its WRITELOCK is held."""
        try:
            kwargs.setdefault("limitmb", WRITE_POOL_MB)
            return ix.writer(timeout=self.lock_timeout, compound=False, **kwargs)
        except LockError as exc:
            raise SearchBusy(f"search index {self.index_dir} is locked by another writer") from exc

    def close(self) -> None:
        """Close every searcher opened here (in any thread) and forget the index."""
        with self._guard:
            searchers, self._searchers = list(self._searchers), {}
            self._busy = set()
            ix, self._ix, self._ix_name = self._ix, None, None
        for searcher in searchers:
            with contextlib.suppress(Exception):
                searcher.close()
        self._local = threading.local()
        if ix is not None:
            ix.close()
