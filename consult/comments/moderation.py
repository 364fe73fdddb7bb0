"""Moderation (审核): one operation each for one comment, a selection, and undoing either (with audit rows).

Each moderation keeps in its audit row what the comments were before and the version it left them at,
so the person who acted can undo it for a few minutes, unless someone acted on them since.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from consult import audit
from consult.clock import as_utc, utcnow
from consult.comments.operations import CommentInput, check_article, too_long_to_clean, unused_receipt_code
from consult.context import RequestContext
from consult.db import write_transaction
from consult.drafts.queries import by_slug
from consult.errors import Conflict, Forbidden, NotFound, ValidationError
from consult.i18n import _, _l
from consult.models import AuditLog, Comment, User
from consult.models.comments import AUTHOR_NAME_MAX, BODY_MAX
from consult.personal_data import normalise_contact
from consult.sanitize import plain_text, raw_length_over

ACTIONS = {"publish": "published", "reject": "rejected", "spam": "spam"}
# The audit action each moderation records, spelled out so the registry check can read them.
AUDIT_ACTIONS = {"publish": "comment.publish", "reject": "comment.reject", "spam": "comment.spam"}
BULK_AUDIT_ACTIONS = {
    "publish": "comment.bulk_publish",
    "reject": "comment.bulk_reject",
    "spam": "comment.bulk_spam",
}
UNDO_ACTION = "comment.undo"
UNDO_MINUTES = 10  # how long the person who moderated may undo it
REASON_MAX = 500
OFFLINE_CHANNELS = ("letter", "deputy", "expert")
# Common reasons for not publishing, offered in the queue (staff may also type their own).
REJECT_REASONS = (
    _l("含有个人信息"),
    _l("与本草案无关"),
    _l("重复提交"),
    _l("不文明用语"),
    _l("广告信息"),
    _l("内容无法辨认"),
)


@dataclass(frozen=True)
class Moderated:
    """What a moderation did: to which comments, the status they now have, and its audit row (to undo)."""

    ids: list[int]
    action: str
    status: str
    reason: str | None
    masked: bool
    entry_id: int


@dataclass(frozen=True)
class Undone:
    """What undoing a moderation did: each comment's status restored."""

    statuses: dict[int, str]
    entry_id: int


def _action(action: str) -> str:
    if action not in ACTIONS:
        raise ValidationError(
            _("未知的审核操作：%(a)s", a=str(action)), {"action": _("应为 publish、reject 或 spam")}
        )
    return ACTIONS[action]


def _reason(raw: str | None) -> str | None:
    too_long = raw_length_over(raw, REASON_MAX)  # refused before cleaning (sanitize.raw_max)
    reason = None if too_long else plain_text(raw) or None
    if too_long or (reason and len(reason) > REASON_MAX):
        raise ValidationError(_("理由不能超过%(n)d个字", n=REASON_MAX), {"reason": _("理由过长")})
    return reason


def checked(action: str, reason: str | None) -> tuple[str, str | None]:
    """The status an action gives and its cleaned reason, or the refusal (不予公开 needs a reason), before
    anything is read: the rule every moderation of more than one comment follows."""
    new_status = _action(action)
    reason = _reason(reason)
    if new_status == "rejected" and not reason:
        raise ValidationError(_("不予公开时必须填写理由"), {"reason": _("请选择或填写理由")})
    return new_status, reason


def status_values(new_status: str, reason: str | None, actor: User) -> dict:
    """The columns a moderation by ``actor`` now sets: for each comment (``apply_status``) or for a set
    of them in one UPDATE (consult/groups/moderation.py)."""
    return {
        "status": new_status,
        "moderation_reason": reason if new_status != "published" else None,
        "moderated_at": utcnow(),
        "moderated_by_id": actor.id,
    }


def apply_status(comments: Iterable[Comment], new_status: str, reason: str | None, actor: User) -> None:
    """Give each comment the new status, as a moderation by ``actor`` now (the caller flushes)."""
    values = status_values(new_status, reason, actor)
    for comment in comments:
        for name, value in values.items():
            setattr(comment, name, value)


def _before(comment: Comment) -> dict:
    """What undoing must put back (the version is added once the change is flushed)."""
    moderated_at = comment.moderated_at
    return {
        "status": comment.status,
        "reason": comment.moderation_reason,
        "moderated_at": as_utc(moderated_at).isoformat() if moderated_at is not None else None,
        "moderated_by_id": comment.moderated_by_id,
    }


