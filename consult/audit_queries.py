"""Reads of the audit log: rows by filter, the filter's choices, and the names of the objects rows mention."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from consult.extensions import db
from consult.i18n import _
from consult.models import (
    ApiToken,
    ArticleText,
    AuditLog,
    ContactPoint,
    Draft,
    DraftVersion,
    IntakeBatch,
    User,
)
from consult.paging import Page

AUDIT_PER_PAGE = 50
# Keys of the details that hold the id of an account or of an article (named like a row's target).
USER_ID_KEYS = ("assignee_id", "previous_assignee_id", "moderated_by_id")
ARTICLE_ID_KEYS = ("article_id",)


@dataclass(frozen=True)
class AuditFilter:
    """What the audit log is narrowed to; None means any."""

    action: str | None = None
    actor: str | None = None
    target_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return any(v is not None for v in (self.action, self.actor, self.target_type, self.since, self.until))


def audit_rows(f: AuditFilter, page: int = 1, per_page: int = AUDIT_PER_PAGE) -> Page:
    """Audit rows matching the filter, newest first."""
    where = []
    if f.action:
        where.append(AuditLog.action == f.action)
    if f.actor:
        # Usernames are stored as typed; compare without case on both databases.
        where.append(func.lower(AuditLog.actor_name) == f.actor.lower())
    if f.target_type:
        where.append(AuditLog.target_type == f.target_type)
    if f.since:
        where.append(AuditLog.created_at >= f.since)
    if f.until:
        where.append(AuditLog.created_at < f.until)
    total = db.session.scalar(select(func.count(AuditLog.id)).where(*where)) or 0
    rows = db.session.scalars(
        select(AuditLog)
        .where(*where)
        .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(list(rows), page, per_page, total)


def audit_actions() -> list[str]:
    """The distinct actions in the audit log, for the filter."""
    return list(db.session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))


def audit_target_types() -> list[str]:
    """The distinct target types in the audit log (without the empty one), for the filter."""
    return list(
        db.session.scalars(
            select(AuditLog.target_type)
            .where(AuditLog.target_type != "")
            .distinct()
            .order_by(AuditLog.target_type)
        )
    )


def _int_ids(values: Iterable[object]) -> set[int]:
    ids = set()
    for value in values:
        text = str(value) if value is not None else ""
        if text.isdigit() and len(text) < 10:
            ids.add(int(text))
    return ids


def object_names(rows: Iterable[AuditLog]) -> dict[tuple[str, str], str]:
    """How the rows' objects are named, keyed by (target type, id): a draft by its title in 《》, an
    account by its username, a token by its name, a contact point by its name, an article by its label.

    Covers the rows' targets and the accounts and articles their details mention by id; an object that
    no longer exists is missing (the page shows its id). A handful of queries for a page of rows.
    """
    wanted: dict[str, set[object]] = defaultdict(set)
    for row in rows:
        if row.target_type and row.target_id:
            wanted[row.target_type].add(row.target_id)
        details = row.details or {}
        for key in USER_ID_KEYS:
            wanted["user"].add(details.get(key))
        for key in ARTICLE_ID_KEYS:
            wanted["article"].add(details.get(key))
    names: dict[tuple[str, str], str] = {}

    def add(kind: str, pairs) -> None:
        names.update({(kind, str(key)): name for key, name in pairs})

    if ids := _int_ids(wanted["draft"]):
        drafts = db.session.execute(select(Draft.id, Draft.title).where(Draft.id.in_(ids)))
        add("draft", ((i, _("《%(title)s》", title=title)) for i, title in drafts))
    if ids := _int_ids(wanted["user"]):
        add("user", db.session.execute(select(User.id, User.username).where(User.id.in_(ids))))
    if ids := _int_ids(wanted["contact_point"]):
        points = db.session.execute(
            select(ContactPoint.id, ContactPoint.name).where(ContactPoint.id.in_(ids))
        )
        add("contact_point", points)
    if ids := _int_ids(wanted["api_token"]):
        tokens = db.session.execute(
            select(ApiToken.id, ApiToken.name, User.username).join(User).where(ApiToken.id.in_(ids))
        )
        add("api_token", ((i, _("“%(name)s”（%(user)s）", name=name, user=user)) for i, name, user in tokens))
    if ids := _int_ids(wanted["intake_batch"]):
        batches = db.session.execute(
            select(IntakeBatch.id, IntakeBatch.filename).where(IntakeBatch.id.in_(ids))
        )
        add("intake_batch", ((i, _("#%(id)d（%(file)s）", id=i, file=name)) for i, name in batches))
    if ids := _int_ids(wanted["article"]):
        # The label in the newest version that has the article (a removed article keeps its last label).
        labels = db.session.execute(
            select(ArticleText.article_id, ArticleText.label)
            .join(DraftVersion, DraftVersion.id == ArticleText.version_id)
            .where(ArticleText.article_id.in_(ids))
            .order_by(DraftVersion.number)
        )
        add("article", labels)
    return names
