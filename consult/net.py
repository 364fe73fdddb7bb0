"""The client's address, and the salted hash we keep instead of it."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request


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
