"""Themes (意见主题) per draft and article, their members and anchors, and the drafted summary of
opinions (意见汇总草稿) with its edited sections and sign-off.

Computed by consult/themes/ (``themes rebuild``, and the staff page's recomputation: a ``theme_job``).
A theme is found by its anchors (the keyword that started it, plus those of themes staff merged into it), so a
recomputation gives the same theme the same id; a staff rename is ``label``; a member staff moved is
``pinned`` and stays where staff put it (``theme_id`` None: no theme).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from consult.clock import utcnow
from consult.extensions import db
from consult.models.enums import THEME_JOB_STATES
from consult.models.types import UTCDateTime, enum_check, enum_column_type

LABEL_MAX = 60
ANCHOR_MAX = 40
SECTION_TEXT_MAX = 5000
SIGNER_NAME_MAX = 80


class Theme(db.Model):
    """Comments on one article (article_key 0: the draft as a whole) that raise the same keywords."""

    __tablename__ = "theme"
    __table_args__ = (Index("ix_theme_scope", "draft_id", "article_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"))
    article_key: Mapped[int] = mapped_column(Integer)  # the article's id, or 0 (GENERAL)
    # The keywords, best first, as the last computation found them; the label shown unless staff named it.
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    label: Mapped[str | None] = mapped_column(String(LABEL_MAX))  # staff's name; None: the keywords
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ThemeAnchor(db.Model):
    """A keyword that leads a computed cluster to its theme: the theme's own, and those merged into it."""

    __tablename__ = "theme_anchor"

    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), primary_key=True)
    article_key: Mapped[int] = mapped_column(Integer, primary_key=True)
    anchor: Mapped[str] = mapped_column(String(ANCHOR_MAX), primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"), index=True)


class ThemeMember(db.Model):
    """A comment's theme: computed, or pinned where staff moved it (theme_id None: in no theme)."""

    __tablename__ = "theme_member"
    __table_args__ = (Index("ix_theme_member_scope", "draft_id", "article_key"),)

    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), primary_key=True)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"))
    article_key: Mapped[int] = mapped_column(Integer)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)


class OpinionSummary(db.Model):
    """The drafted summary of a draft's opinions: a draft (草稿) until a staff member signs it off.

    Any change to what it says (a section edited, a theme renamed, merged or moved, a recomputation that
    changed the themes) clears the sign-off: what was signed is no longer what is shown.
    """

    __tablename__ = "opinion_summary"

    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), primary_key=True)
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Kept as text too, so the summary still says who signed after an account is removed.
    signed_off_by_name: Mapped[str | None] = mapped_column(String(SIGNER_NAME_MAX))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    themes_built_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last recomputation


class SummarySection(db.Model):
    """Staff's text for one article's section of the summary (instead of the drafted text)."""

    __tablename__ = "summary_section"

    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"), primary_key=True)
    article_key: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


WAITING = "state IN ('queued', 'running')"


class ThemeJob(db.Model):
    """A recomputation of a draft's themes staff asked for: queued, then run by the themes worker (running,
    scopes_done of scopes_total articles computed), then done (themes found, whether they changed) or
    failed with a reason in Chinese. At most one waits or runs per draft (a partial unique index)."""

    __tablename__ = "theme_job"
    __table_args__ = (
        enum_check("state", THEME_JOB_STATES),
        Index("ix_theme_job_state", "state", "id"),
        Index("ix_theme_job_draft", "draft_id", "id"),
        Index(
            "uq_theme_job_waiting",
            "draft_id",
            unique=True,
            sqlite_where=text(WAITING),
            postgresql_where=text(WAITING),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id", ondelete="CASCADE"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(enum_column_type(THEME_JOB_STATES), default="queued")
    scopes_done: Mapped[int] = mapped_column(Integer, default=0)
    scopes_total: Mapped[int] = mapped_column(Integer, default=0)
    themes: Mapped[int | None] = mapped_column(Integer)
    changed: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)

    @property
    def waiting(self) -> bool:
        """Whether it is queued or running."""
        return self.state in ("queued", "running")

    @property
    def percent(self) -> int:
        """How far the job is, 0–100 (100 only once done)."""
        if self.state == "done":
            return 100
        if not self.scopes_total:
            return 0
        return min(99, self.scopes_done * 100 // self.scopes_total)
