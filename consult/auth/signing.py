"""How the values a visitor's browser keeps are signed: the session cookie and the CSRF token.

The one home of their serializer. It is itsdangerous' URL-safe timed serializer, the same format Flask
and Flask-WTF use, with two costs taken out of every new visitor's page:

- **No zlib.** itsdangerous compresses each payload and keeps the result when it is shorter. A session
  of a few dozen bytes hardly ever is, and ``zlib.compress`` sets up a fresh compressor of a few hundred
  kilobytes each call: 10-30 µs, twice a page for a visitor with no cookie yet (the session and the CSRF
  token). Payloads are now written plain; a compressed one (a cookie signed before) still loads.
- **The key derived once.** itsdangerous makes a new signer and derives its key (an HMAC) for each value
  it signs; here the signer of each salt is made once and keeps its derived keys.

The signatures are byte for byte what itsdangerous makes for the same payload and time, so tokens and
cookies signed either way check out either way (tests/auth/test_signing.py).
"""

from __future__ import annotations

import hashlib
import os

from flask import current_app, g, session
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, want_bytes
from itsdangerous.url_safe import URLSafeSerializerMixin

# Flask-WTF's names: its CSRFProtect checks what generate_csrf signed (flask_wtf.csrf.validate_csrf).
CSRF_SALT = "wtf-csrf-token"


class KeptKeySigner(TimestampSigner):
    """itsdangerous' timestamp signer that derives the key of each secret once."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._derived: dict[bytes, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        try:
            return self._derived[key]
        except KeyError:
            derived = self._derived[key] = super().derive_key(key)
            return derived


class PlainSerializer(URLSafeTimedSerializer):
    """URLSafeTimedSerializer that writes its payloads without zlib and keeps one signer per salt."""

    default_signer = KeptKeySigner

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("signer", KeptKeySigner)
        super().__init__(*args, **kwargs)
        self._signers: dict[str | bytes | None, TimestampSigner] = {}

    def dump_payload(self, obj) -> bytes:
        # The JSON itself (the mixin's base class), base64 as the mixin writes it, never compressed.
        return base64_encode(super(URLSafeSerializerMixin, self).dump_payload(obj))

    def make_signer(self, salt=None):
        salt = self.salt if salt is None else salt
        try:
            return self._signers[salt]
        except KeyError:
            signer = self._signers[salt] = super().make_signer(salt)
            return signer


_csrf_serializers: dict[tuple, PlainSerializer] = {}


def csrf_serializer(secret_key) -> PlainSerializer:
    """The serializer of CSRF tokens signed with ``secret_key`` (Flask-WTF's salt and format)."""
    keys = (secret_key,)
    serializer = _csrf_serializers.get(keys)
    if serializer is None:
        serializer = _csrf_serializers[keys] = PlainSerializer(secret_key, salt=CSRF_SALT)
    return serializer


def csrf_token() -> str:
    """This visitor's CSRF token, as ``flask_wtf.csrf.generate_csrf`` makes it, signed here.

    The same token for the whole request (kept on ``g`` under Flask-WTF's name, so a form that asks
    Flask-WTF afterwards gets this one); the raw value is kept in the session as Flask-WTF keeps it.
    """
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
    token = g.get(field)
    if token is None:
        if not isinstance(session.get(field), str):  # none yet (or not one Flask-WTF would sign)
            session[field] = hashlib.sha1(os.urandom(64)).hexdigest()
        secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
        token = csrf_serializer(secret).dumps(session[field])
        setattr(g, field, token)
    return token
