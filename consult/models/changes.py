"""Change counters: a number that moves whenever a kind of data changes, so caches know they are stale."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from consult.extensions import db


class ChangeCounter(db.Model):
    """One row per kind of data (``comments``); ``value`` goes up in every transaction that changes it."""

    __tablename__ = "change_counter"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
