"""The client's address, the salted hash we keep instead of it, and a cookie or an answer's header read
without werkzeug's cost for a missing one."""

from __future__ import annotations

import hashlib
import hmac

from flask import Request, current_app, request
from werkzeug.datastructures import Headers


def client_address() -> str:
    """The client's IP; trusts X-Forwarded-For only for the configured number of proxy hops."""
    hops = current_app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        forwarded = [p.strip() for p in request.headers.get("X-Forwarded-For", "").split(",") if p.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.remote_addr or "0.0.0.0"


def address_hash(address: str | None) -> str | None:
    """A keyed hash of an address: enough to spot floods, never the address itself."""
    if not address:
        return None
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"addr:" + address.encode(), hashlib.sha256).hexdigest()[:32]


def header_value(headers: Headers, name: str) -> str | None:
    """The first value of the header ``name`` (any case), or None: werkzeug's ``get`` and ``in`` raise
    and catch an error for a missing name, which the hooks of every answer ask for several times."""
    lowered = name.lower()
    for header, value in headers.items():
        if header.lower() == lowered:
            return value
    return None


def cookie(name: str, asked: Request | None = None) -> str | None:
    """The cookie ``name`` of ``asked`` (this request by default), or None. ``request.cookies.get`` raises
    and catches an error for a missing cookie, and most visitors have none of the preference cookies (or
    no cookie at all)."""
    cookies = (request if asked is None else asked).cookies
    return cookies[name] if name in cookies else None  # noqa: SIM401 (get is what costs)
