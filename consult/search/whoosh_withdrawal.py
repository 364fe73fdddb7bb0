"""Withdrawn text out of the Whoosh index's files, not only out of its results (issue 14, point 6).

Whoosh replaces or deletes a document by marking it deleted in the segment that holds it: that
segment's files (term dictionary, postings, stored fields) keep the old text until the segment is
merged. So when a write WITHDRAWS something (a document removed; a document whose indexed text
changes, e.g. a masked copy published in place of the original; a public document that is no longer
public, e.g. a take-down), the writer, after its commit and still under the writer lock:

1. rewrites each segment whose term dictionary still names a withdrawn key (only deleted copies can
   be left there: the live copy is in the commit's new segment), one commit per segment, without its
   deleted documents; Whoosh's commit deletes the replaced segment's files (``clean_files``);
2. deletes every generation folder but the live one (the one a rebuild replaced holds old copies);
   a reader in flight on it reopens on the live one (whoosh_storage.reading retries).

Other segments are left alone: a status change that keeps the text (publishing a pending comment)
withdraws nothing and rewrites nothing, so its deleted copy stays until Whoosh merges that segment.
The cost of a withdrawal is the rewrite of the segments that held the keys: a rebuild writes
segments of at most ``SEGMENT_DOCS`` documents (whoosh_writing.py), so one take-down never rewrites
a whole large index. A drain batch writes its documents in one commit and its removals (deleted
comments, dropped articles) in another: the withdrawals of each share one rewrite per segment, so
a batch with both may rewrite a segment twice.

Cost (bench/search_withdrawal.py, bench/search.py's documents, 2 shared cores at load average 6-12,
so absolute times are high): on 10,000 documents (one rebuilt segment, 28.7 MiB) a rebuild took
172 s; publishing a pending comment 0.2 s (no rewrite); a take-down 84 s, a masked copy 124 s, a
deletion 143 s (each rewrites the 10,000-document segment), a drain batch of 500 masked copies
spread over the index 111 s (one rewrite for the batch); the folder stays 28.3-28.8 MiB. On
100,000 documents (5 rebuilt segments of 20,000, 276.7 MiB, rebuild 712 s): publishing 0.05 s, a
take-down 134 s, a masked copy 110 s, a deletion 63 s (each rewrites one 20,000-document segment,
not the index), 276.8 MiB after. A rewrite costs about what indexing that segment's documents
costs, so ``SEGMENT_DOCS`` bounds it; a batch whose withdrawals touch every segment rewrites them
all (not measured on 100,000: about a rebuild's time).

Beyond the folder: a searcher opened before the rewrite keeps the replaced files open (unlinked, no
longer under the folder, still on disk) while it is in use; idle ones are closed as soon as any
thread of the process opens the new state (whoosh_storage.WhooshStorage._retire_idle).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from consult.search.base import Doc
from consult.search.whoosh_patches import LENGTHS_COLUMN, _lenfield, byte_to_length
from consult.search.whoosh_storage import WhooshStorage

_UNSEEN = object()


class _Lengths:
    """The new segment's per-document reader as its field writer uses it, with the length column of
    each field looked up once. Whoosh 2.7.4 looks it up for every posting written and, for a field
    without lengths (the ID and numeric fields), asks the file system each time whether the column
    file exists: most of a segment rewrite's time. Same values as ``W3PerDocReader.doc_field_length``."""

    def __init__(self, perdoc):
        self._perdoc = perdoc
        self._columns: dict = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        column = self._columns.get(fieldname, _UNSEEN)
        if column is _UNSEEN:
            column = self._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            self._columns[fieldname] = column
        if column is None:
            return default
        lbyte = column[docnum]
        return byte_to_length(lbyte) if lbyte else None

    def __getattr__(self, name):
        return getattr(self._perdoc, name)


