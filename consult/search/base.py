"""What every search backend offers, and what it indexes (the database stays the truth).

A backend holds documents: an article text of a draft's current version, or a comment. Each carries
the fields the filters need, so filtering happens inside the index, never with a huge id list.
Contact details, addresses and internal notes are never part of a document.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

Kind = Literal["article", "comment"]


@dataclass(frozen=True)
class Doc:
    """One searchable thing. ``public`` decides whether the public may find it."""

    kind: Kind
    id: int  # the ArticleText's article_id for an article, the Comment id for a comment
    draft_id: int
    text: str  # what is searched and snippeted: article label, text, explanation; or a comment's public body
    public: bool  # article of a public draft; comment published (on a public draft)
    article_id: int | None = None
    status: str | None = None  # comments: pending, published, rejected, spam
    channel: str | None = None  # comments
    contact_point_id: int | None = None  # comments
    submitted_at: datetime | None = None  # comments

    @property
    def key(self) -> str:
        """Unique across kinds: ``article:12``, ``comment:345``."""
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Query:
    """What to find and where. ``text`` is what the person typed (quotes make a phrase)."""

    text: str
    public_only: bool = True
    kind: Kind | None = None
    draft_id: int | None = None
    article_id: int | None = None
    status: str | None = None
    channel: str | None = None
    contact_point_id: int | None = None
    page: int = 1
    per_page: int = 20


@dataclass(frozen=True)
class Hit:
    """One result: which document, its score, and a snippet as HTML (escaped text, <mark> around hits)."""

    kind: Kind
    id: int
    draft_id: int
    score: float
    snippet: str


@dataclass
class Results:
    """One page of hits, best first, and how many match in all."""

    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    partial: bool = False  # nothing matched every term: these match only some of them (the loose fallback)
    estimated: bool = False  # more matches than the candidates ranked: the total is an estimate


class SearchBusy(RuntimeError):
    """Another writer holds the index longer than the lock timeout: nothing was written; retry later."""


class SearchBackend(Protocol):
    """Implemented by consult/search/whoosh_backend.py and consult/search/postgres_backend.py."""

    def index(self, docs: Iterable[Doc]) -> int:
        """Add or replace documents (by key); returns how many were written."""

    def remove(self, keys: Iterable[str]) -> int:
        """Remove documents by key (a key not in the index is no error); returns how many were asked."""

    def search(self, query: Query) -> Results:
        """The page of hits for the query; junk syntax is searched as text, never an exception."""

    def rebuild(self, docs: Iterable[Doc]) -> int:
        """Replace the whole index with these documents (built aside and swapped in where possible)."""

    def keys(self) -> dict[str, str]:
        """Every indexed key with a fingerprint of its document (small indexes: tests, tools)."""

    def fingerprints(self, kind: Kind) -> Iterator[tuple[int, str]]:
        """(id, fingerprint) of every indexed document of ``kind``, in id order, read in bounded
        batches (`search check` compares them with the database without holding either side)."""

    def close(self) -> None:
        """Release files and connections."""


def fingerprint(doc: Doc) -> str:
    """What `search check` compares: changes whenever anything indexed about the document changes."""

    parts = (
        doc.kind,
        str(doc.id),
        str(doc.draft_id),
        doc.text,
        str(doc.public),
        str(doc.article_id),
        str(doc.status),
        str(doc.channel),
        str(doc.contact_point_id),
        doc.submitted_at.isoformat() if doc.submitted_at else "",
    )
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()


def windows(docs: Iterable[Doc], size: int) -> Iterator[list[Doc]]:
    """``docs`` in lists of at most ``size``, each without a key twice (the last document wins): what
    a writer holds at a time, whatever the length of ``docs``. A key repeated in two windows is
    written twice, the later copy replacing the earlier where the writer replaces by key."""
    window: dict[str, Doc] = {}
    for doc in docs:
        window.pop(doc.key, None)
        window[doc.key] = doc
        if len(window) == size:
            yield list(window.values())
            window = {}
    if window:
        yield list(window.values())
