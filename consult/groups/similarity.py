"""Near-duplicates without comparing all pairs: character shingles, MinHash, LSH bands, verification.

Candidates come from MinHash LSH (datasketch): two comments are candidates when one of their
``bands()`` slices of the signature is equal, which finds pairs of Jaccard similarity around
``LSH_THRESHOLD`` and above with high probability and others rarely. The same slices, hashed to one
integer each (``band_keys``), are what the tables keep, so a comment arriving later finds its
candidates with an indexed query instead of a scan. A candidate pair is a near-duplicate only when
``verify`` says so: the exact Jaccard similarity of the normalized shingles is at least
``MIN_JACCARD`` and the two texts do not conflict (different numbers for the same unit, an opinion
negated in one and plain in the other, or opposite verbs such as 延长/缩短). So a campaign text with
another estate's name is grouped; 延长到晚上十点 and 八点就关门 never are.
"""

# i18n: data-module — stance words are data, not interface text.

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from typing import TYPE_CHECKING

from consult.groups.normalize import normalize, quantities

SHINGLE = 3  # characters per shingle
NUM_PERM = 128
SEED = 1  # fixed: stored band keys must stay valid across processes and releases
LSH_THRESHOLD = 0.3  # candidates; verify() decides
MIN_JACCARD = 0.45

# Words after which what follows is denied (longest first: 不同意 before 不).
NEGATORS = tuple(
    sorted(
        (
            "不同意",
            "不赞成",
            "不支持",
            "不要",
            "不应",
            "不得",
            "不能",
            "不该",
            "不可",
            "不准",
            "不必",
            "不用",
            "不",
            "没有",
            "没",
            "无需",
            "无须",
            "别",
            "勿",
            "反对",
            "拒绝",
        ),
        key=len,
        reverse=True,
    )
)
_NEGATOR = re.compile("|".join(map(re.escape, NEGATORS)))
# Words of stance between a negator and what it denies (不建议延长: 延长 is denied).
STANCE = ("建议", "应该", "应当", "同意", "支持", "赞成", "希望", "需要", "再")
_STANCE = re.compile("|".join(map(re.escape, STANCE)))
# Verbs that say opposite things about the same subject.
OPPOSITES = (
    ("延长", "缩短"),
    ("提高", "降低"),
    ("增加", "减少"),
    ("放宽", "收紧"),
    ("扩大", "缩小"),
    ("提前", "推迟"),
    ("加大", "减轻"),
    ("保留", "取消"),
    ("支持", "反对"),
    ("允许", "禁止"),
)


if TYPE_CHECKING:
    from datasketch import MinHash, MinHashLSH


@dataclass(frozen=True)
class _Sketch:
    """datasketch's classes, the seed's permutations and the bands, made once per process."""

    minhash: type
    lsh: type
    hashfunc: Callable[[bytes], int]
    permutations: object
    scheme: object
    bands: tuple[tuple[int, int], ...]  # (start, end) of each band's slice of the signature


@cache
def _sketch() -> _Sketch:
    # Imported on first use: datasketch imports numpy and scipy (its LSH tunes the bands by integration),
    # about 80 MB that a web worker which never groups (GROUPS_DRAIN_INLINE=false) should not hold.
    from datasketch import MinHash, MinHashLSH
    from datasketch.hashfunc import sha1_hash32

    # The permutations of the seed, made once (datasketch would draw them again for every signature).
    first = MinHash(num_perm=NUM_PERM, seed=SEED)
    bands = tuple(MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM).hashranges)
    # datasketch's own hash of a shingle, remembered for the shingles met last: a campaign's copies share
    # most of theirs, so a rebuild hashes each about once instead of once per copy (the same values, so
    # the same signatures; at most 65,536 shingles, a few MB, in a process that groups).
    hashfunc = lru_cache(maxsize=1 << 16)(sha1_hash32)
    return _Sketch(MinHash, MinHashLSH, hashfunc, first.permutations, first.scheme, bands)


def _lsh() -> MinHashLSH:
    return _sketch().lsh(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)


def bands() -> tuple[tuple[int, int], ...]:
    """(start, end) of each LSH band's slice of the signature."""
    return _sketch().bands


@dataclass(frozen=True)
class Text:
    """One comment's text prepared for comparison."""

    normalized: str

    @classmethod
    def of(cls, body: str) -> Text:
        """Prepare a comment body."""
        return cls(normalize(body))

    @cached_property
    def shingles(self) -> frozenset[str]:
        """Character shingles; a text shorter than one shingle is its own single shingle."""
        t = self.normalized
        if len(t) <= SHINGLE:
            return frozenset((t,)) if t else frozenset()
        return frozenset(t[i : i + SHINGLE] for i in range(len(t) - SHINGLE + 1))

    @cached_property
    def minhash(self) -> MinHash:
        """The MinHash signature of the shingles."""
        sketch = _sketch()
        m = sketch.minhash(
            num_perm=NUM_PERM,
            seed=SEED,
            hashfunc=sketch.hashfunc,
            permutations=sketch.permutations,
            scheme=sketch.scheme,
        )
        m.update_batch([s.encode() for s in sorted(self.shingles)])
        return m

    @cached_property
    def quantities(self) -> dict[str, frozenset[str]]:
        """Numbers by unit."""
        return quantities(self.normalized)

    @cached_property
    def _denied_at(self) -> frozenset[int]:
        """Where a denied word starts: right after a negator, and after the stance words that follow
        it (不建议延长: both 建议 and 延长)."""
        t = self.normalized
        found = set()
        for m in _NEGATOR.finditer(t):
            at = m.end()
            found.add(at)
            while (stance := _STANCE.match(t, at)) is not None:
                at = stance.end()
                found.add(at)
        return frozenset(i for i in found if i + 2 <= len(t))

    @cached_property
    def negated(self) -> frozenset[str]:
        """The bigrams the text denies."""
        return frozenset(self.normalized[i : i + 2] for i in self._denied_at)

    @cached_property
    def plain(self) -> frozenset[str]:
        """Bigrams that occur somewhere not denied."""
        t = self.normalized
        return frozenset(t[i : i + 2] for i in range(len(t) - 1) if i not in self._denied_at)


