"""The comparison both kept counters (per article, per day and channel) are checked with: a stored and a
fresh mapping of key → count, and the keys where they differ."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import TypeVar


@dataclass(frozen=True)
class Difference:
    """A counter that does not say what the comments do."""

    key: tuple[Hashable, ...]
    stored: int
    counted: int


D = TypeVar("D", bound="Difference")


def compare(have: dict, want: dict, kind: type[D]) -> list[D]:
    """The keys whose stored count (``have``) differs from the fresh one (``want``), in key order."""
    return [
        kind(k, have.get(k, 0), want.get(k, 0))
        for k in sorted(have.keys() | want.keys())
        if have.get(k, 0) != want.get(k, 0)
    ]
