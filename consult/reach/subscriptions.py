"""Subscribing (double opt-in), confirming and unsubscribing: the one operation each door calls.

A request queues a confirmation message and nothing else; only the link in it makes the subscription
count (consult/reach/notices.py writes to confirmed subscribers only). The answer never says whether
the address was known: a stranger learns nothing by typing someone's address. An address gets at most
one confirmation message per SUBSCRIPTION_CONFIRM_INTERVAL_MINUTES, however often it is typed in.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from consult.clock import as_utc, utcnow
from consult.context import RequestContext
from consult.db import end_read, write_transaction
from consult.errors import NotFound, RateLimited, ValidationError
from consult.extensions import db
from consult.i18n import _
from consult.models import OutboxEvent, Subscription
from consult.models.enums import SUBSCRIPTION_TOPICS
from consult.models.subscriptions import ADDRESS_MAX
from consult.personal_data import EMAIL, MOBILE, mask_contact, normalise_contact
from consult.ratelimits import SUBSCRIBES
from consult.reach import tokens

MAIL_KIND = "mail.reach"
SMS_KIND = "sms.reach"
KINDS = (MAIL_KIND, SMS_KIND)
CONFIRMATION = "subscription"  # outbox target_type of a confirmation message (target: the subscription)


def sms_enabled() -> bool:
    """Whether mobile numbers can subscribe (an SMS gateway is configured)."""
    return bool(current_app.config.get("SMS_GATEWAY_URL"))


@dataclass(frozen=True)
class Requested:
    """The answer to a request, the same whatever the address's state was."""

    channel: str
    topics: tuple[str, ...]


def check_address(email: object, phone: object = None) -> tuple[str, str]:
    """The channel ('email' or 'sms') and the normalised address, or a validation error naming the field."""
    has_email = isinstance(email, str) and email.strip() != ""
    has_phone = isinstance(phone, str) and phone.strip() != ""
    if has_email and has_phone:
        raise ValidationError(
            _("电子邮箱和手机号码请只填写一项"), {"phone": _("已填写电子邮箱时请不要再填写手机号码")}
        )
    if has_phone:
        if not sms_enabled():
            message = _("本站未开通短信通知，请填写电子邮箱地址")
            raise ValidationError(message, {"phone": message})
        number = normalise_contact(str(phone))
        if not number or not MOBILE.match(number):
            message = _("手机号码格式不正确：请填写11位手机号码，例如 13912345678")
            raise ValidationError(message, {"phone": message})
        return "sms", number
    if not has_email:
        message = _("请填写电子邮箱地址")
        raise ValidationError(message, {"email": message})
    address = str(email).strip()
    if len(address) > ADDRESS_MAX:
        message = _("电子邮箱地址不能超过%(max)d个字符（现有%(n)d个）", max=ADDRESS_MAX, n=len(address))
        raise ValidationError(message, {"email": message})
    if not EMAIL.match(address):
        message = _("电子邮箱地址格式不正确，应形如 name@example.com")
        raise ValidationError(message, {"email": message})
    name, _at, domain = address.rpartition("@")
    return "email", f"{name}@{domain.lower()}"


def check_topics(topics: object) -> tuple[str, ...]:
    """The topics asked for, in SUBSCRIPTION_TOPICS order (none given: all of them)."""
    if topics is None:
        return SUBSCRIPTION_TOPICS
    if isinstance(topics, str) or not isinstance(topics, Iterable):
        message = _('订阅内容应为列表，例如 ["drafts", "feedback"]')
        raise ValidationError(message, {"topics": message})
    chosen = list(topics)
    unknown = [t for t in chosen if t not in SUBSCRIPTION_TOPICS]
    if unknown:
        message = _(
            "订阅内容只能是 drafts（新的征求意见）和 feedback（意见采纳情况反馈），不能是“%(what)s”",
            what=str(unknown[0])[:40],
        )
        raise ValidationError(message, {"topics": message})
    if not chosen:
        message = _("请至少选择一项订阅内容")
        raise ValidationError(message, {"topics": message})
    return tuple(t for t in SUBSCRIPTION_TOPICS if t in chosen)


def _interval() -> timedelta:
    return timedelta(minutes=current_app.config["SUBSCRIPTION_CONFIRM_INTERVAL_MINUTES"])


