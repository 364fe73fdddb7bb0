"""Queueing the notices of new events to confirmed subscribers: once each, by a unique key.

Two events are told: a draft opening for comment (`draft:<id>`, while it is open) and a publication of
feedback, a revision too (`feedback:<publication id>`). A draft opens by the clock, not by anybody's
action, so there is no transaction to queue its notices in: `notify send` looks for the events each
run (under the sender lock) and writes one SubscriptionNotice per subscriber and event, with one outbox
row; the unique (subscription, event) key makes "never twice" the database's rule, and only events
after the subscription was confirmed are told (nobody gets the past in a heap).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, String, and_, cast, exists, insert, literal, or_, select
from sqlalchemy.orm import Session

from consult.models import Draft, FeedbackPublication, OutboxEvent, Subscription, SubscriptionNotice
from consult.models.types import UTCDateTime
from consult.reach.subscriptions import MAIL_KIND, SMS_KIND

NOTICE = "subscription_notice"  # outbox target_type of a notice (target: the SubscriptionNotice)
DRAFT_EVENT = "draft:"
FEEDBACK_EVENT = "feedback:"


def _event(prefix: str, column) -> ColumnElement:
    return literal(prefix, String).concat(cast(column, String))


def _not_told(event: ColumnElement) -> ColumnElement:
    return ~exists().where(
        SubscriptionNotice.subscription_id == Subscription.id, SubscriptionNotice.event == event
    )


def _listening(channel: str) -> ColumnElement:
    return and_(
        Subscription.channel == channel,
        Subscription.confirmed_at.is_not(None),
        Subscription.unsubscribed_at.is_(None),
    )


def queue_due(session: Session, now: datetime, sms: bool) -> int:
    """Write the notices not yet queued (mail; SMS too when ``sms``); returns how many."""
    queued = 0
    for channel, kind in (("email", MAIL_KIND), ("sms", SMS_KIND)):
        if channel == "sms" and not sms:
            continue
        drafts = (
            select(Subscription.id, _event(DRAFT_EVENT, Draft.id), literal(now, UTCDateTime))
            .join(Draft, Draft.published_at.is_not(None))  # is_public: a hybrid reads as a relationship here
            .where(
                _listening(channel),
                Subscription.drafts.is_(True),
                Draft.feedback_published_at.is_(None),
                Draft.opens_at.is_not(None),
                Draft.opens_at <= now,
                or_(Draft.closes_at.is_(None), Draft.closes_at > now),
                # Opened (or made public) after the subscription was confirmed.
                or_(
                    Draft.opens_at > Subscription.confirmed_at, Draft.published_at > Subscription.confirmed_at
                ),
                _not_told(_event(DRAFT_EVENT, Draft.id)),
            )
        )
        feedback = (
            select(Subscription.id, _event(FEEDBACK_EVENT, FeedbackPublication.id), literal(now, UTCDateTime))
            .join(FeedbackPublication, FeedbackPublication.published_at > Subscription.confirmed_at)
            .join(Draft, and_(Draft.id == FeedbackPublication.draft_id, Draft.is_public))
            .where(
                _listening(channel),
                Subscription.feedback.is_(True),
                _not_told(_event(FEEDBACK_EVENT, FeedbackPublication.id)),
            )
        )
        for rows in (drafts, feedback):
            columns = ["subscription_id", "event", "created_at"]
            ids = list(
                session.scalars(
                    insert(SubscriptionNotice).from_select(columns, rows).returning(SubscriptionNotice.id)
                )
            )
            if ids:
                session.execute(
                    insert(OutboxEvent),
                    [
                        {
                            "kind": kind,
                            "target_type": NOTICE,
                            "target_id": notice_id,
                            "payload": {},
                            "created_at": now,
                            "attempts": 0,
                        }
                        for notice_id in ids
                    ],
                )
            queued += len(ids)
    return queued
