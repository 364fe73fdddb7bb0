"""The one place that cleans text: plain text for the public, a small allowlist for staff fields.

User text is plain text. bleach strips tags and escapes what is left; we then unescape the entities
it produced, so `罚款<5000元 & 以上` is stored exactly as typed and escaped only on output.
"""

from __future__ import annotations

import html
import re
import unicodedata

import bleach

STAFF_TAGS = frozenset({"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "h3", "h4", "blockquote", "a"})
STAFF_ATTRIBUTES = {"a": ["href", "title"]}
STAFF_PROTOCOLS = frozenset({"http", "https", "mailto"})

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TAGLIKE = re.compile(r"<\s*/?\s*[A-Za-z!][^<>]*>")
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.I | re.S)


# How much longer than a field's limit raw input may be before it is refused uncleaned: markup that
# cleaning would strip may make a text look longer than it is, but bleach's time grows with the input
# (15 MB of markup kept a worker busy for 71 s), so anything past this is refused without cleaning.
RAW_FACTOR = 4
RAW_SLACK = 1000


def raw_max(maximum: int) -> int:
    """The longest raw value (before cleaning) a field of `maximum` characters is cleaned at all."""
    return maximum * RAW_FACTOR + RAW_SLACK


def raw_length_over(value: object, maximum: int) -> int | None:
    """The raw length when `value` is too long to be worth cleaning for a field of `maximum` (else None)."""
    if isinstance(value, str) and len(value) > raw_max(maximum):
        return len(value)
    return None


def plain_text(value: str | None) -> str:
    """Markup removed, entities kept as typed, line endings normalised, trimmed; emoji kept."""
    if not value:
        return ""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    if _TAGLIKE.search(text):
        # Only run bleach when something looks like a tag, so a lone "<" or "&" is never touched.
        cleaned = bleach.clean(text, tags=set(), attributes={}, strip=True, strip_comments=True)
        text = html.unescape(cleaned)
    text = unicodedata.normalize("NFC", text)
    return text.strip()


def staff_html(value: str | None) -> str:
    """Staff-authored rich text (the explanatory note): a small allowlist of tags, no scripts."""
    if not value:
        return ""
    value = _SCRIPT_OR_STYLE.sub("", value)  # their contents are code, not text
    return bleach.clean(
        value,
        tags=STAFF_TAGS,
        attributes=STAFF_ATTRIBUTES,
        protocols=STAFF_PROTOCOLS,
        strip=True,
        strip_comments=True,
    ).strip()


def paragraphs_to_html(text: str) -> str:
    """Plain paragraphs separated by blank lines → <p> elements (escaped)."""
    parts = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in parts)
