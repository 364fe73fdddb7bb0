"""The embedded search backend: a Whoosh index in a folder (by default in the instance folder), the
schema it indexes and how it answers a query.

The concerns apart: the folder's generations, their atomic swap, the writer lock and each thread's
searcher are whoosh_storage.py's; adding, replacing, deleting and rebuilding, whoosh_writing.py's;
rewriting the segments that still hold withdrawn text (a masked copy, a take-down, a deletion),
one per ``rewrite_step``, whoosh_withdrawal.py's;
the posting-list matching and the scoring, whoosh_matching.py's; two Whoosh 2.7.4 hot spots are
patched once, after a version check, in whoosh_patches.py. This module holds what the index and the
queries share: the schema with its tokenizer, and the search.

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

The schema pickles ``ConsultTokenizer`` by its import path, ``consult.search.whoosh_backend``, into
every index written: it is defined here and must stay here (or every index be rebuilt).

Speed (issue 6 benchmark, figures in analysis.py's docstring): ``collect`` scores only the first
``CANDIDATES`` matches in document order and stops; below the cap order and total are exact (every
match counted, nothing pruned), above it the total is estimated (matches found, scaled by the share
of documents scanned, two significant digits) and only those matches are ranked. A page beyond the
cap raises the cap.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from consult.search.analysis import ParsedQuery, analyze, loose_min_match, parse_query
from consult.search.base import Doc, Hit, Kind, Query, Results
from consult.search.snippets import snippet
from consult.search.whoosh_listing import fingerprints
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
    Schema,
    Token,
    Tokenizer,
)
from consult.search.whoosh_storage import WhooshStorage
from consult.search.whoosh_withdrawal import pending_count, rewrite_step
from consult.search.whoosh_writing import index_docs, rebuild_generation, remove_keys

CANDIDATES = 1000  # matches scored per query (the first in index order); above it the total is estimated


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


class WhooshBackend:
    """A Whoosh index in ``index_dir``: the interface of base.py, searched here, stored and written by
    whoosh_storage.py and whoosh_writing.py (see their docstrings for layout, swapping and locking)."""

    def __init__(self, index_dir: str, *, lock_timeout: float = 10.0):
        self._storage = WhooshStorage(index_dir, make_schema, lock_timeout=lock_timeout)
        self._segments = SegmentCache()  # filter arrays and field lengths per segment

    @property
    def index_dir(self) -> str:
        """The index folder, absolute."""
        return self._storage.index_dir

    # -- the interface -----------------------------------------------------------------------

    def index(self, docs: Iterable[Doc]) -> int:
        """Add or replace documents by key, in one commit."""
        return index_docs(self._storage, docs)

    def remove(self, keys: Iterable[str]) -> int:
        """Delete documents by key; an unknown key is no error."""
        return remove_keys(self._storage, keys)

    def rebuild(self, docs: Iterable[Doc]) -> int:
        """Build a new generation from ``docs`` beside the live one, then swap it in atomically."""
        return rebuild_generation(self._storage, docs)

    def rewrite_step(self) -> bool:
        """Rewrite one segment still holding withdrawn text (True), or finish when none is left (False)."""
        return rewrite_step(self._storage)

    def rewrites_pending(self) -> int:
        """How many withdrawn documents still have an old copy waiting for ``rewrite_step``."""
        return pending_count(self._storage)

    def keys(self) -> dict[str, str]:
        """Every indexed key with the fingerprint of the document it was indexed from (all in memory:
        for small indexes; `search check` reads ``fingerprints``)."""
        return {f"{kind}:{n}": fp for kind in ("article", "comment") for n, fp in self.fingerprints(kind)}

    def fingerprints(self, kind: Kind) -> Iterator[tuple[int, str]]:
        """(id, fingerprint) of every indexed ``kind`` document, in id order, a window at a time."""
        return fingerprints(self._storage, kind)

    def search(self, query: Query) -> Results:
        """One page of hits; when the strict query finds nothing, the loose one (any token, ranked)."""
        parsed = parse_query(query.text)
        if parsed.empty:
            return Results()
        return self._storage.reading(lambda searcher: self._search(searcher, query, parsed), Results())

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
        self._storage.close()
        self._segments.clear()
