"""Reading a JSON request body for the API doors (the shapes are in consult/api/schemas/)."""

from __future__ import annotations

import re
from typing import Any

from flask import request

from consult.errors import UnsupportedMediaType, ValidationError
from consult.i18n import _

# A lone UTF-16 surrogate ("\ud800" in JSON) is valid JSON but no text: PostgreSQL's driver cannot
# encode it (a 500 once); NUL is refused by PostgreSQL too. Neither is anything a person typed.
_NOT_TEXT = re.compile(r"[\x00\ud800-\udfff]")


def json_body() -> dict[str, Any]:
    """The request's JSON object; 415 for another content type, 400 for malformed JSON.

    Also 400: JSON nested past Python's recursion limit (the parser raises RecursionError, not a
    ValueError), and any key or string holding NUL or a lone surrogate.
    """
    if request.mimetype != "application/json":
        raise UnsupportedMediaType(_("请以 application/json 格式提交"))
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        data = None
    if not isinstance(data, dict):
        raise ValidationError(_("请求内容不是有效的 JSON 对象"))
    for name, value in data.items():
        if not _all_text(name):
            raise ValidationError(_("请求内容中含有无效字符"))
        if not _all_text(value):  # named as the schema names a NUL in a string field
            problem = _("含有无效字符")
            raise ValidationError(_("字段 %(name)s %(problem)s", name=name, problem=problem), {name: problem})
    return data


def _all_text(data: Any) -> bool:
    """No key or string in the document holds NUL or a lone surrogate (walked without recursion)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _NOT_TEXT.search(item):
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True
