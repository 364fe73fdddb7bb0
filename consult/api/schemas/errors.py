"""The one error shape of CONTRACT.md, with its codes derived from consult/errors.py."""

from __future__ import annotations

from consult import errors
from consult.api.schemas.base import OutSchema, fields, validate

# errors.py's CSRF handler answers this code; it has no DomainError class nor an HTTP status of its own.
CSRF_FAILED = "csrf_failed"


def _subclasses(cls: type) -> list[type]:
    return [cls, *(sub for child in cls.__subclasses__() for sub in _subclasses(child))]


def error_codes() -> list[str]:
    """Every code the API may answer: the HTTP errors', every DomainError class's, and the CSRF one."""
    codes = [code for code, _title in errors.HTTP_ERRORS.values()]
    codes += [cls.code for cls in _subclasses(errors.DomainError)]
    return list(dict.fromkeys([*codes, CSRF_FAILED]))


class ErrorCode(validate.OneOf):
    """The codes, read when the document is made (after create_app imported every module's errors)."""

    def __init__(self):
        super().__init__([])

    @property
    def choices(self) -> list[str]:
        return error_codes()

    @choices.setter
    def choices(self, _value) -> None:
        pass


class ErrorDetailSchema(OutSchema):
    code = fields.String(validate=ErrorCode())
    message = fields.String(metadata={"description": "For people, in Chinese."})
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "Per-field messages, keyed by the request field's name.", "optional": True},
    )


class ErrorSchema(OutSchema):
    """The one error shape of every /api/v1 endpoint; the HTTP status matches the code."""

    error = fields.Nested(ErrorDetailSchema)
