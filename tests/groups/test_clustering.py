"""A scope's partition: components of pairs, staff's pins respected, ids stable; the burst rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from consult.groups.clustering import BURST_MIN
from consult.groups.clustering import is_burst as burst
from consult.groups.clustering import partition as partition_by


def partition(nodes, pairs, pinned, existing, held=()):
    """The partition of verified ``pairs`` (pair → score); the other candidates' score is None."""
    score = {**pairs, **{(b, a): v for (a, b), v in pairs.items()}}
    return partition_by(
        nodes, [list(p) for p in pairs], lambda a, b: score.get((a, b)), pinned, existing, held
    )


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
    # 3 and 4 are pulled both ways: they join the group they are closer to, and the groups stay apart
    result = partition([1, 2, 3, 4], {(1, 3): 0.5, (2, 4): 0.8, (3, 4): 0.9}, {1: 10, 2: 20}, {})
    assert sorted(result.components) == [(10, [1]), (20, [2, 3, 4])]


def test_pairs_already_connected_are_not_scored():
    scored = []
    buckets = [list(range(1, 31))] * 5  # a campaign of 30 copies sharing five band keys
    result = partition_by(range(1, 31), buckets, lambda a, b: scored.append((a, b)) or 0.9, {}, {})
    assert result.components == [(None, list(range(1, 31)))]
    assert len(scored) == 29  # one per copy joined, of 5 × 435 candidate pairs


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


def test_the_windows_from_a_time_on_tell_what_every_window_tells_of_a_group_that_was_no_burst():
    """is_burst(..., ends_from=t) on the arrivals from BURST_WINDOW before t agrees with is_burst on all of
    them, for a group that was no burst before t (ingest's _grow relies on it)."""
    import random

    from consult.groups.clustering import BURST_WINDOW

    rng = random.Random(5)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    agreed = bursts = 0
    for _ in range(400):
        before = [
            (start + timedelta(minutes=rng.randrange(0, 600)), f"a{rng.randrange(6)}")
            for _ in range(rng.randrange(0, 12))
        ]
        if burst(before):
            continue
        t = start + timedelta(minutes=rng.randrange(0, 700))
        added = [
            (t + timedelta(minutes=rng.randrange(0, 90)), f"a{rng.randrange(2)}")
            for _ in range(rng.randrange(1, 7))
        ]
        whole = before + added
        near = [a for a in whole if a[0] >= t - BURST_WINDOW]
        assert burst(near, ends_from=t) == burst(whole)
        agreed += 1
        bursts += burst(whole)
    assert agreed > 100 and 10 < bursts < agreed  # both answers were met


def test_big_buckets_give_the_components_of_their_verified_pairs():
    """Buckets of many members, several components each (two campaigns sharing a band key, and loose
    texts): the partition is the connected components of the verified pairs within a bucket, as a plain
    union of every such pair gives them (the bucket loop keeps one list per component it met)."""
    import random

    rng = random.Random(6)
    nodes = list(range(1, 401))
    campaign = {n: rng.randrange(8) if n % 5 else None for n in nodes}  # None: a text of its own
    buckets = [rng.sample(nodes, rng.randrange(2, 120)) for _ in range(60)]

    def score(a, b):
        same = campaign[a] is not None and campaign[a] == campaign[b]
        return 0.8 if same and (a + b) % 7 else None  # not every pair of a campaign is verified

    parent = {n: n for n in nodes}

    def find(n):
        while parent[n] != n:
            n = parent[n]
        return n

    for bucket in buckets:
        for i, a in enumerate(bucket):
            for b in bucket[i + 1 :]:
                if score(a, b) is not None:
                    parent[find(a)] = find(b)
    expected: dict[int, list[int]] = {}
    for n in nodes:
        expected.setdefault(find(n), []).append(n)
    want = sorted(sorted(m) for m in expected.values() if len(m) >= 2)
    got = partition_by(nodes, buckets, score, {}, {})
    assert [members for _group, members in got.components] == want
    assert len(want) >= 8  # several components, some of them met in the same bucket
