"""A scope's partition into groups (pure): verified pairs joined, strongest first, under staff's pins.

The result depends only on the comments, their verified pairs and what staff did, never on the order
the comments arrived in; so the incremental path (ingest.py) and a rebuild agree. Pairs are joined
strongest first (Kruskal); a pair that would put members staff kept in two different groups into one
is skipped, so a recomputation never merges what staff kept apart. Comments staff split out are not
in the scope at all.

Group ids are stable: a component that holds members staff kept in a group is that group; any other
component keeps the id of the existing group that holds most of its members (each id once, the
largest overlaps first, ties to the lower id); a new component of two or more gets a new group.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

BURST_WINDOW = timedelta(hours=2)
BURST_MIN = 5  # members within one window
BURST_ADDRESSES = 3  # at least this many members per distinct address in that window


@dataclass
class Partition:
    """Each component of two or more (or holding staff's pins): its group id, or None for a new group."""

    components: list[tuple[int | None, list[int]]]


class _Sets:
    def __init__(self, nodes: Iterable[int]):
        self.parent = {n: n for n in nodes}
        self.pin: dict[int, int | None] = {n: None for n in self.parent}

    def find(self, n: int) -> int:
        root = n
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[n] != root:
            self.parent[n], n = root, self.parent[n]
        return root

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        pa, pb = self.pin[ra], self.pin[rb]
        if pa is not None and pb is not None and pa != pb:
            return False
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.pin[ra] = pa if pa is not None else pb
        return True


def partition(
    nodes: Iterable[int],
    pairs: Mapping[tuple[int, int], float],
    pinned: Mapping[int, int],
    existing: Mapping[int, int],
    held: Iterable[int] = (),
) -> Partition:
    """Group a scope: ``pairs`` verified (score), ``pinned`` comment → group staff kept it in,
    ``existing`` comment → its current group, ``held`` groups staff merged or confirmed."""
    sets = _Sets(nodes)
    for comment, group in pinned.items():
        if comment in sets.parent:
            sets.pin[sets.find(comment)] = group
    by_group: dict[int, list[int]] = {}
    for comment, group in sorted(pinned.items()):
        if comment in sets.parent:
            by_group.setdefault(group, []).append(comment)
    for members in by_group.values():
        for other in members[1:]:
            sets.union(members[0], other)
    for (a, b), _score in sorted(pairs.items(), key=lambda item: (-item[1], item[0])):
        if a in sets.parent and b in sets.parent:
            sets.union(a, b)
    components: dict[int, list[int]] = {}
    for n in sorted(sets.parent):
        components.setdefault(sets.find(n), []).append(n)
    reserved = set(held) | {group for group in pinned.values()}
    result: list[tuple[int | None, list[int]]] = []
    loose: list[list[int]] = []
    for root, members in components.items():
        if sets.pin[root] is not None:
            result.append((sets.pin[root], members))
        elif len(members) >= 2:
            loose.append(members)
    overlaps = []
    for index, members in enumerate(loose):
        counts = Counter(existing[m] for m in members if m in existing and existing[m] not in reserved)
        overlaps += [(-count, group, index) for group, count in counts.items()]
    chosen: dict[int, int] = {}
    taken: set[int] = set()
    for _negative, group, index in sorted(overlaps):
        if index not in chosen and group not in taken:
            chosen[index] = group
            taken.add(group)
    result += [(chosen.get(index), members) for index, members in enumerate(loose)]
    return Partition(sorted(result, key=lambda item: item[1][0]))


def is_burst(arrivals: Iterable[tuple[datetime, str | None]]) -> bool:
    """Whether many members arrived within ``BURST_WINDOW`` from few addresses (a possible organised
    campaign: a fact for staff). Members without an address (letters, contact points) do not count."""
    known = sorted((at, address) for at, address in arrivals if address)
    start = 0
    for end in range(len(known)):
        while known[end][0] - known[start][0] > BURST_WINDOW:
            start += 1
        window = known[start : end + 1]
        if len(window) >= BURST_MIN and len({a for _, a in window}) * BURST_ADDRESSES <= len(window):
            return True
    return False
