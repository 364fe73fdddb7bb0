"""A scope's partition into groups (pure): near-duplicate pairs joined, under staff's pins.

The result depends only on the comments, their near-duplicate pairs and what staff did, never on the
order the comments arrived in; so the incremental path (ingest.py) and a rebuild agree. Comments not
kept by staff form components (connected by near-duplicate pairs; a pair already connected is not
even scored, so a campaign of thousands costs about one verification per member). A component near
comments staff kept in a group (merged or confirmed) joins that group, near several the closest one:
two groups staff kept apart never become one. Comments staff split out are not in the scope at all.

Group ids are stable: a component that holds members staff kept in a group is that group; any other
component keeps the id of the existing group that holds most of its members (each id once, the
largest overlaps first, ties to the lower id); a new component of two or more gets a new group.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
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

    def find(self, n: int) -> int:
        root = n
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[n] != root:
            self.parent[n], n = root, self.parent[n]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = sorted((self.find(a), self.find(b)))
        self.parent[rb] = ra


def _joined_already(bucket: Sequence[int], nodes: set[int], pinned: Mapping[int, int], loose: _Sets) -> bool:
    """Whether a bucket can change nothing: none of its comments is pinned and all are one component
    already. A campaign's copies share most of their bands: after its first bucket joined them, the
    other 36 need one look-up per copy, not a pass that tries each copy against its component."""
    root = None
    for n in bucket:
        if n not in nodes:
            continue
        if n in pinned:
            return False
        found = loose.find(n)
        if root is None:
            root = found
        elif found != root:
            return False
    return True


def partition(
    nodes: Iterable[int],
    buckets: Iterable[Sequence[int]],
    score: Callable[[int, int], float | None],
    pinned: Mapping[int, int],
    existing: Mapping[int, int],
    held: Iterable[int] = (),
) -> Partition:
    """Group a scope: ``buckets`` of candidates (comments sharing an LSH band key), a pair's ``score``
    (None: not near-duplicates), ``pinned`` comment → group staff kept it in, ``existing`` comment →
    its current group, ``held`` groups staff merged or confirmed. Within a bucket, a comment is tried
    against the members of each other component until one is a near-duplicate: every candidate pair
    is either scored or already connected, and a campaign costs about one score per copy and band."""
    nodes = set(nodes)
    loose = _Sets(n for n in nodes if n not in pinned)
    towards: dict[tuple[int, int], set[tuple[int, int]]] = {}  # (loose node, kept group) → pairs
    for bucket in buckets:
        if _joined_already(bucket, nodes, pinned, loose):
            continue
        members = sorted({n for n in bucket if n in nodes})
        kept_here: dict[int, list[int]] = {}
        for n in members:
            if n in pinned:
                kept_here.setdefault(pinned[n], []).append(n)
        seen: dict[int, list[int]] = {}  # component root → its members met so far in this bucket
        for a in members:
            if a in pinned:
                continue
            for group, kept in kept_here.items():
                towards.setdefault((a, group), set()).update((a, k) for k in kept)
            for root in list(seen):
                if loose.find(root) == loose.find(a):
                    continue
                if any(score(a, b) is not None for b in seen[root]):
                    loose.union(a, root)
            # The components met so far that a is now part of become one entry under their root. The
            # largest list is kept and the others are added to it: rebuilding every list for every member
            # made a bucket of n copies of a campaign cost n² (300 copies, 37 bands: 1.7 million copies of
            # list items per campaign).
            root_a = loose.find(a)
            joined = [seen.pop(root) for root in list(seen) if loose.find(root) == root_a]
            met = max(joined, key=len) if joined else []
            for other in joined:
                if other is not met:
                    met.extend(other)
            met.append(a)
            seen[root_a] = met
    components: dict[int, list[int]] = {}
    for n in sorted(loose.parent):
        components.setdefault(loose.find(n), []).append(n)
    # A loose component near comments staff kept in a group joins that group; near several, the one it
    # is closest to (its best pair; ties to the lower group id). Two kept groups never become one.
    reach: dict[int, dict[int, list[tuple[int, int]]]] = {}
    for (node, group), pairs in towards.items():
        reach.setdefault(loose.find(node), {}).setdefault(group, []).extend(pairs)
    joins: dict[int, int] = {}
    for root, groups in reach.items():
        if len(groups) == 1:
            ((group, pairs),) = groups.items()
            if any(score(a, b) is not None for a, b in pairs):
                joins[root] = group
            continue
        best = {}
        for group, pairs in groups.items():
            scores = [v for v in (score(a, b) for a, b in pairs) if v is not None]
            if scores:
                best[group] = max(scores)
        if best:
            joins[root] = min(best, key=lambda g: (-best[g], g))
    kept: dict[int, list[int]] = {}
    for comment, group in pinned.items():
        if comment in nodes:
            kept.setdefault(group, []).append(comment)
    unkept: list[list[int]] = []
    for root, members in components.items():
        if root in joins:
            kept.setdefault(joins[root], []).extend(members)
        elif len(members) >= 2:
            unkept.append(members)
    result: list[tuple[int | None, list[int]]] = [(g, sorted(m)) for g, m in kept.items()]
    reserved = set(held) | set(pinned.values())
    overlaps = []
    for index, members in enumerate(unkept):
        counts = Counter(existing[m] for m in members if m in existing and existing[m] not in reserved)
        overlaps += [(-count, group, index) for group, count in counts.items()]
    chosen: dict[int, int] = {}
    taken: set[int] = set()
    for _negative, group, index in sorted(overlaps):
        if index not in chosen and group not in taken:
            chosen[index] = group
            taken.add(group)
    result += [(chosen.get(index), members) for index, members in enumerate(unkept)]
    return Partition(sorted(result, key=lambda item: item[1][0]))


def is_burst(arrivals: Iterable[tuple[datetime, str | None]], ends_from: datetime | None = None) -> bool:
    """Whether many members arrived within ``BURST_WINDOW`` from few addresses (a possible organised
    campaign: a fact for staff). Members without an address (letters, contact points) do not count.
    ``ends_from``: only the windows that end at or after it (a group that was no burst and gained
    members from then on: ``arrivals`` then need only hold those from BURST_WINDOW before it)."""
    known = sorted((at, address) for at, address in arrivals if address)
    start = 0
    for end in range(len(known)):
        while known[end][0] - known[start][0] > BURST_WINDOW:
            start += 1
        window = known[start : end + 1]
        if ends_from is not None and known[end][0] < ends_from:
            continue
        if len(window) >= BURST_MIN and len({a for _, a in window}) * BURST_ADDRESSES <= len(window):
            return True
    return False
