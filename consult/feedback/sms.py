"""Feedback notices by SMS, through a plain HTTPS JSON gateway (SMS_GATEWAY_URL).

The gateway protocol (README, "SMS notifications"): one message per request,

    POST <SMS_GATEWAY_URL>
    Authorization: Bearer <SMS_GATEWAY_TOKEN>            (when the token is set)
    Content-Type: application/json
    {"id": "consult-sms-<outbox row id>", "to": "13912345678", "sign_name": "<SMS_SIGN_NAME>",
     "text": "您的意见已有处理结果，回执码5861-000-880-049，查看：https://…/r/5861000880049"}

``id`` is stable per message, so a gateway that remembers it can drop a repeat sent after a crash. The
carriers put the signature in front as 【签名】 and count it: signature and text together stay within
SMS_MAX (70) characters, a single message. The answers read:

- 2xx: accepted; the row is marked sent at once (never twice);
- 429: this number is over the gateway's frequency limit for now: retried later with the mail backoff;
- any other 4xx: this number is refused (empty, blocked, not a mobile): given up at once, with the reason;
- 408, 5xx, or no answer at all: the gateway is down: the run stops and every row stays as it was
  (an outage is nobody's message's fault, so it never counts towards giving up).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import select

from consult.config import ConfigError
from consult.extensions import db
from consult.feedback.due import due_events
from consult.feedback.links import base_url, external_url
from consult.i18n import _
from consult.models import Comment
from consult.personal_data import contact_kind
from consult.receipts import display

SMS_MAX = 70
TIMEOUT_SECONDS = 10
SAMPLE_CODE = "5861000880049"  # any 13-digit code: every receipt code has 13 digits


def short_link(base: str, code: str) -> str:
    """The receipt page's short address on `base`, built from the route public.short_receipt."""
    return external_url("public.short_receipt", base=base, code=code)


def _texts(code: str, link: str) -> list[str]:
    """The wordings, longest first; the first that fits is sent."""
    return [
        _("您的意见已有处理结果，回执码%(code)s，查看：%(link)s", code=display(code), link=link),
        _("您的意见已有处理结果，回执码%(code)s：%(link)s", code=code, link=link),
        _("意见处理结果（回执码%(code)s）：%(link)s", code=code, link=link),
        _("意见处理结果：%(link)s", link=link),  # the code travels in the link only
    ]


def signed_length(sign_name: str, text: str) -> int:
    """Characters the carriers count: 【签名】 plus the text."""
    return len(sign_name.strip()) + 2 + len(text)


def sms_text(sign_name: str, base: str, code: str) -> str:
    """The notice for one receipt code: the longest wording within SMS_MAX with the signature."""
    texts = _texts(code, short_link(base, code))
    for text in texts:
        if signed_length(sign_name, text) <= SMS_MAX:
            return text
    raise ValueError(f"no SMS wording fits {SMS_MAX} characters")  # check_settings refused this at start-up


def shortest_text_length(sign_name: str, base: str) -> int:
    """How many characters the shortest wording needs with this signature and public address."""
    return signed_length(sign_name, _texts(SAMPLE_CODE, short_link(base, SAMPLE_CODE))[-1])


def check_settings(app: Flask) -> None:
    """At start-up (routes registered): with a gateway configured, every notice must fit one message.

    The link measured is the one sent: the short-receipt route on the public address (base_url).
    """
    cfg = app.config
    if not cfg.get("SMS_GATEWAY_URL"):
        return
    with app.app_context():
        length = shortest_text_length(cfg["SMS_SIGN_NAME"], base_url())
    if length > SMS_MAX:
        raise ConfigError(
            f"an SMS with CONSULT_SMS_SIGN_NAME and CONSULT_PUBLIC_BASE_URL needs {length} characters, "
            f"more than {SMS_MAX}: shorten the signature or the public address"
        )


def enabled() -> bool:
    """Whether mobile numbers can be notified (an SMS gateway is configured)."""
    return bool(current_app.config.get("SMS_GATEWAY_URL"))


# --- composing ----------------------------------------------------------------------------------


@dataclass
class SmsOutgoing:
    """One row's SMS (text None: nothing to send, with the reason)."""

    row_id: int
    attempts: int
    to: str | None
    text: str | None
    skip_reason: str | None = None


def compose(ids: list[int]) -> list[SmsOutgoing]:
    """The messages of a chunk of SMS outbox rows (two queries for the chunk)."""
    events = due_events(ids)
    comments = {
        c.id: c
        for c in db.session.scalars(select(Comment).where(Comment.id.in_([e.target_id for e in events])))
    }
    cfg = current_app.config
    out = []
    for event in events:
        comment = comments.get(event.target_id)
        if comment is None:
            out.append(SmsOutgoing(event.id, event.attempts, None, None, _("意见已不存在，短信未发送")))
        elif contact_kind(comment.contact) != "mobile":
            out.append(SmsOutgoing(event.id, event.attempts, None, None, _("手机号码已删除，短信未发送")))
        elif not comment.notify:
            out.append(
                SmsOutgoing(event.id, event.attempts, None, None, _("提出人已不再接收通知，短信未发送"))
            )
        else:
            text = sms_text(cfg["SMS_SIGN_NAME"], base_url(), comment.receipt_code)
            out.append(SmsOutgoing(event.id, event.attempts, comment.contact, text))
    return out


# --- the gateway ----------------------------------------------------------------------------------


class GatewayDown(Exception):
    """No answer, 408 or 5xx: stop the run, leave every row as it was."""


@dataclass
class GatewayAnswer:
    """What the gateway said about one message."""

    accepted: bool
    retry: bool = False  # 429: try this number again later
    error: str | None = None


def post(row_id: int, to: str, text: str) -> GatewayAnswer:
    """Send one message through the gateway; raises GatewayDown when it cannot take any."""
    cfg = current_app.config
    body = json.dumps(
        {"id": f"consult-sms-{row_id}", "to": to, "sign_name": cfg["SMS_SIGN_NAME"].strip(), "text": text},
        ensure_ascii=False,
    ).encode()
    headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
    if cfg.get("SMS_GATEWAY_TOKEN"):
        headers["Authorization"] = f"Bearer {cfg['SMS_GATEWAY_TOKEN']}"
    request = urllib.request.Request(cfg["SMS_GATEWAY_URL"], data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(4096)
            return GatewayAnswer(accepted=True)
    except urllib.error.HTTPError as err:
        reply = _reply(err)
        if err.code == 408 or err.code >= 500:
            raise GatewayDown(f"HTTP {err.code} {reply}".strip()) from err
        return GatewayAnswer(accepted=False, retry=err.code == 429, error=f"HTTP {err.code} {reply}".strip())
    except (OSError, ValueError) as err:  # refused, timed out, TLS, a malformed address
        raise GatewayDown(f"{type(err).__name__}: {err}") from err


def _reply(err: urllib.error.HTTPError) -> str:
    """The gateway's reason, from a JSON {"error": …} or {"message": …} body, else its first bytes."""
    try:
        raw = err.read(2000).decode("utf-8", "replace")
    except OSError:
        return ""
    try:
        data = json.loads(raw)
    except ValueError:
        return raw[:200]
    if isinstance(data, dict):
        return str(data.get("error") or data.get("message") or raw)[:200]
    return raw[:200]
