"""Whoosh 2.7.4, imported quietly and patched once: the one place that knows Whoosh's internals.

Whoosh 2.7.4 has invalid escape sequences and `is 0`: Python 3.11 warns when it compiles them (once,
without a cached .pyc), so every module Whoosh would import later is imported here with the warnings
off. Two hot spots are patched, after checking that the installed Whoosh is the version they were
written against (a different one would be patched blindly): ``W3LeafMatcher.skip_to`` binary-searches
inside a block, ``_read_ids`` decodes a block's ids with ``itertools.accumulate``.
"""

from __future__ import annotations

import bisect
import importlib
import warnings
from itertools import accumulate

import whoosh

PINNED = (2, 7, 4)  # requirements.txt pins whoosh==2.7.4; the patches below read its private fields

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
    from whoosh.query import And, NumericRange, Term
    from whoosh.util.numeric import byte_to_length

# What the backend and the matchers use of Whoosh, imported through here so the warnings stay off.
__all__ = [
    "BOOLEAN",
    "DATETIME",
    "ID",
    "LENGTHS_COLUMN",
    "NUMERIC",
    "STORED",
    "TEXT",
    "And",
    "LockError",
    "NumericRange",
    "ReadTooFar",
    "Schema",
    "Term",
    "Token",
    "Tokenizer",
    "W3LeafMatcher",
    "_lenfield",
    "byte_to_length",
    "matching",
    "whoosh_index",
]


if tuple(whoosh.__version__[:3]) != PINNED:
    raise RuntimeError(
        f"consult patches Whoosh {'.'.join(map(str, PINNED))}, found {whoosh.versionstring()}: "
        "check consult/search/whoosh_patches.py against the new version before running"
    )


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
