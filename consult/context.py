"""RequestContext: where an action came from, handed to operations explicitly by the doors."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

from consult.net import address_hash, client_address


@dataclass(frozen=True)
class RequestContext:
    """The address hash (never the raw address) and user agent of the request, or the CLI."""

    address_hash: str | None = None
    user_agent: str | None = None
    address: str | None = None  # only for rate limiting in memory; never stored

    @classmethod
    def from_request(cls) -> RequestContext:
        """Build the context of the current HTTP request (doors only)."""

        address = client_address()
        return cls(
            address_hash=address_hash(address),
            user_agent=(request.user_agent.string or "")[:255],
            address=address,
        )


CLI = RequestContext(address_hash=None, user_agent="cli")
