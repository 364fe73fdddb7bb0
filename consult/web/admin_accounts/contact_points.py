"""Contact points: the list with the form to register one, and one point's settings and operators."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from sqlalchemy import select

from consult.auth import operations as ops
from consult.auth import queries
from consult.auth.access import access, current_actor
from consult.errors import DomainError, NotFound
from consult.extensions import db
from consult.i18n import _
from consult.models import ContactPoint, User
from consult.models.enums import CONTACT_POINT_KINDS
from consult.web.admin_accounts.common import bp, request_context
from consult.web.forms import form_page


def _render_points(values: dict[str, str], errors: dict[str, str], message: str | None, status: int):
    return form_page(
        "admin/accounts/contact_points.html",
        status,
        rows=queries.contact_point_rows(),
        kinds=CONTACT_POINT_KINDS,
        values=values,
        errors=errors,
        message=message,
    )


@bp.get("/contact-points")
@access("admin")
def contact_points():
    """Every contact point with its operators and comments, and the form to register one."""
    return _render_points({}, {}, None, 200)


@bp.post("/contact-points")
@access("admin")
def create_contact_point():
    """Register a contact point."""
    form, actor = request.form, current_actor()
    try:
        point = ops.create_contact_point(
            actor,
            request_context(),
            form.get("slug", ""),
            form.get("name", ""),
            form.get("district"),
            form.get("email"),
            form.get("kind") or "legislative",
        )
    except DomainError as err:
        kept = {k: form.get(k, "") for k in ("slug", "name", "district", "email", "kind")}
        return _render_points(kept, err.fields, err.message, err.status)
    flash(_("已登记联系点“%(name)s”。", name=point.name))
    return redirect(url_for("admin_accounts.contact_points"), code=303)


def _render_point(point_id: int, values=None, errors=None, message=None, status=200):
    point = db.session.get(ContactPoint, point_id)
    if point is None:
        raise NotFound(_("联系点不存在"))
    operators = list(
        db.session.scalars(
            select(User).where(User.contact_point_id == point_id).order_by(User.active.desc(), User.username)
        )
    )
    values = values or {
        "name": point.name,
        "district": point.district or "",
        "email": point.email or "",
        "kind": point.kind,
    }
    return form_page(
        "admin/accounts/contact_point.html",
        status,
        kinds=CONTACT_POINT_KINDS,
        point=point,
        operators=operators,
        values=values,
        errors=errors,
        message=message,
    )


@bp.get("/contact-points/<int:point_id>")
@access("admin")
def contact_point(point_id: int):
    """One contact point: edit its name, district and notification email, see its operators."""
    return _render_point(point_id)


@bp.post("/contact-points/<int:point_id>")
@access("admin")
def update_contact_point(point_id: int):
    """Change a contact point's name, district and notification email."""
    form, actor = request.form, current_actor()
    try:
        ops.update_contact_point(
            actor,
            request_context(),
            point_id,
            form.get("name", ""),
            form.get("district"),
            form.get("email", ""),
            form.get("kind") or None,
        )
    except DomainError as err:
        kept = {k: form.get(k, "") for k in ("name", "district", "email", "kind")}
        return _render_point(point_id, kept, err.fields, err.message, err.status)
    flash(_("已保存联系点信息。"))
    return redirect(url_for("admin_accounts.contact_point", point_id=point_id), code=303)
