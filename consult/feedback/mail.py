"""Composing the feedback notification mails (plain Chinese text), from plain values: no database here.

The bodies are the text templates templates/mail/*.txt, rendered with the app's Jinja environment
(autoescape is off for .txt). Every link is built with url_for from the route's endpoint against the
public address (links.py), so renaming a route cannot leave a mail pointing nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app, url_for

from consult.clock import utcnow
from consult.feedback.links import public_links
from consult.i18n import _, localdate
from consult.models.enums import OUTCOMES
from consult.receipts import display
from consult.vocabulary import outcome_label


@dataclass
class CommentNotice:
    """What a commenter's mail says."""

    to: str
    draft_title: str
    draft_slug: str
    receipt_code: str
    submitted_at: datetime | None
    article_label: str | None
    status: str
    moderation_reason: str | None
    outcome: str | None
    reason: str | None
    publication_number: int
    published_at: datetime | None
    revision_note: str = ""
    changed: bool | None = None  # a revision: whether this comment's decision changed


@dataclass
class BatchLine:
    """One batch of a contact point's opinions (batch_id None: opinions entered without a batch)."""

    batch_id: int | None
    meeting_date: date | None
    meeting_place: str | None
    filename: str
    created_at: datetime | None
    total: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    not_published: int = 0
    undecided: int = 0


@dataclass
class PointNotice:
    """What a contact point's mail says."""

    to: str
    point_name: str
    draft_title: str
    draft_slug: str
    publication_number: int
    published_at: datetime | None
    revision_note: str
    batches: list[BatchLine]


def message_id(row_id: int) -> str:
    """The same Message-ID every time a row is tried, so a copy sent twice shows up as one."""
    sender = current_app.config["MAIL_FROM"]
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<consult-feedback-{row_id}@{domain}>"


def subject(draft_title: str, number: int) -> str:
    """《草案标题》意见采纳情况已公布 (a revision says so); always one line, whatever the title holds."""
    draft_title = " ".join(draft_title.split())
    if number > 1:
        return _("《%(title)s》意见采纳情况已公布（修订）", title=draft_title)
    return _("《%(title)s》意见采纳情况已公布", title=draft_title)


def new_message(row_id: int, to: str, subject_: str, body: str) -> EmailMessage:
    """A plain-text mail from the site, with the row's stable Message-ID (subscription mails use it too)."""
    cfg = current_app.config
    msg = EmailMessage()
    msg["Subject"] = subject_
    sender = cfg["MAIL_FROM"]
    username, _at, domain = sender.rpartition("@")
    msg["From"] = Address(cfg["SITE_NAME"], username, domain) if username and domain else sender
    msg["To"] = to
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = message_id(row_id)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body, charset="utf-8")
    return msg


def render_body(template: str, **context) -> str:
    """A mail body from templates/mail/, ending in exactly one line break."""
    text = current_app.jinja_env.get_template(f"mail/{template}").render(
        site_name=str(current_app.config["SITE_NAME"]), **context
    )
    return text.rstrip("\n") + "\n"


def comment_message(row_id: int, n: CommentNotice) -> EmailMessage:
    """The mail to one commenter: their receipt code, the decision on their comment and the links."""
    code = display(n.receipt_code)
    with public_links():
        receipt_url = url_for("public.receipt_page", code=code, _external=True)
        unsubscribe_url = url_for("public.receipt_page", code=code, _anchor="notifications", _external=True)
        body = render_body(
            "comment.txt",
            n=n,
            code=code,
            on=_("对%(label)s", label=n.article_label) if n.article_label else _("对草案整体"),
            submitted=localdate(n.submitted_at),
            published=localdate(n.published_at),
            outcome_label=outcome_label,
            receipt_url=receipt_url,
            feedback_url=url_for("feedback.feedback_page", slug=n.draft_slug, _external=True),
            unsubscribe_url=unsubscribe_url,
            retention_days=current_app.config["CONTACT_RETENTION_DAYS"],
        )
    message = new_message(row_id, n.to, subject(n.draft_title, n.publication_number), body)
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    return message


def _batch_title(line: BatchLine) -> str:
    if line.batch_id is None:
        return _("其他方式报送的意见")
    parts = [localdate_of(line.meeting_date) if line.meeting_date else localdate(line.created_at)]
    if line.meeting_place:
        parts.append(line.meeting_place)
    if line.filename:
        parts.append(_("文件“%(name)s”", name=line.filename))
    return _("第%(id)d批（%(what)s）", id=line.batch_id, what="，".join(p for p in parts if p))


def localdate_of(day: date) -> str:
    """A calendar date written the Chinese way: 2026年11月3日."""
    return _("%(y)d年%(m)d月%(d)d日", y=day.year, m=day.month, d=day.day)


def _batch_summary(line: BatchLine) -> str:
    parts = [
        _("%(label)s%(n)d条", label=outcome_label(o), n=line.outcomes[o])
        for o in OUTCOMES
        if line.outcomes.get(o)
    ]
    if line.undecided:
        parts.append(_("未单独说明%(n)d条", n=line.undecided))
    if line.not_published:
        parts.append(_("未予公开%(n)d条", n=line.not_published))
    return _("共%(n)d条：%(parts)s", n=line.total, parts="，".join(parts) or _("无"))


def point_message(row_id: int, n: PointNotice) -> EmailMessage:
    """The mail to a contact point: each of its batches on the draft and what became of the opinions."""
    totals: dict[str, int] = {}
    for line in n.batches:
        for outcome, count in line.outcomes.items():
            totals[outcome] = totals.get(outcome, 0) + count
    with public_links():
        batches = [
            {
                "title": _batch_title(line),
                "summary": _batch_summary(line),
                "url": (
                    url_for("intake.batch", batch_id=line.batch_id, _external=True)
                    if line.batch_id is not None
                    else None
                ),
            }
            for line in n.batches
        ]
        body = render_body(
            "point.txt",
            n=n,
            published=localdate(n.published_at),
            batches=batches,
            total=sum(line.total for line in n.batches),
            adopted=totals.get("adopted", 0) + totals.get("partially_adopted", 0),
            feedback_url=url_for("feedback.feedback_page", slug=n.draft_slug, _external=True),
        )
    return new_message(row_id, n.to, subject(n.draft_title, n.publication_number), body)
