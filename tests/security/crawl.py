"""Walking the site for the security suite: every GET route of the URL map, then the pages they link to.

URL parameters are filled from real objects (a value list per argument name), the way
tests/auth/test_authorization.py fills them, but every combination of the values given is asked.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from urllib.parse import urldefrag, urlsplit

from bs4 import BeautifulSoup
from werkzeug.routing import IntegerConverter

SKIP_ENDPOINTS = {"static"}
# Binary downloads are attachments a browser saves, not documents it renders.
HTML = "text/html"
JSON = "application/json"


def route_urls(app, values: dict[str, list], *, prefix: str = "") -> list[str]:
    """Every GET route of the URL map, built with each combination of the values given for its arguments.

    An argument without values gets 1 or "x" (a 404 page is a page too); one given an empty list
    leaves its route out.
    """
    urls: list[str] = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS or "GET" not in rule.methods or not rule.rule.startswith(prefix):
            continue
        choices = [
            [
                (arg, v)
                for v in values.get(arg, [1 if isinstance(rule._converters[arg], IntegerConverter) else "x"])
            ]
            for arg in sorted(rule.arguments)
        ]
        for combination in itertools.product(*choices):
            urls.append(rule.build(dict(combination))[1])
    return sorted(set(urls))


def same_site_links(resp) -> list[str]:
    """The same-site GET links of an HTML page (a[href], fragment dropped), static files left out."""
    if resp.mimetype != HTML:
        return []
    soup = BeautifulSoup(resp.get_data(as_text=True), "html.parser")
    links = []
    for a in soup.find_all("a", href=True):
        href = urldefrag(a["href"])[0]
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not href.startswith("/") or href.startswith("/static/"):
            continue
        links.append(href)
    return links


def crawl(client, start: Iterable[str], *, depth: int = 1, limit: int = 2000) -> Iterator[tuple[str, object]]:
    """GET every start URL, then (depth levels of) the same-site pages they link to; each URL once."""
    seen: set[str] = set()
    level = list(dict.fromkeys(start))
    for current_depth in range(depth + 1):
        following: list[str] = []
        for url in level:
            if url in seen or len(seen) >= limit:
                continue
            seen.add(url)
            resp = client.get(url)
            yield url, resp
            if current_depth < depth:
                following.extend(link for link in same_site_links(resp) if link not in seen)
        level = list(dict.fromkeys(following))