def _load(session, comment_id: int, expected_version: int | None) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(_("意见不存在"))
    if expected_version is not None and comment.version != expected_version:
        raise Conflict(
            _("这条意见刚刚已被其他工作人员处理，请刷新后查看最新状态。"),
            {"version": _("当前版本为%(v)d", v=comment.version)},
        )
    return comment


def moderate_comment(
    actor: User,
    ctx: RequestContext,
    comment_id: int,
    action: str,
    reason: str | None = None,
    masked_body: str | None = None,
    expected_version: int | None = None,
) -> Moderated:
    """Publish, reject (also: take down a published comment) or mark as spam, with a reason."""
    new_status = _action(action)
    reason = _reason(reason)
    with write_transaction() as session:
        comment = _load(session, comment_id, expected_version)
        if new_status == "rejected" and not reason:
            raise ValidationError(_("不予公开时必须填写理由"), {"reason": _("请选择或填写理由")})
        before, restore = comment.status, _before(comment)
        if masked_body is not None:
            restore["masked_body"] = comment.masked_body
        if masked_body is not None:
            if action != "publish":
                raise ValidationError(_("只有公开时才能使用遮盖后的文本"), {"masked_body": _("仅用于公开")})
            # The raw length first, before a write lock is held over cleaning megabytes of markup.
            cleaned = "" if raw_length_over(masked_body, BODY_MAX) else plain_text(masked_body)
            if not cleaned or len(cleaned) > BODY_MAX:
                raise ValidationError(
                    _("遮盖后的文本不能为空，且不超过%(n)d字", n=BODY_MAX),
                    {"masked_body": _("请检查遮盖后的文本")},
                )
            comment.masked_body = cleaned
        comment.status = new_status
        comment.moderation_reason = reason if new_status != "published" else None
        comment.moderated_at = utcnow()
        comment.moderated_by_id = actor.id
        session.flush()  # moves the version on: undoing checks nobody moved it further
        restore["version"] = comment.version
        entry = audit.record(
            session,
            actor,
            ctx,
            AUDIT_ACTIONS[action],
            comment,
            {
                "from": before,
                "to": new_status,
                "reason": reason,
                "masked": masked_body is not None,
                "restore": {str(comment.id): restore},
            },
        )
        session.flush()
    return Moderated([comment_id], action, new_status, reason, masked_body is not None, entry.id)


def moderate_many(
    actor: User,
    ctx: RequestContext,
    comment_ids: Iterable[int],
    action: str,
    reason: str | None = None,
    seen: Mapping[int, int] | None = None,
) -> Moderated:
    """The same moderation for a selection, in one transaction.

    ``seen`` maps comment ids to the version the staff member looked at; if any changed meanwhile,
    nothing is changed and the Conflict names them. Nothing ticked, or 不予公开 without a reason, is
    refused before anything is read.
    """
    ids = sorted(set(comment_ids))
    if not ids:
        raise ValidationError(_("请先勾选要处理的意见"), {"ids": _("未勾选任何意见")})
    new_status, reason = checked(action, reason)
    with write_transaction() as session:
        comments = session.scalars(select(Comment).where(Comment.id.in_(ids))).all()
        if len(comments) != len(ids):
            raise NotFound(_("所选意见中有的已不存在，请刷新后重试"))
        changed = [c.id for c in comments if c.id in (seen or {}) and c.version != seen[c.id]]
        if changed:
            raise Conflict(
                _(
                    "意见 %(ids)s 刚刚已被其他工作人员处理，本次操作未执行，请刷新后查看最新状态。",
                    ids="、".join(f"#{n}" for n in changed),
                )
            )
        restore = {str(comment.id): _before(comment) for comment in comments}
        apply_status(comments, new_status, reason, actor)
        session.flush()
        for comment in comments:
            restore[str(comment.id)]["version"] = comment.version
        entry = audit.record(
            session,
            actor,
            ctx,
            BULK_AUDIT_ACTIONS[action],
            None,
            {"ids": ids, "reason": reason, "count": len(ids), "restore": restore},
        )
        session.flush()
    return Moderated(ids, action, new_status, reason, False, entry.id)


