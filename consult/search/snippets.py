"""Snippets: a window of the stored text around the first match, escaped, with <mark> around matches.

Both backends call ``snippet()`` on the text they stored, so a hit looks the same whichever backend
found it. Matches are found with the same analysis as the index (``analysis.analyze``), so a phrase
is marked exactly where the index matched it, and the marks land on the text as written (full-width
characters and upper case included). Everything but the <mark> tags is HTML-escaped.
"""

from __future__ import annotations

import html
import re

from consult.search.analysis import ParsedQuery, analyze, is_cjk, normalize

WIDTH = 80  # characters of text in a snippet
LEAD = 20  # characters shown before the first match
ELLIPSIS = "\u2026"
_SPACE = re.compile(r"\s+")


def _substring_spans(text: str, parsed: ParsedQuery) -> list[tuple[int, int]] | None:
    """The fast path of ``match_spans`` when every clause is Chinese only: its bigrams are consecutive
    exactly where the clause is a substring of the normalised text (the one case this misses, white
    space inside a run of Chinese, returns None, as does a clause not found: the full path decides)."""
    if not parsed.clauses or not all(c.text and all(map(is_cjk, c.text)) for c in parsed.clauses):
        return None
    norm, origin = normalize(text)
    spans: list[tuple[int, int]] = []
    for clause in parsed.clauses:
        needle, found = clause.text, False
        at = norm.find(needle)
        while at != -1:
            end = at + len(needle)
            spans.append((at, end) if origin is None else (origin[at], origin[end - 1] + 1))
            found = True
            at = norm.find(needle, at + 1)
        if not found:
            return None
    return _merge(spans)


def match_spans(text: str, parsed: ParsedQuery) -> list[tuple[int, int]]:
    """Where the query matches the text: (start, end) offsets in the text, merged, in order.

    A clause matches where its tokens sit at consecutive positions. When no clause matches (the
    relaxed fallback found the document), every single token of ``parsed.loose`` is marked instead.
    Chinese-only clauses are found as substrings (``_substring_spans``), without analysing the text.
    """
    fast = _substring_spans(text, parsed)
    if fast is not None:
        return fast
    at: dict[tuple[int, str], tuple[int, int]] = {}
    starts: dict[str, list[int]] = {}
    for token in analyze(text):
        key = (token.pos, token.text)
        if key not in at:
            at[key] = (token.start, token.end)
            starts.setdefault(token.text, []).append(token.pos)
    spans: list[tuple[int, int]] = []
    for clause in parsed.clauses:
        first, rest = clause.tokens[0], clause.tokens[1:]
        for pos in starts.get(first, []):
            if all((pos + 1 + j, tok) in at for j, tok in enumerate(rest)):
                last = at[(pos + len(rest), rest[-1])] if rest else at[(pos, first)]
                spans.append((at[(pos, first)][0], last[1]))
    if not spans:
        for tok in parsed.loose:
            spans.extend(at[(pos, tok)] for pos in starts.get(tok, []))
    return _merge(spans)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _plain(segment: str) -> str:
    return html.escape(_SPACE.sub(" ", segment))


def snippet(text: str, parsed: ParsedQuery, width: int = WIDTH) -> str:
    """HTML: about ``width`` characters around the first match, escaped, matches in <mark>."""
    text = text or ""
    spans = match_spans(text, parsed)
    if spans:
        first_start, first_end = spans[0]
        start = max(0, first_start - LEAD)
        end = min(len(text), max(start + width, first_end))
        if end - start < width:
            start = max(0, end - width)
    else:
        start, end = 0, min(len(text), width)
    out = [ELLIPSIS] if start > 0 else []
    cursor = start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        out.append(_plain(text[cursor:s]))
        out.append(f"<mark>{_plain(text[s:e])}</mark>")
        cursor = e
    out.append(_plain(text[cursor:end]))
    if end < len(text):
        out.append(ELLIPSIS)
    return "".join(out).strip()
