"""Removing contact details once a consultation has been concluded for CONTACT_RETENTION_DAYS.

A draft is concluded when its feedback is first published (Draft.feedback_published_at). After the
retention period its comments lose their contact details (contact, notify, address hash), the mail
outbox rows for those comments lose the recipient address (pending ones are cancelled: nobody may be
written to with an address we no longer hold), and the invalid rows kept in an intake batch's report
lose their contact cells. Each draft is purged in one transaction with one audit row, and marked
(Draft.contacts_purged_at), so running the command again does nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, exists, func, literal, literal_column, or_, select, update
from sqlalchemy.orm import Session

from consult import audit
from consult.clock import as_utc, utcnow
from consult.context import RequestContext
from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.feedback.notifications import KINDS as NOTICE_KINDS
from consult.i18n import _
from consult.models import Comment, Draft, IntakeBatch, OutboxEvent, User
from consult.personal_data import scrub_text

AUDIT_ACTION = "contacts.purge"
REMOVED = "［已删除］"  # i18n: data (stored in the batch report in place of a contact detail)
# Contact details that may sit in any cell of an invalid intake row (a contact typed in the wrong column).
_FALLBACK_COLUMN = re.compile(r"^第(\d+)列$")  # i18n: data (rows.py names a column without a header so)


def purge_due_at(draft: Draft, retention_days: int) -> datetime | None:
    """When the draft's contact details will be removed; None if not concluded yet or already purged."""
    if draft.feedback_published_at is None or draft.contacts_purged_at is not None:
        return None
    return as_utc(draft.feedback_published_at) + timedelta(days=retention_days)


@dataclass
class DraftPurge:
    """What the purge removed (or, in a dry run, would remove) for one draft."""

    draft_id: int
    slug: str
    title: str
    concluded_at: datetime
    comments: int = 0  # comments that held a contact, a notification wish or an address hash
    mails_cancelled: int = 0  # queued notification mails that will not be sent
    mail_addresses: int = 0  # outbox rows (sent or not) whose recipient address is removed
    batches: int = 0  # intake batches whose stored report held contact details


@dataclass
class PurgeResult:
    """Every draft the purge looked at."""

    dry_run: bool
    retention_days: int
    drafts: list[DraftPurge] = field(default_factory=list)


def due_drafts(session: Session, now: datetime, retention_days: int) -> list[Draft]:
    """Concluded drafts past the retention period whose contact details are still held."""
    cutoff = now - timedelta(days=retention_days)
    return list(
        session.scalars(
            select(Draft)
            .where(
                Draft.feedback_published_at.is_not(None),
                Draft.feedback_published_at <= cutoff,
                # Not yet purged, or contact details arrived since (a letter entered during a revision).
                or_(Draft.contacts_purged_at.is_(None), _still_held()),
            )
            .order_by(Draft.feedback_published_at, Draft.id)
        )
    )


def purge_contacts(
    actor: User | None, ctx: RequestContext, dry_run: bool = False, retention_days: int | None = None
) -> PurgeResult:
    """Remove the contact details of every draft concluded more than the retention period ago."""
    days = current_app.config["CONTACT_RETENTION_DAYS"] if retention_days is None else retention_days
    result = PurgeResult(dry_run=dry_run, retention_days=days)
    try:
        drafts = [
            (d.id, d.slug, d.title, d.feedback_published_at) for d in due_drafts(db.session, utcnow(), days)
        ]
        if dry_run:
            for draft_id, slug, title, concluded in drafts:
                result.drafts.append(_count(db.session, DraftPurge(draft_id, slug, title, concluded)))
            return result
    finally:
        end_read()
    for draft_id, slug, title, concluded in drafts:
        done = _purge_one(actor, ctx, DraftPurge(draft_id, slug, title, concluded), days)
        if done is not None:
            result.drafts.append(done)
    return result


def _still_held():
    """Whether a draft (correlated to the outer Draft row) still has comments holding contact details."""
    return exists().where(
        Comment.draft_id == Draft.id,
        or_(Comment.contact.is_not(None), Comment.notify.is_(True), Comment.address_hash.is_not(None)),
    )


def _held(draft_id: int):
    return (
        Comment.draft_id == draft_id,
        or_(Comment.contact.is_not(None), Comment.notify.is_(True), Comment.address_hash.is_not(None)),
    )


def _mail_rows(draft_id: int):
    return (
        OutboxEvent.kind.in_(NOTICE_KINDS),
        OutboxEvent.target_type == "comment",
        OutboxEvent.target_id.in_(select(Comment.id).where(Comment.draft_id == draft_id)),
    )


