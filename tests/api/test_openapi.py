"""The OpenAPI description of /api/v1: valid 3.1, complete both ways, served, and true of the running app."""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from consult.api.openapi import DEMO_SLUG, openapi_document

API_PREFIX = "/api/v1"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# Flask's `<slug>`, `<int:id>`, `<path:rest>` → OpenAPI's `{slug}`, `{id}`, `{rest}`.
FLASK_VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")


def routed_operations(app: Flask) -> set[tuple[str, str]]:
    """(OpenAPI path, lower-case method) for every rule under /api/v1, HEAD and OPTIONS left out."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule == API_PREFIX or rule.rule.startswith(API_PREFIX + "/"):
            path = FLASK_VARIABLE.sub(r"{\1}", rule.rule)
            found |= {(path, m.lower()) for m in rule.methods or () if m not in {"HEAD", "OPTIONS"}}
    return found


def documented_operations(document: dict) -> set[tuple[str, str]]:
    """(path, method) for every operation the document describes."""
    return {(path, m) for path, item in document["paths"].items() for m in item if m in HTTP_METHODS}


def test_document_is_valid_openapi_3_1():
    document = openapi_document()
    assert document["openapi"] == "3.1.0"
    assert json.loads(json.dumps(document)) == document
    validate(document, cls=OpenAPIV31SpecValidator)


def test_the_validator_is_not_a_rubber_stamp():
    document = openapi_document()
    document["paths"]["/api/v1/drafts"]["get"]["responses"]["200"] = {"content": {}}
    with pytest.raises(OpenAPIValidationError):
        validate(document, cls=OpenAPIV31SpecValidator)


def test_each_call_returns_a_fresh_document():
    first = openapi_document()
    first["components"]["schemas"]["DraftSummary"]["properties"]["slug"]["type"] = "integer"
    assert openapi_document()["components"]["schemas"]["DraftSummary"]["properties"]["slug"] == {
        "type": "string"
    }


def test_paths_are_full_and_every_operation_answers_errors_in_the_one_shape():
    document = openapi_document()
    assert "servers" not in document
    error_ref = "#/components/schemas/Error"
    responses = document["components"]["responses"]
    for path, item in document["paths"].items():
        assert path.startswith(API_PREFIX + "/")
        for method in HTTP_METHODS & set(item):
            for status, response in item[method]["responses"].items():
                if "$ref" in response:
                    response = responses[response["$ref"].rsplit("/", 1)[1]]
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": error_ref}, (method, path, status)


def test_every_api_route_is_documented(app):
    routed = routed_operations(app)
    documented = documented_operations(openapi_document())
    assert routed, "no rule under /api/v1 in the url_map"
    assert sorted(routed - documented) == [], "routes missing from the OpenAPI document"
    assert sorted(documented - routed) == [], "documented operations with no route"


def test_openapi_json_is_served(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    assert resp.get_json() == openapi_document()


@pytest.fixture
def api_schema(make_app):
    """The served description, bound to an app on the demo data with a rate limit far out of reach."""
    from consult.demo.seed import seed_demo

    app = make_app(COMMENT_RATE_LIMIT="100000 per minute")
    with app.app_context():
        seed_demo()
        assert DEMO_SLUG in {d["slug"] for d in app.test_client().get("/api/v1/drafts").get_json()["drafts"]}
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


api = schemathesis.pytest.from_fixture("api_schema")
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.once
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
@api.parametrize()
def test_api_answers_as_described(case):
    """Generated requests, valid and not: no 5xx, and every answer documented in status, type and body."""
    case.call_and_validate(checks=CONFORMANCE)
