"""Composing the subscription messages of one chunk of outbox rows: the confirmation and the notices.

Every mail carries the one-click unsubscribe link in its body and in `List-Unsubscribe`, with
`List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058), so a mail program's button works
without opening a page. A row whose subscriber is gone, unsubscribed or never confirmed is set aside
with a reason instead of being sent.
"""

from __future__ import annotations

from email.message import EmailMessage

from flask import current_app, url_for
from sqlalchemy import select

from consult.extensions import db
from consult.feedback import mail
from consult.feedback.compose import Outgoing
from consult.feedback.due import due_events
from consult.feedback.links import public_links
from consult.feedback.sms import SmsOutgoing
from consult.i18n import _, localdate
from consult.models import Draft, FeedbackPublication, OutboxEvent, Subscription, SubscriptionNotice
from consult.reach import tokens
from consult.reach.notices import DRAFT_EVENT, FEEDBACK_EVENT, NOTICE
from consult.reach.subscriptions import CONFIRMATION
from consult.vocabulary import topic_label


class _Skip(Exception):
    """Nothing to send for this row, and why."""


def _links(sub: Subscription) -> dict[str, str]:
    """The confirm and unsubscribe links of a subscription (inside public_links())."""
    return {
        "confirm_url": url_for(
            "subscriptions.confirm_subscription", token=tokens.make(tokens.CONFIRM, sub), _external=True
        ),
        "unsubscribe_url": url_for(
            "subscriptions.unsubscribe_page", token=tokens.make(tokens.UNSUBSCRIBE, sub), _external=True
        ),
    }


def _with_unsubscribe(message: EmailMessage, unsubscribe_url: str) -> EmailMessage:
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def _rows(ids: list[int]) -> tuple[list[OutboxEvent], dict[int, SubscriptionNotice], dict[int, Subscription]]:
    events = due_events(ids)
    notice_ids = [e.target_id for e in events if e.target_type == NOTICE]
    notices = {
        n.id: n
        for n in db.session.scalars(select(SubscriptionNotice).where(SubscriptionNotice.id.in_(notice_ids)))
    }
    sub_ids = {e.target_id for e in events if e.target_type == CONFIRMATION} | {
        n.subscription_id for n in notices.values()
    }
    subs = {s.id: s for s in db.session.scalars(select(Subscription).where(Subscription.id.in_(sub_ids)))}
    return events, notices, subs


def _subscriber(event: OutboxEvent, notices: dict, subs: dict) -> tuple[Subscription, str | None]:
    """The subscriber of a row and its notice's event (None: a confirmation), or _Skip."""
    if event.target_type == CONFIRMATION:
        sub, what = subs.get(event.target_id), None
    else:
        notice = notices.get(event.target_id)
        sub = subs.get(notice.subscription_id) if notice else None
        what = notice.event if notice else None
    if sub is None:
        raise _Skip(_("订阅已删除，未发送"))
    if sub.unsubscribed_at is not None:
        raise _Skip(_("订阅者已退订，未发送"))
    if what is not None and sub.confirmed_at is None:
        raise _Skip(_("订阅尚未确认，未发送"))
    return sub, what


def _draft_notice(event: str) -> tuple[str, dict]:
    """The subject and body context of a notice about a draft or a feedback publication."""
    kind, _sep, raw_id = event.partition(":")
    if f"{kind}:" == DRAFT_EVENT:
        draft = db.session.get(Draft, int(raw_id))
        if draft is None or not draft.is_public:
            raise _Skip(_("草案已不公开，未发送"))
        title = " ".join(draft.title.split())
        return _("《%(title)s》公开征求意见", title=title), {
            "template": "subscription_draft.txt",
            "title": title,
            "opens": localdate(draft.opens_at),
            "closes": localdate(draft.closes_at) if draft.closes_at else None,
            "url": url_for("public.draft_page", slug=draft.slug, _external=True),
        }
    if f"{kind}:" == FEEDBACK_EVENT:
        publication = db.session.get(FeedbackPublication, int(raw_id))
        draft = db.session.get(Draft, publication.draft_id) if publication else None
        if publication is None or draft is None or not draft.is_public:
            raise _Skip(_("该次公布已不存在，未发送"))
        title = " ".join(draft.title.split())
        return mail.subject(title, publication.number), {
            "template": "subscription_feedback.txt",
            "title": title,
            "number": publication.number,
            "published": localdate(publication.published_at),
            "revision_note": publication.revision_note,
            "url": url_for("feedback.feedback_page", slug=draft.slug, _external=True),
        }
    raise _Skip(_("未知的通知，未发送"))


def _message(event: OutboxEvent, sub: Subscription, what: str | None) -> EmailMessage:
    days = current_app.config["SUBSCRIPTION_UNCONFIRMED_DAYS"]
    with public_links():
        links = _links(sub)
        if what is None:
            asked = [t for t, on in (("drafts", sub.asked_drafts), ("feedback", sub.asked_feedback)) if on]
            subject = _("请确认订阅%(site)s的通知", site=str(current_app.config["SITE_NAME"]))
            body = mail.render_body(
                "subscription_confirm.txt",
                topics=[topic_label(t) for t in asked],
                days=days,
                **links,
            )
        else:
            subject, context = _draft_notice(what)
            template = context.pop("template")
            topics = "、".join(topic_label(t) for t in sub.topics)
            body = mail.render_body(template, n=context, topics=topics, url=context["url"], **links)
    return _with_unsubscribe(mail.new_message(event.id, sub.address, subject, body), links["unsubscribe_url"])


def compose(ids: list[int]) -> list[Outgoing]:
    """The mails of a chunk of `mail.reach` rows."""
    events, notices, subs = _rows(ids)
    out = []
    for event in events:
        try:
            sub, what = _subscriber(event, notices, subs)
            out.append(Outgoing(event.id, event.attempts, sub.address, _message(event, sub, what)))
        except _Skip as skip:
            out.append(Outgoing(event.id, event.attempts, None, None, str(skip)))
    return out


def _sms_text(sub: Subscription, what: str | None) -> str:
    with public_links():
        if what is None:
            link = url_for(
                "subscriptions.confirm_subscription", token=tokens.make(tokens.CONFIRM, sub), _external=True
            )
            return _("确认订阅通知：%(link)s", link=link)
        _subject, context = _draft_notice(what)
        stop = url_for(
            "subscriptions.unsubscribe_page", token=tokens.make(tokens.UNSUBSCRIBE, sub), _external=True
        )
        return _("%(what)s：%(link)s 退订：%(stop)s", what=_subject, link=context["url"], stop=stop)


def compose_sms(ids: list[int]) -> list[SmsOutgoing]:
    """The texts of a chunk of `sms.reach` rows (the links in full: a long text is split by the carrier)."""
    events, notices, subs = _rows(ids)
    out = []
    for event in events:
        try:
            sub, what = _subscriber(event, notices, subs)
            out.append(SmsOutgoing(event.id, event.attempts, sub.address, _sms_text(sub, what)))
        except _Skip as skip:
            out.append(SmsOutgoing(event.id, event.attempts, None, None, str(skip)))
    return out
