"""Reading a JSON request body for the API doors (the shapes are in consult/api/schemas/)."""

from __future__ import annotations

from typing import Any

from flask import request

from consult.errors import UnsupportedMediaType, ValidationError
from consult.i18n import _


def json_body() -> dict[str, Any]:
    """The request's JSON object; 415 for another content type, 400 for malformed JSON."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType(_("请以 application/json 格式提交"))
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError(_("请求内容不是有效的 JSON 对象"))
    return data
