"""submit_comment: the one operation behind the comment form, the JSON API (and later imports)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from consult.clock import utcnow
from consult.comments import ratelimit
from consult.comments.receipts import new_code
from consult.context import RequestContext
from consult.db import write_transaction
from consult.errors import ConsultationClosed, NotFound, RateLimited, ValidationError
from consult.i18n import _, localdate
from consult.models import ArticleText, Comment, Draft
from consult.models.comments import AUTHOR_NAME_MAX, BODY_MAX, CONTACT_MAX
from consult.sanitize import plain_text

BODY_MIN = 5
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")


@dataclass(frozen=True)
class CommentInput:
    """What a commenter sent, as the door parsed it (strings unvalidated)."""

    body: str | None
    article_id: int | None = None
    author_name: str | None = None
    contact: str | None = None
    notify: bool = False
    honeypot: str | None = None


@dataclass(frozen=True)
class Submission:
    """The outcome a door shows: the receipt code and where the comment belongs."""

    comment_id: int
    receipt_code: str
    status: str
    article_id: int | None
    draft_slug: str


def normalise_contact(raw: str | None) -> str | None:
    """A phone number (spaces and dashes dropped) or an email address; None when empty."""
    value = (raw or "").strip()
    if not value:
        return None
    if "@" in value:
        return value if EMAIL.match(value) and len(value) <= CONTACT_MAX else ""
    digits = re.sub(r"[\s\-()（）]", "", value).removeprefix("+86")
    return digits if MOBILE.match(digits) or LANDLINE.match(digits) else ""


def clean_input(data: CommentInput) -> dict:
    """Validate and clean the fields; raise ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    body = plain_text(data.body if isinstance(data.body, str) else "")
    if not body:
        errors["body"] = _("请填写意见内容")
    elif len(body) < BODY_MIN:
        errors["body"] = _("意见内容至少需要%(n)d个字", n=BODY_MIN)
    elif len(body) > BODY_MAX:
        errors["body"] = _("意见内容不能超过%(max)d个字（现有%(n)d个字）", max=BODY_MAX, n=len(body))
    author = plain_text(data.author_name) or None
    if author and len(author) > AUTHOR_NAME_MAX:
        errors["author_name"] = _("署名不能超过%(n)d个字", n=AUTHOR_NAME_MAX)
    contact = normalise_contact(data.contact)
    if contact == "":
        errors["contact"] = _("请填写有效的手机号码、固定电话（含区号）或电子邮箱")
    if data.notify and not contact and "contact" not in errors:
        errors["contact"] = _("如需接收处理结果通知，请填写联系方式")
    if errors:
        raise ValidationError(next(iter(errors.values())), errors)
    return {"body": body, "author_name": author, "contact": contact, "notify": bool(data.notify and contact)}


def check_article(session, version_id: int, article_id: int | None) -> None:
    """Refuse an article that is not in the draft's current version (None: the draft as a whole)."""
    if article_id is None:
        return
    found = session.scalar(
        select(ArticleText.id).where(
            ArticleText.version_id == version_id, ArticleText.article_id == article_id
        )
    )
    if found is None:
        raise ValidationError(_("所选条款不属于本草案"), {"article_id": _("所选条款不属于本草案")})


def unused_receipt_code(session) -> str:
    """A fresh receipt code no comment has (a clash of 43 random bits is rare, but checked)."""
    code = new_code()
    while session.scalar(select(Comment.id).where(Comment.receipt_code == code)) is not None:
        code = new_code()
    return code


def _check_open(draft: Draft) -> None:
    status = draft.status_at(utcnow())
    if status == "upcoming":
        raise ConsultationClosed(
            _("本草案尚未开始征求意见，将于%(date)s开始。", date=localdate(draft.opens_at))
        )
    if status in ("closed", "concluded"):
        raise ConsultationClosed(
            _("本草案的征求意见已于%(date)s截止，感谢您的关注。", date=localdate(draft.closes_at))
        )


def submit_comment(ctx: RequestContext, slug: str, data: CommentInput) -> Submission:
    """Accept a comment from the public: validate, store as pending (spam if the honeypot was filled)."""
    fields = clean_input(data)
    if not ratelimit.quota_left(ctx.address):
        raise RateLimited(_("您提交得太频繁了，请稍后再试。您填写的内容已保留。"))
    with write_transaction() as session:
        draft = session.scalar(select(Draft).where(Draft.slug == slug, Draft.published_at.is_not(None)))
        if draft is None:
            raise NotFound(_("草案不存在"))
        _check_open(draft)
        version = draft.current_version
        check_article(session, version.id, data.article_id)
        code = unused_receipt_code(session)
        comment = Comment(
            draft_id=draft.id,
            version_id=version.id,
            article_id=data.article_id,
            channel="web",
            status="spam" if (data.honeypot or "").strip() else "pending",
            receipt_code=code,
            address_hash=ctx.address_hash,
            submitted_at=utcnow(),
            **fields,
        )
        session.add(comment)
        session.flush()
        result = Submission(comment.id, code, "pending", data.article_id, draft.slug)
    ratelimit.count_comment(ctx.address)
    return result


def stop_notifications(ctx: RequestContext, code: str) -> bool:
    """The commenter withdraws consent to be emailed (the receipt page's button; every mail links it).

    Mails already queued for the comment are then skipped by `notify send`. True when consent was given.
    """
    from consult.comments.receipts import normalise

    del ctx  # anonymous: the receipt code is the only identity
    with write_transaction() as session:
        comment = session.scalar(select(Comment).where(Comment.receipt_code == normalise(code)))
        if comment is None:
            raise NotFound(_("未找到该回执码"))
        was = comment.notify
        comment.notify = False
    return was
