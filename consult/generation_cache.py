"""A per-process cache of rendered staff listings, valid for one value of a change counter.

The key holds the counter read at the start of the request (``consult.changes.generation``), so an
entry is served only while nothing it shows has changed in any worker; a change anywhere commits a
new counter value and the next request renders afresh. Entries are bounded (least recently used
goes first). Concurrent misses for the same key render once; the others wait briefly for it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")
WAIT_SECONDS = 10


class GenerationCache:
    """Values by key; callers put the change counter into the key."""

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._values: OrderedDict[Hashable, object] = OrderedDict()
        self._rendering: dict[Hashable, threading.Event] = {}
        self.hits = self.misses = 0

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        """The cached value for ``key``, or ``make()``'s, remembered."""
        while True:
            with self._lock:
                if key in self._values:
                    self._values.move_to_end(key)
                    self.hits += 1
                    return self._values[key]  # type: ignore[return-value]
                waiting = self._rendering.get(key)
                if waiting is None:
                    self._rendering[key] = threading.Event()
                    self.misses += 1
                    break
            if not waiting.wait(WAIT_SECONDS):
                return make()
        try:
            value = make()
            with self._lock:
                self._values[key] = value
                while len(self._values) > self.max_entries:
                    self._values.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._rendering.pop(key).set()

    def clear(self) -> None:
        """Forget everything (tests)."""
        with self._lock:
            self._values.clear()


def cache_for(name: str) -> GenerationCache:
    """The current app's cache of that name (one per app, so two apps never share entries)."""
    caches = current_app.extensions.setdefault("consult.generation_caches", {})
    if name not in caches:
        caches[name] = GenerationCache()
    return caches[name]
