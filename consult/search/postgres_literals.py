"""How analysed text and filters become PostgreSQL ``tsvector`` and ``tsquery`` input: the literals
the PostgreSQL backend binds as parameters.

Why literals and not ``to_tsvector('simple', …)``/``to_tsquery('simple', …)``: the text-search
parser splits what the analyzer keeps whole and adds parts that shift positions (``wi-fi`` becomes
``wi-fi``, ``wi``, ``fi`` at three positions, so a phrase after it no longer lines up), and on a
cluster whose locale does not class Han characters as letters it drops Chinese altogether. So the
tsvector is passed as a literal (``'lexeme':1,5 …``) and the tsquery too (``'开放' <-> '放时'``),
both as bound parameters cast with ``CAST(:v AS tsvector)``/``CAST(:q AS tsquery)``; every lexeme is
quoted and escaped, so no input can produce a syntax error. ``simple`` semantics (no stemming, no
stop words) hold by construction. Positions above 16383 are clamped (PostgreSQL's limit), and at
most 256 positions are kept per lexeme.

Filter lexemes: each row's ``tokens`` also holds its filter fields as lexemes without positions
(``#public``, ``#draft_id:4``, ``#status:published`` …); the analyzer never makes a ``#``, so they
cannot match a word, and a query can AND them so that the GIN index filters too.
"""

from __future__ import annotations

import itertools

from consult.search.analysis import ParsedQuery, Token
from consult.search.base import Doc

MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 256
FILTERS = ("kind", "draft_id", "article_id", "status", "channel", "contact_point_id")


def lexeme(value: str) -> str:
    """One lexeme, quoted and escaped for tsvector and tsquery input."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def filter_lexeme(name: str, value) -> str:
    """``#public``, ``#draft_id:4``: the analyzer never makes a token with ``#`` (a separator)."""
    if name == "public":
        return "#public"
    return f"#{name}:{value}"


def filter_lexemes(doc: Doc) -> list[str]:
    """The filter fields of a document as lexemes without positions, so the GIN index filters too."""
    found = [filter_lexeme("public", True)] if doc.public else []
    for name in FILTERS:
        value = getattr(doc, name)
        if value is not None:
            found.append(filter_lexeme(name, value))
    return found


def tsvector_literal(tokens: list[Token], filters: list[str] = ()) -> str:
    """The tsvector input for analysed tokens: each lexeme with its positions (1-based, token order),
    then the filter lexemes (no positions)."""
    positions: dict[str, list[int]] = {}
    for token in tokens:
        positions.setdefault(token.text, []).append(min(token.pos + 1, MAX_POSITION))
    return " ".join(
        [
            lexeme(text) + ":" + ",".join(map(str, sorted(set(found))[:MAX_POSITIONS_PER_LEXEME]))
            for text, found in positions.items()
        ]
        + [lexeme(f) for f in filters]
    )


def _sequence(tokens: tuple[str, ...]) -> str:
    return "(" + " <-> ".join(lexeme(t) for t in tokens) + ")"


def tsquery_literal(parsed: ParsedQuery, *, loose: bool = False, min_match: int = 1) -> str:
    """The tsquery: every clause as a ``<->`` sequence, clauses with ``&``; or the loose ``|`` (with
    ``min_match`` > 1: an OR of every ``&`` of that many tokens)."""
    if loose and min_match > 1:
        return " | ".join(
            "(" + " & ".join(lexeme(t) for t in group) + ")"
            for group in itertools.combinations(parsed.loose, min_match)
        )
    if loose:
        return " | ".join(lexeme(t) for t in parsed.loose)
    return " & ".join(_sequence(c.tokens) for c in parsed.clauses)


def boost_literal(parsed: ParsedQuery) -> str | None:
    """The optional part of the rank: the unquoted terms joined as one phrase, or None."""
    return _sequence(parsed.joined) if len(parsed.joined) > 1 else None
