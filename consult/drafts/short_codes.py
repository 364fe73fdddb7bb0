"""Short addresses of drafts (/d/<code>), printed on posters and read off a wall or a leaflet.

A code is drawn once, when the draft is created, and never changes: the address on a poster printed
for a consultation keeps working whatever else about the draft changes. Six characters from an
alphabet without the look-alikes a reader confuses on paper (0/o, 1/l/i): 31**6, about 887 million
codes, so a draw that hits a taken one is rare and simply drawn again. Lower case, because people
type it on a phone; lookups forgive upper case, spaces and dashes.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.errors import NotFound
from consult.extensions import db
from consult.i18n import _
from consult.models import Draft
from consult.models.drafts import SHORT_CODE_MAX

ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
LENGTH = 6
DRAWS = 20
_NOT_CODE = re.compile(r"[\s\-‐‑‒–—―－_]+")
assert LENGTH <= SHORT_CODE_MAX


def new_code() -> str:
    """A fresh code from the system's secure random source (not yet checked against the taken ones)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def free_code(session: Session) -> str:
    """A code no draft has yet, inside the creating write transaction (the unique index has the last word)."""
    for _attempt in range(DRAWS):
        code = new_code()
        if session.scalar(select(Draft.id).where(Draft.short_code == code)) is None:
            return code
    raise RuntimeError(f"no free short code after {DRAWS} draws")  # 887 million codes: never in practice


def normalise(code: str | None) -> str:
    """What a person typed → the stored form (lower case, no spaces or dashes)."""
    return _NOT_CODE.sub("", code or "").lower()


def is_well_formed(code: str) -> bool:
    """Whether a normalised code could be a short code (refused before any query otherwise)."""
    return len(code) == LENGTH and all(c in ALPHABET for c in code)


def public_draft_by_code(code: str | None) -> Draft:
    """The published draft a short address names, or NotFound (unknown, malformed or unpublished)."""
    plain = normalise(code)
    draft = (
        db.session.scalar(select(Draft).where(Draft.short_code == plain, Draft.is_public))
        if is_well_formed(plain)
        else None
    )
    if draft is None:
        raise NotFound(_("该短网址不存在，或草案尚未公布"))
    return draft
