"""The base of the API's schemas: fields whose messages are Chinese, output and input schemas, loading.

One marshmallow schema per JSON shape: it loads (validates) a request body, dumps an answer, and
apispec turns it into the OpenAPI document (consult/api/openapi.py). Rules stay in the operations:
a schema checks types and limits (on the one constant each), and leaves "is it there, does it make
sense" to the operation, whose message people see.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from flask import request
from marshmallow import EXCLUDE, Schema, fields, validate
from marshmallow import ValidationError as SchemaError
from marshmallow.experimental.context import Context
from marshmallow.utils import get_value

from consult.clock import as_utc
from consult.errors import ValidationError
from consult.i18n import _, _l
from consult.models.types import ID_MAX

__all__ = ["ID_MAX", "Context", "fields", "validate"]


class OutSchema(Schema):
    """An answer: every field is always present (the document lists them as required), more may come."""


class InSchema(Schema):
    """A JSON request body: unknown properties are ignored, so a later client keeps working."""

    class Meta:
        unknown = EXCLUDE

    error_messages: ClassVar[dict] = {"unknown": _l("不可修改"), "type": _l("请求内容不是有效的 JSON 对象")}


class Str(fields.String):
    """A string; never a NUL character (PostgreSQL refuses them)."""

    default_error_messages: ClassVar[dict] = {
        "invalid": _l("必须是字符串"),
        "null": _l("不能为 null"),
        "required": _l("必须填写"),
        "nul": _l("含有无效字符"),
    }

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("nul")
        return text


class Int(fields.Integer):
    """A whole number: not a string, a float or a boolean."""

    default_error_messages: ClassVar[dict] = {
        "invalid": _l("必须是整数"),
        "too_large": _l("超出范围"),
        "null": _l("不能为 null"),
        "required": _l("必须填写"),
    }

    def __init__(self, **kwargs: Any):
        super().__init__(strict=True, **kwargs)


class Bool(fields.Boolean):
    """true or false, nothing that merely looks like one."""

    default_error_messages: ClassVar[dict] = {
        "invalid": _l("必须是 true 或 false"),
        "null": _l("不能为 null"),
        "required": _l("必须填写"),
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Time(Str):
    """A time in a request body: ISO 8601, a time without offset is Beijing time; empty: none."""

    default_error_messages: ClassVar[dict] = {"invalid_time": _l("时间格式应如 2027-01-01T09:00:00+08:00")}

    def _deserialize(self, value, attr, data, **kwargs) -> datetime | None:
        text = super()._deserialize(value, attr, data, **kwargs)
        if text == "":
            return None
        try:
            return as_utc(datetime.fromisoformat(text))
        except (ValueError, OverflowError):
            raise self.make_error("invalid_time") from None


def length(minimum: int | None = None, maximum: int | None = None) -> validate.Length:
    """A length limit whose message says it in Chinese."""
    if minimum is None:
        return validate.Length(max=maximum, error=_l("不能超过 {max} 个字符"))
    if maximum is None:
        return validate.Length(min=minimum, error=_l("至少 {min} 个字符"))
    return validate.Length(min=minimum, max=maximum, error=_l("应为 {min} 到 {max} 个字符"))


def between(minimum: int | None = None, maximum: int | None = None) -> validate.Range:
    """A numeric range whose message says it in Chinese."""
    return validate.Range(min=minimum, max=maximum, error=_l("超出范围"))


def one_of(choices) -> validate.OneOf:
    """A choice among constants whose message lists them."""
    return validate.OneOf(list(choices), error=_l("应为 {choices} 之一"))


def an_id(**kwargs: Any) -> Int:
    """An id: a positive 32-bit integer (the columns' type), or absent, or null."""
    return Int(allow_none=True, validate=between(1, ID_MAX), **kwargs)


def load(schema: Schema, data: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON body as the schema reads it, or a validation error in the one shape, naming the fields.

    Loaded as partial: a missing field is left out, and the operation that needs it says so in its
    own words ("请填写意见内容").
    """
    try:
        return schema.load(data, partial=True)
    except SchemaError as err:
        raise refusal(err) from None


_SHARED: dict[type[Schema], Schema] = {}


def shared(schema_class: type[Schema]) -> Schema:
    """The one instance of a schema class that every request and thread of the process uses.

    A marshmallow 4 schema keeps nothing between two loads or dumps (a dump's context is a context
    variable), so one instance serves all; building one per request deep-copied its declared fields,
    about a tenth of a public listing's time in-process.
    """
    schema = _SHARED.get(schema_class)
    if schema is None:
        schema = _SHARED[schema_class] = schema_class()
    return schema


def load_query(schema_class: type[Schema], left_to_the_door: tuple[str, ...] = ()) -> dict[str, Any]:
    """The query string as the schema reads it (an empty value is no value), or a validation error.

    A required parameter ``left_to_the_door`` is not checked here: the door says what is missing.
    """
    args = {key: value for key, value in request.args.items() if value != ""}
    try:
        return shared(schema_class).load(args, partial=left_to_the_door)
    except SchemaError as err:
        raise refusal(err, in_query=True) from None


def refusal(err: SchemaError, *, in_query: bool = False) -> ValidationError:
    """The domain's validation error for what a schema refused: each field's first message, in Chinese."""
    problems = {name: _first(message) for name, message in err.normalized_messages().items()}
    name, problem = next(iter(problems.items()))
    if in_query:
        return ValidationError(_("参数 %(name)s %(problem)s", name=name, problem=problem), problems)
    return ValidationError(_("字段 %(name)s %(problem)s", name=name, problem=problem), problems)


def _first(message: Any) -> str:
    """The first message of a field's (possibly nested) messages."""
    while isinstance(message, (list, dict)):
        message = next(iter(message.values() if isinstance(message, dict) else message), "")
    return str(message)


class Looked:
    """A field whose value is looked up in a table the door put in the dump's Context, by a key of the object.

    Mixed into a marshmallow field class, so the document still shows the field's type.
    """

    def __init__(self, *args: Any, table: str, key: str = "id", absent: Any = None, **kwargs: Any):
        """``absent``: the value when the table has no entry (marshmallow's ``missing``: leave it out)."""
        super().__init__(*args, **kwargs)
        self.table, self.key, self.if_missing = table, key, absent

    def get_value(self, obj, attr, accessor=None, default=None):
        key = get_value(obj, self.key)
        if key is None:
            return self.if_missing
        return Context.get({}).get(self.table, {}).get(key, self.if_missing)


class LookedStr(Looked, fields.String):
    """A string looked up in the dump's Context."""


class LookedNested(Looked, fields.Nested):
    """A nested object looked up in the dump's Context."""


class LookedInt(Looked, fields.Integer):
    """A count looked up in the dump's Context."""


class Computed:
    """A field whose value a function computes from the object being dumped.

    Mixed into a marshmallow field class, so the document still shows the field's type.
    """

    def __init__(self, *args: Any, compute, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.compute = compute

    def get_value(self, obj, attr, accessor=None, default=None):
        return self.compute(obj)


class ComputedStr(Computed, fields.String):
    """A computed string."""


class ComputedBool(Computed, fields.Boolean):
    """A computed boolean."""


class ComputedTime(Computed, fields.DateTime):
    """A computed time."""


def counts(name: str, keys, description: str) -> type[OutSchema]:
    """An object of counts, one per key (every key present): a named schema made from the constants."""
    schema = OutSchema.from_dict(
        {key: fields.Integer(validate=between(0)) for key in keys}, name=f"{name}Schema"
    )
    schema.__doc__ = description
    return schema
