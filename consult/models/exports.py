"""Export jobs: a large summary of opinions (意见汇总表) written in the background, with its progress."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.clock import utcnow
from consult.extensions import db
from consult.models.enums import EXPORT_FORMATS, EXPORT_INCLUDES, EXPORT_JOB_STATES
from consult.models.types import UTCDateTime, enum_check, enum_column_type


class ExportJob(db.Model):
    """One export staff asked for that was too large to answer at once: queued, then written by the
    export worker (running, rows_done of rows_total), then done with its file, or failed with a reason.

    ``file_name`` is the file's name inside the exports folder of the instance folder (never a path
    from outside); it is cleared when the file is deleted after the retention time.
    """

    __tablename__ = "export_job"
    __table_args__ = (
        enum_check("format", EXPORT_FORMATS),
        enum_check("include", EXPORT_INCLUDES),
        enum_check("state", EXPORT_JOB_STATES),
        Index("ix_export_job_state", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), index=True)
    format: Mapped[str] = mapped_column(enum_column_type(EXPORT_FORMATS))
    include: Mapped[str] = mapped_column(enum_column_type(EXPORT_INCLUDES), default="published")
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    state: Mapped[str] = mapped_column(enum_column_type(EXPORT_JOB_STATES), default="queued")
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    file_name: Mapped[str | None] = mapped_column(String(200))
    download_name: Mapped[str] = mapped_column(String(300), default="")
    size: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)

    draft = relationship("Draft", lazy="joined", viewonly=True)

    @property
    def percent(self) -> int:
        """How far the job is, 0–100 (100 only once done)."""
        if self.state == "done":
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)
