"""Helpers of the path modules: references, answers, the staff operation's extras, shared components."""

from __future__ import annotations

from typing import Any

from consult.models.types import ID_MAX

# An open consultation in the demo data (`make run` loads it): the slug parameter's example.
DEMO_SLUG = "chengshi-shufang-tiaoli"
STAFF_SECURITY = [{"bearerToken": []}, {"sessionCookie": []}]


def ref(schema: Any) -> dict[str, str]:
    """A reference to a component schema, by name or by its marshmallow class."""
    name = schema if isinstance(schema, str) else schema.__name__.removesuffix("Schema")
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON body of this schema."""
    return {"application/json": {"schema": schema}}


def ok(description: str, schema: Any) -> dict[str, Any]:
    """A JSON answer of a component schema (its name or its marshmallow class)."""
    return {"description": description, "content": json_content(ref(schema))}


def error_response(description: str) -> dict[str, Any]:
    """An answer in the one error shape."""
    return {"description": description, "content": json_content(ref("Error"))}


def response_ref(name: str) -> str:
    """A shared answer (components.responses), by name: apispec writes the reference."""
    return name


def param_ref(name: str) -> str:
    """A shared parameter (components.parameters), by name: apispec writes the reference."""
    return name


def query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    """An optional query parameter."""
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def staff(operation: dict[str, Any], write: bool = True) -> dict[str, Any]:
    """A staff operation: tag, security, and the answers every one of them may give."""
    responses = {
        **operation.pop("responses"),
        "401": response_ref("Unauthorized"),
        "403": response_ref("Forbidden"),
    }
    if write:
        responses.setdefault("400", response_ref("StaffBadRequest"))
        responses["413"] = response_ref("PayloadTooLarge")
        responses["415"] = response_ref("UnsupportedMediaType")
    return {
        **operation,
        "tags": ["staff"],
        "security": STAFF_SECURITY,
        "responses": dict(sorted(responses.items())),
    }


def body(schema_name: str, example: dict[str, Any]) -> dict[str, Any]:
    """A required JSON request body of a component schema, with an example."""
    return {
        "required": True,
        "content": {"application/json": {"schema": ref(schema_name), "example": example}},
    }


def responses() -> dict[str, Any]:
    """The shared answers (components.responses)."""
    return {
        "ValidationError": error_response("`validation_error`: a value is malformed or breaks a rule."),
        "NotFound": error_response("`not_found`: no such public draft, article or receipt code."),
        "ConsultationClosed": error_response("`consultation_closed`: the draft is not open for comments."),
        "PayloadTooLarge": error_response("`payload_too_large`: the request body is too large."),
        "UnsupportedMediaType": error_response("`unsupported_media_type`: the body is not application/json."),
        "RateLimited": error_response(
            "`rate_limited`: too many comments, refused submissions or unknown receipt codes from this "
            "address; retry later."
        ),
        "Unauthorized": error_response(
            "`unauthorized`: no credentials, an unknown or revoked token, or an inactive account."
        ),
        "Forbidden": error_response("`forbidden`: the account's role is not staff or admin."),
        "ServiceUnavailable": {
            **error_response(
                "`service_unavailable`: the database connection was lost or refused; retry after the "
                "seconds in Retry-After. The message says whether a write was not saved, or (the "
                "connection lost during COMMIT) whether that is not known: then retry with the same "
                "Idempotency-Key, which answers the first receipt if it was saved."
            ),
            "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
        },
        "StaffBadRequest": error_response(
            "`validation_error`: a value is malformed or breaks a rule; or `csrf_failed`: a write "
            "authenticated by the session cookie without a valid X-CSRFToken header."
        ),
    }


def parameters() -> dict[str, Any]:
    """The shared parameters (components.parameters)."""
    return {
        "Slug": {
            "name": "slug",
            "in": "path",
            "required": True,
            "description": "The draft's slug.",
            "schema": {"type": "string"},
            "example": DEMO_SLUG,
        },
        "ReceiptCode": {
            "name": "code",
            "in": "path",
            "required": True,
            "description": "A receipt code; case, spaces and dashes are ignored.",
            "schema": {"type": "string"},
            "example": "4821-093-755-102",
        },
        "CommentId": {
            "name": "comment_id",
            "in": "path",
            "required": True,
            "description": "The comment's id.",
            "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
        },
    }
