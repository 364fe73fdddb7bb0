"""Removing subscriber addresses that are no longer needed (run by `contacts purge`).

Unsubscribed addresses go at the next run; unconfirmed ones once SUBSCRIPTION_UNCONFIRMED_DAYS have
passed since the latest request (its confirmation link has expired by then). The rows are deleted, their
notices with them; their queued messages are cancelled, and any error text a server sent (which may
quote the address) is replaced.
One transaction, one audit row with the counts (never the addresses).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from consult import audit
from consult.clock import utcnow
from consult.context import RequestContext
from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.i18n import _
from consult.models import OutboxEvent, Subscription, SubscriptionNotice, User
from consult.reach.notices import NOTICE
from consult.reach.subscriptions import CONFIRMATION, KINDS

AUDIT_ACTION = "subscriptions.purge"


@dataclass
class SubscriptionPurge:
    """How many addresses the purge removed (or, in a dry run, would remove)."""

    unsubscribed: int = 0
    unconfirmed: int = 0
    dry_run: bool = False
    unconfirmed_days: int = 0


def _unconfirmed(days: int) -> ColumnElement[bool]:
    return and_(
        Subscription.confirmed_at.is_(None),
        Subscription.unsubscribed_at.is_(None),
        # Since the latest request: its confirmation link is valid that long (subscriptions.confirm).
        func.coalesce(Subscription.confirmation_sent_at, Subscription.created_at)
        < utcnow() - timedelta(days=days),
    )


def _count(where: ColumnElement[bool]) -> int:
    return db.session.scalar(select(func.count(Subscription.id)).where(where)) or 0


def _forget_in_outbox(session: Session, doomed: ColumnElement[bool]) -> None:
    """The outbox rows of the subscriptions about to go: pending ones cancelled, errors (a server's
    refusal may quote the address) replaced. The rows carry no address otherwise."""
    subscriptions = select(Subscription.id).where(doomed)
    notices = select(SubscriptionNotice.id).where(SubscriptionNotice.subscription_id.in_(subscriptions))
    theirs = and_(
        OutboxEvent.kind.in_(KINDS),
        or_(
            and_(OutboxEvent.target_type == CONFIRMATION, OutboxEvent.target_id.in_(subscriptions)),
            and_(OutboxEvent.target_type == NOTICE, OutboxEvent.target_id.in_(notices)),
        ),
    )
    gone = str(_("订阅地址已删除，未发送"))
    session.execute(
        update(OutboxEvent)
        .where(theirs, OutboxEvent.processed_at.is_(None))
        .values(processed_at=utcnow(), last_error=gone)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(OutboxEvent)
        .where(theirs, OutboxEvent.last_error.is_not(None), OutboxEvent.last_error != gone)
        .values(last_error=str(_("（发送错误信息可能含订阅地址，已随地址删除）")))
        .execution_options(synchronize_session=False)
    )


def purge_subscriptions(actor: User | None, ctx: RequestContext, dry_run: bool = False) -> SubscriptionPurge:
    """Delete unsubscribed addresses and those left unconfirmed too long."""
    days = current_app.config["SUBSCRIPTION_UNCONFIRMED_DAYS"]
    result = SubscriptionPurge(dry_run=dry_run, unconfirmed_days=days)
    unsubscribed = Subscription.unsubscribed_at.is_not(None)
    if dry_run:
        try:
            result.unsubscribed, result.unconfirmed = _count(unsubscribed), _count(_unconfirmed(days))
        finally:
            end_read()
        return result
    with write_transaction() as session:
        result.unsubscribed, result.unconfirmed = _count(unsubscribed), _count(_unconfirmed(days))
        if result.unsubscribed or result.unconfirmed:
            _forget_in_outbox(session, or_(unsubscribed, _unconfirmed(days)))
            session.execute(
                delete(Subscription).where(or_(unsubscribed, _unconfirmed(days))),
                execution_options={"synchronize_session": False},
            )
            audit.record(
                session,
                actor,
                ctx,
                AUDIT_ACTION,
                None,
                {"unsubscribed": result.unsubscribed, "unconfirmed": result.unconfirmed, "days": days},
            )
    return result