def band_keys(text: Text) -> list[int]:
    """One signed 64-bit key per LSH band (the band's number and slice of the signature, hashed)."""
    # numpy comes with datasketch (_sketch): the signature is a numpy array
    import numpy as np

    raw = np.ascontiguousarray(text.minhash.hashvalues).tobytes()
    width = raw and len(raw) // NUM_PERM
    keys = []
    for band, (start, end) in enumerate(bands()):
        # The band's number is hashed in: equal keys mean the same slice of the same band.
        digest = hashlib.blake2b(raw[start * width : end * width], digest_size=8, salt=bytes([band])).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


def jaccard(a: Text, b: Text) -> float:
    """Exact Jaccard similarity of the two shingle sets."""
    if not a.shingles or not b.shingles:
        return 0.0
    return len(a.shingles & b.shingles) / len(a.shingles | b.shingles)


def conflicts(a: Text, b: Text) -> bool:
    """Whether two texts say different things however alike they look."""
    for unit, values in a.quantities.items():
        other = b.quantities.get(unit)
        if other is not None and other != values:
            return True
    if a.negated & (b.plain - b.negated) or b.negated & (a.plain - a.negated):
        return True
    for x, y in OPPOSITES:
        ax, ay = x in a.normalized, y in a.normalized
        bx, by = x in b.normalized, y in b.normalized
        if (ax and not ay and by and not bx) or (ay and not ax and bx and not by):
            return True
    return False


def verify(a: Text, b: Text) -> float | None:
    """The similarity of a near-duplicate pair, or None when the two are not near-duplicates."""
    if not a.normalized or not b.normalized:
        return None
    score = jaccard(a, b)
    if score < MIN_JACCARD or conflicts(a, b):
        return None
    return score


class CandidateIndex:
    """An in-memory MinHash LSH over one scope's texts (a rebuild, the labelled set)."""

    def __init__(self) -> None:
        self._lsh = _lsh()

    def add(self, key: int, text: Text) -> None:
        """Index one text under its key."""
        if text.shingles:
            self._lsh.insert(key, text.minhash)

    def candidates(self, text: Text) -> list[int]:
        """Keys of indexed texts sharing a band with this one."""
        if not text.shingles:
            return []
        return self._lsh.query(text.minhash)


def similar_pairs(texts: dict[int, Text]) -> dict[tuple[int, int], float]:
    """Every verified near-duplicate pair (lower key first) of a set of texts, through the LSH."""
    pairs: dict[tuple[int, int], float] = {}
    for a, b in candidate_pairs(texts):
        score = verify(texts[a], texts[b])
        if score is not None:
            pairs[(a, b)] = score
    return pairs


def candidate_pairs(texts: dict[int, Text]) -> list[tuple[int, int]]:
    """The LSH's candidate pairs (lower key first) of a set of texts, not yet verified (datasketch's
    MinHashLSH; for the quality measure: a campaign of n copies gives n² pairs)."""
    index = CandidateIndex()
    for key, text in texts.items():
        index.add(key, text)
    return sorted(
        {(key, other) for key, text in texts.items() for other in index.candidates(text) if other > key}
    )


def candidate_buckets(keyed: dict[int, list[int]]) -> list[list[int]]:
    """Comments sharing a band key, one sorted list per key with two or more (``keyed``: comment → its
    band keys): the same candidates as the LSH's, without listing every pair of a campaign. A key names
    its band (band_keys), as in ingest()'s look-up."""
    # numpy comes with datasketch (_sketch). Sorting the keys finds the shared ones without a dict of
    # every key (most are a text's own: 37 one-member lists per comment were made and thrown away).
    import numpy as np

    if not keyed:
        return []
    ids = np.fromiter(keyed, dtype=np.int64, count=len(keyed))
    counts = np.fromiter((len(keys) for keys in keyed.values()), dtype=np.int64, count=len(keyed))
    keys = np.fromiter(
        (key for found in keyed.values() for key in found), dtype=np.int64, count=int(counts.sum())
    )
    owners = np.repeat(ids, counts)
    order = np.lexsort((owners, keys))  # by key, then comment
    keys, owners = keys[order], owners[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    ends = np.append(starts[1:], len(keys))
    shared = ends - starts >= 2
    return [owners[a:b].tolist() for a, b in zip(starts[shared], ends[shared], strict=True)]
