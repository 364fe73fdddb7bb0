"""`notify send` for subscriptions: queue the notices of new events, then send the due rows.

The same sender lock, retries, give-ups and "marked sent the moment the server took it" as the feedback
notices (consult/feedback/notifications.py): the rows are only of other kinds.
"""

from __future__ import annotations

from consult.clock import utcnow
from consult.db import end_read, write_transaction
from consult.feedback.notifications import (
    SendResult,
    send_mail_rows,
    send_sms_rows,
    sender_lock,
    waiting_count,
)
from consult.reach.messages import compose, compose_sms
from consult.reach.notices import queue_due
from consult.reach.subscriptions import MAIL_KIND, SMS_KIND, sms_enabled


def send_due(limit: int | None = None) -> SendResult:
    """Queue what is new and send the due subscription messages once; never two senders at once."""
    result = SendResult()
    end_read()
    texting = sms_enabled()
    if texting:
        result.sms = SendResult()
    with sender_lock() as got:
        if not got:
            result.locked_out = True
        else:
            with write_transaction() as session:
                queue_due(session, utcnow(), texting)
            send_mail_rows(MAIL_KIND, compose, limit, result)
            if result.sms is not None:
                send_sms_rows(SMS_KIND, compose_sms, limit, result.sms)
    result.waiting = waiting_count(MAIL_KIND)
    if result.sms is not None:
        result.sms.waiting = waiting_count(SMS_KIND)
    return result
