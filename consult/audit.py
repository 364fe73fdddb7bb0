"""record(): the one way to write an audit row, inside the caller's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from consult.models import AuditLog

if TYPE_CHECKING:
    from consult.context import RequestContext
    from consult.models import User


def record(
    session: Session,
    actor: User | None,
    ctx: RequestContext,
    action: str,
    target: Any,
    details: dict[str, Any] | None = None,
) -> AuditLog:
    """Append an audit row: who (actor), what (action), to which object (target), from where (ctx)."""
    row = AuditLog(
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.username if actor is not None else "",
        action=action,
        target_type=getattr(target, "__tablename__", "") if target is not None else "",
        target_id=str(getattr(target, "id", "") or "") if target is not None else "",
        details=details or {},
        address_hash=ctx.address_hash,
    )
    session.add(row)
    return row
