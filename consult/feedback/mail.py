"""Composing the feedback notification mails (plain Chinese text), from plain values: no database here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app

from consult.clock import utcnow
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


def base_url() -> str:
    """The site's public address for links in mail: SERVER_NAME when configured, else PUBLIC_BASE_URL."""
    cfg = current_app.config
    if cfg.get("SERVER_NAME"):
        root = (cfg.get("APPLICATION_ROOT") or "/").rstrip("/")
        return f"{cfg.get('PREFERRED_URL_SCHEME') or 'http'}://{cfg['SERVER_NAME']}{root}"
    return (cfg.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")


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


def _message(row_id: int, to: str, subject_: str, body: str) -> EmailMessage:
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


def _revision_lines(number: int, note: str) -> list[str]:
    if number <= 1:
        return []
    lines = [_("这是采纳情况的第%(n)d次公布（修订）。", n=number)]
    if note:
        lines.append(_("修订说明：%(note)s", note=note))
    return [*lines, ""]


def _footer(receipt_url: str) -> list[str]:
    return [
        "",
        "——",
        _("您收到这封邮件，是因为您提交意见时留下了电子邮箱并选择接收处理结果通知。"),
        _(
            "如不希望再收到此类通知，请打开回执页面 %(url)s 点击“不再接收通知”。",
            url=receipt_url + "#notifications",
        ),
        _(
            "您的联系方式仅用于本次征求意见，将在采纳情况公布%(days)d天后删除。",
            days=current_app.config["CONTACT_RETENTION_DAYS"],
        ),
        _("本邮件由系统自动发送。"),
        str(current_app.config["SITE_NAME"]),
    ]


def comment_message(row_id: int, n: CommentNotice) -> EmailMessage:
    """The mail to one commenter: their receipt code, the decision on their comment and the links."""
    base = base_url()
    code = display(n.receipt_code)
    on = _("对%(label)s", label=n.article_label) if n.article_label else _("对草案整体")
    lines = [
        _("您好："),
        "",
        _(
            "您于%(date)s%(on)s提出的意见（回执码：%(code)s），其采纳情况已于%(published)s公布。",
            date=localdate(n.submitted_at),
            on=on,
            code=code,
            published=localdate(n.published_at),
        ),
        "",
        *_revision_lines(n.publication_number, n.revision_note),
    ]
    if n.outcome:
        lines.append(_("处理结果：%(outcome)s", outcome=outcome_label(n.outcome)))
        if n.reason:
            lines.append(_("理由：%(reason)s", reason=n.reason))
    elif n.status in ("rejected", "spam"):
        lines.append(_("处理结果：您的意见未予公开，未纳入采纳情况统计。"))
        if n.moderation_reason:
            lines.append(_("原因：%(reason)s", reason=n.moderation_reason))
    else:
        lines.append(_("处理结果：本次公布未对您的意见作出单独说明，请查看采纳情况全文。"))
    if n.changed is True:
        lines.append(_("与上次公布相比，您的意见的处理结果有变化。"))
    elif n.changed is False:
        lines.append(_("与上次公布相比，您的意见的处理结果没有变化。"))
    lines += [
        "",
        _("查看您的意见和处理结果：%(url)s", url=f"{base}/receipts/{code}"),
        _("查看全部意见采纳情况：%(url)s", url=f"{base}/drafts/{n.draft_slug}/feedback"),
        _("您还可以在回执页面对采纳情况反馈作满意度评价。"),
        *_footer(f"{base}/receipts/{code}"),
    ]
    message = _message(row_id, n.to, subject(n.draft_title, n.publication_number), "\n".join(lines) + "\n")
    message["List-Unsubscribe"] = f"<{base}/receipts/{code}#notifications>"
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
    base = base_url()
    lines = [
        _("%(name)s：", name=n.point_name),
        "",
        _(
            "《%(title)s》的意见采纳情况已于%(published)s公布。贵联系点报送意见的处理情况如下：",
            title=n.draft_title,
            published=localdate(n.published_at),
        ),
        "",
        *_revision_lines(n.publication_number, n.revision_note),
    ]
    totals: dict[str, int] = {}
    total = 0
    for line in n.batches:
        lines.append(f"· {_batch_title(line)}")
        lines.append(f"  {_batch_summary(line)}")
        if line.batch_id is not None:
            lines.append(f"  {base}/intake/batches/{line.batch_id}")
        total += line.total
        for outcome, count in line.outcomes.items():
            totals[outcome] = totals.get(outcome, 0) + count
    adopted = totals.get("adopted", 0) + totals.get("partially_adopted", 0)
    lines += [
        "",
        _("合计报送%(n)d条意见，其中采纳或部分采纳%(a)d条。", n=total, a=adopted),
        "",
        _("查看全部意见采纳情况：%(url)s", url=f"{base}/drafts/{n.draft_slug}/feedback"),
        _("请将处理情况转告提出意见的群众。"),
        "",
        "——",
        _("如不希望再收到此类通知，请联系平台管理员删除联系点的通知邮箱。"),
        _("本邮件由系统自动发送。"),
        str(current_app.config["SITE_NAME"]),
    ]
    return _message(row_id, n.to, subject(n.draft_title, n.publication_number), "\n".join(lines) + "\n")
