"""The OpenAPI 3.1 description of the JSON API under /api/v1 (CONTRACT.md, "HTTP"), made by apispec.

The shapes are the marshmallow schemas in consult/api/schemas/ (see consult/api/spec.py); the paths
are written by area in consult/api/paths/. Paths are written in full (`/api/v1/...`, no `servers`
entry) so the tests can compare them with Flask's url_map, and the tests also run the description
against the app with schemathesis: keep it true.

Staff operations (tag "staff") declare their security: a Bearer token from `users token`, or the
session cookie from /login, with which a write also needs the X-CSRFToken header.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec

from consult.api.paths import (
    common,
    exports,
    feedback,
    groups,
    intake,
    invitations,
    public,
    staff,
    subscriptions,
    themes,
    versions,
)
from consult.api.paths.common import DEMO_SLUG
from consult.api.spec import SCHEMAS, Plugin, schema_name

__all__ = ["DEMO_SLUG", "openapi_document"]

API_VERSION = "1.0.0"
TAGS = [
    {"name": "drafts", "description": "Drafts and their articles."},
    {"name": "comments", "description": "Published comments, and submitting one."},
    {"name": "receipts", "description": "Looking up a comment by its receipt code."},
    {"name": "feedback", "description": "The adoption feedback and satisfaction with it."},
    {"name": "subscriptions", "description": "Mail (or SMS) about new consultations and published feedback."},
    {"name": "meta", "description": "This description."},
    {
        "name": "staff",
        "description": "Moderation, decisions and drafts: staff and admins, by token or session.",
    },
]
SECURITY_SCHEMES = {
    "bearerToken": {
        "type": "http",
        "scheme": "bearer",
        "description": (
            "A personal API token (`flask --app consult users token NAME`): "
            "`Authorization: Bearer <token>`. It authenticates alone, without CSRF token."
        ),
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": (
            "The session cookie from `POST /login`; a write must then carry the page's CSRF "
            "token in the X-CSRFToken header (else 400 `csrf_failed`)."
        ),
    },
}


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of every /api/v1 endpoint, as a fresh JSON-serialisable dict."""
    spec = APISpec(
        title="consult API",
        version=API_VERSION,
        openapi_version="3.1.0",
        plugins=[Plugin(schema_name_resolver=schema_name)],
        info={
            "summary": "Drafts open for public comment, their articles, comments and receipts; staff work.",
            "description": (
                "The JSON API of the public-comment platform. Times are ISO 8601 with offset. "
                'Every error answers the one shape `{"error": {"code", "message", "fields"?}}` '
                "with the HTTP status to match."
            ),
        },
    )
    for tag in TAGS:
        spec.tag(tag)
    for schema in SCHEMAS:
        if schema_name(schema) not in spec.components.schemas:
            spec.components.schema(schema_name(schema), schema=schema)
    # Shapes built outside the API (the command line prints the intake result, open data is a file).
    for name, component in {**intake.schemas(), **versions.schemas()}.items():
        spec.components.schema(name, component)
    for name, response in common.responses().items():
        spec.components.response(name, response)
    for name, parameter in common.parameters().items():
        spec.components.parameter(name, parameter["in"], parameter)
    for name, scheme in SECURITY_SCHEMES.items():
        spec.components.security_scheme(name, scheme)
    for area in (
        public,
        staff,
        groups,
        themes,
        feedback,
        versions,
        exports,
        intake,
        subscriptions,
        invitations,
    ):
        for path, item in area.paths().items():
            parameters = item.pop("parameters", None)
            for operation in item.values():
                # Any operation may meet a database that is restarting (consult.errors.connection_lost).
                operation["responses"].setdefault("503", common.response_ref("ServiceUnavailable"))
            spec.path(path=path, operations=item, parameters=parameters)
    return spec.to_dict()
