"""The embedded search backend: a Whoosh index in a folder (by default in the instance folder).

Layout of ``index_dir``::

    CURRENT       the name of the live generation, replaced atomically (os.replace)
    gen-<n>/      a complete Whoosh index; rebuild() writes gen-<n+1> aside, then swaps CURRENT
    writer.lock   flock()ed by whoever writes (index, remove, rebuild), in any process

Readers never see a half index: a search reads CURRENT and uses a searcher on that generation.
Each thread keeps its searcher between calls and ``refresh()``es it (a new one after a commit, the
old one closed); when CURRENT names another generation, or the files vanished under it, it closes it
and opens one on the new generation. The generation just replaced is kept until the next rebuild,
so readers in flight finish. Segments are written as separate files (``compound=False``): Whoosh
copies a compound segment's files into memory every time a searcher opens them.

Writers wait for ``writer.lock`` up to ``lock_timeout`` seconds, then raise ``SearchBusy`` having
written nothing (the caller keeps its outbox rows and retries). Whoosh's own WRITELOCK is taken
inside it with the same timeout, as a second guard. rebuild() takes the lock BEFORE it reads the
first document, so an index() that waited applies its change to the new generation, never to the
old one being replaced (pass a lazy iterable that reads the database when iterated).

Queries are not parsed by Whoosh (no QueryParser), so no input is syntax: ``strict_matches`` walks
the posting lists of the analysed tokens itself (one flat leapfrog over every distinct token and the
filter, the rarest first; positions read only where all agree, for clauses of several tokens), and
``loose_matches`` the relaxed fallback (at least k of n tokens, pivoting on the k-th smallest
document). Both score with Whoosh's BM25F evaluated directly (``Bm25``: the same idf, average and
quantised length as its scorer, so the same order as the ``And``/``AndMaybe``/``Or`` of Term and
Phrase queries they replace). Whoosh's generic matchers cost a Python call per posting per level of
their binary trees; on the issue 6 benchmark they were most of a query's time.

Filters (public, kind, draft, article, status, channel, contact point) run inside the index: per
segment, the documents every filter term matches are read once into a sorted array and kept
(``SegmentCache``, keyed by Whoosh's segment id, bounded in bytes), then intersected with the
query's lists by binary search. A segment only ever gains deletions, so a cached array may still
hold a document deleted since; the query's own posting lists skip deleted documents, so no search
finds it. The first search with a new filter on a new segment pays for reading it (tens of ms for
100,000 documents); Whoosh 2.7.4 does not reuse segment readers across ``refresh()`` (its reuse
table is keyed by generation, looked up by segment id), hence the cache by segment id, not reader.
The schema pickles ``ConsultTokenizer`` by its import path: keep that name, or rebuild.

Speed (issue 6 benchmark, figures in analysis.py's docstring): ``collect`` scores only the first
``CANDIDATES`` matches in document order and stops; below the cap order and total are exact (every
match counted, nothing pruned), above it the total is estimated (matches found, scaled by the share
of documents scanned, two significant digits) and only those matches are ranked. A page beyond the
cap raises the cap. The matching and scoring live in whoosh_matching.py; two Whoosh 2.7.4 hot spots
are patched once, after a version check, in whoosh_patches.py.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import UTC

from consult.search.analysis import ParsedQuery, analyze, loose_min_match, parse_query
from consult.search.base import Doc, Hit, Query, Results, SearchBusy, fingerprint
from consult.search.snippets import snippet
from consult.search.whoosh_matching import (
    Bm25,
    SegmentCache,
    _filter_ids,
    _length_bytes,
    collect,
    filter_terms,
    loose_matches,
    strict_matches,
)
from consult.search.whoosh_patches import (
    BOOLEAN,
    DATETIME,
    ID,
    NUMERIC,
    STORED,
    TEXT,
    LockError,
    Schema,
    Token,
    Tokenizer,
    whoosh_index,
)

CANDIDATES = 1000  # matches scored per query (the first in index order); above it the total is estimated
CURRENT = "CURRENT"
LOCK_FILE = "writer.lock"
_GEN = re.compile(r"gen-(\d+)")


class ConsultTokenizer(Tokenizer):
    """Whoosh face of ``analysis.analyze``: tokens with positions in token order."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.text, token.boost, token.stopped = value, 1.0, False
            token.pos, token.startchar, token.endchar = start_pos, start_char, start_char + len(value)
            yield token
            return
        for item in analyze(value):
            token.text, token.boost, token.stopped = item.text, 1.0, False
            if keeporiginal:
                token.original = item.text
            if positions:
                token.pos = start_pos + item.pos
            if chars:
                token.startchar, token.endchar = start_char + item.start, start_char + item.end
            yield token


