"""Parsing of query strings and JSON bodies for the API doors (the shapes are in consult/api/schemas/)."""

from __future__ import annotations

from typing import Any

from flask import request

from consult.errors import UnsupportedMediaType, ValidationError
from consult.i18n import _
from consult.paging import PAGE_MAX, PER_PAGE_DEFAULT, PER_PAGE_MAX


def int_arg(
    name: str, default: int | None = None, minimum: int = 1, maximum: int | None = None
) -> int | None:
    """A whole-number query parameter, or a validation error naming it."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError(_("参数 %(name)s 必须是整数", name=name), {name: _("必须是整数")}) from None
    if value < minimum or (maximum is not None and value > maximum):
        bounds = _("%(lo)d 到 %(hi)d", lo=minimum, hi=maximum) if maximum else _("不小于 %(lo)d", lo=minimum)
        raise ValidationError(
            _("参数 %(name)s 超出范围（%(bounds)s）", name=name, bounds=bounds), {name: _("超出范围")}
        )
    return value


def paging() -> tuple[int, int]:
    """page and per_page from the query string."""
    page = int_arg("page", 1, 1, PAGE_MAX)
    per_page = int_arg("per_page", PER_PAGE_DEFAULT, 1, PER_PAGE_MAX)
    return page, per_page


def json_body() -> dict[str, Any]:
    """The request's JSON object; 415 for another content type, 400 for malformed JSON."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType(_("请以 application/json 格式提交"))
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError(_("请求内容不是有效的 JSON 对象"))
    return data
