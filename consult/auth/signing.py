"""How the values a visitor's browser keeps are signed: the session cookie and the CSRF token.

The one home of their serializer. It is itsdangerous' URL-safe timed serializer, the same format Flask
and Flask-WTF use, with two costs taken out of every new visitor's page:

- **No zlib.** itsdangerous compresses each payload and keeps the result when it is shorter. A session
  of a few dozen bytes hardly ever is, and ``zlib.compress`` sets up a fresh compressor of a few hundred
  kilobytes each call: 10-30 µs, twice a page for a visitor with no cookie yet (the session and the CSRF
  token). Payloads are now written plain; a compressed one (a cookie signed before) still loads.
- **The key derived once.** itsdangerous makes a new signer and derives its key (an HMAC) for each value
  it signs; here the signer of each salt is made once and keeps its derived keys.
- **The HMAC keyed once.** Each signature started a new HMAC from the key (its pads and two hash
  states); here each key's HMAC is made once and copied for every value (``KeptHMAC``).
- **Plain sessions written as plain JSON.** Flask's tagged JSON walks every value looking for tuples,
  bytes, Markup and dates, and dumps through the app's JSON provider. A session of strings, numbers,
  booleans and None (a visitor's CSRF token, a signed-in user) needs none of that: it is written with one
  kept encoder, byte for byte what Flask writes (``SessionJSON``); anything else goes Flask's way.

The signatures are byte for byte what itsdangerous makes for the same payload and time, so tokens and
cookies signed either way check out either way (tests/auth/test_signing.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os

from flask import current_app, g, session
from flask.json.provider import DefaultJSONProvider
from flask.json.tag import TaggedJSONSerializer
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, want_bytes
from itsdangerous.signer import HMACAlgorithm
from itsdangerous.url_safe import URLSafeSerializerMixin

# Flask-WTF's names: its CSRFProtect checks what generate_csrf signed (flask_wtf.csrf.validate_csrf).
CSRF_SALT = "wtf-csrf-token"


class KeptHMAC(HMACAlgorithm):
    """itsdangerous' HMAC signing, each key's HMAC made once and copied per value (the same digest)."""

    def __init__(self, digest_method=None) -> None:
        super().__init__(digest_method)
        self._keyed: dict[bytes, hmac.HMAC] = {}

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        keyed = self._keyed.get(key)
        if keyed is None:
            keyed = self._keyed[key] = hmac.new(key, digestmod=self.digest_method)
        mac = keyed.copy()  # the keyed one is never updated: copies made at once by threads are alike
        mac.update(value)
        return mac.digest()


class KeptKeySigner(TimestampSigner):
    """itsdangerous' timestamp signer that derives the key of each secret once and keeps its HMAC."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._derived: dict[bytes, bytes] = {}
        if type(self.algorithm) is HMACAlgorithm:  # the default: the same digest, keyed once
            self.algorithm = KeptHMAC(self.algorithm.digest_method)

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


_PLAIN_VALUES = (str, int, bool, type(None))


class SessionJSON(TaggedJSONSerializer):
    """Flask's session serializer, writing a session of plain values without walking it for tags.

    A dict whose keys are strings and whose values are exactly str, int, bool or None comes out of
    Flask's tagging unchanged (unless it is one key that names a tag), so its JSON is what the app's
    JSON provider writes of it: here with one kept encoder of the provider's settings (``for_app``).
    Any other session (flashed messages are tuples) is tagged as Flask tags it. Loading is Flask's.
    """

    def __init__(self, plain: json.JSONEncoder | None = None) -> None:
        super().__init__()
        self._plain = plain

    @classmethod
    def for_app(cls, app) -> SessionJSON:
        """The serializer of ``app``'s sessions: plain ones encoded as its default JSON provider would."""
        provider = app.json
        if type(provider) is not DefaultJSONProvider:  # a provider of the app's own: Flask's way always
            return cls()
        # flask.json.tag.TaggedJSONSerializer.dumps: no spaces; DefaultJSONProvider.dumps: its settings.
        return cls(
            json.JSONEncoder(
                separators=(",", ":"), ensure_ascii=provider.ensure_ascii, sort_keys=provider.sort_keys
            )
        )

    def dumps(self, value) -> str:
        if (
            self._plain is not None
            and type(value) is dict
            and all(type(k) is str and type(v) in _PLAIN_VALUES for k, v in value.items())
            and not (len(value) == 1 and next(iter(value)) in self.tags)
        ):
            return self._plain.encode(value)
        return super().dumps(value)


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
