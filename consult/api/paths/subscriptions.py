"""Paths of subscriptions: asking for one (the confirm and unsubscribe links are HTML pages)."""

from __future__ import annotations

from typing import Any

from consult.api.paths.common import body, ok, response_ref


def paths() -> dict[str, Any]:
    """POST /api/v1/subscriptions."""
    return {
        "/api/v1/subscriptions": {
            "post": {
                "operationId": "subscribe",
                "tags": ["subscriptions"],
                "summary": "Subscribe to new consultations and published feedback (double opt-in)",
                "description": (
                    "Queues a confirmation mail (an SMS for `phone`) with a link; nothing else is sent "
                    "until it is opened (`GET /subscriptions/confirm/{token}`). The answer is the same "
                    "whether or not the address was subscribed already, and an address gets at most one "
                    "confirmation per interval. Every later mail links `/subscriptions/unsubscribe/{token}` "
                    "and carries `List-Unsubscribe` with one-click POST (RFC 8058)."
                ),
                "requestBody": body("SubscriptionInput", {"email": "name@example.com", "topics": ["drafts"]}),
                "responses": {
                    "202": ok("The request was taken.", "SubscriptionRequested"),
                    "400": response_ref("ValidationError"),
                    "413": response_ref("PayloadTooLarge"),
                    "415": response_ref("UnsupportedMediaType"),
                    "429": response_ref("RateLimited"),
                },
            },
        },
    }
