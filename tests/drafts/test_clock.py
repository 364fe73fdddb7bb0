"""Draft.clock_moves_at: what the clock shows of a draft (its stage, its days left) holds until then.

A kept page (the home page's drafts by stage, consult/web/fragments.py) is reused until that moment, so
it must be exact: nothing changes before it, and something changes at it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from consult.models.drafts import Draft

START = datetime(2026, 1, 1, tzinfo=UTC)
offsets = st.integers(min_value=-40 * 86400, max_value=40 * 86400)


def shown(draft: Draft, now: datetime) -> tuple:
    return draft.status_at(now), draft.days_left(now)


def a_draft(opens: int | None, closes: int | None, concluded: bool = False) -> Draft:
    return Draft(
        slug="d",
        title="草案",
        published_at=START - timedelta(days=60),
        opens_at=None if opens is None else START + timedelta(seconds=opens),
        closes_at=None if closes is None else START + timedelta(seconds=closes),
        feedback_published_at=START if concluded else None,
    )


@settings(max_examples=300, deadline=None)
@given(
    opens=st.none() | offsets,
    length=st.none() | st.integers(min_value=1, max_value=40 * 86400),
    now=offsets,
    concluded=st.booleans(),
    fractions=st.lists(st.floats(min_value=0, max_value=1, exclude_max=True), min_size=1, max_size=5),
)
def test_nothing_the_clock_shows_changes_before_the_moment_and_something_changes_at_it(
    opens, length, now, concluded, fractions
):
    closes = None if opens is None or length is None else opens + length
    draft = a_draft(opens, closes, concluded)
    at = START + timedelta(seconds=now)
    moves = draft.clock_moves_at(at)
    if moves is None:  # nothing more by the clock: the same a year on
        for fraction in fractions:
            later = at + timedelta(days=365 * fraction)
            assert shown(draft, later) == shown(draft, at)
        return
    assert moves > at
    for fraction in fractions:
        between = min(at + (moves - at) * fraction, moves - timedelta(microseconds=1))  # rounding
        assert shown(draft, between) == shown(draft, at), (at, between, moves)
    assert shown(draft, moves - timedelta(microseconds=1)) == shown(draft, at)
    assert shown(draft, moves) != shown(draft, at)


def test_the_moments_of_a_three_day_consultation():
    draft = a_draft(opens=0, closes=3 * 86400)
    before = START - timedelta(hours=5)
    assert draft.clock_moves_at(before) == START  # it opens
    assert draft.clock_moves_at(START) == START + timedelta(days=1)  # 3 days left until then
    assert draft.clock_moves_at(START + timedelta(days=2, hours=1)) == START + timedelta(days=3)  # closes
    assert draft.clock_moves_at(START + timedelta(days=3)) is None  # closed stays closed
    assert a_draft(opens=None, closes=None).clock_moves_at(START) is None  # upcoming, no date set
    assert a_draft(opens=0, closes=None).clock_moves_at(START) is None  # open with no end
