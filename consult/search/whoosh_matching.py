"""Whoosh queries without Whoosh's query engine: posting lists walked directly, BM25F computed as
Whoosh does, filters read once per segment, and the capped collector (see whoosh_backend's docstring)."""

from __future__ import annotations

import bisect
import heapq
import math
import threading
from array import array
from collections import OrderedDict

from consult.search.analysis import ParsedQuery
from consult.search.base import Query
from consult.search.whoosh_patches import LENGTHS_COLUMN, ReadTooFar, _lenfield, byte_to_length, matching


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
