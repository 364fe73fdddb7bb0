"""The append-only audit log, and the outbox that feeds derived work (search index, mail)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consult.clock import utcnow
from consult.extensions import db
from consult.models.enums import OUTBOX_KINDS
from consult.models.types import UTCDateTime, enum_check, enum_column_type


class AuditLog(db.Model):
    """Who did what to which object, when and from where. Rows are never updated or deleted."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    # Kept as text too, so the row still says who it was after an account is removed.
    actor_name: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    address_hash: Mapped[str | None] = mapped_column(String(64))


class OutboxEvent(db.Model):
    """Derived work queued in the same transaction as the change that needs it."""

    __tablename__ = "outbox_event"
    __table_args__ = (
        enum_check("kind", OUTBOX_KINDS),
        Index("ix_outbox_event_pending", "processed_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(enum_column_type(OUTBOX_KINDS))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Retries back off: a failed event is not tried again before this time.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
