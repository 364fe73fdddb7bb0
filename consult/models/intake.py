"""Grassroots legislative contact points (基层立法联系点) and the batches they upload."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.clock import utcnow
from consult.extensions import db
from consult.models.enums import CONTACT_POINT_KINDS, MEETING_METHODS
from consult.models.types import UTCDateTime, enum_check, enum_column_type

POINT_SLUG_MAX = 80
POINT_NAME_MAX = 120
DISTRICT_MAX = 80
POINT_EMAIL_MAX = 200
MEETING_PLACE_MAX = 200
COLLECTOR_MAX = 80


class ContactPoint(db.Model):
    """One 基层立法联系点: has operators, uploads batches of collected opinions."""

    __tablename__ = "contact_point"
    __table_args__ = (enum_check("kind", CONTACT_POINT_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(POINT_SLUG_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(POINT_NAME_MAX))
    district: Mapped[str | None] = mapped_column(String(DISTRICT_MAX))
    # Where the point is told that the feedback on its batches is published (optional).
    email: Mapped[str | None] = mapped_column(String(POINT_EMAIL_MAX))
    # 基层立法联系点 or a deputies' home or station (代表之家、代表联络站); the report counts points by kind.
    kind: Mapped[str] = mapped_column(
        enum_column_type(CONTACT_POINT_KINDS), default="legislative", server_default="legislative"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IntakeBatch(db.Model):
    """One uploaded file of opinions with the meeting it came from (导入批次)."""

    __tablename__ = "intake_batch"
    __table_args__ = (enum_check("method", MEETING_METHODS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_point_id: Mapped[int] = mapped_column(ForeignKey("contact_point.id"), index=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    encoding: Mapped[str | None] = mapped_column(String(40))
    meeting_date: Mapped[date | None] = mapped_column(Date)
    meeting_place: Mapped[str | None] = mapped_column(String(MEETING_PLACE_MAX))
    method: Mapped[str] = mapped_column(enum_column_type(MEETING_METHODS), default="forum")
    participants: Mapped[int | None] = mapped_column(Integer)
    collector: Mapped[str | None] = mapped_column(String(COLLECTOR_MAX))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_valid: Mapped[int] = mapped_column(Integer, default=0)
    rows_imported: Mapped[int] = mapped_column(Integer, default=0)
    rows_already: Mapped[int] = mapped_column(Integer, default=0)  # valid rows imported by an earlier batch
    # How the file was read and the invalid rows with their messages (for the error report).
    report: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contact_point = relationship("ContactPoint")
    draft = relationship("Draft")
