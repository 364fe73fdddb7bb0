"""The Whoosh index's documents of one kind in id order, a window at a time (for `search check`).

A Whoosh segment keeps its documents in the order they were written, not by id, and reading every
stored field into a dict (what `search check` did) holds the whole index in memory: 1.2 GB at 950,000
comments (issue 15, point 6). The ``id`` field is indexed as a sortable number, so its term dictionary
lists the ids in ascending order (the full-precision terms, shift 0, come first). A window takes the
next ``size`` ids from there, finds the live documents of the kind among them with one range query
(deleted copies are skipped by the postings), reads their stored fields one document at a time and
sorts the window: at most ``size`` ids in memory per kind, whatever the size of the index. Each window
runs on the thread's current searcher (``WhooshStorage.reading``), so a write between two windows
(``search check --repair``) is seen from the next one on.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from consult.search.whoosh_patches import And, NumericRange, Term
from consult.search.whoosh_storage import WhooshStorage

WINDOW = 1000  # ids per window
_FULL_PRECISION = b"\x00"  # the first byte of a sortable number's full-precision term


def _window(searcher, kind: str, after: int | None, size: int) -> tuple[list[tuple[int, str]], int | None]:
    """(id, fingerprint) of the live ``kind`` documents among the next ``size`` ids above ``after``
    (None: from the first), in id order; and the last id of the window (None: no id left)."""
    reader = searcher.reader()
    field = searcher.schema["id"]
    start = _FULL_PRECISION if after is None else field.to_bytes(after + 1)
    first = last = None
    for taken, (fieldname, term) in enumerate(reader.terms_from("id", start), 1):
        if fieldname != "id" or term[:1] != _FULL_PRECISION:
            break
        first = term if first is None else first
        last = term
        if taken == size:
            break
    if last is None:
        return [], None
    low, high = field.from_bytes(first), field.from_bytes(last)
    query = And([Term("kind", kind), NumericRange("id", low, high)])
    rows = []
    for docnum in searcher.docs_for_query(query):
        stored = searcher.stored_fields(docnum)
        rows.append((stored["id"], stored["fingerprint"]))
    rows.sort()
    return rows, high


def fingerprints(storage: WhooshStorage, kind: str, size: int | None = None) -> Iterator[tuple[int, str]]:
    """(id, fingerprint) of every live ``kind`` document, in id order, ``size`` (``WINDOW``) ids at a time."""
    size = size or WINDOW
    after: int | None = None
    while True:
        rows, last = storage.reading(partial(_window, kind=kind, after=after, size=size), ([], None))
        yield from rows
        if last is None:
            return
        after = last
