"""Contact points (基层立法联系点, and the deputies' homes and stations): register one, change one."""

from __future__ import annotations

import re

from sqlalchemy import select

from consult import audit
from consult.context import RequestContext
from consult.db import write_transaction
from consult.errors import Conflict, NotFound, ValidationError
from consult.i18n import _
from consult.models import ContactPoint, User
from consult.models.enums import CONTACT_POINT_KINDS
from consult.personal_data import EMAIL

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9\-]{1,78}[a-z0-9]$")
NAME_MAX, DISTRICT_MAX = 120, 80
EMAIL_MAX = 200
_KEEP = object()  # update_contact_point: leave the email address as it is


def _raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(next(iter(errors.values())), errors)


def normalise_email(email: str | None) -> str | None:
    """The notification address as stored: trimmed, lower-cased domain, None when empty."""
    value = (email or "").strip()
    if not value:
        return None
    name, _at, domain = value.rpartition("@")
    return f"{name}@{domain.lower()}" if name else value


def _point_field_errors(
    name: str, district: str | None, email: str | None = None, kind: str = "legislative"
) -> dict[str, str]:

    errors = {}
    if kind not in CONTACT_POINT_KINDS:
        errors["kind"] = _("联系点类型必须是基层立法联系点、代表之家或代表联络站之一")
    if not name or len(name) > NAME_MAX:
        errors["name"] = _("请填写联系点名称（不超过120个字符）")
    if len((district or "").strip()) > DISTRICT_MAX:
        errors["district"] = _("所在区县不能超过%(n)d个字符", n=DISTRICT_MAX)
    if email is not None and (len(email) > EMAIL_MAX or not EMAIL.match(email)):
        errors["email"] = _("通知邮箱格式不正确，请填写有效的电子邮箱地址，例如 lianxidian@example.gov.cn")
    return errors


def create_contact_point(
    actor: User | None,
    ctx: RequestContext,
    slug: str,
    name: str,
    district: str | None = None,
    email: str | None = None,
    kind: str = "legislative",
) -> ContactPoint:
    """Register a contact point (email: where feedback notifications go); ``kind``: a grassroots
    legislative contact point, or a deputies' home or station (代表之家、代表联络站)."""
    slug, name, email = (slug or "").strip(), (name or "").strip(), normalise_email(email)
    errors = {}
    if not SLUG_RE.match(slug):
        errors["slug"] = _("标识只能使用小写字母、数字和连字符，长度3至80个字符")
    errors.update(_point_field_errors(name, district, email, kind))
    if errors:
        raise ValidationError(next(iter(errors.values())), errors)
    with write_transaction() as session:
        if session.scalar(select(ContactPoint.id).where(ContactPoint.slug == slug)):
            raise Conflict(_("标识为 %(slug)s 的联系点已存在", slug=slug), {"slug": _("该标识已被使用")})
        point = ContactPoint(
            slug=slug, name=name, district=(district or "").strip() or None, email=email, kind=kind
        )
        session.add(point)
        session.flush()
        details = {"slug": slug, "name": name, "kind": kind, **({"email": email} if email else {})}
        audit.record(session, actor, ctx, "contact_point.create", point, details)
    return point


def update_contact_point(
    actor: User | None,
    ctx: RequestContext,
    point_id: int,
    name: str,
    district: str | None = None,
    email: str | object | None = _KEEP,
    kind: str | None = None,
) -> ContactPoint:
    """Rename a contact point, change its district, notification email or kind (its slug stays: scripts
    and files use it); ``email`` left out keeps the address, an empty one removes it; ``kind`` None
    keeps it."""
    name, district = (name or "").strip(), (district or "").strip() or None
    keep_email = email is _KEEP
    email = None if keep_email else normalise_email(email)  # type: ignore[arg-type]
    _raise_if(_point_field_errors(name, district, email, "legislative" if kind is None else kind))
    with write_transaction() as session:
        point = session.get(ContactPoint, point_id)
        if point is None:
            raise NotFound(_("联系点不存在"))
        after = {
            "name": name,
            "district": district,
            "email": point.email if keep_email else email,
            "kind": point.kind if kind is None else kind,
        }
        changes = {
            key: [getattr(point, key), value] for key, value in after.items() if getattr(point, key) != value
        }
        if changes:
            point.name, point.district, point.email, point.kind = (
                name,
                district,
                after["email"],
                after["kind"],
            )
            audit.record(session, actor, ctx, "contact_point.update", point, {"slug": point.slug, **changes})
    return point
