"""Atom 1.0 documents (RFC 4287) written with the standard library's ElementTree.

Entry ids are tag URIs (RFC 4151) built from the draft's id and creation day, not from its address:
an id must never change, and a slug or a host name may.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml"
ElementTree.register_namespace("", ATOM_NS)  # written as the default namespace, without ns0: prefixes
# A feed with no entry yet still needs an <updated>: a fixed moment keeps it (and its ETag) stable.
EMPTY_FEED_UPDATED = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Entry:
    """One <entry>: what it is, where to read it, when it last changed, a plain-text summary."""

    id: str
    title: str
    link: str
    updated: datetime
    summary: str
    published: datetime | None = None


def stamp(moment: datetime) -> str:
    """An RFC 3339 date-time in UTC (SQLite hands back naive datetimes, which are UTC here)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def tag_uri(base_url: str, day: datetime, specific: str) -> str:
    """tag:<host>,<YYYY-MM-DD>:<specific>, the host being the site's public one."""
    host = urlsplit(base_url).hostname or "localhost"
    return f"tag:{host},{day:%Y-%m-%d}:{specific}"


def _add(
    parent: ElementTree.Element, name: str, text: str | None = None, **attrs: str
) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, f"{{{ATOM_NS}}}{name}", attrs)
    if text is not None:
        element.text = text
    return element


def feed(
    *, feed_id: str, title: str, self_url: str, site_url: str, author: str, lang: str, entries: list[Entry]
) -> bytes:
    """The feed as UTF-8 bytes with an XML declaration; <updated> is the newest entry's."""
    root = ElementTree.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
    _add(root, "id", feed_id)
    _add(root, "title", title)
    newest = max((e.updated for e in entries), default=EMPTY_FEED_UPDATED, key=lambda d: stamp(d))
    _add(root, "updated", stamp(newest))
    _add(root, "link", rel="self", type=ATOM_TYPE, href=self_url)
    _add(root, "link", rel="alternate", type="text/html", href=site_url)
    _add(_add(root, "author"), "name", author)
    for item in entries:
        entry = _add(root, "entry")
        _add(entry, "id", item.id)
        _add(entry, "title", item.title)
        _add(entry, "updated", stamp(item.updated))
        if item.published is not None:
            _add(entry, "published", stamp(item.published))
        _add(entry, "link", rel="alternate", type="text/html", href=item.link)
        _add(entry, "summary", item.summary, type="text")
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
