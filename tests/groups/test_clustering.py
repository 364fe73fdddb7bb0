"""A scope's partition: strongest pairs first, staff's pins respected, ids stable; the burst rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from consult.groups.clustering import BURST_MIN, partition
from consult.groups.clustering import is_burst as burst


def test_components_of_verified_pairs():
    result = partition([1, 2, 3, 4, 5], {(1, 2): 0.9, (2, 3): 0.6}, {}, {})
    assert result.components == [(None, [1, 2, 3])]


def test_the_order_of_the_pairs_given_does_not_matter():
    pairs = {(1, 2): 0.9, (2, 3): 0.6, (3, 4): 0.7, (4, 5): 0.8}
    pinned = {1: 10, 5: 20}
    forward = partition(range(1, 6), pairs, pinned, {})
    backward = partition(range(5, 0, -1), dict(reversed(list(pairs.items()))), pinned, {})
    assert forward == backward


def test_two_groups_staff_kept_apart_are_never_joined():
    # 3 is pulled both ways: it joins the group it is closer to, and the groups stay apart
    result = partition([1, 2, 3], {(1, 3): 0.5, (2, 3): 0.8}, {1: 10, 2: 20}, {})
    assert sorted(result.components) == [(10, [1]), (20, [2, 3])]


def test_a_component_keeps_the_id_of_the_group_holding_most_of_it():
    existing = {1: 7, 2: 7, 3: 8}
    result = partition([1, 2, 3, 4], {(1, 2): 0.9, (2, 3): 0.9, (3, 4): 0.9}, {}, existing)
    assert result.components == [(7, [1, 2, 3, 4])]


def test_a_split_group_keeps_its_id_on_the_larger_part():
    existing = {1: 7, 2: 7, 3: 7, 4: 7, 5: 7}
    result = partition([1, 2, 3, 4, 5], {(1, 2): 0.9, (2, 3): 0.9, (4, 5): 0.9}, {}, existing)
    assert result.components == [(7, [1, 2, 3]), (None, [4, 5])]


def test_a_held_group_id_is_not_taken_by_another_component():
    result = partition([1, 2], {(1, 2): 0.9}, {}, {1: 7, 2: 7}, held={7})
    assert result.components == [(None, [1, 2])]


START = datetime(2026, 11, 27, 2, tzinfo=UTC)


def test_many_from_few_addresses_in_a_short_time_is_a_burst():
    arrivals = [(START + timedelta(minutes=n), f"addr{n % 2}") for n in range(BURST_MIN + 1)]
    assert burst(arrivals)


def test_many_addresses_or_a_long_time_is_no_burst():
    spread = [(START + timedelta(minutes=n), f"addr{n}") for n in range(20)]
    slow = [(START + timedelta(hours=3 * n), "addr") for n in range(20)]
    offline = [(START, None)] * 20
    assert not burst(spread) and not burst(slow) and not burst(offline)