def make_schema() -> Schema:
    """Fields for filtering inside the index, the analysed text (stored for snippets), the fingerprint."""
    return Schema(
        key=ID(unique=True, stored=True),
        kind=ID(stored=True),
        id=NUMERIC(int, bits=64, stored=True),
        draft_id=NUMERIC(int, bits=64, stored=True),
        article_id=NUMERIC(int, bits=64),
        status=ID,
        channel=ID,
        contact_point_id=NUMERIC(int, bits=64),
        public=BOOLEAN,
        text=TEXT(analyzer=ConsultTokenizer(), phrase=True, stored=True),
        submitted_at=DATETIME,
        fingerprint=STORED,
    )


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


class WhooshBackend:
    """A Whoosh index in ``index_dir``; see the module docstring for layout, swapping and locking."""

    def __init__(self, index_dir: str, *, lock_timeout: float = 10.0):
        self.index_dir = os.path.abspath(index_dir)
        self.lock_timeout = lock_timeout
        self._ix = None
        self._ix_name: str | None = None
        self._local = threading.local()  # per thread: (generation name, searcher)
        self._searchers: set = set()  # every open searcher, for close()
        self._guard = threading.Lock()
        self._segments = SegmentCache()  # filter arrays and field lengths per segment

    # -- generations -------------------------------------------------------------------------

    def _pointer(self) -> str | None:
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

    def _new_generation(self):
        """Create an empty index in a fresh gen-<n> folder (under the writer lock); returns (name, index)."""
        number = max((n for n, _ in self._generations()), default=0) + 1
        name = f"gen-{number}"
        path = os.path.join(self.index_dir, name)
        os.makedirs(path)
        return name, whoosh_index.create_in(path, make_schema())

    def _swap(self, name: str) -> None:
        tmp = os.path.join(self.index_dir, f"{CURRENT}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="ascii") as fh:
            fh.write(name)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, os.path.join(self.index_dir, CURRENT))

    def _cleanup(self, keep: set[str]) -> None:
        for _, name in self._generations():
            if name not in keep:
                shutil.rmtree(os.path.join(self.index_dir, name), ignore_errors=True)

    def _live(self):
        """(generation name, index) of the live index, reopened when CURRENT changed; None if none yet."""
        name = self._pointer()
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

    def _forget_searcher(self) -> None:
        held = getattr(self._local, "held", None)
        self._local.held = None
        if held is not None:
            with self._guard:
                self._searchers.discard(held[1])
            with contextlib.suppress(Exception):
                held[1].close()

    def _searcher(self):
        """This thread's searcher on the live generation, refreshed; None when there is no index."""
        live = self._live()
        if live is None:
            return None
        name, ix = live
        held = getattr(self._local, "held", None)
        if held is not None and held[0] == name:
            searcher = held[1].refresh()
            if searcher is held[1]:
                return searcher
        else:
            searcher = ix.searcher()
        self._forget_searcher()
        self._local.held = (name, searcher)
        with self._guard:
            self._searchers.add(searcher)
        return searcher

    def _reading(self, work, empty):
        """Run ``work(searcher)``; on a generation swapped and removed underneath, reopen and retry."""
        for attempt in range(3):
            try:
                searcher = self._searcher()
                return empty if searcher is None else work(searcher)
            except (OSError, whoosh_index.IndexError):
                self._forget_searcher()
                with self._guard:
                    self._ix = None
                if attempt == 2:
                    raise
        return empty

    def _live_for_writing(self):
        """The live index, created empty if there is none (call under the writer lock)."""
        if self._pointer() is None:
            name, ix = self._new_generation()
            ix.close()
            self._swap(name)
        return self._index()

    # -- locking -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _write_lock(self):
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

    def _writer(self, ix, **kwargs):
        try:
            return ix.writer(timeout=self.lock_timeout, compound=False, **kwargs)
        except LockError as exc:
            raise SearchBusy(f"search index {self.index_dir} is locked by another writer") from exc

    # -- the interface -----------------------------------------------------------------------

    def index(self, docs: Iterable[Doc]) -> int:
        """Add or replace documents by key, in one commit."""
        with self._write_lock():
            ix = self._live_for_writing()
            writer = self._writer(ix)
            count = 0
            try:
                for doc in _unique(docs):
                    writer.update_document(**_fields(doc))
                    count += 1
            except BaseException:
                writer.cancel()
                raise
            if count:
                writer.commit()
            else:
                writer.cancel()
            return count

    def remove(self, keys: Iterable[str]) -> int:
        """Delete documents by key; an unknown key is no error."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return 0
        with self._write_lock():
            ix = self._live_for_writing()
            writer = self._writer(ix)
            try:
                for key in keys:
                    writer.delete_by_term("key", key)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        return len(keys)

    def rebuild(self, docs: Iterable[Doc]) -> int:
        """Build a new generation from ``docs`` beside the live one, then swap it in atomically."""
        with self._write_lock():
            previous = self._pointer()
            name, ix = self._new_generation()
            writer = self._writer(ix, limitmb=256)
            count = 0
            try:
                for doc in _unique(docs):
                    writer.add_document(**_fields(doc))
                    count += 1
                writer.commit()
            except BaseException:
                writer.cancel()
                ix.close()
                shutil.rmtree(os.path.join(self.index_dir, name), ignore_errors=True)
                raise
            ix.close()
            self._swap(name)
            self._cleanup({name, previous} if previous else {name})
        return count

    def keys(self) -> dict[str, str]:
        """Every indexed key with the fingerprint of the document it was indexed from."""

        def work(searcher) -> dict[str, str]:
            return {f["key"]: f["fingerprint"] for f in searcher.reader().all_stored_fields()}

        return self._reading(work, {})

    def search(self, query: Query) -> Results:
        """One page of hits; when the strict query finds nothing, the loose one (any token, ranked)."""
        parsed = parse_query(query.text)
        if parsed.empty:
            return Results()
        return self._reading(lambda searcher: self._search(searcher, query, parsed), Results())

    def _search(self, searcher, query: Query, parsed: ParsedQuery) -> Results:
        page, per_page = max(query.page, 1), max(query.per_page, 1)
        want = page * per_page
        cap = max(CANDIDATES, want)
        terms = filter_terms(query)
        schema, cache = searcher.schema, self._segments

        def allowed(subsearcher):
            return _filter_ids(subsearcher.reader(), schema, terms, cache) if terms else None

        bm25 = Bm25(searcher, {tok for c in parsed.clauses for tok in c.tokens} | set(parsed.joined))

        def strict(subsearcher):
            reader = subsearcher.reader()
            return strict_matches(
                subsearcher, reader, parsed, allowed(subsearcher), bm25, _length_bytes(reader, cache)
            )

        def loose(least):
            def matches(subsearcher):
                reader = subsearcher.reader()
                lengths = _length_bytes(reader, cache)
                return loose_matches(
                    subsearcher, reader, parsed.loose, least, allowed(subsearcher), bm25, lengths
                )

            return matches

        best, total = collect(searcher, strict, want, cap)
        least = loose_min_match(parsed)
        partial = False
        if not total and parsed.loose and least > 1:
            best, total = collect(searcher, loose(least), want, cap)
            partial = True
        if not total and parsed.loose:
            best, total = collect(searcher, loose(1), want, cap)
            partial = True
        offset = (page - 1) * per_page
        hits = []
        for docnum, score in best[offset : offset + per_page]:
            fields = searcher.stored_fields(docnum)
            hits.append(
                Hit(
                    kind=fields["kind"],
                    id=fields["id"],
                    draft_id=fields["draft_id"],
                    score=float(score or 0.0),
                    snippet=snippet(fields["text"], parsed),
                )
            )
        return Results(hits=hits, total=total, partial=partial and total > 0, estimated=total >= cap)

    def close(self) -> None:
        """Close every searcher this instance opened (in any thread) and forget the index."""
        with self._guard:
            searchers, self._searchers = list(self._searchers), set()
            ix, self._ix, self._ix_name = self._ix, None, None
        for searcher in searchers:
            with contextlib.suppress(Exception):
                searcher.close()
        self._local = threading.local()
        self._segments.clear()
        if ix is not None:
            ix.close()
