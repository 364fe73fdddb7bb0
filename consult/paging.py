"""Pages of a listing: page numbers read from a request, per-page bounds, keyset cursors, the Page.

One home for these, so every listing (public comments, search, the moderation queue, review, intake,
the audit log, the API) reads `?page=` the same way and bounds it the same way, and the HTML pages
render one pagination macro (templates/_macros/comments.html `pagination`, and `seek_pagination` for
listings read by key).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from consult.clock import as_utc
from consult.models.types import ID_MAX

PER_PAGE_DEFAULT = 20
PER_PAGE_MAX = 100
PAGE_MAX = 100_000  # a page number beyond it (or malformed) reads as page 1 on the pages, 400 in the API
# Public listings read by key take a page number only this far (an OFFSET of at most PUBLIC_PAGE_MAX ×
# PER_PAGE_MAX rows); deeper, people follow the cursor links and programs the API's `next`. Each page
# number is a new entry in the public page cache, so they are few.
PUBLIC_PAGE_MAX = 50

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_MICROS = 10**17  # far beyond any real date; keeps a forged cursor from overflowing
CURSOR = re.compile(r"([0-9]{1,18})-([0-9]{1,10})")
CURSOR_PATTERN = r"^[0-9]{1,18}-[0-9]{1,10}$"  # the same, as the OpenAPI document writes it
OLDEST = "0-0"  # a cursor before every row: `after=OLDEST` is the oldest page of a listing


@dataclass(frozen=True)
class Page:
    """One page of a listing."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least 1)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        """Whether a later page exists."""
        return self.page < self.pages


@dataclass(frozen=True)
class SeekPage:
    """One page of a listing read by key, newest first: cursors to its neighbours instead of a count.

    ``older`` is where the next older page starts (``before=``), ``newer`` where the next newer one does
    (``after=``); None when there is nothing that way. ``page`` is the page number when the page was
    asked for by number (None under a cursor); ``first`` tells the newest page, the one without a cursor.
    """

    items: list
    per_page: int
    older: str | None = None
    newer: str | None = None
    page: int | None = None
    first: bool = False

    @property
    def oldest(self) -> str:
        """The cursor of the oldest page (``after=``): the last page, reached by one seek."""
        return OLDEST


def page_number(raw: str | None, maximum: int = PAGE_MAX) -> int:
    """A page number as an HTML page reads `?page=`: digits from 1 to `maximum`, anything else is 1."""
    raw = (raw or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(maximum)):
        return 1
    value = int(raw)
    return value if 1 <= value <= maximum else 1


def encode_cursor(submitted_at: datetime, row_id: int) -> str:
    """Where the next page starts: after this row (``<microseconds since epoch>-<id>``)."""
    return f"{(as_utc(submitted_at) - EPOCH) // timedelta(microseconds=1)}-{row_id}"


def encode_key(number: int, row_id: int) -> str:
    """Where the next page of a listing read by (a number, id) starts: after this row (``<number>-<id>``),
    e.g. the staff's groups, largest first."""
    return f"{number}-{row_id}"


def decode_key(raw: str | None) -> tuple[int, int] | None:
    """The (number, id) an ``encode_key`` cursor names; None for an empty or malformed one."""
    match = CURSOR.fullmatch(raw or "")
    if not match:
        return None
    number, row_id = int(match.group(1)), int(match.group(2))
    return (number, row_id) if row_id <= ID_MAX and number <= ID_MAX else None


def decode_cursor(raw: str | None) -> tuple[datetime, int] | None:
    """The position a cursor names; None for an empty or malformed one."""
    match = CURSOR.fullmatch(raw or "")
    if not match:
        return None
    micros, row_id = int(match.group(1)), int(match.group(2))
    if row_id > ID_MAX or micros > MAX_MICROS:
        return None
    return EPOCH + timedelta(microseconds=micros), row_id
