"""Chinese-aware text analysis shared by both search backends, and the query parser.

Decision (measured on tests/search/quality with per_page=10, as tests/search/test_quality.py does)
------------------------------------------------------------------------------------------------
Chosen: CJK bigrams plus every character as a unigram (positions below), no word segmentation,
and a loose fallback when the strict query finds nothing. recall@10 / MRR, Whoosh and PostgreSQL
(identical on both unless two figures are given), quality set of 392 comments and 51 queries:

=====================================================  ==============  ==========================
alternative                                            recall@10/MRR   what it misses
=====================================================  ==============  ==========================
bigrams + unigrams + loose fallback (chosen)           1.000 / 1.000   nothing
the same without the fallback                          0.980 / 0.980   a left-out character
                                                                       (渣土运车辆 for 渣土运输车辆)
Lucene CJKBigramFilter (unigram only when isolated)    0.946 / 1.000   2027年, 5000元, 1.8米 in
                                                                       2027年前, 5000元以上, 1.8米的:
                                                                       年/元/米 are then only in
                                                                       bigrams
  the same without the fallback                        0.926 / 0.980
rjieba words only (query = phrase of its cut words)    0.928 / 0.990,  words cut differently in
                                                       PG 0.928/0.987  context: 停车场, 大学生,
                                                                       排污口 hide 停车, 学生, 排污;
                                                                       遗传承人 cuts 遗传|承人
  the same without the fallback                        0.908 / 0.980
chosen + rjieba words (>2 characters) as a boost       1.000 / 1.000   nothing, and nothing gained
=====================================================  ==============  ==========================

Costs (the set x10, 3,920 comments of ~40 characters, measured together): bigrams alone give 32
tokens per comment, with unigrams 68, adding rjieba words 69; Whoosh indexes about 27% fewer
documents per second with the unigrams (825/s against 1,130/s). The unigrams are worth it (they fix
the mixed text and make a single character searchable); the words bought nothing on this set, so
they are left out: one analysis, no dictionary to load, the same tokens on both backends. jieba's
ChineseAnalyzer was not a candidate: its overlapping tokens carry character positions, which breaks
phrases and highlighting.

Speed at 100,000 comments (issue 6 benchmark)
---------------------------------------------
Measured with the corpus and the 50 queries of bench/search.py (100k comments, public_only, per_page
20, half with a draft filter), each query timed 2-3 times after a warm-up, the code before and after
in the SAME run, interleaved query by query (2 shared cores, load average given: the machine is
shared, absolute figures move with it). Quality on the set above is unchanged: 1.000 / 1.000 on both.

=================================================  ===============================  ================
change                                             PostgreSQL p50 / p95 ms          Whoosh p50/p95
=================================================  ===============================  ================
before (load 2.1 PG; 1.4-1.7 Whoosh)               24.9 / 81.1                      91-99 / 214-219
capped candidates + filter lexemes (PG, load 5)    80.7 / 216.7 -> 61.7 / 94.5      83.5 / 198.7 ->
  + capped collector + snippet fast path (Whoosh)                                   53.2 / 148.6
all below (PG load 2.1, Whoosh load 1.7)           15.0 / 28.8 (target 30: met)     59.8 / 136.3
=================================================  ===============================  ================

1. Capped candidates (both): only the first ``CANDIDATES`` (1000) matches in storage order are
   ranked; below that order and total are exact, as before; above it the total is an estimate
   (matches found scaled by the share of the table/index scanned, two significant digits: within
   ~10% on the benchmark) and the page is the best of those 1000, not of all matches. A page beyond
   the cap raises it. (PostgreSQL: a bitmap scan with LIMIT, sequential scan off for the statement.)
2. Filter lexemes (PostgreSQL): ``#public``, ``#draft_id:4`` … in each row's tsvector, ANDed into
   the tsquery, so the GIN bitmap excludes other drafts before any heap visit (postgres_literals.py).
3. Snippets: a clause of Chinese only is found as a substring of the normalised text (same spans as
   the analysis path on 350,000 text/query pairs checked; 0.02 against 0.4 ms a snippet): after 1
   and 2 the 20 snippets of a page were most of PostgreSQL's time.
4. Loose fallback: first every token but one (n-1 of n, for 3 to 12 tokens), then any token:
   ``渣土运车辆`` finds 770 instead of 4,740 documents, the ones with most of the word.
5. Whoosh: phrases are checked only on documents that also pass the filter (``Phrase`` in
   whoosh_matching.py, Whoosh's own checks positions in every draft first), and the posting-list
   ``skip_to`` binary-searches inside a block (Whoosh steps one posting at a time: most of an
   intersection with the long ``public``/``draft_id`` lists).

6. Whoosh query engine (whoosh_matching.py): one flat leapfrog over the token lists and the filter
   instead of Whoosh's binary trees of matchers, filters as per-segment cached sorted arrays, BM25F
   evaluated directly, the loose fallback as a k-of-n pivot walk; same hits, order and totals as
   before on the 50 bench queries (checked one by one). bench/search.py at load 5.4-6.8 (other jobs
   running): Whoosh p50 17.5 ms, p95 53.5 ms (1.9x FTS5; 41.1 ms over per-query medians), against
   p50 55 / p95 128 ms (6.1x) before at load 1-2. Index format unchanged (no reindex needed).

Not done and what remains: Whoosh p95 is at the 50 ms target only on a quiet machine, if at all
(measured above it under load 5-7); the rest is block decoding (pickle, zlib) and position checks
of common bigrams, the floor of Whoosh's storage format in pure Python. PostgreSQL was not changed
here (91 ms p95 in the same loaded run, 28.8-39 ms at load 2). Unquoted terms stay exact phrases
(AND of bigrams was not needed and would loosen ``基层立法联系点`` from 198 to ~3,000 hits at this
scale). The UI does not yet mark an estimated total ("约N条"): Results has no flag for it.

How text becomes tokens
-----------------------
1. Every character is NFKC-normalised and lower-cased on its own (full-width ``ＰＭ２．５`` becomes
   ``pm2.5``), keeping a map back to the original offsets so snippets mark the text as written.
2. The text splits into runs: CJK runs (Han, kana, Hangul; white space between two CJK characters,
   as in a line wrapped inside a sentence, does not end a run) and alphanumeric runs of other
   scripts; everything else (spaces, punctuation) only separates runs and takes no position.
3. A CJK run of n characters gives the bigrams ``c[i]c[i+1]`` at positions ``base+i`` (as Lucene's
   CJKBigramFilter does) and every character as a unigram at ``base+min(i, n-2)``; the run takes
   ``max(n-1, 1)`` positions. So the unigram of a run's first or last character sits next to the
   token that precedes or follows the run: ``2027年`` (query ``2027``, ``年``) is found in
   ``2027年前`` and a single character is searchable on its own.
4. An alphanumeric run (``pm2.5``, ``wi-fi``, ``2027``) is kept whole; when it has inner separators
   its parts are added at the same position (``2026-2027`` is found by ``2027``; a plain decimal like
   ``2.5`` is not split), and ``-``/``_`` compounds also get their joined form (``wi-fi`` and ``wifi``
   both index ``wifi``, which is what a query for either asks).

Positions are token order, never character offsets, so phrase queries work the same way in Whoosh
(``Phrase``) and in PostgreSQL (``<->``).

Queries
-------
``parse_query`` splits on white space; text in quotes (``"…"``, ``“…”``, ``「…」``, ``『…』``) is one
phrase. Every clause must match as a sequence of consecutive query tokens (for Chinese: its bigrams,
i.e. the text as a substring up to punctuation and spacing), clauses are combined with AND. A bare
``AND``/``OR``/``NOT`` between terms is dropped; every other character that is not a letter or digit
is ignored, so syntax junk is still a query (possibly one that matches nothing) and never an error.
Input is capped (``MAX_QUERY_CHARS``, ``MAX_CLAUSES``, ``MAX_CLAUSE_TOKENS``). ``ParsedQuery.loose``
lists the tokens for the relaxed fallback (any token, ranked) that the backends run when the strict
query finds nothing: it rescues a character left out of a long word. A query with quotes asks for
exactly that and has no fallback.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

MAX_TOKEN_CHARS = 64  # longer alphanumeric runs (hashes, pasted junk) are cut, the same way in queries
MAX_INDEXED_CHARS = 50_000  # only the start of a longer text is indexed (a tsvector holds at most 1 MB)
MAX_QUERY_CHARS = 256
MAX_CLAUSES = 16
MAX_CLAUSE_TOKENS = 32
MAX_LOOSE_TOKENS = 64
MAX_MIN_MATCH_TOKENS = 12  # above this the loose fallback is a plain OR (the n-1 of n query grows as n²)
OPERATORS = frozenset({"AND", "OR", "NOT", "&&", "||"})

# CJK: hiragana, katakana, extension A, unified ideographs, Hangul, compatibility, extensions B-G, 〇.
_CJK = r"\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(rf"(?P<cjk>[{_CJK}](?:\s*[{_CJK}])*)|(?P<alnum>[^\W_{_CJK}]+(?:[._\-][^\W_{_CJK}]+)*)")
_IS_CJK = re.compile(rf"[{_CJK}]")
_SPACE = re.compile(r"\s+")
_JOINERS = ".-_"
_DECIMAL = re.compile(r"\d+\.\d+")
_QUOTES = {'"': '"', "\u201c": "\u201d", "\u300c": "\u300d", "\u300e": "\u300f"}
_CLOSERS = {"\u201d"}  # a stray closing curly quote is treated as an opening one


def is_cjk(ch: str) -> bool:
    """Whether a character is analysed as CJK (bigrams), not as part of an alphanumeric run."""
    return bool(_IS_CJK.fullmatch(ch))


class _Fold(dict):
    """str.translate table: NFKC + lower case per character, filled as characters are met."""

    def __missing__(self, code: int) -> str:
        folded = unicodedata.normalize("NFKC", chr(code)).lower()
        self[code] = folded
        return folded


_FOLD = _Fold()


def normalize(text: str) -> tuple[str, list[int] | None]:
    """NFKC + lower case, character by character; returns the text and, per character, its origin
    (None when every character folds to exactly one, so offsets are unchanged)."""
    if text.isascii():
        return text.lower(), None
    norm = text.translate(_FOLD)
    if len(norm) == len(text):  # no character folds to nothing, so each folded to one
        return norm, None
    origin: list[int] = []
    for index, ch in enumerate(text):
        origin.extend([index] * len(_FOLD[ord(ch)]))
    return norm, origin


class Token(NamedTuple):
    """One indexed term: its text, its position (token order), and its span in the original text."""

    text: str
    pos: int
    start: int
    end: int


class _Run(NamedTuple):
    kind: str  # "cjk" or "alnum"
    text: str
    offsets: tuple[int, ...] | range  # per character of text, its offset in the normalised text


def _runs(norm: str) -> list[_Run]:
    """CJK runs (white space between two CJK characters does not break one) and alphanumeric runs."""
    runs: list[_Run] = []
    for match in _RUN.finditer(norm):
        found, start = match.group(), match.start()
        if match.lastgroup == "alnum":
            runs.append(_Run("alnum", found, range(start, match.end())))
        elif _SPACE.search(found):
            offsets = tuple(start + i for i, ch in enumerate(found) if not ch.isspace())
            runs.append(_Run("cjk", _SPACE.sub("", found), offsets))
        else:
            runs.append(_Run("cjk", found, range(start, match.end())))
    return runs


def _alnum_index_terms(text: str) -> list[str]:
    terms = [text]
    if any(sep in text for sep in _JOINERS) and not _DECIMAL.fullmatch(text):
        terms.extend(part for part in re.split(r"[.\-_]", text) if part)
        if "-" in text or "_" in text:
            terms.append(text.replace("-", "").replace("_", ""))
    seen: list[str] = []
    for term in terms:
        term = term[:MAX_TOKEN_CHARS]
        if term not in seen:
            seen.append(term)
    return seen


def _alnum_query_term(text: str) -> str:
    joined = text.replace("-", "").replace("_", "") if ("-" in text or "_" in text) else text
    return joined[:MAX_TOKEN_CHARS]


def analyze(text: str) -> list[Token]:
    """Index tokens of a text, in position order (see the module docstring)."""
    text = (text or "")[:MAX_INDEXED_CHARS]
    norm, origin = normalize(text)
    tokens: list[Token] = []
    append = tokens.append
    pos = 0
    for kind, run, at in _runs(norm):
        if kind == "alnum":
            start, end = at[0], at[-1] + 1
            if origin is not None:
                start, end = origin[start], origin[end - 1] + 1
            for term in _alnum_index_terms(run):
                append(Token(term, pos, start, end))
            pos += 1
            continue
        n = len(run)
        if origin is not None:
            at = [origin[o] for o in at]
        last = max(n - 2, 0)
        for i in range(n - 1):
            append(Token(run[i : i + 2], pos + i, at[i], at[i + 1] + 1))
            append(Token(run[i], pos + i, at[i], at[i] + 1))
        append(Token(run[n - 1], pos + last, at[n - 1], at[n - 1] + 1))
        pos += max(n - 1, 1)
    return tokens


def index_tokens(text: str) -> list[str]:
    """The terms a text is indexed under, in position order (several may share a position)."""
    return [t.text for t in analyze(text)]


def query_tokens(text: str) -> list[str]:
    """The consecutive tokens a query clause must match: one per position (bigrams for Chinese)."""
    norm, _ = normalize(text or "")
    out: list[str] = []
    for run in _runs(norm):
        if run.kind == "alnum":
            out.append(_alnum_query_term(run.text))
        elif len(run.text) == 1:
            out.append(run.text)
        else:
            out.extend(run.text[i : i + 2] for i in range(len(run.text) - 1))
    return out


@dataclass(frozen=True)
class Clause:
    """A term or a quoted phrase: ``tokens`` must occur at consecutive positions."""

    text: str
    tokens: tuple[str, ...]
    quoted: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    """What a person typed, as clauses (AND) and the tokens of a relaxed fallback (OR)."""

    raw: str
    clauses: tuple[Clause, ...] = ()
    loose: tuple[str, ...] = field(default=())
    joined: tuple[str, ...] = ()  # the unquoted terms read as one phrase (a stray space): a ranking boost

    @property
    def terms(self) -> list[str]:
        return [c.text for c in self.clauses if not c.quoted]

    @property
    def phrases(self) -> list[str]:
        return [c.text for c in self.clauses if c.quoted]

    @property
    def empty(self) -> bool:
        return not self.clauses


def loose_min_match(parsed: ParsedQuery) -> int:
    """How many of the loose tokens the first loose pass asks for: all but one from three tokens on
    (``渣土运车辆`` finds ``渣土运输车辆`` and not every text with ``车辆``), else one. The backends
    run a plain OR (1) only when that finds nothing."""
    n = len(parsed.loose)
    return n - 1 if 3 <= n <= MAX_MIN_MATCH_TOKENS else 1


def _split(text: str) -> list[tuple[str, bool]]:
    """(piece, quoted) pairs: quoted phrases whole, the rest split on white space."""
    pieces: list[tuple[str, bool]] = []
    i, n, plain = 0, len(text), []
    while i < n:
        ch = text[i]
        closer = _QUOTES.get(ch) or ("\u201d" if ch in _CLOSERS else None)
        end = text.find(closer, i + 1) if closer else -1
        if closer and end == -1 and closer != ch:
            end = text.find(ch, i + 1)  # “…“ typed with the same curly quote twice
        if end != -1:
            pieces.extend((p, False) for p in "".join(plain).split())
            plain = []
            pieces.append((text[i + 1 : end], True))
            i = end + 1
            continue
        plain.append(" " if closer else ch)  # an unmatched quote is a separator
        i += 1
    pieces.extend((p, False) for p in "".join(plain).split())
    return pieces


def parse_query(text: str) -> ParsedQuery:
    """Parse what a person typed; never raises, whatever the input."""
    raw = (text or "")[:MAX_QUERY_CHARS]
    pieces = _split(raw)
    if len(pieces) > 1:
        pieces = [(p, q) for p, q in pieces if q or p not in OPERATORS] or pieces
    clauses: list[Clause] = []
    for piece, quoted in pieces:
        tokens = query_tokens(piece)[:MAX_CLAUSE_TOKENS]
        if not tokens:
            continue
        norm, _ = normalize(piece)
        clauses.append(Clause(" ".join(norm.split()), tuple(tokens), quoted))
        if len(clauses) == MAX_CLAUSES:
            break
    loose: list[str] = []
    for clause in clauses if not any(c.quoted for c in clauses) else ():  # quotes ask for exactly that
        for tok in clause.tokens:
            if tok not in loose:
                loose.append(tok)
    plain = [c.text for c in clauses if not c.quoted]
    joined = tuple(query_tokens(" ".join(plain))[:MAX_CLAUSE_TOKENS]) if len(plain) > 1 else ()
    return ParsedQuery(raw, tuple(clauses), tuple(loose[:MAX_LOOSE_TOKENS]), joined)
