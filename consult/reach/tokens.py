"""The links in subscription messages: ``<id>-<mac>``, an HMAC of the row's id and nonce with SECRET_KEY.

Nothing secret is stored: a link is checked by computing its MAC again, and a new nonce (a new
subscription after an unsubscribe) withdraws every earlier link. The token is short (a few digits and 16
characters), so a link still fits in one SMS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from flask import current_app

from consult.models import Subscription
from consult.models.subscriptions import NONCE_LENGTH

CONFIRM = "confirm"
UNSUBSCRIBE = "unsubscribe"
MAC_BYTES = 12  # 96 bits: 16 URL-safe characters
TOKEN = re.compile(r"^([1-9][0-9]{0,9})-([A-Za-z0-9_\-]{16})$")


def new_nonce() -> str:
    """A fresh secret for a subscription's links."""
    return secrets.token_hex(NONCE_LENGTH // 2)


def _mac(purpose: str, subscription_id: int, nonce: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    message = f"subscription:{purpose}:{subscription_id}:{nonce}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:MAC_BYTES]
    return base64.urlsafe_b64encode(digest).decode()


def make(purpose: str, subscription: Subscription) -> str:
    """The token of one purpose (CONFIRM or UNSUBSCRIBE) for a subscription."""
    return f"{subscription.id}-{_mac(purpose, subscription.id, subscription.nonce)}"


def subscription_id(token: str) -> int | None:
    """The id a well-formed token names (not yet checked), or None."""
    match = TOKEN.match(token or "")
    return int(match.group(1)) if match else None


def valid(purpose: str, token: str, subscription: Subscription) -> bool:
    """Whether the token is this subscription's token for the purpose."""
    match = TOKEN.match(token or "")
    if not match or int(match.group(1)) != subscription.id:
        return False
    return hmac.compare_digest(match.group(2), _mac(purpose, subscription.id, subscription.nonce))
