"""Notification mail for published feedback: queued with the publication, sent by `notify send`.

The publication's transaction queues one ``mail.feedback`` outbox row per commenter who gave an email
address and asked to be told (one INSERT … SELECT, so 50,000 comments cost one statement), and one per
contact point with an address. ``send_due`` drains the due rows over one SMTP connection, one sender at
a time (a file lock on SQLite, an advisory lock on PostgreSQL), and commits each row as sent right after
the server accepted its message, so a crash can at worst resend the one message in flight (its
Message-ID is stable, so the recipient's mail program shows it once).

A server that cannot be reached, or that refuses our sender address, stops the run and leaves every row
as it was: an outage is nobody's message's fault, so it never counts towards giving up. A message the
server refuses is retried with exponential backoff (a temporary 4xx) or given up at once (a permanent
5xx, e.g. an unknown mailbox); after MAX_ATTEMPTS it is given up too. A given-up row is marked processed
with its last error, so it stays visible but is not tried again.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Integer, Text, cast, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from consult.clock import utcnow
from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.feedback import invite_mail, sms
from consult.feedback.compose import Outgoing, compose
from consult.locks import single_process
from consult.models import (
    Comment,
    ContactPoint,
    Draft,
    FeedbackPublication,
    IntakeBatch,
    OutboxEvent,
)
from consult.models.types import UTCDateTime
from consult.personal_data import MOBILE_LIKE

KIND = "mail.feedback"
SMS_KIND = "sms.feedback"  # the same outbox, rules and command; sent through consult.feedback.sms
KINDS = (KIND, SMS_KIND)
MAX_ATTEMPTS = 8
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
CHUNK = 200  # rows composed per read; each is then sent and committed on its own
SMTP_TIMEOUT = 30
ADVISORY_KEY = 7_204_431_554  # any fixed number: "the mail sender" (the search writer is …553)
LOCK_FILE = "notify-send.lock"
# Statuses whose commenters are told: a spam "comment" has no commenter to tell.
NOTIFIED_STATUSES = ("pending", "published", "rejected")


# --- queueing ------------------------------------------------------------------------------------


def _json_object(session: Session, fields: dict[str, object]) -> ColumnElement:
    """A JSON object built by the database from constants and columns (for INSERT … SELECT)."""
    args: list[ColumnElement] = []
    for key, value in fields.items():
        args.append(cast(literal(key), Text))
        if isinstance(value, ColumnElement) or hasattr(value, "__clause_element__"):
            args.append(value)  # a column
        else:
            args.append(cast(literal(value), Integer if isinstance(value, int) else Text))
    if session.connection().dialect.name == "postgresql":
        return func.json_build_object(*args)
    return func.json_object(*args)


def queue_for_publication(session: Session, draft: Draft, publication: FeedbackPublication) -> int:
    """Queue the notification mails of one publication inside its transaction; returns how many.

    Called once per publication by the publish operation (a revision too: it queues its own mails).
    """
    now = utcnow()
    columns = ["kind", "target_type", "target_id", "payload", "created_at", "attempts"]
    common = {"publication_id": publication.id, "number": publication.number, "draft_id": draft.id}

    def rows(target_type: str, target_id, address, kind: str = KIND) -> list:
        return [
            literal(kind),
            literal(target_type),
            target_id,
            _json_object(session, {**common, "to": address}),
            literal(now, UTCDateTime),
            literal(0),
        ]

    commenters = select(*rows("comment", Comment.id, Comment.contact)).where(
        Comment.draft_id == draft.id,
        Comment.notify.is_(True),
        Comment.contact.like("%@%"),
        Comment.status.in_(NOTIFIED_STATUSES),
    )
    # RETURNING, not rowcount: SQLAlchemy reports no rowcount for INSERT … SELECT on psycopg.
    queued = len(
        session.execute(insert(OutboxEvent).from_select(columns, commenters).returning(OutboxEvent.id)).all()
    )
    if sms.enabled():
        # Mobile numbers are stored as 11 digits (personal_data.normalise_contact); landlines cannot be told.
        texted = select(*rows("comment", Comment.id, Comment.contact, SMS_KIND)).where(
            Comment.draft_id == draft.id,
            Comment.notify.is_(True),
            Comment.contact.like(MOBILE_LIKE),
            Comment.status.in_(NOTIFIED_STATUSES),
        )
        queued += len(
            session.execute(insert(OutboxEvent).from_select(columns, texted).returning(OutboxEvent.id)).all()
        )
    involved = or_(
        ContactPoint.id.in_(select(IntakeBatch.contact_point_id).where(IntakeBatch.draft_id == draft.id)),
        ContactPoint.id.in_(
            select(Comment.contact_point_id).where(
                Comment.draft_id == draft.id, Comment.contact_point_id.is_not(None)
            )
        ),
    )
    points = select(*rows("contact_point", ContactPoint.id, ContactPoint.email)).where(
        ContactPoint.email.is_not(None), ContactPoint.email.like("%@%"), involved
    )
    queued += len(
        session.execute(insert(OutboxEvent).from_select(columns, points).returning(OutboxEvent.id)).all()
    )
    return queued


# --- one sender at a time ------------------------------------------------------------------------


def sender_lock(wait: bool = False) -> contextlib.AbstractContextManager[bool]:
    """Hold the single-sender lock while the block runs; yields whether it was taken.

    Keyed on the database rather than the search backend: an advisory lock on PostgreSQL (any
    machine), a file lock in the instance folder on SQLite (which is one machine anyway).
    """
    advisory = db.engine.dialect.name == "postgresql"
    return single_process(advisory, ADVISORY_KEY, os.path.join(current_app.instance_path, LOCK_FILE), wait)


# --- sending ------------------------------------------------------------------------------------


@dataclass
class GaveUp:
    """A message given up for good."""

    row_id: int
    to: str
    error: str


@dataclass
class SendResult:
    """What one `notify send` run did."""

    sent: int = 0
    failed: int = 0  # refused this run, to be retried later
    gave_up: list[GaveUp] = field(default_factory=list)
    skipped: int = 0  # nothing to send any more (address removed, consent withdrawn, comment gone)
    waiting: int = 0  # still queued after the run (due now or at a later retry time)
    stopped: str | None = None  # why the run stopped early (server unreachable, sender refused)
    locked_out: bool = False
    sms: SendResult | None = None  # the SMS run (None when no gateway is configured)


class _StopRun(Exception):
    """The server, not the message, is the problem: stop and leave the rest queued."""


def backoff(attempts: int) -> timedelta:
    """How long to wait after the n-th failed attempt: 1 min, 2, 4, … capped at 6 hours."""
    return min(BACKOFF_FIRST * (2 ** max(0, attempts - 1)), BACKOFF_CAP)


def _due_ids(now: datetime, limit: int | None, kind: str = KIND) -> list[int]:
    query = (
        select(OutboxEvent.id)
        .where(
            OutboxEvent.kind == kind,
            OutboxEvent.processed_at.is_(None),
            or_(OutboxEvent.next_attempt_at.is_(None), OutboxEvent.next_attempt_at <= now),
        )
        .order_by(OutboxEvent.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def waiting_count(kind: str = KIND) -> int:
    """Rows of one kind (mail or SMS) not yet sent nor given up."""
    try:
        return db.session.scalar(
            select(func.count(OutboxEvent.id)).where(
                OutboxEvent.kind == kind, OutboxEvent.processed_at.is_(None)
            )
        )
    finally:
        end_read()


def _connect() -> smtplib.SMTP:
    cfg = current_app.config
    smtp = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=SMTP_TIMEOUT)
    try:
        smtp.ehlo_or_helo_if_needed()
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
    except BaseException:
        with contextlib.suppress(Exception):
            smtp.close()
        raise
    return smtp


def send_due(limit: int | None = None) -> SendResult:
    """Send the due notification mails once (what cron runs); never two senders at once."""
    result = SendResult()
    end_read()
    texting = sms.enabled()
    if texting:
        result.sms = SendResult()
    with sender_lock() as got:
        if not got:
            result.locked_out = True
        else:
            _send_locked(limit, result)
            if result.sms is not None:
                _send_sms_locked(limit, result.sms)
    result.waiting = waiting_count() + waiting_count(invite_mail.KIND)
    if result.sms is not None:
        result.sms.waiting = waiting_count(SMS_KIND)
    return result


def _send_locked(limit: int | None, result: SendResult) -> None:
    # The feedback notices, then the invitations of deputies and experts: one run, one sender.
    send_mail_rows(KIND, compose, limit, result)
    if result.stopped is None:
        send_mail_rows(invite_mail.KIND, invite_mail.compose, limit, result)


def send_mail_rows(
    kind: str, composer: Callable[[list[int]], list[Outgoing]], limit: int | None, result: SendResult
) -> None:
    """Send the due mail rows of one kind, built by ``composer``; the caller holds sender_lock().

    The subscription mails (consult/reach/sending.py) and the invitations (invite_mail.py) ride on the
    same rules: retries, give-ups, once.
    """
    try:
        ids = _due_ids(utcnow(), limit, kind)
    finally:
        end_read()
    if not ids:
        return
    try:
        smtp = _connect()
    except (OSError, smtplib.SMTPException) as err:
        result.stopped = _describe(err)
        return
    try:
        for start in range(0, len(ids), CHUNK):
            try:
                outgoing = composer(ids[start : start + CHUNK])
            finally:
                end_read()
            for item in outgoing:
                _send_one(smtp, item, result)
    except _StopRun as stop:
        result.stopped = str(stop)
    finally:
        with contextlib.suppress(Exception):
            smtp.quit()


def _send_one(smtp: smtplib.SMTP, item: Outgoing, result: SendResult) -> None:
    if item.message is None:
        _finish(item.row_id, item.attempts, item.skip_reason)
        result.skipped += 1
        return
    sender = current_app.config["MAIL_FROM"]
    try:
        smtp.send_message(item.message, from_addr=sender, to_addrs=[item.to])
    except smtplib.SMTPSenderRefused as err:
        raise _StopRun(_describe(err)) from err
    except smtplib.SMTPRecipientsRefused as err:
        code, reply = next(iter(err.recipients.values()), (550, b""))
        _refused(item, code, _reply_text(code, reply), result)
        return
    except smtplib.SMTPResponseException as err:
        if err.smtp_code == 421:  # the server is closing the connection: its problem, not the message's
            raise _StopRun(_describe(err)) from err
        _refused(item, err.smtp_code, _describe(err), result)
        return
    except (OSError, smtplib.SMTPException) as err:
        # Disconnected mid-message: maybe delivered, maybe not. Leave it queued (its Message-ID is
        # stable, so a second copy is recognisable) and stop: the connection is gone.
        raise _StopRun(_describe(err)) from err
    # Accepted: mark it sent at once, before anything else can fail.
    _finish(item.row_id, item.attempts + 1, None)
    result.sent += 1


def _refused(item: Outgoing, code: int, error: str, result: SendResult) -> None:
    attempts = item.attempts + 1
    if code >= 500 or attempts >= MAX_ATTEMPTS:
        _finish(item.row_id, attempts, error)
        result.gave_up.append(GaveUp(item.row_id, item.to or "", error))
        return
    with write_transaction() as session:
        session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == item.row_id)
            .values(attempts=attempts, last_error=error[:2000], next_attempt_at=utcnow() + backoff(attempts))
        )
    result.failed += 1


def _finish(row_id: int, attempts: int, error: str | None) -> None:
    """Mark a row processed: sent (no error), skipped or given up (with why)."""
    with write_transaction() as session:
        session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == row_id)
            .values(processed_at=utcnow(), attempts=attempts, last_error=error[:2000] if error else None)
        )


def _send_sms_locked(limit: int | None, result: SendResult) -> None:
    send_sms_rows(SMS_KIND, sms.compose, limit, result)


def send_sms_rows(
    kind: str, composer: Callable[[list[int]], list[sms.SmsOutgoing]], limit: int | None, result: SendResult
) -> None:
    """Send the due SMS rows of one kind through the gateway; the caller holds sender_lock().

    A gateway that is down stops the run, nothing counted.
    """
    try:
        ids = _due_ids(utcnow(), limit, kind)
    finally:
        end_read()
    for start in range(0, len(ids), CHUNK):
        try:
            outgoing = composer(ids[start : start + CHUNK])
        finally:
            end_read()
        for item in outgoing:
            if item.text is None:
                _finish(item.row_id, item.attempts, item.skip_reason)
                result.skipped += 1
                continue
            try:
                answer = sms.post(item.row_id, item.to, item.text)
            except sms.GatewayDown as down:
                result.stopped = str(down)
                return
            if answer.accepted:
                _finish(item.row_id, item.attempts + 1, None)  # at once: never twice
                result.sent += 1
            else:
                as_outgoing = Outgoing(item.row_id, item.attempts, item.to, None)
                _refused(as_outgoing, 450 if answer.retry else 550, answer.error or "", result)


def _reply_text(code: int, reply: bytes | str) -> str:
    text_ = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {text_}".strip()


def _describe(err: BaseException) -> str:
    if isinstance(err, smtplib.SMTPResponseException):
        return _reply_text(err.smtp_code, err.smtp_error)
    return f"{type(err).__name__}: {err}"


# --- counts for the staff page -----------------------------------------------------------------


def draft_mail_counts(draft_id: int) -> dict[str, int]:
    """Feedback notices (emails and SMS) of the draft's commenters: waiting and sent."""
    rows = db.session.execute(
        select(OutboxEvent.processed_at.is_(None), func.count(OutboxEvent.id))
        .join(Comment, Comment.id == OutboxEvent.target_id)
        .where(
            OutboxEvent.kind.in_(KINDS),
            OutboxEvent.target_type == "comment",
            Comment.draft_id == draft_id,
        )
        .group_by(OutboxEvent.processed_at.is_(None))
    ).all()
    counts = {bool(waiting): n for waiting, n in rows}
    return {"waiting": counts.get(True, 0), "done": counts.get(False, 0)}
