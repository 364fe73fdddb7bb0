"""consult/paging.py: one reading of ?page= for every listing, keyset cursors, and the Page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from consult.paging import (
    EPOCH,
    OLDEST,
    PAGE_MAX,
    PUBLIC_PAGE_MAX,
    Page,
    SeekPage,
    decode_cursor,
    encode_cursor,
    page_number,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, 1),
        ("", 1),
        ("3", 3),
        (" 7 ", 7),
        ("0", 1),
        ("-2", 1),
        ("abc", 1),
        ("２", 1),  # a full-width digit is no page number
        (str(PAGE_MAX), PAGE_MAX),
        (str(PAGE_MAX + 1), 1),
        ("9" * 400, 1),
    ],
)
def test_page_numbers(raw, expected):
    assert page_number(raw) == expected


def test_a_smaller_maximum():
    assert page_number("10001", maximum=10_000) == 1 and page_number("10000", maximum=10_000) == 10_000


def test_cursors_round_trip_and_refuse_forgeries():
    moment = datetime(2026, 11, 27, 2, 3, 4, 567890, tzinfo=UTC)
    assert decode_cursor(encode_cursor(moment, 42)) == (moment, 42)
    for forged in ("", "x-1", "1-", "1-99999999999", "9" * 19 + "-1", "1-2-3"):
        assert decode_cursor(forged) is None


def test_page_counts():
    assert Page([], 1, 20, 0).pages == 1
    assert Page([], 2, 20, 41).pages == 3 and Page([], 2, 20, 41).has_next


@pytest.mark.parametrize("raw", ["abc", "0", "-1", "99999999999999999999"])
def test_every_public_listing_reads_a_bad_page_as_the_first(client, factory, raw):
    draft = factory.draft()
    article = draft.current_version.texts[0].article_id
    for url, args in (
        (f"/drafts/{draft.slug}", {}),
        ("/search", {"q": "管理"}),
        (f"/drafts/{draft.slug}/articles/{article}", {}),
    ):
        resp = client.get(url, query_string={**args, "page": raw})
        assert resp.status_code == 200, url


def test_the_oldest_cursor_is_before_every_row():
    assert decode_cursor(OLDEST) == (EPOCH, 0)
    assert SeekPage([], 20).oldest == OLDEST


def test_public_comment_pages_stop_at_their_own_cap(client, factory):
    """A public page number past PUBLIC_PAGE_MAX is no new OFFSET: it reads as the newest page."""
    draft = factory.draft()
    comment = factory.comment(draft, status="published", article_index=None)
    for raw, listed in ((PUBLIC_PAGE_MAX + 1, True), (PAGE_MAX, True), (PUBLIC_PAGE_MAX, False), (1, True)):
        html = client.get(f"/drafts/{draft.slug}", query_string={"page": raw}).get_data(as_text=True)
        assert (f'id="comment-{comment.id}"' in html) is listed, raw
