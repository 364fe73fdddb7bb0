"""invite and remind: the operations behind the draft's admin page, the JSON API and (later) the CLI.

An invitation asks one deputy or expert (an account of role deputy or expert, with an e-mail address)
to comment on a published draft that is still to close, as a whole or on chosen articles, by a due
time no later than the draft's closing. The invitation mail and the one reminder ride in the outbox
(kind ``mail.invite``) and are sent once by ``notify send``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from consult import audit
from consult.clock import as_utc, local_zone, utcnow
from consult.context import RequestContext
from consult.db import end_read, write_transaction
from consult.drafts.queries import by_slug
from consult.errors import Conflict, NotFound, ValidationError
from consult.i18n import _, localdate
from consult.invitations.queries import has_answered
from consult.models import ArticleText, Invitation, OutboxEvent, User
from consult.models.types import ID_MAX
from consult.models.users import COMMENTING_ROLES

KIND = "mail.invite"  # the outbox kind of invitation and reminder mails (consult/feedback/invite_mail.py)
ARTICLES_MAX = 200  # more than any draft has articles: a longer list is a mistake, not a choice


@dataclass(frozen=True)
class InvitationInput:
    """What staff sent, as the door parsed it (unvalidated): the account, the articles, the due time."""

    username: str | None
    article_ids: object = None  # a list of article ids; None or empty: the whole draft
    due: object = None  # an ISO date (the end of that day, local time) or date-time; or a date/datetime


def parse_due(value: object) -> datetime:
    """The due time in UTC: a date means the end of that day where people read times (Asia/Shanghai)."""
    message = _("请填写截止日期，格式如 2027-01-31（当天24时截止）或 2027-01-31T18:00:00+08:00")
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, date):
        return _end_of(value)
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationError(message, {"due": message})
    try:
        if len(text) == 10:
            return _end_of(date.fromisoformat(text))
        return as_utc(datetime.fromisoformat(text))
    except (ValueError, OverflowError):
        raise ValidationError(message, {"due": message}) from None


def _end_of(day: date) -> datetime:
    return as_utc(datetime.combine(day, time(23, 59, 59), tzinfo=local_zone()))


def _article_ids(value: object) -> list[int]:
    message = _("所选条款应为本草案现行文本中条款的编号（article_id）列表")
    if value is None or value == "":
        return []
    if not isinstance(value, list | tuple) or len(value) > ARTICLES_MAX:
        raise ValidationError(message, {"article_ids": message})
    ids: list[int] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | str):
            raise ValidationError(message, {"article_ids": message})
        text = str(item).strip()
        if not text.isdigit() or not 0 < int(text) <= ID_MAX:
            raise ValidationError(message, {"article_ids": message})
        if int(text) not in ids:
            ids.append(int(text))
    return ids


def _check_articles(session, version_id: int, ids: list[int]) -> list[int]:
    """The ids in the order of the draft's text; refuses one that is not in the current version."""
    found = dict(
        session.execute(
            select(ArticleText.article_id, ArticleText.order).where(
                ArticleText.version_id == version_id, ArticleText.article_id.in_(ids)
            )
        ).all()
    )
    if len(found) != len(ids):
        message = _("所选条款不属于本草案的现行文本")
        raise ValidationError(message, {"article_ids": message})
    return sorted(ids, key=found.__getitem__)


def _invitee(session, username: str | None) -> User:
    name = (username or "").strip()
    if not name:
        message = _("请选择要邀请的人大代表或立法专家顾问")
        raise ValidationError(message, {"username": message})
    user = session.scalar(select(User).where(User.username == name))
    if user is None:
        message = _("账号 %(name)s 不存在", name=name)
        raise ValidationError(message, {"username": message})
    if user.role not in COMMENTING_ROLES:
        message = _("只能邀请人大代表或立法专家顾问的账号，%(name)s 不是", name=name)
        raise ValidationError(message, {"username": message})
    if not user.active:
        message = _("账号 %(name)s 已停用，不能邀请", name=name)
        raise ValidationError(message, {"username": message})
    if not user.email:
        message = _("账号 %(name)s 没有电子邮箱，无法发送邀请，请先在账号页面填写", name=name)
        raise ValidationError(message, {"username": message})
    return user


