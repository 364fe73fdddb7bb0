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

Queries are built directly as ``whoosh.query`` objects (no QueryParser), so no input is syntax.
Filters (public, kind, draft, article, status, channel, contact point) run inside the index as
``And([query, filter terms])``: the same documents as ``search(filter=…)``, intersected lazily
instead of first collecting every document the filter matches (the public filter alone is most of
the index: that made ``filter=`` the slowest part of a search). The filter fields are not scorable,
so each adds the same constant to every hit's score and the order is that of the query alone. Not
``Require`` (in Whoosh 2.7.4 it builds an AndNotMatcher: the complement) nor ``ConstantScoreQuery``
(it lists every document of its child first, as ``filter=`` does).
The schema pickles ``ConsultTokenizer`` by its import path: keep that name, or rebuild.

Speed (issue 6 benchmark, figures in analysis.py's docstring): a ``CappedCollector`` scores only the
first ``CANDIDATES`` matches in document order and stops; below the cap order and total are exact,
above it the total is estimated (matches found, scaled by the share of documents scanned, two
significant digits) and only those matches are ranked. A page beyond the cap raises the cap.
"""

from __future__ import annotations

import bisect
import contextlib
import fcntl
import importlib
import itertools
import os
import re
import shutil
import threading
import time
import warnings
from collections.abc import Iterable, Iterator
from datetime import UTC

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
    from whoosh import collectors, matching
    from whoosh import index as whoosh_index
    from whoosh import query as wq
    from whoosh.analysis import Token, Tokenizer
    from whoosh.codec.whoosh3 import W3LeafMatcher
    from whoosh.fields import BOOLEAN, DATETIME, ID, NUMERIC, STORED, TEXT, Schema
    from whoosh.index import LockError
    from whoosh.matching import ReadTooFar
    from whoosh.util import make_binary_tree


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


W3LeafMatcher.skip_to = _skip_to

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


class PhraseMatcher(matching.WrappingMatcher):
    """Documents where the terms sit at consecutive positions, among those the ``within`` matchers
    (the filters) also match: positions are read only for documents in the intersection of all."""

    def __init__(self, terms: list, within: list):
        self.terms, self.within = terms, within
        super().__init__(make_binary_tree(matching.IntersectionMatcher, terms + within))
        self._find_next()

    def _matches_here(self) -> bool:
        starts = None
        for offset, term in enumerate(self.terms):
            found = {p - offset for p in term.value_as("positions")}
            starts = found if starts is None else starts & found
            if not starts:
                return False
        return True

    def _find_next(self):
        child = self.child
        while child.is_active() and not self._matches_here():
            child.next()

    def copy(self):
        return type(self)([m.copy() for m in self.terms], [m.copy() for m in self.within])

    def replace(self, minquality=0):
        return self if self.is_active() else matching.NullMatcher()

    def supports_block_quality(self):
        return False

    def next(self):
        self.child.next()
        self._find_next()

    def skip_to(self, id):
        self.child.skip_to(id)
        self._find_next()

    def all_ids(self):
        while self.is_active():
            yield self.id()
            self.next()


class Phrase(wq.Phrase):
    """An exact phrase (consecutive positions) whose candidates are already intersected with
    ``within`` (the filter query): Whoosh's own Phrase checks the positions of every document that
    has all its terms, in any draft, before the filter intersects (pure Python, the slow part)."""

    def __init__(self, fieldname: str, words: list[str], within=None):
        super().__init__(fieldname, words)
        self.within = within

    def matcher(self, searcher, context=None):
        field = searcher.schema[self.fieldname]
        reader = searcher.reader()
        terms = []
        for word in self.words:
            if (self.fieldname, field.to_bytes(word)) not in reader:
                return matching.NullMatcher()
            terms.append(wq.Term(self.fieldname, word).matcher(searcher, context))
        within = [] if self.within is None else [self.within.matcher(searcher, context)]
        if any(not m.is_active() for m in terms + within):
            return matching.NullMatcher()
        return PhraseMatcher(terms, within)


def _clause_query(tokens: tuple[str, ...], within=None):
    if len(tokens) == 1:
        return wq.Term("text", tokens[0])
    return Phrase("text", list(tokens), within)


def build_query(parsed: ParsedQuery, *, loose: bool = False, min_match: int = 1, within=None):
    """Every clause as a phrase (AND), the joined terms as an optional boost; or the loose OR of
    which at least ``min_match`` tokens must match. ``within``: the filter, checked before positions."""
    if loose:
        if min_match > 1:  # Or(minmatch=) is not implemented in Whoosh 2.7.4: every AND of that many
            return wq.Or(
                [
                    wq.And([wq.Term("text", tok) for tok in group])
                    for group in itertools.combinations(parsed.loose, min_match)
                ]
            )
        return wq.Or([wq.Term("text", tok) for tok in parsed.loose])
    clauses = [_clause_query(c.tokens, within) for c in parsed.clauses]
    required = clauses[0] if len(clauses) == 1 else wq.And(clauses)
    if len(parsed.joined) > 1:
        return wq.AndMaybe(required, _clause_query(parsed.joined, within))
    return required


class CappedCollector(collectors.WrappingCollector):
    """Collects (and so scores) only the first ``cap`` matches in document order, then stops.

    ``capped`` tells whether it stopped early; ``last`` is the document number it stopped at."""

    def __init__(self, child, cap: int):
        super().__init__(child)
        self.cap = cap
        self.seen = 0
        self.capped = False
        self.last = -1

    def set_subsearcher(self, subsearcher, offset):
        if not self.capped:  # no matcher for the segments after the cap
            super().set_subsearcher(subsearcher, offset)

    def collect_matches(self):
        if self.capped:
            return
        child = self.child
        for sub_docnum in child.matches():
            child.collect(sub_docnum)
            self.seen += 1
            if self.seen >= self.cap:
                self.capped, self.last = True, self.offset + sub_docnum
                return

    def total(self, doc_count: int) -> int:
        """Exact below the cap; above it scaled by the share of the documents scanned (2 digits)."""
        if not self.capped:
            return self.child.count()
        if doc_count <= self.last + 1:
            return self.seen
        estimate = self.seen * doc_count / (self.last + 1)
        step = 10 ** max(len(str(int(estimate))) - 2, 0)
        return max(self.seen, int(round(estimate / step) * step))


def build_filter(query: Query):
    """The filter query for the fields the caller restricts on, or None."""
    terms = []
    if query.public_only:
        terms.append(wq.Term("public", True))
    for name in ("kind", "draft_id", "article_id", "status", "channel", "contact_point_id"):
        value = getattr(query, name)
        if value is not None:
            terms.append(wq.Term(name, value))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else wq.And(terms)


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
        filter_q = build_filter(query)

        def run(whoosh_query):
            if filter_q is not None:
                whoosh_query = wq.And([whoosh_query, filter_q])
            # usequality=False: count while scoring. With block-quality skipping Whoosh counts in a
            # second pass over all_ids(), which is slower and ignores phrase positions.
            collector = CappedCollector(
                # replace=0: no pruning of documents that cannot reach the top N (it made totals short).
                collectors.TopCollector(page * per_page, usequality=False, replace=0),
                max(CANDIDATES, page * per_page),
            )
            searcher.search_with_collector(whoosh_query, collector)
            return collector.results(), collector.total(searcher.doc_count_all())

        results, total = run(build_query(parsed, within=filter_q))
        least = loose_min_match(parsed)
        partial = False
        if not total and parsed.loose and least > 1:
            results, total = run(build_query(parsed, loose=True, min_match=least))
            partial = True
        if not total and parsed.loose:
            results, total = run(build_query(parsed, loose=True))
            partial = True
        offset = (page - 1) * per_page
        hits = []
        for hit in results[offset : offset + per_page]:
            fields = hit.fields()
            hits.append(
                Hit(
                    kind=fields["kind"],
                    id=fields["id"],
                    draft_id=fields["draft_id"],
                    score=float(hit.score or 0.0),
                    snippet=snippet(fields["text"], parsed),
                )
            )
        return Results(hits=hits, total=total, partial=partial and total > 0)

    def close(self) -> None:
        """Close every searcher this instance opened (in any thread) and forget the index."""
        with self._guard:
            searchers, self._searchers = list(self._searchers), set()
            ix, self._ix, self._ix_name = self._ix, None, None
        for searcher in searchers:
            with contextlib.suppress(Exception):
                searcher.close()
        self._local = threading.local()
        if ix is not None:
            ix.close()
