"""Staff's actions on groups (split a member out, merge groups, confirm a group) and the rebuild.

Each is one write transaction under the grouping's writer lock (drain.py), with its audit row, and
ends with the scope recomputed, so the tables always hold what clustering.partition gives for what
staff did: a later recomputation changes nothing staff decided.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select, update

from consult import audit
from consult.changes import bump
from consult.db import end_read, write_transaction
from consult.drafts.queries import by_slug
from consult.errors import NotFound, ValidationError
from consult.groups.drain import writer_lock
from consult.groups.ingest import recompute, scopes_of_draft
from consult.groups.inheritance import keep_decision_of_merged
from consult.i18n import _
from consult.models import CommentGroup, GroupMember
from consult.models.types import ID_MAX

if TYPE_CHECKING:
    from consult.context import RequestContext
    from consult.models import User

MERGE_MAX = 100  # groups merged at once


def rebuild_draft(slug: str) -> int:
    """Recompute every group of a draft from its comments, keeping what staff split, merged or
    confirmed; the number of scopes (articles, and the draft as a whole) recomputed."""
    draft = by_slug(slug)
    draft_id = draft.id
    end_read()
    with writer_lock(wait=True):
        with write_transaction() as session:
            scopes = scopes_of_draft(session, draft_id)
        for scope in scopes:
            with write_transaction() as session:
                recompute(session, scope, bands=True)
                bump(session)
    return len(scopes)


def _group(session, group_id: int) -> CommentGroup:
    # populate_existing: the session keeps objects across commits, and ingest.py writes with Core
    query = select(CommentGroup).where(CommentGroup.id == group_id).execution_options(populate_existing=True)
    group = session.scalar(query) if 0 < group_id <= ID_MAX else None
    if group is None:
        raise NotFound(_("意见组不存在"))
    return group


def split_member(actor: User, ctx: RequestContext, group_id: int, comment_id: int) -> int | None:
    """Take a comment out of its group for good; the group's id, or None if no group is left of it."""
    end_read()
    with writer_lock(wait=True), write_transaction() as session:
        group = _group(session, group_id)
        member = session.get(GroupMember, comment_id) if 0 < comment_id <= ID_MAX else None
        if member is None or member.group_id != group.id:
            raise ValidationError(_("这条意见不在该组中"), {"comment_id": _("这条意见不在该组中")})
        member.group_id = None
        member.state = "split"
        session.flush()
        audit.record(session, actor, ctx, "group.split", group, {"comment_id": comment_id})
        scope = (group.draft_id, group.article_key)
        recompute(session, scope)
        bump(session)
        return session.scalar(select(CommentGroup.id).where(CommentGroup.id == group_id))


def merge_groups(actor: User, ctx: RequestContext, group_ids: list[int]) -> int:
    """Merge groups of one article into the oldest of them, kept together from then on; its id."""
    ids = sorted(set(group_ids))
    if len(ids) < 2 or len(ids) > MERGE_MAX:
        message = _("请选择2至%(n)d个意见组合并", n=MERGE_MAX)
        raise ValidationError(message, {"groups": message})
    end_read()
    with writer_lock(wait=True), write_transaction() as session:
        groups = [_group(session, gid) for gid in ids]
        if len({(g.draft_id, g.article_key) for g in groups}) > 1:
            message = _("只能合并同一草案同一条款的意见组")
            raise ValidationError(message, {"groups": message})
        target = groups[0]
        session.execute(
            update(GroupMember)
            .where(GroupMember.group_id.in_(ids), GroupMember.state != "split")
            .values(group_id=target.id, state="merged")
        )
        target.confirmed = any(g.confirmed for g in groups)
        keep_decision_of_merged(target, groups[1:])
        for other in groups[1:]:
            session.delete(other)
        session.flush()
        audit.record(session, actor, ctx, "group.merge", target, {"groups": ids})
        recompute(session, (target.draft_id, target.article_key))
        bump(session)
        return target.id


def confirm_group(actor: User, ctx: RequestContext, group_id: int) -> int:
    """Confirm a group: its members stay in it whatever a recomputation finds; its id."""
    end_read()
    with writer_lock(wait=True), write_transaction() as session:
        group = _group(session, group_id)
        group.confirmed = True
        session.execute(
            update(GroupMember)
            .where(GroupMember.group_id == group.id, GroupMember.state == "auto")
            .values(state="confirmed")
        )
        session.flush()
        size = len(
            session.scalars(select(GroupMember.comment_id).where(GroupMember.group_id == group.id)).all()
        )
        audit.record(session, actor, ctx, "group.confirm", group, {"size": size})
        recompute(session, (group.draft_id, group.article_key))
        bump(session)
        return group.id
