"""submit_comment: the one operation behind the comment form, the JSON API (and later imports)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from consult.clock import utcnow
from consult.comments import submission_keys
from consult.context import RequestContext
from consult.db import write_transaction
from consult.drafts.queries import by_slug
from consult.errors import ConsultationClosed, NotFound, RateLimited, ValidationError
from consult.feedback.sms import enabled as sms_enabled
from consult.i18n import _, localdate
from consult.models import ArticleText, Comment, Draft, User
from consult.models.comments import AUTHOR_NAME_MAX, BODY_MAX, CONTACT_MAX, IDEMPOTENCY_KEY_MAX
from consult.personal_data import normalise_contact, notify_channel
from consult.ratelimits import COMMENTS, TOO_OFTEN, receipt_lookup, refusals_counted
from consult.receipts import new_code, normalise
from consult.sanitize import plain_text, raw_length_over

BODY_MIN = 5
KEY_PATTERN = re.compile(rf"[\x21-\x7e]{{1,{IDEMPOTENCY_KEY_MAX}}}")


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
    repeated: bool = False  # a repeat of a submission already answered: nothing was stored


@dataclass(frozen=True)
class SubmissionKeyInput:
    """A key that makes a submission safe to repeat: the API's Idempotency-Key or the form's one-time id."""

    door: str  # "api" or "form": the two doors' keys never collide
    value: str

    @property
    def stored(self) -> str:
        return f"{self.door}:{self.value}"


def submission_key(door: str, raw: str | None) -> SubmissionKeyInput | None:
    """A submission key as a door received it (None when absent); 1–64 visible ASCII characters.

    The API names a malformed Idempotency-Key; the form's id is ours, so a tampered one only loses the
    protection against repeats (the comment itself is still taken).
    """
    if raw is None:
        return None
    if KEY_PATTERN.fullmatch(raw):
        return SubmissionKeyInput(door, raw)
    if door != "api":
        return None
    message = _("Idempotency-Key 须为1至%(n)d个可见的ASCII字符", n=IDEMPOTENCY_KEY_MAX)
    raise ValidationError(message, {"idempotency_key": message})


def submission_fingerprint(slug: str, data: CommentInput, author_id: int | None = None) -> str:
    """What makes two submissions "the same": the draft, every field the person sent, and the deputy's or
    expert's account (named only when there is one, so keys kept from before stay answered as they were)."""
    fields = {
        **({"author": author_id} if author_id is not None else {}),
        "draft": slug,
        "body": data.body,
        "article_id": data.article_id,
        "author_name": data.author_name,
        "contact": data.contact,
        "notify": bool(data.notify),
        "honeypot": data.honeypot,
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def notify_problem(contact: str | None, sms_enabled: bool) -> str | None:
    """Why a consent to be notified cannot be kept with this contact (None: it can be)."""
    if notify_channel(contact, sms_enabled):
        return None
    if sms_enabled:
        return _("处理结果只能通过电子邮箱或手机短信通知，请填写电子邮箱或手机号码，或取消勾选")
    return _("处理结果目前只能通过电子邮件通知，请填写电子邮箱，或取消勾选")


def body_too_long(n: int) -> str:
    """The message for an opinion of n characters, past BODY_MAX."""
    return _("意见内容不能超过%(max)d个字（现有%(n)d个字）", max=BODY_MAX, n=n)


def too_long_to_clean(data: CommentInput) -> dict[str, str]:
    """Fields whose raw length is past what is worth cleaning (sanitize.raw_max), with their messages."""
    errors: dict[str, str] = {}
    n = raw_length_over(data.body, BODY_MAX)
    if n:
        errors["body"] = body_too_long(n)
    n = raw_length_over(data.author_name, AUTHOR_NAME_MAX)
    if n:
        errors["author_name"] = _("署名不能超过%(max)d个字（现有%(n)d个字）", max=AUTHOR_NAME_MAX, n=n)
    n = raw_length_over(data.contact, CONTACT_MAX)
    if n:
        errors["contact"] = _("联系方式不能超过%(max)d个字（现有%(n)d个字）", max=CONTACT_MAX, n=n)
    return errors


def clean_input(data: CommentInput, sms_enabled: bool = False) -> dict:
    """Validate and clean the fields; raise ValidationError naming each bad field.

    A consent to be notified needs a contact that can be notified (personal_data.notify_channel): an
    e-mail address, or a mobile number when an SMS gateway is configured. Promising a notice that can
    never be sent is refused on the form rather than discovered when nothing arrives.
    """
    errors: dict[str, str] = {}
    raw = too_long_to_clean(data)
    if raw:  # refused before any cleaning: bleach over megabytes of markup takes a worker for minutes
        raise ValidationError(next(iter(raw.values())), raw)
    body = plain_text(data.body if isinstance(data.body, str) else "")
    if not body:
        errors["body"] = _("请填写意见内容")
    elif len(body) < BODY_MIN:
        errors["body"] = _("意见内容至少需要%(n)d个字", n=BODY_MIN)
    elif len(body) > BODY_MAX:
        errors["body"] = body_too_long(len(body))
    author = plain_text(data.author_name) or None
    if author and len(author) > AUTHOR_NAME_MAX:
        errors["author_name"] = _("署名不能超过%(n)d个字", n=AUTHOR_NAME_MAX)
    contact = normalise_contact(data.contact)
    if contact == "":
        errors["contact"] = _("请填写有效的手机号码、固定电话（含区号）或电子邮箱")
    if data.notify and "contact" not in errors:
        problem = notify_problem(contact, sms_enabled)
        if problem:
            errors["notify"] = problem
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


def as_account(data: CommentInput, author: User) -> CommentInput:
    """A deputy's or expert's comment: signed with their verified name; no contact is asked of them (staff
    know how to reach the account), so none is kept and no notice is promised."""
    return replace(data, author_name=author.display_name, contact=None, notify=False)


def submit_comment(
    ctx: RequestContext,
    slug: str,
    data: CommentInput,
    key: SubmissionKeyInput | None = None,
    author: User | None = None,
) -> Submission:
    """Accept a comment from the public: validate, store as pending (spam if the honeypot was filled).

    ``author``: the deputy or expert signed in or named by a token (access.commenting_account). Their
    comment carries their channel (deputy, expert), their display name, shown publicly, and their
    account (which answers their invitations, consult/invitations); its text is moderated as any other.

    With a submission key (the API's Idempotency-Key, the form's one-time id) a repeat of the same
    submission answers with the first receipt and stores nothing (`Submission.repeated`); the same key
    with something else is refused (IdempotencyKeyReused). The key's unique row, written in the
    comment's transaction, settles two requests racing with one key.
    """
    channel = author.comment_channel if author is not None else None
    if channel is not None:
        data = as_account(data, author)
    else:
        author = None
    fingerprint = submission_fingerprint(slug, data, author.id if author else None) if key else ""
    if key:
        earlier = submission_keys.answered(key.stored, fingerprint)
        if earlier is not None:
            return earlier
    with refusals_counted(ctx.address):
        fields = clean_input(data, sms_enabled=sms_enabled())
    # The slot is taken before the insert (atomically, so simultaneous posts cannot all slip past a
    # check) and given back when nothing was stored.
    if not COMMENTS.take(ctx.address):
        raise RateLimited(TOO_OFTEN)
    try:
        result = _store_comment(ctx, slug, data, fields, key, fingerprint, author)
    except BaseException:
        COMMENTS.give_back(ctx.address)
        raise
    if result.repeated:  # another request with the same key stored it, and paid for it
        COMMENTS.give_back(ctx.address)
    return result


def _store_comment(
    ctx: RequestContext,
    slug: str,
    data: CommentInput,
    fields: dict,
    key: SubmissionKeyInput | None,
    fingerprint: str,
    author: User | None = None,
) -> Submission:
    try:
        with write_transaction() as session:
            draft = by_slug(slug, public=True, session=session)
            _check_open(draft)
            version = draft.current_version
            check_article(session, version.id, data.article_id)
            code = unused_receipt_code(session)
            comment = Comment(
                draft_id=draft.id,
                version_id=version.id,
                article_id=data.article_id,
                channel=author.role if author is not None else "web",
                author_id=author.id if author is not None else None,
                name_public=True,
                status="spam" if (data.honeypot or "").strip() else "pending",
                receipt_code=code,
                address_hash=ctx.address_hash,
                submitted_at=utcnow(),
                **fields,
            )
            session.add(comment)
            session.flush()
            if key:
                submission_keys.remember(session, key.stored, fingerprint, comment.id)
            result = Submission(comment.id, code, "pending", data.article_id, draft.slug)
    except IntegrityError:
        # Another request with the same key committed first (PostgreSQL waits on the unique index, then
        # refuses this one): answer as that one did. Any other integrity error is not ours to hide.
        earlier = submission_keys.answered(key.stored, fingerprint) if key else None
        if earlier is None:
            raise
        return earlier
    return result


def stop_notifications(ctx: RequestContext, code: str) -> bool:
    """The commenter withdraws consent to be emailed (the receipt page's button; every mail links it).

    Mails already queued for the comment are then skipped by `notify send`. True when consent was given.
    """

    # anonymous: the receipt code is the only identity, and guessing one is limited per address
    with receipt_lookup(ctx.address), write_transaction() as session:
        comment = session.scalar(select(Comment).where(Comment.receipt_code == normalise(code)))
        if comment is None:
            raise NotFound(_("未找到该回执码"))
        was = comment.notify
        comment.notify = False
    return was
