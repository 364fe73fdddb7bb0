"""The API's marshmallow schemas: a body they refuse answers the one error shape in Chinese, naming the
field; limits come from the one constant; the error codes come from consult/errors.py; the staff view
of a comment is the public one extended."""

from __future__ import annotations

import pytest

from consult import errors
from consult.api.openapi import openapi_document
from consult.api.schemas.errors import error_codes
from consult.auth.operations import issue_token
from consult.context import CLI
from consult.db import end_read
from consult.extensions import limiter
from consult.models.comments import AUTHOR_NAME_MAX, BODY_MAX
from consult.models.enums import CHANNELS

# CONTRACT.md, "HTTP": every code of the one error shape.
CONTRACT_CODES = {
    "validation_error",
    "csrf_failed",
    "unauthorized",
    "forbidden",
    "not_found",
    "method_not_allowed",
    "conflict",
    "consultation_closed",
    "payload_too_large",
    "unsupported_media_type",
    "idempotency_key_reused",
    "rate_limited",
    "service_unavailable",
    "internal_error",
}


@pytest.fixture
def api(make_app):
    app = make_app(COMMENT_RATE_LIMIT="1000 per minute")
    with app.app_context():
        limiter.reset()
        yield app


def refused(resp, field: str) -> dict:
    """A 400 validation_error in the one shape whose message names the field, in Chinese."""
    assert resp.status_code == 400, resp.get_data(as_text=True)
    error = resp.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["message"] and error["message"].startswith("字段")
    assert set(error["fields"]) == {field}
    return error


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"body": 12345}, "body", "必须是字符串"),
        ({"body": "x" * (BODY_MAX + 1)}, "body", f"不能超过 {BODY_MAX} 个字符"),
        ({"body": "long enough", "author_name": "名" * (AUTHOR_NAME_MAX + 1)}, "author_name", None),
        ({"body": "long enough", "article_id": "3"}, "article_id", "必须是整数"),
        ({"body": "long enough", "article_id": True}, "article_id", "必须是整数"),
        ({"body": "long enough", "article_id": 2**31}, "article_id", "超出范围"),
        ({"body": "long enough", "notify": "yes"}, "notify", "必须是 true 或 false"),
        ({"body": "a\x00b"}, "body", "含有无效字符"),
    ],
)
def test_a_body_the_schema_refuses_answers_the_error_shape_in_chinese(api, factory, payload, field, message):
    draft = factory.draft()
    resp = api.test_client().post(f"/api/v1/drafts/{draft.slug}/comments", json=payload)
    error = refused(resp, field)
    if message:
        assert error["fields"][field] == message


def test_a_missing_body_is_left_to_the_operation_and_its_words(api, factory):
    draft = factory.draft()
    resp = api.test_client().post(f"/api/v1/drafts/{draft.slug}/comments", json={"author_name": "张三"})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["message"] == "请填写意见内容"  # the operation's words, not "必须填写"


def test_unknown_properties_of_a_comment_are_ignored(api, factory):
    draft = factory.draft()
    resp = api.test_client().post(
        f"/api/v1/drafts/{draft.slug}/comments", json={"body": "Long enough.", "colour": "blue"}
    )
    assert resp.status_code == 201


def test_a_draft_change_to_a_property_that_cannot_change_names_it(api, factory):
    draft = factory.draft()
    factory.user("staff", username="schema-staff")
    end_read()
    token = issue_token(None, CLI, "schema-staff")
    resp = api.test_client().patch(
        f"/api/v1/admin/drafts/{draft.slug}",
        json={"slug": "renamed"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert refused(resp, "slug")["fields"]["slug"] == "不可修改"


def test_error_codes_are_derived_from_the_error_classes(app):
    codes = set(error_codes())
    assert codes == CONTRACT_CODES
    assert {code for code, _title in errors.HTTP_ERRORS.values()} <= codes
    document = openapi_document()
    detail = document["components"]["schemas"]["ErrorDetail"]
    assert set(detail["properties"]["code"]["enum"]) == codes
    assert detail["required"] == ["code", "message"]


def test_limits_in_the_document_are_the_constants(app):
    schemas = openapi_document()["components"]["schemas"]
    assert schemas["NewComment"]["properties"]["body"]["maxLength"] == BODY_MAX
    assert schemas["OfflineComment"]["properties"]["body"]["maxLength"] == BODY_MAX
    assert schemas["PublicComment"]["properties"]["channel"]["enum"] == list(CHANNELS)


def test_the_staff_comment_is_the_public_comment_extended(app):
    schemas = openapi_document()["components"]["schemas"]
    public, staff = schemas["PublicComment"], schemas["StaffComment"]
    assert set(public["properties"]) < set(staff["properties"])
    assert set(public["required"]) < set(staff["required"])
    assert staff["properties"]["decision"]["anyOf"][0] == {"$ref": "#/components/schemas/StaffDecision"}
    assert "additionalProperties" not in staff, "an answer may grow"
    assert schemas["DraftChanges"]["additionalProperties"] is False


@pytest.mark.parametrize(
    ("query", "parameter", "message"),
    [
        ("page=first", "page", "必须是整数"),
        ("page=3.5", "page", "必须是整数"),
        ("per_page=0", "per_page", "超出范围"),
        ("article_id=2147483648", "article_id", "超出范围"),
    ],
)
def test_a_query_string_the_schema_refuses_names_the_parameter(api, factory, query, parameter, message):
    draft = factory.draft()
    resp = api.test_client().get(f"/api/v1/drafts/{draft.slug}/comments?{query}")
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error["code"] == "validation_error" and error["fields"] == {parameter: message}
    assert error["message"].startswith(f"参数 {parameter}")


def test_an_empty_query_value_is_no_value(api, factory):
    draft = factory.draft()
    resp = api.test_client().get(f"/api/v1/drafts/{draft.slug}/comments?page=&article_id=")
    assert resp.status_code == 200 and resp.get_json()["page"] == 1


# Built outside the API door and described by hand: the intake result (the command line prints the same
# object, consult/intake/importing.py) and the open-data package (consult/feedback/opendata.py).
HAND_WRITTEN = {
    "IntakeBatchResult",
    "IntakeRow",
    "IntakeRowError",
    "OpenData",
    "OpenDataVersion",
    "OpenDataComment",
}


def test_every_other_component_is_made_from_a_marshmallow_schema(app):
    from apispec import APISpec

    from consult.api.spec import SCHEMAS, Plugin, schema_name

    spec = APISpec("t", "1", "3.1.0", plugins=[Plugin(schema_name_resolver=schema_name)])
    for schema in SCHEMAS:
        if schema_name(schema) not in spec.components.schemas:
            spec.components.schema(schema_name(schema), schema=schema)
    made = set(spec.to_dict()["components"]["schemas"])
    documented = set(openapi_document()["components"]["schemas"])
    assert documented - made == HAND_WRITTEN