def _count(session: Session, item: DraftPurge) -> DraftPurge:
    item.comments = session.scalar(select(func.count(Comment.id)).where(*_held(item.draft_id))) or 0
    item.mail_addresses = (
        session.scalar(select(func.count(OutboxEvent.id)).where(*_mail_rows(item.draft_id))) or 0
    )
    item.mails_cancelled = (
        session.scalar(
            select(func.count(OutboxEvent.id)).where(
                *_mail_rows(item.draft_id), OutboxEvent.processed_at.is_(None)
            )
        )
        or 0
    )
    batches = session.scalars(select(IntakeBatch).where(IntakeBatch.draft_id == item.draft_id))
    item.batches = sum(1 for batch in batches if scrub_report(batch.report)[1])
    return item


def _without_address():
    """The payload minus its "to" key, computed by the database (no row travels to Python)."""
    if db.session.connection().dialect.name == "postgresql":
        return literal_column("(payload::jsonb - 'to')::json")
    return literal_column("json_remove(payload, '$.to')")


def _purge_one(actor: User | None, ctx: RequestContext, item: DraftPurge, days: int) -> DraftPurge | None:
    now = utcnow()
    with write_transaction() as session:
        # Claim the draft first: a second purge running at the same time finds nothing left to do.
        claimed = session.execute(
            update(Draft)
            .where(Draft.id == item.draft_id, or_(Draft.contacts_purged_at.is_(None), _still_held()))
            .values(contacts_purged_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            return None
        # SMTP errors often quote the address ("550 <x@y>: Recipient address rejected"): they go too.
        item.mail_addresses = session.execute(
            update(OutboxEvent)
            .where(*_mail_rows(item.draft_id))
            .values(
                payload=_without_address(),
                last_error=case(
                    (OutboxEvent.last_error.is_(None), None),
                    else_=literal(str(_("（发送错误信息含联系方式，已随联系方式删除）"))),
                ),
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        item.mails_cancelled = session.execute(
            update(OutboxEvent)
            .where(*_mail_rows(item.draft_id), OutboxEvent.processed_at.is_(None))
            .values(processed_at=now, last_error=_("联系方式已按保存期限删除，邮件未发送"))
            .execution_options(synchronize_session=False)
        ).rowcount
        item.comments = session.execute(
            update(Comment)
            .where(*_held(item.draft_id))
            .values(contact=None, notify=False, address_hash=None, version=Comment.version + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        for batch in session.scalars(select(IntakeBatch).where(IntakeBatch.draft_id == item.draft_id)):
            cleaned, changed = scrub_report(batch.report)
            if changed:
                batch.report = cleaned
                item.batches += 1
        draft = session.get(Draft, item.draft_id)
        audit.record(
            session,
            actor,
            ctx,
            AUDIT_ACTION,
            draft,
            {
                "retention_days": days,
                "concluded_at": as_utc(item.concluded_at).isoformat(),
                "comments": item.comments,
                "mails_cancelled": item.mails_cancelled,
                "mail_addresses": item.mail_addresses,
                "batches": item.batches,
            },
        )
    return item


# --- the intake batch report ---------------------------------------------------------------------


def _contact_index(report: dict) -> int | None:
    label = (report.get("columns") or {}).get("contact")
    if not label:
        return None
    header = [str(cell or "").strip() for cell in report.get("header") or []]
    if label in header:
        return header.index(label)
    match = _FALLBACK_COLUMN.match(label)
    return int(match.group(1)) - 1 if match else None


def _scrub_text(value):
    if not isinstance(value, str) or not value:
        return value
    return scrub_text(value, REMOVED)


def scrub_report(report: dict | None) -> tuple[dict | None, int]:
    """A copy of an intake batch's stored report without contact details, and how many values changed.

    Only the invalid rows are kept in the report (cells as typed and the error messages, which quote the
    bad value): the contact column is emptied, and anything that looks like an address or a phone number
    in the other cells (a contact typed into the wrong column) is replaced.
    """
    if not report or not report.get("errors"):
        return report, 0
    label = (report.get("columns") or {}).get("contact")
    index = _contact_index(report)
    changed = 0
    rows = []
    for row in report["errors"]:
        row = dict(row)
        cells = []
        for i, cell in enumerate(row.get("cells") or []):
            new = "" if i == index and cell else _scrub_text(cell)
            changed += new != cell
            cells.append(new)
        messages = []
        for entry in row.get("messages") or []:
            column, message = [*entry, "", ""][:2]
            new = _("联系方式已删除") if label and column == label and message else _scrub_text(message)
            changed += new != message
            messages.append([column, new])
        row["cells"], row["messages"] = cells, messages
        rows.append(row)
    if not changed:
        return report, 0
    return {**report, "errors": rows}, changed
