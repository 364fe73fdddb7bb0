"""The audit log for administrators (read only: no route changes or deletes a row)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, request

from consult.audit import action_label, target_type_label
from consult.audit_queries import AuditFilter, audit_actions, audit_rows, audit_target_types, object_names
from consult.auth.access import access
from consult.errors import ValidationError
from consult.paging import page_number
from consult.web.audit_view import detail_lines, object_name
from consult.web.dates import local_day_start
from consult.web.forms import form_page

bp = Blueprint("admin_audit", __name__, url_prefix="/admin")


@bp.get("/audit")
@access("admin")
def audit_log():
    """Audit rows newest first, 50 a page, filtered by action, actor, target type and local dates."""
    args = request.args
    errors: dict[str, str] = {}
    since = until = None
    try:
        since = local_day_start(args.get("from"), "from")
    except ValidationError as err:
        errors.update(err.fields)
    try:
        day = local_day_start(args.get("to"), "to")
        until = day + timedelta(days=1) if day is not None else None  # the whole last day
    except ValidationError as err:
        errors.update(err.fields)
    f = AuditFilter(
        action=args.get("action") or None,
        actor=(args.get("actor") or "").strip() or None,
        target_type=args.get("target_type") or None,
        since=since,
        until=until,
    )
    result = audit_rows(f, page_number(request.args.get("page")))
    params = {k: v for k, v in args.items() if k != "page" and v}
    # A date that cannot be read is refused (400, titled 错误：); the log is still shown unfiltered by it.
    return form_page(
        "admin/review/audit.html",
        400 if errors else 200,
        errors=errors,
        result=result,
        f=f,
        args=args,
        params=params,
        actions=audit_actions(),
        target_types=audit_target_types(),
        action_label=action_label,
        target_type_label=target_type_label,
        names=object_names(result.items),
        object_name=object_name,
        detail_lines=detail_lines,
    )
