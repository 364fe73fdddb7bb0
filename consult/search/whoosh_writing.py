"""What the Whoosh backend writes: documents as index fields, added or replaced by key, deleted by key,
or a whole new generation built aside and swapped in (the folder, swap and lock: whoosh_storage.py).

Every write holds the writer lock. rebuild() takes it BEFORE it reads the first document, so an
index() that waited applies its change to the new generation, never to the old one being replaced
(pass a lazy iterable that reads the database when iterated).

A write that withdraws text (a removal, another text, public no more) records the withdrawn keys
before its commit; the segments still holding the old copies are rewritten later, one per step, off
the request path (whoosh_withdrawal.rewrite_step, run by the drain's caller), so no file of the index
keeps what was withdrawn for longer than that. A rebuild writes segments of at most ``SEGMENT_DOCS``
documents, so one step never costs a whole large index.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from datetime import UTC

from consult.search.base import Doc, fingerprint, windows
from consult.search.whoosh_storage import WRITE_POOL_MB, WhooshStorage
from consult.search.whoosh_withdrawal import record_pending, withdrawals

# Documents per segment written by a rebuild: a withdrawal rewrites the segments that held the old
# copy, so this bounds its cost (Whoosh's default merges never join segments this large); a search
# pays a little per segment.
SEGMENT_DOCS = 20_000
REBUILD_WINDOW = 1000  # documents a rebuild reads ahead (deduplicated by key within it)


def _fields(doc: Doc) -> dict:
    fields = {
        "key": doc.key,
        "kind": doc.kind,
        "id": doc.id,
        "draft_id": doc.draft_id,
        "public": bool(doc.public),
        "text": doc.text or "",
        "fingerprint": fingerprint(doc),
    }
    for name in ("article_id", "status", "channel", "contact_point_id"):
        value = getattr(doc, name)
        if value is not None:
            fields[name] = value
    if doc.submitted_at is not None:
        moment = doc.submitted_at
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        fields["submitted_at"] = moment
    return fields


def _unique(docs: Iterable[Doc]) -> Iterator[Doc]:
    """Documents by key, the last one winning (a writer cannot update a document it just added)."""
    latest: dict[str, Doc] = {}
    for doc in docs:
        latest.pop(doc.key, None)
        latest[doc.key] = doc
    return iter(latest.values())


def _each_once(docs: Iterable[Doc]) -> Iterator[Doc]:
    """A rebuild's documents, read a window at a time (each key once within it): a rebuild is given
    each key once (``all_docs``), and never holds the whole corpus to make sure."""
    for window in windows(docs, REBUILD_WINDOW):
        yield from window


def index_docs(storage: WhooshStorage, docs: Iterable[Doc]) -> int:
    """Add or replace documents by key, in one commit."""
    with storage.write_lock():
        ix = storage.live_for_writing()
        writer = storage.writer(ix, limitmb=WRITE_POOL_MB)
        count = 0
        try:
            docs = list(_unique(docs))
            withdrawn = withdrawals(writer, docs=docs)
            for doc in docs:
                writer.update_document(**_fields(doc))
                count += 1
            record_pending(storage, withdrawn)  # before the commit: a crash after it keeps the record
        except BaseException:
            writer.cancel()
            raise
        if count:
            writer.commit()
        else:
            writer.cancel()
        return count


def remove_keys(storage: WhooshStorage, keys: Iterable[str]) -> int:
    """Delete documents by key; an unknown key is no error."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return 0
    with storage.write_lock():
        ix = storage.live_for_writing()
        writer = storage.writer(ix, limitmb=WRITE_POOL_MB)
        try:
            withdrawn = withdrawals(writer, removed=keys)
            for key in keys:
                writer.delete_by_term("key", key)
            record_pending(storage, withdrawn)  # before the commit: a crash after it keeps the record
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
    return len(keys)


def rebuild_generation(storage: WhooshStorage, docs: Iterable[Doc]) -> int:
    """Build a new generation from ``docs`` (each key once) beside the live one (segments of at most
    ``SEGMENT_DOCS`` documents), then swap it in atomically."""
    with storage.write_lock():
        previous = storage.pointer()
        name, ix = storage.new_generation()
        writer = storage.writer(ix, limitmb=256)
        count = 0
        try:
            for doc in _each_once(docs):
                if count and count % SEGMENT_DOCS == 0:
                    writer.commit(merge=False)
                    writer = storage.writer(ix, limitmb=256)
                writer.add_document(**_fields(doc))
                count += 1
            writer.commit(merge=False)
        except BaseException:
            with contextlib.suppress(Exception):  # a writer that failed in its commit may be closed
                writer.cancel()
            ix.close()
            storage.discard(name)
            raise
        ix.close()
        storage.swap(name)
        storage.cleanup({name, previous} if previous else {name})
    return count
