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
cap raises the cap. Two Whoosh 2.7.4 hot spots are patched at import: ``W3LeafMatcher.skip_to``
binary-searches inside a block, ``_read_ids`` decodes a block's ids with ``itertools.accumulate``.
"""

from __future__ import annotations

import bisect
import contextlib
import fcntl
import heapq
import importlib
import math
import os
import re
import shutil
import threading
import time
import warnings
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from datetime import UTC
from itertools import accumulate

from consult.search.analysis import ParsedQuery, analyze, loose_min_match, parse_query
from consult.search.base import Doc, Hit, Query, Results, SearchBusy, fingerprint
from consult.search.snippets import snippet

with warnings.catch_warnings():
    # Whoosh 2.7.4 has invalid escape sequences and `is 0`: Python 3.11 warns when it compiles them
    # (once, without a cached .pyc). Import here every module Whoosh would otherwise import later.
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", SyntaxWarning)
    for _module in (
        "whoosh.codec.whoosh3",
        "whoosh.collectors",
        "whoosh.externalsort",
        "whoosh.filedb.compound",
        "whoosh.highlight",
        "whoosh.searching",
        "whoosh.sorting",
        "whoosh.writing",
    ):
        importlib.import_module(_module)
    from whoosh import index as whoosh_index
    from whoosh import matching
    from whoosh.analysis import Token, Tokenizer
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
    from whoosh.fields import BOOLEAN, DATETIME, ID, NUMERIC, STORED, TEXT, Schema
    from whoosh.index import LockError
    from whoosh.matching import ReadTooFar
    from whoosh.util.numeric import byte_to_length


def _skip_to(self, targetid):
    """W3LeafMatcher.skip_to with a binary search inside the block (Whoosh 2.7.4 steps through it one
    posting at a time: most of the time of an intersection with a long posting list, e.g. a filter)."""
    if not self.is_active():
        raise ReadTooFar
    if targetid <= self.id():
        return
    if targetid > self._maxid:
        self._skip_to_block(lambda: targetid > self._maxid)
        if not self.is_active() or targetid <= self.id():
            return
    found = bisect.bisect_left(self._ids, targetid, self._i)
    if found < self._blocklength:
        self._i = found
    else:  # not expected (the block's last id is >= targetid): step on as Whoosh would
        self._i = self._blocklength - 1
        self.next()


def _read_ids(self):
    """W3LeafMatcher._read_ids with the delta decoding in C (``itertools.accumulate``)."""
    if self._data is None:
        self._read_data()
    ids = self._data[0]
    self._ids = ids if self._byteids else tuple(accumulate(ids))


W3LeafMatcher.skip_to = _skip_to
W3LeafMatcher._read_ids = _read_ids

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


class ArrayMatcher(matching.Matcher):
    """A Whoosh matcher over a sorted array of document numbers (a cached filter); scores nothing."""

    def __init__(self, ids, i: int = 0):
        self._ids, self._i, self._n = ids, i, len(ids)

    def is_active(self):
        return self._i < self._n

    def id(self):
        return self._ids[self._i]

    def next(self):
        self._i += 1

    def skip_to(self, id):
        if self._i >= self._n:
            raise ReadTooFar
        self._i = bisect.bisect_left(self._ids, id, self._i)

    def all_ids(self):
        while self._i < self._n:
            yield self._ids[self._i]
            self._i += 1

    def copy(self):
        return type(self)(self._ids, self._i)

    def replace(self, minquality=0):
        return self if self.is_active() else matching.NullMatcher()

    def supports_block_quality(self):
        return False

    def weight(self):
        return 0.0

    def score(self):
        return 0.0


def filter_terms(query: Query) -> tuple[tuple[str, object], ...]:
    """The (field, value) pairs the caller restricts on (public, kind, draft …), in a fixed order."""
    terms: list[tuple[str, object]] = [("public", True)] if query.public_only else []
    for name in ("kind", "draft_id", "article_id", "status", "channel", "contact_point_id"):
        value = getattr(query, name)
        if value is not None:
            terms.append((name, value))
    return tuple(terms)


class SegmentCache:
    """Per-segment data read once and kept while the segment lives: the documents each filter allows
    (a sorted array) and the text field's length bytes (for BM25).

    Keyed by Whoosh's segment id, which names a segment's immutable postings; a segment only ever
    gains deletions, so an array computed earlier may still hold documents deleted since — harmless,
    as every search also walks the query's own posting lists, which skip deleted documents. Bounded
    by ``budget`` bytes (the least recently used go first)."""

    def __init__(self, budget: int = 64 * 2**20):
        self.budget = budget
        self._items: OrderedDict = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key, make):
        if key is None:
            return make()[0]
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found[0]
        value, size = make()
        with self._lock:
            if key not in self._items:
                self._items[key] = (value, size)
                self._size += size
                while self._size > self.budget and len(self._items) > 1:
                    _, (_, dropped) = self._items.popitem(last=False)
                    self._size -= dropped
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


def _segment_id(reader) -> str | None:
    segment = getattr(reader, "segment", None)
    return segment().segment_id() if segment is not None else None


def _filter_ids(reader, schema, terms, cache: SegmentCache):
    """The documents of a segment every filter term matches, as a sorted array (cached per segment)."""

    def make():
        found = None
        for name, value in terms:
            term = (name, schema[name].to_bytes(value))
            ids = set(reader.postings(*term).all_ids()) if term in reader else set()
            found = ids if found is None else found & ids
            if not found:
                break
        ids = array("i", sorted(found or ()))
        return ids, ids.itemsize * len(ids) + 64

    segid = _segment_id(reader)
    return cache.get(None if segid is None else ("filter", segid, terms), make)


_BYTE_TO_LENGTH = [byte_to_length(b) for b in range(256)]


def _length_bytes(reader, cache: SegmentCache):
    """The text field's length byte of every document of a segment (``byte_to_length`` decodes it),
    or None when the column cannot be read whole (then lengths come from ``doc_field_length``)."""

    def make():
        try:
            column = reader._perdoc._cached_reader(_lenfield("text"), LENGTHS_COLUMN)
            if column is None or column._fixedlen != 1:
                return None, 0
            raw = column._dbfile.get(column._basepos, column._count)
        except AttributeError:  # another codec or Whoosh version: the slow path is still right
            return None, 0
        return bytes(raw), len(raw) + 64

    segid = _segment_id(reader)
    return cache.get(None if segid is None else ("lengths", segid), make)


class Bm25:
    """Whoosh's BM25F for the text field, evaluated directly: the same scores as its BM25FScorer
    (idf and average length from the whole index, the document's quantised field length)."""

    def __init__(self, searcher, tokens):
        weighting = searcher.weighting
        self.B, self.K1 = getattr(weighting, "B", 0.75), getattr(weighting, "K1", 1.2)
        self.avgfl = searcher.avg_field_length("text") or 1
        self.idf = {tok: searcher.idf("text", tok) for tok in tokens}

    def norm(self, length: int) -> float:
        return self.K1 * ((1 - self.B) + self.B * length / self.avgfl)


def _length_function(reader, lengths):
    """doc → the text field's length as Whoosh's scorer sees it (quantised to a byte)."""
    if lengths is not None:
        table, count = _BYTE_TO_LENGTH, len(lengths)
        return lambda doc: table[lengths[doc]] if doc < count else 1
    return lambda doc: reader.doc_field_length(doc, "text", 1) or 1


def _phrase_at(toks, positions) -> bool:
    """Whether ``toks`` sit at consecutive positions (``positions(tok)`` lists a token's positions)."""
    starts = None
    for offset, tok in enumerate(toks):
        found = {p - offset for p in positions(tok)}
        starts = found if starts is None else starts & found
        if not starts:
            return False
    return True


def strict_matches(searcher, reader, parsed: ParsedQuery, allowed, bm25: Bm25, lengths):
    """(document number, score) of each document of one segment that the strict query matches, in
    document order: every clause's tokens at consecutive positions, within ``allowed`` (a sorted
    array; None: no filter). The score is what Whoosh gave ``AndMaybe(And(clauses), joined)``: the
    BM25 of every clause token, plus that of every joined token where the joined phrase matches.

    One flat leapfrog over every distinct token's posting list and the filter array, the rarest
    first; positions are read only where all of them agree, and only for clauses of several tokens.
    """
    schema_text = searcher.schema["text"]
    required: dict[str, object] = {}
    for clause in parsed.clauses:
        for tok in clause.tokens:
            if tok not in required:
                term = ("text", schema_text.to_bytes(tok))
                if term not in reader:
                    return
                required[tok] = (term, reader.doc_frequency(*term))
    optional: dict[str, object] = {}
    joined = parsed.joined if len(parsed.joined) > 1 else ()
    for tok in joined:
        if tok not in required and tok not in optional:
            term = ("text", schema_text.to_bytes(tok))
            if term not in reader:
                joined, optional = (), {}
                break
            optional[tok] = term
    matchers = {tok: reader.postings(*term) for tok, (term, _) in required.items()}
    sizes = [(freq, matchers[tok]) for tok, (_, freq) in required.items()]
    if allowed is not None:
        if not allowed:
            return
        sizes.append((len(allowed), ArrayMatcher(allowed)))
    ordered = [m for _, m in sorted(sizes, key=lambda pair: pair[0])]
    if not all(m.is_active() for m in ordered):
        return
    extra = {tok: reader.postings(*term) for tok, term in optional.items()}
    joined_matchers = {**matchers, **extra}
    phrases = [c.tokens for c in parsed.clauses if len(c.tokens) > 1]
    scored = [tok for c in parsed.clauses for tok in c.tokens]  # a token in two clauses counts twice
    idf, k1_plus, norm = bm25.idf, bm25.K1 + 1, bm25.norm
    length_of = _length_function(reader, lengths)
    lead, rest = ordered[0], ordered[1:]
    while lead.is_active():
        doc = lead.id()
        for m in rest:
            if m.id() < doc:
                m.skip_to(doc)
                if not m.is_active():
                    return
            other = m.id()
            if other != doc:
                break
        else:
            cache: dict[str, list] = {}

            def positions(tok, cache=cache):
                found = cache.get(tok)
                if found is None:
                    found = cache[tok] = joined_matchers[tok].value_as("positions")
                return found

            if all(_phrase_at(toks, positions) for toks in phrases):
                n = norm(length_of(doc))
                weights = {tok: m.weight() for tok, m in matchers.items()}
                score = 0.0
                for tok in scored:
                    w = weights[tok]
                    score += idf[tok] * w * k1_plus / (w + n)
                if joined:
                    present = True
                    for m in extra.values():
                        if m.is_active() and m.id() < doc:
                            m.skip_to(doc)
                        if not m.is_active() or m.id() != doc:
                            present = False
                            break
                    if present and _phrase_at(joined, positions):
                        for tok in joined:
                            w = weights[tok] if tok in weights else extra[tok].weight()
                            score += idf[tok] * w * k1_plus / (w + n)
                yield doc, score
            lead.next()
            continue
        lead.skip_to(other)


def loose_matches(searcher, reader, tokens, least: int, allowed, bm25: Bm25, lengths):
    """(document number, score) of each document of one segment holding at least ``least`` of the
    loose ``tokens``, within ``allowed``, in document order. The score is what Whoosh gave the OR of
    every AND of ``least`` tokens (``Or(minmatch=)`` is not in Whoosh 2.7.4): each present token's
    BM25 once per such AND it is part of, i.e. times C(present - 1, least - 1).

    The pivot is the ``least``-th smallest current document of the token lists (no document before
    it can hold ``least`` of them), moved on to the next allowed document."""
    schema_text = searcher.schema["text"]
    matchers = {}
    for tok in tokens:
        term = ("text", schema_text.to_bytes(tok))
        if term in reader:
            matcher = reader.postings(*term)
            if matcher.is_active():
                matchers[tok] = matcher
    if len(matchers) < least or (allowed is not None and not allowed):
        return
    idf, k1_plus, norm = bm25.idf, bm25.K1 + 1, bm25.norm
    length_of = _length_function(reader, lengths)
    active = list(matchers.items())
    j, limit = 0, 0 if allowed is None else len(allowed)
    while len(active) >= least:
        pivot = sorted(m.id() for _, m in active)[least - 1]
        if allowed is not None:
            j = bisect.bisect_left(allowed, pivot, j)
            if j == limit:
                return
            pivot = allowed[j]
        present = []
        for tok, m in active:
            if m.id() < pivot:
                m.skip_to(pivot)
            if m.is_active() and m.id() == pivot:
                present.append((tok, m))
        if len(present) >= least:
            n = norm(length_of(pivot))
            times = math.comb(len(present) - 1, least - 1)
            score = 0.0
            for tok, m in present:
                w = m.weight()
                score += idf[tok] * w * k1_plus / (w + n)
            yield pivot, score * times
        for _, m in present:
            m.next()
        active = [(tok, m) for tok, m in active if m.is_active()]


def estimate_total(seen: int, last: int, doc_count: int) -> int:
    """The total when the scan stopped after ``seen`` matches at document ``last`` of ``doc_count``:
    scaled by the share of the documents scanned, two significant digits ("about N")."""
    if doc_count <= last + 1:
        return seen
    estimate = seen * doc_count / (last + 1)
    step = 10 ** max(len(str(int(estimate))) - 2, 0)
    return max(seen, int(round(estimate / step) * step))


def collect(searcher, leaf_matches, want: int, cap: int) -> tuple[list[tuple[int, float]], int]:
    """The best ``want`` (document number, score), best first (ties: lower number first, as Whoosh's
    TopCollector), among the first ``cap`` matches in document order, and the total: exact below the
    cap, estimated above it. ``leaf_matches(subsearcher)`` yields a segment's matches. Every match up
    to the cap is counted: nothing is pruned (Whoosh's block-quality skipping made totals short)."""
    heap: list[tuple[float, int]] = []
    seen, last = 0, -1
    for subsearcher, offset in searcher.leaf_searchers():
        for doc, score in leaf_matches(subsearcher):
            seen += 1
            item = (score, -(offset + doc))
            if len(heap) < want:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)
            if seen >= cap:
                last = offset + doc
                break
        if last >= 0:
            break
    best = [(-negative, score) for score, negative in sorted(heap, reverse=True)]
    total = estimate_total(seen, last, searcher.doc_count_all()) if last >= 0 else seen
    return best, total


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
