"""Withdrawn text out of the Whoosh index's files, not only out of its results (issue 14, point 6).

Whoosh replaces or deletes a document by marking it deleted in the segment that holds it: that
segment's files (term dictionary, postings, stored fields) keep the old text until the segment is
merged. So when a write WITHDRAWS something (a document removed; a document whose indexed text
changes, e.g. a masked copy published in place of the original; a public document that is no longer
public, e.g. a take-down):

1. the write (whoosh_writing.py) records the withdrawn keys in ``WITHDRAWN`` in the index folder
   (a JSON list of keys, replaced atomically) BEFORE its commit, under the writer lock, then commits:
   the old copy is marked deleted at once, so no search finds it from then on;
2. later, off the request path, ``rewrite_step`` (the search worker, or the background thread of the
   process that drained: consult/search/drain.py) takes the writer lock and rewrites ONE segment whose
   term dictionary still names a recorded key, without its deleted documents; Whoosh's commit deletes
   the replaced segment's files (``clean_files``). One segment per lock hold, so a drain waits for
   at most one segment's rewrite;
3. the step that finds no such segment deletes every generation but the live one (the one a rebuild
   replaced holds old copies; a reader in flight on it reopens on the live one: whoosh_storage.reading)
   and only then removes ``WITHDRAWN``.

Keys, not segment ids, are recorded: Whoosh's commits merge small segments and a rebuild replaces
them all, so the segment that holds a deleted copy is looked up by the step itself. A process that
dies anywhere in this leaves a valid index (Whoosh writes a new TOC only once the segment is complete;
a half-written segment's files hold copies of live documents only, and the next commit's
``clean_files`` deletes them) and the record in place: the next step finds what is left to do. An
unreadable record counts as "every segment with deletions".

Other segments are left alone: a status change that keeps the text (publishing a pending comment)
withdraws nothing and rewrites nothing, so its deleted copy stays until Whoosh merges that segment.
The cost of a withdrawal is the rewrite of the segments that held the keys: a rebuild writes
segments of at most ``SEGMENT_DOCS`` documents (whoosh_writing.py), so one take-down never rewrites
a whole large index. The keys of every write wait in one record, so withdrawals made before a step
share one rewrite per segment (a drain batch's documents and its removals included).

Cost (bench/search_withdrawal.py, bench/search.py's documents, 2 shared cores at load average 4-5):
on 10,000 documents (one rebuilt segment, 28.7 MiB; rebuild 61 s) the write a drain makes takes
0.01 s to publish a pending comment (nothing recorded), 0.03 s for a take-down, 0.01 s for a masked
copy, under 0.01 s for a deletion, 1.4 s for a batch of 500 masked copies spread over the index; the
rewrite that follows, off the request path, 42 s, 24 s, 37 s and 33 s (one step each: the 10,000
documents' segment; the batch's 500 keys share it). When the rewrite ran inside the write (the
first version), the same take-down held the request 84-143 s at load average 6-12. On 100,000
documents (5 rebuilt segments of 20,000, 276.7 MiB) a step rewrote one 20,000-document segment in
63-134 s (measured then, inside the write); a batch whose withdrawals touch every segment takes
one step per segment, about a rebuild's time in all, with drains between the steps.

Beyond the folder: a searcher opened before the rewrite keeps the replaced files open (unlinked, no
longer under the folder, still on disk) while it is in use; idle ones are closed as soon as any
thread of the process opens the new state (whoosh_storage.WhooshStorage._retire_idle).
"""

from __future__ import annotations

import contextlib
import json
import os
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


def _first_holder(writer, keys: set[str] | None) -> str | None:
    """The id of the first segment with deleted documents whose term dictionary still has a key
    (with ``keys`` None: the first with deleted documents)."""
    for segment in writer.segments:
        if not segment.has_deletions():
            continue
        if keys is None:
            return segment.segment_id()
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


def _rewrite_one(storage: WhooshStorage, ix, keys: set[str] | None) -> bool:
    """Rewrite the first segment still holding a deleted copy of one of ``keys`` (None: of anything),
    in one commit; False when there is none."""
    writer = _with_cached_lengths(storage.writer(ix))
    try:
        target = _first_holder(writer, keys)
        if target is None:
            writer.cancel()
            return False
        writer.commit(mergetype=_rewrite(target))
    except BaseException:
        with contextlib.suppress(Exception):
            writer.cancel()
        raise
    return True


def rewrite_step(storage: WhooshStorage) -> bool:
    """Under the writer lock: rewrite one segment that still holds a recorded key and return True; or,
    when none is left, delete every generation but the live one, remove the record and return False."""
    with storage.write_lock():
        keys = pending_keys(storage)
        if keys == set():
            return False
        live = storage.pointer()
        if live is not None:
            if _rewrite_one(storage, storage.live_for_writing(), keys):
                return True
            storage.cleanup({live})
        with contextlib.suppress(FileNotFoundError):
            os.remove(_record(storage))
        return False


# -- the record of withdrawn keys (WITHDRAWN) -----------------------------------------------------

RECORD = "WITHDRAWN"


def _record(storage: WhooshStorage) -> str:
    return os.path.join(storage.index_dir, RECORD)


def pending_keys(storage: WhooshStorage) -> set[str] | None:
    """The keys whose old copies wait for a rewrite (empty: none); None when the record is unreadable,
    which the step takes as every segment with deletions."""
    try:
        with open(_record(storage), encoding="utf-8") as fh:
            keys = json.load(fh)
    except FileNotFoundError:
        return set()
    except (OSError, ValueError):
        return None
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        return None
    return set(keys)


def pending_count(storage: WhooshStorage) -> int:
    """How many withdrawn documents wait for a rewrite (an unreadable record counts as one)."""
    keys = pending_keys(storage)
    return 1 if keys is None else len(keys)


def record_pending(storage: WhooshStorage, keys: set[str]) -> None:
    """Add ``keys`` to the record, atomically and on disk before returning (call under the writer
    lock, before the commit that withdraws them: a crash after that commit leaves them recorded)."""
    if not keys:
        return
    known = pending_keys(storage)
    if known is None:
        return  # already "everything"
    if keys <= known:
        return
    os.makedirs(storage.index_dir, exist_ok=True)
    tmp = f"{_record(storage)}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(sorted(known | keys), fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, _record(storage))
    folder = os.open(storage.index_dir, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself on disk
    finally:
        os.close(folder)