def subscribe(ctx: RequestContext, email: object, topics: object = None, phone: object = None) -> Requested:
    """Ask for a subscription: queue one confirmation message (at most one per interval per address)."""
    channel, address = check_address(email, phone)
    chosen = check_topics(topics)
    if not SUBSCRIBES.take(ctx.address):
        raise RateLimited(_("订阅请求过于频繁，请稍后再试。"))
    # The same address asked twice at the same moment (PostgreSQL): the other request queued the one
    # confirmation message; this one answers alike.
    with contextlib.suppress(IntegrityError):
        _request(channel, address, chosen, utcnow())
    return Requested(channel, chosen)


def _request(channel: str, address: str, chosen: tuple[str, ...], now: datetime) -> None:
    with write_transaction() as session:
        sub = session.scalar(
            select(Subscription).where(Subscription.channel == channel, Subscription.address == address)
        )
        if sub is None:
            sub = Subscription(channel=channel, address=address, nonce=tokens.new_nonce(), created_at=now)
            sub.drafts = sub.feedback = False
            session.add(sub)
        elif sub.unsubscribed_at is not None:
            # A new subscription on the old row: a new nonce withdraws every link sent before.
            sub.nonce = tokens.new_nonce()
            sub.created_at = now
            sub.unsubscribed_at = sub.confirmed_at = sub.confirmation_sent_at = None
            sub.drafts = sub.feedback = False
        sub.asked_drafts = "drafts" in chosen
        sub.asked_feedback = "feedback" in chosen
        sent = as_utc(sub.confirmation_sent_at) if sub.confirmation_sent_at else None
        if sent is not None and now - sent < _interval():
            return  # the message sent a moment ago confirms the topics asked now too
        sub.confirmation_sent_at = now
        session.flush()
        session.add(
            OutboxEvent(
                kind=MAIL_KIND if channel == "email" else SMS_KIND,
                target_type=CONFIRMATION,
                target_id=sub.id,
                payload={},
                created_at=now,
                attempts=0,
            )
        )


@dataclass(frozen=True)
class Shown:
    """A subscription as its confirm and unsubscribe pages show it."""

    masked_address: str
    channel: str
    topics: tuple[str, ...]
    confirmed: bool
    unsubscribed: bool
    token: str


def _find(purpose: str, token: str) -> Subscription:
    sub_id = tokens.subscription_id(token)
    sub = db.session.get(Subscription, sub_id) if sub_id is not None else None
    if sub is None or not tokens.valid(purpose, token, sub):
        raise NotFound(_("链接无效或已失效：订阅可能已退订或已过期删除。"))
    return sub


def _shown(sub: Subscription, token: str) -> Shown:
    return Shown(
        mask_contact(sub.address) or "",
        sub.channel,
        tuple(sub.topics),
        sub.confirmed_at is not None,
        sub.unsubscribed_at is not None,
        token,
    )


def confirm(ctx: RequestContext, token: str) -> Shown:
    """Open the confirmation link: the subscription counts from now, with the topics last asked for."""
    del ctx  # nothing of the request is kept: the link alone proves the address
    now = utcnow()
    days = current_app.config["SUBSCRIPTION_UNCONFIRMED_DAYS"]
    with write_transaction():
        sub = _find(tokens.CONFIRM, token)
        if sub.unsubscribed_at is not None:
            raise NotFound(_("该订阅已退订。如需重新订阅，请再次填写订阅表单。"))
        sent = as_utc(sub.confirmation_sent_at) if sub.confirmation_sent_at else None
        expired = sent is None or now - sent > timedelta(days=days)
        if expired and sub.confirmed_at is None:
            raise NotFound(_("确认链接已过期（有效期%(days)d天），请重新订阅。", days=days))
        if not expired:  # an old link opened again by a subscriber: the page, but no change of topics
            sub.confirmed_at = sub.confirmed_at or now
            sub.drafts, sub.feedback = sub.asked_drafts, sub.asked_feedback
        return _shown(sub, tokens.make(tokens.UNSUBSCRIBE, sub))


def look_up(token: str) -> Shown:
    """The subscription an unsubscribe link names, for the page with its button (nothing changes)."""
    try:
        return _shown(_find(tokens.UNSUBSCRIBE, token), token)
    finally:
        end_read()


def unsubscribe(ctx: RequestContext, token: str) -> Shown:
    """Unsubscribe at once (one click); again is harmless. The address is purged by `contacts purge`."""
    del ctx
    with write_transaction():
        sub = _find(tokens.UNSUBSCRIBE, token)
        if sub.unsubscribed_at is None:
            sub.unsubscribed_at = utcnow()
        return _shown(sub, token)