def _queue_mail(session, invitation: Invitation, to: str, reminder: bool) -> None:
    session.add(
        OutboxEvent(
            kind=KIND,
            target_type="invitation",
            target_id=invitation.id,
            payload={"to": to, "reminder": reminder},
            created_at=utcnow(),
        )
    )


def invite(actor: User | None, ctx: RequestContext, slug: str, data: InvitationInput) -> Invitation:
    """Invite a deputy or expert to comment on a draft (or chosen articles) by a due time; queue the mail."""
    by_slug(slug)  # an unknown draft is a 404 before anything about the body is said
    end_read()
    due_at = parse_due(data.due)
    ids = _article_ids(data.article_ids)
    now = utcnow()
    if due_at <= now:
        message = _("截止时间须晚于现在")
        raise ValidationError(message, {"due": message})
    try:
        with write_transaction() as session:
            draft = by_slug(slug, session=session)
            stage = draft.status_at(now)
            if stage not in ("upcoming", "open"):
                raise Conflict(_("只能就尚未截止的已发布草案发出邀请，本草案目前不接受意见"))
            if due_at > draft.closes_at:
                message = _(
                    "截止时间不能晚于本草案征求意见的截止时间（%(date)s）", date=localdate(draft.closes_at)
                )
                raise ValidationError(message, {"due": message})
            user = _invitee(session, data.username)
            if ids:
                ids = _check_articles(session, draft.current_version.id, ids)
            taken = session.scalar(
                select(Invitation.id).where(Invitation.draft_id == draft.id, Invitation.user_id == user.id)
            )
            if taken is not None:
                raise _already_invited(user)
            invitation = Invitation(
                draft_id=draft.id,
                user_id=user.id,
                article_ids=ids,
                due_at=due_at,
                invited_at=now,
                invited_by_id=actor.id if actor else None,
            )
            session.add(invitation)
            session.flush()
            _queue_mail(session, invitation, user.email, reminder=False)
            details = {"draft": draft.slug, "username": user.username, "article_ids": ids}
            audit.record(session, actor, ctx, "invitation.create", invitation, details)
    except IntegrityError:  # two staff members invited the same person at once: one invitation stands
        raise _already_invited(None) from None
    return invitation


def _already_invited(user: User | None) -> Conflict:
    message = (
        _("已邀请过 %(name)s 就本草案提出意见，不再重复邀请", name=user.display_name)
        if user is not None
        else _("已邀请过该账号就本草案提出意见，不再重复邀请")
    )
    return Conflict(message, {"username": message})


def remind(actor: User | None, ctx: RequestContext, invitation_id: int) -> Invitation:
    """Queue the one reminder of an invitation not yet answered; a second one is refused."""
    with write_transaction() as session:
        invitation = session.get(Invitation, invitation_id, with_for_update=True)
        if invitation is None:
            raise NotFound(_("邀请不存在"))
        user, draft = invitation.user, invitation.draft
        if invitation.reminded_at is not None:
            raise Conflict(
                _(
                    "已于%(date)s提醒过 %(name)s，每份邀请只能提醒一次",
                    date=localdate(invitation.reminded_at),
                    name=user.display_name,
                )
            )
        if has_answered(session, invitation):
            raise Conflict(_("%(name)s 已经提出意见，无需提醒", name=user.display_name))
        if draft.status_at(utcnow()) != "open":
            raise Conflict(_("本草案目前不在征求意见期内，提醒发出后对方也无法提交意见"))
        if not user.active or not user.email:
            raise Conflict(_("账号 %(name)s 已停用或没有电子邮箱，无法发送提醒", name=user.username))
        invitation.reminded_at = utcnow()
        _queue_mail(session, invitation, user.email, reminder=True)
        details = {"draft": draft.slug, "username": user.username}
        audit.record(session, actor, ctx, "invitation.remind", invitation, details)
    return invitation