def _with_cached_lengths(writer):
    """``writer`` with its segment's lengths read through ``_Lengths`` when it writes its postings."""
    per_document_reader = writer.per_document_reader
    writer.per_document_reader = lambda: _Lengths(per_document_reader())
    return writer


def _copies(reader, key: str) -> list[int]:
    """Document numbers of every copy of ``key`` in one segment, deleted ones included."""
    if ("key", key) not in reader:  # the term dictionary keeps the keys of deleted documents too
        return []
    return list(reader._terms.matcher("key", key.encode(), reader.schema["key"].format).all_ids())


def _public_docs(reader) -> set[int]:
    """Document numbers indexed as public in one segment, deleted ones included."""
    if ("public", True) not in reader:
        return set()
    return set(reader._terms.matcher("public", b"t", reader.schema["public"].format).all_ids())


def withdrawals(writer, docs: Iterable[Doc] = (), removed: Iterable[str] = ()) -> set[str]:
    """Keys whose copies in the index, live or deleted, say something that writing ``docs`` and
    removing ``removed`` withdraws: any copy of a removed key; a copy of a document with another text,
    or public where the new document is not.

    Deleted copies count, not only the live one: a drain that failed after its commit but before
    the rewrite is drained again, finds the live copy already equal to the new document, and must
    still rewrite what holds the old one."""
    readers = [_segment_reader(writer, segment) for segment in writer.segments]
    public: dict[int, set[int]] = {}  # per reader: the documents indexed as public, deleted included
    try:
        keys = {key for key in removed if any(_copies(reader, key) for reader in readers)}
        for doc in docs:
            for n, reader in enumerate(readers):
                for docnum in _copies(reader, doc.key):
                    if reader._perdoc.stored_fields(docnum).get("text") != (doc.text or ""):
                        keys.add(doc.key)
                        continue
                    if not doc.public:
                        if n not in public:
                            public[n] = _public_docs(reader)
                        if docnum in public[n]:
                            keys.add(doc.key)
        return keys
    finally:
        for reader in readers:
            reader.close()


def _segment_reader(writer, segment):
    # Not at the top: whoosh_patches imports Whoosh's modules first (warnings off, version checked).
    from whoosh.reading import SegmentReader

    return SegmentReader(writer.storage, writer.schema, segment)


def _first_holder(writer, keys: set[str]) -> str | None:
    """The id of the first segment with deleted documents whose term dictionary still has a key."""
    for segment in writer.segments:
        if not segment.has_deletions():
            continue
        reader = _segment_reader(writer, segment)
        try:
            if any(("key", key) in reader for key in keys):
                return segment.segment_id()
        finally:
            reader.close()
    return None


def _rewrite(segment_id: str):
    """A Whoosh merge policy: copy segment ``segment_id``'s live documents into the commit's new
    segment (a segment with none left is simply dropped) and keep every other segment as it is."""

    def policy(writer, segments):
        kept = []
        for segment in segments:
            if segment.segment_id() != segment_id:
                kept.append(segment)
                continue
            reader = _segment_reader(writer, segment)
            try:
                if reader.doc_count():
                    writer.add_reader(reader)
            finally:
                reader.close()
        return kept

    return policy


def rewrite_holders(storage: WhooshStorage, ix, keys: set[str]) -> int:
    """Under the writer lock, after the commit that withdrew ``keys``: rewrite each segment still
    holding a deleted copy of one, one commit per segment, then delete every generation but the live
    one. Returns how many segments were rewritten."""
    if not keys:
        return 0
    rewritten = 0
    while True:
        writer = _with_cached_lengths(storage.writer(ix))
        try:
            target = _first_holder(writer, keys)
            if target is None:
                writer.cancel()
                break
            writer.commit(mergetype=_rewrite(target))
        except BaseException:
            with contextlib.suppress(Exception):
                writer.cancel()
            raise
        rewritten += 1
    live = storage.pointer()
    if live is not None:
        storage.cleanup({live})
    return rewritten