def undo_moderation(actor: User, ctx: RequestContext, entry_id: int) -> Undone:
    """Put the comments of one's own moderation (one or a selection) back as they were, within
    UNDO_MINUTES; refused when anyone acted on one of them since (its version moved on), or when a
    decision was recorded on a comment that undoing would take off the public pages."""
    undoable = {*AUDIT_ACTIONS.values(), *BULK_AUDIT_ACTIONS.values()}
    with write_transaction() as session:
        entry = session.get(AuditLog, entry_id)
        restore = (entry.details or {}).get("restore") if entry is not None else None
        if entry is None or entry.action not in undoable or not restore:
            raise NotFound(_("没有可以撤销的审核操作"))
        if entry.actor_id != actor.id:
            raise Forbidden(_("只能撤销自己的审核操作"))
        if utcnow() - as_utc(entry.created_at) > timedelta(minutes=UNDO_MINUTES):
            raise Conflict(
                _("审核已超过%(n)d分钟，不能再撤销；如需改变，请重新审核这条意见。", n=UNDO_MINUTES)
            )
        ids = sorted(int(key) for key in restore)
        comments = session.scalars(select(Comment).where(Comment.id.in_(ids)).order_by(Comment.id)).all()
        if len(comments) != len(ids):
            raise NotFound(_("所选意见中有的已不存在，请刷新后重试"))
        moved = [c.id for c in comments if c.version != restore[str(c.id)]["version"]]
        if moved:
            raise Conflict(
                _(
                    "意见 %(ids)s 在您审核之后已被处理过（或已撤销），不能撤销；请刷新后查看最新状态。",
                    ids="、".join(f"#{n}" for n in moved),
                )
            )
        decided = [
            c.id for c in comments if c.decision is not None and restore[str(c.id)]["status"] != "published"
        ]
        if decided:
            raise Conflict(
                _(
                    "意见 %(ids)s 已记录处理结果，不能撤销公开；如需改变，请重新审核。",
                    ids="、".join(f"#{n}" for n in decided),
                )
            )
        current = comments[0].status
        for comment in comments:
            before = restore[str(comment.id)]
            comment.status, comment.moderation_reason = before["status"], before["reason"]
            at = before["moderated_at"]
            comment.moderated_at = datetime.fromisoformat(at) if at else None
            comment.moderated_by_id = before["moderated_by_id"]
            if "masked_body" in before:
                comment.masked_body = before["masked_body"]
        restored = {c.id: c.status for c in comments}
        audit.record(
            session,
            actor,
            ctx,
            UNDO_ACTION,
            comments[0] if len(comments) == 1 else None,
            {
                "undone_action": entry.action,
                "undoes": entry.id,
                "ids": ids,
                "from": current,
                "to": restored[ids[0]] if len(set(restored.values())) == 1 else None,
            },
        )
    return Undone(restored, entry_id)


def enter_offline_comment(
    actor: User,
    ctx: RequestContext,
    slug: str,
    body: str | None,
    channel: str,
    article_id: int | None = None,
    author_name: str | None = None,
    contact: str | None = None,
    received_at=None,
) -> Comment:
    """Staff enter an opinion that came by letter, from a deputy or an expert; it gets a receipt code."""
    errors: dict[str, str] = {}
    raw = too_long_to_clean(CommentInput(body=body, author_name=author_name, contact=contact))
    if raw:  # refused before any cleaning, as for the public form
        raise ValidationError(next(iter(raw.values())), raw)
    text = plain_text(body)
    if len(text) < 1:
        errors["body"] = _("请填写意见内容")
    elif len(text) > BODY_MAX:
        errors["body"] = _("意见内容不能超过%(max)d个字", max=BODY_MAX)
    if channel not in OFFLINE_CHANNELS:
        errors["channel"] = _("来源应为 letter、deputy 或 expert")
    name = plain_text(author_name) or None
    if name and len(name) > AUTHOR_NAME_MAX:
        errors["author_name"] = _("署名不能超过%(n)d个字", n=AUTHOR_NAME_MAX)
    normal_contact = normalise_contact(contact)
    if normal_contact == "":
        errors["contact"] = _("请填写有效的手机号码、固定电话（含区号）或电子邮箱")
    if received_at is not None and received_at > utcnow():
        errors["received_at"] = _("收到日期不能晚于今天")
    if errors:
        raise ValidationError(next(iter(errors.values())), errors)
    with write_transaction() as session:
        draft = by_slug(slug, session=session)
        if not draft.accepts_offline_opinions:
            raise Conflict(
                _("本草案的采纳情况反馈已发布，不能再录入意见；如确需补录，请先在“采纳情况反馈”页开始修订")
            )
        version = draft.current_version
        check_article(session, version.id, article_id)
        code = unused_receipt_code(session)
        comment = Comment(
            draft_id=draft.id,
            version_id=version.id,
            article_id=article_id,
            body=text,
            channel=channel,
            status="pending",
            receipt_code=code,
            author_name=name,
            contact=normal_contact or None,
            submitted_at=utcnow(),
            received_at=received_at,
        )
        session.add(comment)
        session.flush()
        audit.record(session, actor, ctx, "comment.enter", comment, {"channel": channel})
    return comment
