"""Password hashing with argon2id; cost parameters come from the settings (cheap in tests)."""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# A hash to verify against when the account does not exist, so timing does not reveal it.
_DUMMY: dict[tuple[int, int], str] = {}


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST"], parallelism=1
    )


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; spends the same work when there is no account."""
    hasher = _hasher()
    if password_hash is None:
        key = (hasher.time_cost, hasher.memory_cost)
        if key not in _DUMMY:
            _DUMMY[key] = hasher.hash("dummy-password-for-timing")
        password_hash = _DUMMY[key]
        with contextlib.suppress(VerificationError, InvalidHashError):
            hasher.verify(password_hash, password)
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
