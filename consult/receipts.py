"""Receipt codes (回执码): 13 random digits (43 bits), read aloud and typed on a phone's number pad.

Stored normalised (digits only); printed in groups joined by dashes, never spaces (a space breaks
URLs): 4821-093-755-102, 16 characters. Lookups ignore case, spaces and dashes.
"""

from __future__ import annotations

import re
import secrets

DIGITS = 13
GROUPS = (4, 3, 3, 3)
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―－_]+")
_NOT_DIGIT = re.compile(r"[^0-9]+")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def new_code() -> str:
    """A fresh, normalised code from the system's secure random source."""
    return f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"


def normalise(code: str | None) -> str:
    """What a person typed or pasted → the stored form.

    Spaces, dashes and full-width digits are forgiven, and so is what surrounds a pasted code
    ("回执码：5861-000-880-049。"): when exactly 13 digits stand among other characters, they are the code.
    """
    if not code:
        return ""
    plain = _SEPARATORS.sub("", code.translate(_FULL_WIDTH)).upper()
    if not plain.isdigit():
        digits = _NOT_DIGIT.sub("", plain)
        if len(digits) == DIGITS:
            return digits
    return plain


def is_well_formed(code: str) -> bool:
    """Whether a normalised code has the shape of a receipt code."""
    return len(code) == DIGITS and code.isdigit()


def display(code: str) -> str:
    """The printed form: groups joined by dashes."""
    parts, start = [], 0
    for size in GROUPS:
        parts.append(code[start : start + size])
        start += size
    return "-".join(p for p in parts if p)
