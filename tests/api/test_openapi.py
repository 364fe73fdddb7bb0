"""The OpenAPI description of /api/v1: valid 3.1, complete both ways, served, and true of the running app.

"True of the app" is checked with schemathesis: boundary requests on every database, staff requests
(every staff operation, every way of signing in) on every database, and, once, known requests on the
demo data plus generated ones (valid and not) against every public operation and the staff comment
list. Every answer must be documented in status, content type and body schema, and none may be a 5xx.
Staff writes are not generated: they change the data the next case meets, so explicit requests
cover them.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import timedelta

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from consult.api.openapi import DEMO_SLUG, openapi_document
from consult.auth.operations import issue_token
from consult.clock import utcnow
from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.drafts.operations import SLUG_RE
from consult.extensions import db
from consult.feedback.export_jobs import request_export, run_jobs
from consult.groups.drain import drain as drain_groups
from consult.invitations.operations import InvitationInput, invite
from consult.models import Comment, Decision, Draft, GroupMember
from consult.models.drafts import EXPLANATION_MAX
from tests.conftest import csrf_token_from
from tests.factories import SAMPLE_TEXT, Factory

API_PREFIX = "/api/v1"
SERVED_AT = "/api/v1/openapi.json"
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
    second = openapi_document()
    assert second["components"]["schemas"]["DraftSummary"]["properties"]["slug"] == {"type": "string"}


def test_paths_are_full_and_every_error_answer_has_the_one_shape():
    document = openapi_document()
    assert "servers" not in document
    shared = document["components"]["responses"]
    for path, item in document["paths"].items():
        assert path.startswith(API_PREFIX + "/")
        for method in HTTP_METHODS & set(item):
            for status, response in item[method]["responses"].items():
                if "$ref" in response:
                    response = shared[response["$ref"].rsplit("/", 1)[1]]
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)


def test_every_api_route_is_documented(app):
    routed = routed_operations(app)
    documented = documented_operations(openapi_document())
    assert routed, "no rule under /api/v1 in the url_map"
    assert sorted(routed - documented) == [], "routes missing from the OpenAPI document"
    assert sorted(documented - routed) == [], "documented operations with no route"


def staff_labels(document: dict) -> set[str]:
    """Labels ("METHOD path") of the operations that declare security: the staff ones."""
    return {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS and operation.get("security")
    }


def test_staff_operations_declare_who_may_call_them(app):
    """The document's security matches each view's @access level; staff answers 401 and 403 too."""
    document = openapi_document()
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerToken"] == {**schemes["bearerToken"], "type": "http", "scheme": "bearer"}
    assert schemes["sessionCookie"] == {
        **schemes["sessionCookie"],
        "type": "apiKey",
        "in": "cookie",
        "name": app.config["SESSION_COOKIE_NAME"],
    }
    assert "security" not in document, "public operations need no credentials"
    levels = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API_PREFIX + "/"):
            path = FLASK_VARIABLE.sub(r"{\1}", rule.rule)
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
                levels[f"{method} {path}"] = app.view_functions[rule.endpoint].access_level
    staff = staff_labels(document)
    assert staff == {label for label, level in levels.items() if level != "public"}
    for label in staff:
        method, path = label.split(" ", 1)
        operation = document["paths"][path][method.lower()]
        assert operation["security"] == [{"bearerToken": []}, {"sessionCookie": []}], label
        assert operation["tags"] == ["staff"], label
        assert {"401", "403"} <= set(operation["responses"]), label
        if method != "GET":
            assert "400" in operation["responses"], f"{label}: csrf_failed is a 400"


def test_openapi_json_is_served(client):
    resp = client.get(SERVED_AT)
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    assert resp.get_json() == openapi_document()


# ---- the description against the running app ------------------------------------------------------

CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SUCCESS = {"GET": 200, "POST": 201, "PATCH": 200}
OPEN_SLUG, CLOSED_SLUG = "open-draft", "closed-draft"
# Demo drafts at three stages: open, closed, concluded (feedback published, so decisions are public).
DEMO_SLUGS = [DEMO_SLUG, "nongmao-shichang-guanli-tiaoli", "gongyuan-guanli-tiaoli", "hedao-guanli-tiaoli"]
FUZZ_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def described_app(make_app):
    """The app with a rate limit out of reach and a small request limit (a 413 without sending 16 MiB)."""
    return make_app(
        COMMENT_RATE_LIMIT="100000 per minute",
        SUBSCRIBE_RATE_LIMIT="100000 per minute",
        MAX_CONTENT_LENGTH=64 * 1024,
    )


def served_operations(app: Flask) -> dict:
    """schemathesis's operations, by label, from the document the app serves."""
    schema = schemathesis.openapi.from_wsgi(SERVED_AT, app)
    return {op.label: op for op in (result.ok() for result in schema.get_all_operations())}


def check(case, statuses: dict[str, list[int]], **call):
    """Send one case (with `call`: headers, cookies) and check its answer against the description."""
    response = case.call_and_validate(checks=CONFORMANCE, **call)
    statuses[case.operation.label].append(response.status_code)
    return response


COMMENTS = "GET /api/v1/drafts/{slug}/comments"
SUBMIT = "POST /api/v1/drafts/{slug}/comments"
OPEN = {"slug": OPEN_SLUG}
ENOUGH = "Long enough."
# (operation, case arguments, the status and error code the contract asks for; None: any 4xx documented)
BOUNDARY_CASES = [
    ("GET /api/v1/drafts/{slug}", {"path_parameters": {"slug": "no-such-draft"}}, 404, "not_found"),
    ("GET /api/v1/receipts/{code}", {"path_parameters": {"code": "0000-000-000-000"}}, 404, "not_found"),
    (COMMENTS, {"path_parameters": {"slug": "no-such-draft"}}, 404, "not_found"),
    (COMMENTS, {"path_parameters": OPEN, "query": {"page": 0}}, 400, "validation_error"),
    (COMMENTS, {"path_parameters": OPEN, "query": {"page": "first"}}, 400, "validation_error"),
    (COMMENTS, {"path_parameters": OPEN, "query": {"per_page": 0}}, 400, "validation_error"),
    (COMMENTS, {"path_parameters": OPEN, "query": {"per_page": 101}}, 400, "validation_error"),
    (COMMENTS, {"path_parameters": OPEN, "query": {"article_id": "3a"}}, 400, "validation_error"),
    # Past PostgreSQL's integer and SQLite's INTEGER: an answer in the error shape, never a crash.
    (COMMENTS, {"path_parameters": OPEN, "query": {"article_id": 2**31}}, None, None),
    (COMMENTS, {"path_parameters": OPEN, "query": {"article_id": 2**63}}, None, None),
    (SUBMIT, {"path_parameters": OPEN, "body": {"body": ENOUGH, "article_id": 2**31}}, None, None),
    (SUBMIT, {"path_parameters": OPEN, "body": {"body": ENOUGH, "article_id": 2**63}}, None, None),
    (SUBMIT, {"path_parameters": OPEN, "body": {"body": "  ab   "}}, 400, "validation_error"),
    (SUBMIT, {"path_parameters": OPEN, "body": {"body": "x" * 5001}}, 400, "validation_error"),
    (SUBMIT, {"path_parameters": OPEN, "body": {"body": ENOUGH, "notify": "yes"}}, 400, "validation_error"),
    (SUBMIT, {"path_parameters": OPEN, "body": ["not", "an", "object"]}, 400, "validation_error"),
    (SUBMIT, {"path_parameters": {"slug": "no-such-draft"}, "body": {"body": ENOUGH}}, 404, "not_found"),
    (
        SUBMIT,
        {"path_parameters": {"slug": CLOSED_SLUG}, "body": {"body": ENOUGH}},
        409,
        "consultation_closed",
    ),
    (SUBMIT, {"path_parameters": OPEN, "body": {"body": "x" * 100_000}}, 413, "payload_too_large"),
    (
        SUBMIT,
        {
            "path_parameters": OPEN,
            "body": f"body={ENOUGH}",
            "media_type": "application/x-www-form-urlencoded",
        },
        415,
        "unsupported_media_type",
    ),
]


def test_boundaries_answer_as_the_contract_says(described_app, subtests):
    """Requests that random generation finds only by luck: each answers its status in the error shape."""
    with described_app.app_context():
        factory = Factory(described_app)
        factory.draft("open", slug=OPEN_SLUG)
        factory.draft("closed", slug=CLOSED_SLUG)
    operations = served_operations(described_app)
    statuses: dict[str, list[int]] = defaultdict(list)
    for label, arguments, status, code in BOUNDARY_CASES:
        with subtests.test(operation=label, arguments=str(arguments)[:100]):
            media = {"media_type": "application/json"} if "media_type" not in arguments else {}
            response = check(operations[label].Case(**arguments, **media), statuses)
            if status is None:
                assert response.status_code in (400, 404), response.text
            else:
                assert response.status_code == status, response.text
                assert response.json()["error"]["code"] == code


# ---- staff operations ----------------------------------------------------------------------------------

ADMIN_COMMENTS = "GET /api/v1/admin/comments"
MODERATE = "POST /api/v1/admin/comments/{comment_id}/moderate"
DECIDE = "POST /api/v1/admin/comments/{comment_id}/decision"
CREATE_DRAFT = "POST /api/v1/admin/drafts"
UPDATE_DRAFT = "PATCH /api/v1/admin/drafts/{slug}"
ENTER_COMMENT = "POST /api/v1/admin/drafts/{slug}/comments"
ADD_VERSION = "POST /api/v1/admin/drafts/{slug}/versions"
EXPLAIN = "PATCH /api/v1/admin/drafts/{slug}/articles/{article_id}"
INTAKE = "POST /api/v1/intake/batches"
FEEDBACK = "GET /api/v1/drafts/{slug}/feedback"
FEEDBACK_ARTICLE = "GET /api/v1/drafts/{slug}/feedback/articles/{article_id}"
FEEDBACK_GENERAL = "GET /api/v1/drafts/{slug}/feedback/general"
RATE = "POST /api/v1/drafts/{slug}/satisfaction"
PREVIEW_FEEDBACK = "GET /api/v1/admin/drafts/{slug}/feedback"
PUBLISH_FEEDBACK = "POST /api/v1/admin/drafts/{slug}/feedback"
OPEN_REVISION = "POST /api/v1/admin/drafts/{slug}/feedback/revision"
EXPORT = "GET /api/v1/admin/drafts/{slug}/export"
EXPORT_JOB = "GET /api/v1/admin/exports/{job_id}"
EXPORT_JOB_DOWNLOAD = "GET /api/v1/admin/exports/{job_id}/download"
GROUPS = "GET /api/v1/admin/drafts/{slug}/groups"
GROUP = "GET /api/v1/admin/groups/{group_id}"
GROUP_SPLIT = "POST /api/v1/admin/groups/{group_id}/split"
GROUP_MERGE = "POST /api/v1/admin/groups/merge"
GROUP_CONFIRM = "POST /api/v1/admin/groups/{group_id}/confirm"
GROUP_DECISION = "POST /api/v1/admin/groups/{group_id}/decision"
GROUP_MODERATE = "POST /api/v1/admin/groups/{group_id}/moderate"
THEMES = "GET /api/v1/admin/drafts/{slug}/themes"
SUMMARY = "GET /api/v1/admin/drafts/{slug}/summary"
INVITATIONS = "GET /api/v1/admin/drafts/{slug}/invitations"
INVITE = "POST /api/v1/admin/drafts/{slug}/invitations"
REMIND = "POST /api/v1/admin/invitations/{invitation_id}/remind"
CAMPAIGNS = (
    "建议城市书房开放时间延长到晚上十点，方便上班族下班后去看书，{}居民都很需要。",
    "城市书房的座位太少了，{}附近的书房周末经常找不到位子，建议增加座位和自习桌。",
)
INTAKE_CSV = (
    "条款,意见内容,提出人,同意公开姓名\n第一条,建议增加夜间开放时间。,张三,是\n第九条,超出条款范围。,李四,\n"
).encode()
# Staff writes that change an object answer 200 with it (CONTRACT.md, "Writes answer 201 … 200 …").
STAFF_SUCCESS = {
    MODERATE: 200,
    DECIDE: 200,
    INTAKE: 201,
    OPEN_REVISION: 200,
    GROUP_SPLIT: 200,
    GROUP_MERGE: 200,
    GROUP_CONFIRM: 200,
    GROUP_DECISION: 200,
    GROUP_MODERATE: 200,
    "POST /api/v1/subscriptions": 202,  # accepted: a confirmation mail is queued (CONTRACT.md, "Reach")
    REMIND: 200,
}
UNPUBLISHED_SLUG, CONCLUDED_SLUG = "unpublished-draft", "concluded-draft"
FEEDBACK_SLUG = "feedback-draft"  # closed, its feedback published by the cases
REVISED_TEXT = SAMPLE_TEXT.replace(
    "第四条　本条例自", "第四条　主管部门应当公开示例名录。\n\n第五条　本条例自"
)


def success_status(label: str) -> int:
    return STAFF_SUCCESS.get(label, SUCCESS[label.split()[0]])


def staff_credentials(app: Flask) -> dict[str, dict]:
    """Call arguments for each way a request may come: token, session cookie (with and without the
    CSRF header), a contact point's token, a token that names nobody, and nothing at all."""
    with app.app_context():
        factory = Factory(app)
        factory.user("staff", username="api-staff", password="staff-password-1")
        factory.user("contact_point", username="api-operator")
        end_read()
        token = issue_token(None, CLI, "api-staff")
        point_token = issue_token(None, CLI, "api-operator")
    browser = app.test_client()
    form = {"username": "api-staff", "password": "staff-password-1"}
    form["csrf_token"] = csrf_token_from(browser.get("/login").data)
    assert browser.post("/login", data=form).status_code == 303
    csrf = csrf_token_from(browser.get("/").data)
    cookies = {"session": browser.get_cookie("session").value}
    return {
        "token": {"headers": {"Authorization": f"Bearer {token}"}},
        "cookie": {"cookies": cookies},
        "cookie and csrf": {"cookies": cookies, "headers": {"X-CSRFToken": csrf}},
        "contact point": {"headers": {"Authorization": f"Bearer {point_token}"}},
        "unknown token": {"headers": {"Authorization": "Bearer cst_no-such-token"}},
        "nobody": {},
    }


def staff_data(app: Flask) -> dict[str, int]:
    """Drafts at each stage with comments to moderate and decide; the ids the cases need."""
    with app.app_context():
        factory = Factory(app)
        open_draft = factory.draft("open", slug=OPEN_SLUG)
        factory.draft("draft", slug=UNPUBLISHED_SLUG)
        concluded = factory.draft("closed", slug=CONCLUDED_SLUG)
        factory.comment(factory.draft("closed", slug=FEEDBACK_SLUG), status="published")
        ids = {
            "pending": factory.comment(open_draft, body="这是一条含有测试字样的意见。").id,
            "other": factory.comment(open_draft, article_index=None, status="published").id,
            "still_pending": factory.comment(open_draft, article_index=None).id,
            "concluded": factory.comment(concluded, status="published").id,
        }
        end_read()
        with write_transaction() as session:
            session.get(Draft, concluded.id).feedback_published_at = utcnow()
        end_read()
        ids["article"] = db.session.scalar(select(Comment.article_id).where(Comment.id == ids["pending"]))
        ids["point"] = factory.contact_point("api-point").id
        ids["unpublished_lock"] = db.session.scalar(
            select(Draft.version).where(Draft.slug == UNPUBLISHED_SLUG)
        )
        end_read()
        ids["export_done"], ids["export_queued"] = export_jobs(app)
        ids["groups"], ids["grouped"] = comment_groups(factory, open_draft)
        factory.user("expert", username="api-expert")
        invited, _password = factory.user("deputy", username="api-deputy")
        end_read()
        due = (utcnow() + timedelta(days=7)).isoformat()
        ids["invitation"] = invite(None, CLI, OPEN_SLUG, InvitationInput(invited.username, None, due)).id
        ids["due"] = (utcnow() + timedelta(days=5)).date().isoformat()
    return ids


def comment_groups(factory: Factory, draft: Draft) -> tuple[list[int], list[int]]:
    """Two groups of similar comments on one article: their ids, and the first group's members."""
    members = [
        [factory.comment(draft, text.format(e)).id for e in ("阳光花园", "幸福家园", "翠湖小区")]
        for text in CAMPAIGNS
    ]
    drain_groups()
    groups = [
        db.session.scalar(select(GroupMember.group_id).where(GroupMember.comment_id == m[0])) for m in members
    ]
    end_read()
    return groups, members[0]


def export_jobs(app: Flask) -> tuple[int, int]:
    """Two export jobs (every export a job for the moment): one written, one still queued."""
    staff_user, _password = Factory(app).user("staff", username="export-job-staff")
    end_read()
    saved = {key: app.config[key] for key in ("EXPORT_INLINE_MAX_ROWS", "EXPORT_JOBS_INLINE")}
    app.config.update(EXPORT_INLINE_MAX_ROWS=0, EXPORT_JOBS_INLINE=False)
    try:
        done = request_export(staff_user, CLI, FEEDBACK_SLUG, "csv").job.id
        run_jobs()
        queued = request_export(staff_user, CLI, FEEDBACK_SLUG, "xlsx").job.id
    finally:
        app.config.update(saved)
    end_read()
    return done, queued


def intake_case(data: bytes, **fields) -> dict:
    form = {"draft": OPEN_SLUG, "contact_point": "api-point", "method": "座谈会", **fields}
    return {"media_type": "multipart/form-data", "body": {**form, "file": data}}


def comment_case(comment_id: int, body) -> dict:
    return {"path_parameters": {"comment_id": comment_id}, "body": body}


def draft_case(slug: str, body) -> dict:
    return {"path_parameters": {"slug": slug}, "body": body}


def article_case(slug: str, article_id: int, body) -> dict:
    return {"path_parameters": {"slug": slug, "article_id": article_id}, "body": body}


def staff_cases(ids: dict[str, int]) -> list[tuple[str, dict, str, int, str | None]]:
    """(operation, case arguments, credentials, status, error code), in order: later cases see earlier
    changes (the first moderation makes the comment's version 2, the draft is published, …)."""
    pending, other, article = ids["pending"], ids["other"], ids["article"]
    bad = "validation_error"
    letter = {"body": "来信建议增加夜间开放时间。", "channel": "letter"}
    too_long = "x" * (EXPLANATION_MAX + 1)
    return [
        # Who may call.
        (ADMIN_COMMENTS, {}, "nobody", 401, "unauthorized"),
        (ADMIN_COMMENTS, {}, "unknown token", 401, "unauthorized"),
        (ADMIN_COMMENTS, {}, "contact point", 403, "forbidden"),
        (MODERATE, comment_case(pending, {"action": "publish"}), "nobody", 401, "unauthorized"),
        (MODERATE, comment_case(pending, {"action": "publish"}), "contact point", 403, "forbidden"),
        (MODERATE, comment_case(pending, {"action": "publish"}), "cookie", 400, "csrf_failed"),
        (UPDATE_DRAFT, draft_case(OPEN_SLUG, {"title": "新标题"}), "cookie", 400, "csrf_failed"),
        (ADMIN_COMMENTS, {}, "cookie", 200, None),
        # The comment list and its filters.
        (ADMIN_COMMENTS, {"query": {"per_page": 100}}, "token", 200, None),
        (
            ADMIN_COMMENTS,
            {
                "query": {
                    "status": "pending",
                    "draft": OPEN_SLUG,
                    "article_id": article,
                    "channel": "web",
                    "q": "测试",
                    "page": 1,
                    "per_page": 5,
                }
            },
            "token",
            200,
            None,
        ),
        (ADMIN_COMMENTS, {"query": {"contact_point": "no-such-point", "status": ""}}, "token", 200, None),
        (ADMIN_COMMENTS, {"query": {"status": "hidden"}}, "token", 400, bad),
        (ADMIN_COMMENTS, {"query": {"channel": "fax"}}, "token", 400, bad),
        (ADMIN_COMMENTS, {"query": {"article_id": 2**31}}, "token", 400, bad),
        (ADMIN_COMMENTS, {"query": {"page": 100_001}}, "token", 400, bad),
        (ADMIN_COMMENTS, {"query": {"per_page": 101}}, "token", 400, bad),
        # Invitations, while the draft is open.
        (
            INVITE,
            draft_case(
                OPEN_SLUG, {"username": "api-expert", "article_ids": [ids["article"]], "due": ids["due"]}
            ),
            "token",
            201,
            None,
        ),
        (
            INVITE,
            draft_case(OPEN_SLUG, {"username": "api-expert", "due": ids["due"]}),
            "token",
            409,
            "conflict",
        ),
        (INVITE, draft_case(OPEN_SLUG, {"username": "api-staff", "due": ids["due"]}), "token", 400, bad),
        (INVITE, draft_case(OPEN_SLUG, {"username": "api-expert", "article_ids": [0]}), "token", 400, bad),
        (INVITE, draft_case(OPEN_SLUG, {"username": "api-expert"}), "contact point", 403, "forbidden"),
        (INVITATIONS, {"path_parameters": {"slug": OPEN_SLUG}}, "cookie", 200, None),
        (REMIND, {"path_parameters": {"invitation_id": ids["invitation"]}}, "cookie and csrf", 200, None),
        (REMIND, {"path_parameters": {"invitation_id": ids["invitation"]}}, "token", 409, "conflict"),
        (REMIND, {"path_parameters": {"invitation_id": 999_999}}, "token", 404, "not_found"),
        # Moderation.
        (
            MODERATE,
            comment_case(pending, {"action": "publish", "masked_body": "已遮盖的意见。", "version": 1}),
            "cookie and csrf",
            200,
            None,
        ),
        (MODERATE, comment_case(pending, {"action": "spam", "version": 1}), "token", 409, "conflict"),
        (MODERATE, comment_case(pending, {"action": "reject"}), "token", 400, bad),
        (MODERATE, comment_case(pending, {"action": "hide"}), "token", 400, bad),
        (MODERATE, comment_case(pending, {"action": "spam", "masked_body": "遮盖"}), "token", 400, bad),
        (MODERATE, comment_case(pending, {"action": "reject", "reason": "x" * 501}), "token", 400, bad),
        (MODERATE, comment_case(pending, {"action": "publish", "version": 0}), "token", 400, bad),
        (MODERATE, comment_case(pending, ["publish"]), "token", 400, bad),
        (MODERATE, comment_case(pending, {"action": "reject", "reason": "与本草案无关"}), "token", 200, None),
        (MODERATE, comment_case(999_999, {"action": "publish"}), "token", 404, "not_found"),
        (MODERATE, comment_case(2**31 - 1, {"action": "publish"}), "token", 404, "not_found"),
        # Decisions.
        (
            DECIDE,
            comment_case(other, {"outcome": "not_adopted", "reason": "上位法已有规定。"}),
            "token",
            200,
            None,
        ),
        (DECIDE, comment_case(other, {"outcome": "adopted"}), "token", 200, None),
        (DECIDE, comment_case(other, {"outcome": "not_adopted"}), "token", 400, bad),
        (DECIDE, comment_case(other, {"outcome": "maybe", "reason": "理由"}), "token", 400, bad),
        (DECIDE, comment_case(ids["concluded"], {"outcome": "adopted"}), "token", 409, "conflict"),
        (DECIDE, comment_case(ids["still_pending"], {"outcome": "adopted"}), "token", 409, "conflict"),
        (DECIDE, comment_case(999_999, {"outcome": "adopted"}), "token", 404, "not_found"),
        # Opinions that came another way.
        (
            ENTER_COMMENT,
            draft_case(
                OPEN_SLUG,
                {
                    **letter,
                    "article_id": article,
                    "author_name": "张三",
                    "contact": "138-0013-8000",
                    "received_at": "2026-11-20",
                },
            ),
            "token",
            201,
            None,
        ),
        (
            ENTER_COMMENT,
            draft_case(UNPUBLISHED_SLUG, {"body": "专家意见。", "channel": "expert"}),
            "token",
            201,
            None,
        ),
        (ENTER_COMMENT, draft_case(OPEN_SLUG, {**letter, "channel": "web"}), "token", 400, bad),
        (
            ENTER_COMMENT,
            draft_case(OPEN_SLUG, {**letter, "received_at": "2027-01-01T09:00:00+08:00"}),
            "token",
            400,
            bad,
        ),
        (ENTER_COMMENT, draft_case(OPEN_SLUG, {**letter, "received_at": "last week"}), "token", 400, bad),
        (ENTER_COMMENT, draft_case(OPEN_SLUG, {**letter, "article_id": 999_999}), "token", 400, bad),
        (ENTER_COMMENT, draft_case(OPEN_SLUG, {**letter, "contact": "not a contact"}), "token", 400, bad),
        (ENTER_COMMENT, draft_case("no-such-draft", letter), "token", 404, "not_found"),
        # Drafts.
        (
            CREATE_DRAFT,
            {
                "body": {
                    "title": "本市示例管理条例（草案）",
                    "slug": "new-draft",
                    "summary": "<p>起草说明。</p><script>alert(1)</script>",
                    "text": SAMPLE_TEXT,
                    "opens_at": "2026-12-01T09:00:00+08:00",
                    "closes_at": "2026-12-31",
                    "version_label": "（第一稿）",
                }
            },
            "token",
            201,
            None,
        ),
        (
            CREATE_DRAFT,
            {"body": {"title": "城市书房条例", "text": SAMPLE_TEXT, "publish": True}},
            "token",
            201,
            None,
        ),
        (
            CREATE_DRAFT,
            {"body": {"title": "城市书房条例", "text": SAMPLE_TEXT, "slug": " "}},
            "token",
            201,
            None,
        ),
        (
            CREATE_DRAFT,
            {"body": {"title": "重复", "slug": "new-draft", "text": SAMPLE_TEXT}},
            "token",
            409,
            "conflict",
        ),
        (CREATE_DRAFT, {"body": {"title": "", "text": SAMPLE_TEXT}}, "token", 400, bad),
        (CREATE_DRAFT, {"body": {"title": "标题", "text": "只有一句话。"}}, "token", 400, bad),
        (
            CREATE_DRAFT,
            {"body": {"title": "标题", "slug": "bad slug!", "text": SAMPLE_TEXT}},
            "token",
            400,
            bad,
        ),
        (
            CREATE_DRAFT,
            {
                "body": {
                    "title": "标题",
                    "text": SAMPLE_TEXT,
                    "opens_at": "2027-02-01",
                    "closes_at": "2027-01-01",
                }
            },
            "token",
            400,
            bad,
        ),
        (
            UPDATE_DRAFT,
            draft_case(UNPUBLISHED_SLUG, {"publish": True, "lock_version": ids["unpublished_lock"]}),
            "token",
            200,
            None,
        ),
        (
            UPDATE_DRAFT,
            draft_case(UNPUBLISHED_SLUG, {"title": "新标题", "lock_version": ids["unpublished_lock"]}),
            "token",
            409,
            "conflict",
        ),
        (UPDATE_DRAFT, draft_case(OPEN_SLUG, {"publish": False}), "token", 409, "conflict"),
        (UPDATE_DRAFT, draft_case(OPEN_SLUG, {"slug": "renamed"}), "token", 400, bad),
        (UPDATE_DRAFT, draft_case(OPEN_SLUG, {"title": None}), "token", 400, bad),
        (
            UPDATE_DRAFT,
            draft_case(
                OPEN_SLUG, {"summary": None, "show_comments": False, "closes_at": "2026-11-27T10:00:00+08:00"}
            ),
            "cookie and csrf",
            200,
            None,
        ),
        (UPDATE_DRAFT, draft_case("no-such-draft", {"title": "标题"}), "token", 404, "not_found"),
        # An article's explanation (条文释义), carried by the revised version below.
        (EXPLAIN, article_case(OPEN_SLUG, article, {"explanation": "这一条是说……"}), "token", 200, None),
        (EXPLAIN, article_case(OPEN_SLUG, article, {"explanation": too_long}), "token", 400, bad),
        (EXPLAIN, article_case(OPEN_SLUG, article, {"explanation": "x", "label": "y"}), "token", 400, bad),
        (EXPLAIN, article_case(OPEN_SLUG, 999_999, {"explanation": "x"}), "token", 404, "not_found"),
        (EXPLAIN, article_case("no-such-draft", article, {"explanation": "x"}), "token", 404, "not_found"),
        (EXPLAIN, article_case(OPEN_SLUG, article, {"explanation": "x"}), "contact point", 403, "forbidden"),
        (EXPLAIN, article_case(OPEN_SLUG, article, {"explanation": "x"}), "cookie", 400, "csrf_failed"),
        (
            ADD_VERSION,
            draft_case(OPEN_SLUG, {"text": REVISED_TEXT, "label": "（修改稿）"}),
            "token",
            201,
            None,
        ),
        (ADD_VERSION, draft_case(OPEN_SLUG, {"text": ""}), "token", 400, bad),
        # A contact point's file: preview, import, the same file again, junk, another point's.
        (INTAKE, intake_case(INTAKE_CSV), "nobody", 401, "unauthorized"),
        (INTAKE, intake_case(INTAKE_CSV, dry_run="true"), "token", 200, None),
        (INTAKE, intake_case(INTAKE_CSV, dry_run="false"), "token", 201, None),
        (INTAKE, intake_case(INTAKE_CSV), "token", 409, "conflict"),
        (INTAKE, intake_case(b"\x89PNG\r\n\x1a\n" + bytes(range(256))), "token", 400, bad),
        (INTAKE, intake_case(INTAKE_CSV, dry_run="maybe"), "token", 400, bad),
        (INTAKE, intake_case(INTAKE_CSV), "contact point", 403, "forbidden"),
        (INTAKE, intake_case(INTAKE_CSV, contact_point=""), "token", 400, bad),
        (ADD_VERSION, draft_case("no-such-draft", {"text": SAMPLE_TEXT}), "token", 404, "not_found"),
        # The feedback: preview, publish once, refused again, a revision with and without its note.
        (PREVIEW_FEEDBACK, {"path_parameters": {"slug": FEEDBACK_SLUG}}, "token", 200, None),
        (PREVIEW_FEEDBACK, {"path_parameters": {"slug": "no-such-draft"}}, "token", 404, "not_found"),
        (PUBLISH_FEEDBACK, {"path_parameters": {"slug": FEEDBACK_SLUG}}, "contact point", 403, "forbidden"),
        (PUBLISH_FEEDBACK, {"path_parameters": {"slug": FEEDBACK_SLUG}}, "cookie", 400, "csrf_failed"),
        (PUBLISH_FEEDBACK, {"path_parameters": {"slug": CONCLUDED_SLUG}}, "token", 409, "conflict"),
        (PUBLISH_FEEDBACK, {"path_parameters": {"slug": FEEDBACK_SLUG}}, "token", 201, None),
        (PUBLISH_FEEDBACK, {"path_parameters": {"slug": FEEDBACK_SLUG}}, "token", 409, "conflict"),
        (OPEN_REVISION, {"path_parameters": {"slug": FEEDBACK_SLUG}}, "token", 200, None),
        (OPEN_REVISION, {"path_parameters": {"slug": FEEDBACK_SLUG}}, "token", 409, "conflict"),
        (PUBLISH_FEEDBACK, draft_case(FEEDBACK_SLUG, {"revision_note": ""}), "token", 400, bad),
        (
            PUBLISH_FEEDBACK,
            draft_case(FEEDBACK_SLUG, {"revision_note": "更正了一条理由。"}),
            "cookie and csrf",
            201,
            None,
        ),
        (OPEN_REVISION, {"path_parameters": {"slug": "no-such-draft"}}, "token", 404, "not_found"),
        (EXPORT, {"path_parameters": {"slug": OPEN_SLUG}, "query": {"format": "csv"}}, "token", 200, None),
        (EXPORT, {"path_parameters": {"slug": OPEN_SLUG}, "query": {"format": "pdf"}}, "token", 400, bad),
        (EXPORT_JOB, {"path_parameters": {"job_id": ids["export_queued"]}}, "token", 200, None),
        (EXPORT_JOB, {"path_parameters": {"job_id": ids["export_done"]}}, "cookie", 200, None),
        (EXPORT_JOB, {"path_parameters": {"job_id": 999_999}}, "token", 404, "not_found"),
        (EXPORT_JOB, {"path_parameters": {"job_id": ids["export_done"]}}, "contact point", 403, "forbidden"),
        (EXPORT_JOB_DOWNLOAD, {"path_parameters": {"job_id": ids["export_done"]}}, "token", 200, None),
        (
            EXPORT_JOB_DOWNLOAD,
            {"path_parameters": {"job_id": ids["export_queued"]}},
            "token",
            409,
            "conflict",
        ),
        (
            EXPORT_JOB_DOWNLOAD,
            {"path_parameters": {"job_id": ids["export_done"]}},
            "nobody",
            401,
            "unauthorized",
        ),
        # Groups of similar comments.
        (GROUPS, {"path_parameters": {"slug": OPEN_SLUG}}, "cookie", 200, None),
        (GROUPS, {"path_parameters": {"slug": OPEN_SLUG}, "query": {"min_size": 0}}, "token", 400, bad),
        (GROUPS, {"path_parameters": {"slug": OPEN_SLUG}}, "contact point", 403, "forbidden"),
        (GROUPS, {"path_parameters": {"slug": OPEN_SLUG}, "query": {"after": "1-x"}}, "token", 400, bad),
        (GROUPS, {"path_parameters": {"slug": OPEN_SLUG}, "query": {"per_page": 101}}, "token", 400, bad),
        (GROUP, {"path_parameters": {"group_id": ids["groups"][0]}}, "token", 200, None),
        (GROUP, {"path_parameters": {"group_id": 999_999}}, "token", 404, "not_found"),
        (GROUP, {"path_parameters": {"group_id": ids["groups"][0]}}, "nobody", 401, "unauthorized"),
        (GROUP, {"path_parameters": {"group_id": ids["groups"][0]}}, "contact point", 403, "forbidden"),
        (GROUP_CONFIRM, {"path_parameters": {"group_id": ids["groups"][0]}}, "token", 200, None),
        (GROUP_CONFIRM, {"path_parameters": {"group_id": ids["groups"][0]}}, "nobody", 401, "unauthorized"),
        (
            GROUP_MODERATE,
            {"path_parameters": {"group_id": ids["groups"][0]}, "body": {"action": "reject"}},
            "cookie and csrf",
            400,
            bad,
        ),
        (
            GROUP_MODERATE,
            {
                "path_parameters": {"group_id": ids["groups"][0]},
                "body": {"action": "publish", "expected_count": 9},
            },
            "token",
            409,
            "conflict",
        ),
        (
            GROUP_MODERATE,
            {
                "path_parameters": {"group_id": ids["groups"][0]},
                "body": {"action": "publish", "expected_count": 3},
            },
            "token",
            200,
            None,
        ),
        (
            GROUP_MODERATE,
            {"path_parameters": {"group_id": 999_999}, "body": {"action": "publish"}},
            "token",
            404,
            "not_found",
        ),
        (
            GROUP_SPLIT,
            {"path_parameters": {"group_id": ids["groups"][0]}, "body": {"comment_id": ids["grouped"][2]}},
            "cookie and csrf",
            200,
            None,
        ),
        (
            GROUP_SPLIT,
            {"path_parameters": {"group_id": 999_999}, "body": {"comment_id": 1}},
            "token",
            404,
            "not_found",
        ),
        (
            GROUP_DECISION,
            {
                "path_parameters": {"group_id": ids["groups"][1]},
                "body": {"outcome": "not_adopted", "reason": "已有规定。"},
            },
            "token",
            200,
            None,
        ),
        (
            GROUP_DECISION,
            {"path_parameters": {"group_id": ids["groups"][1]}, "body": {"outcome": "not_adopted"}},
            "cookie and csrf",
            400,
            bad,
        ),
        (
            GROUP_DECISION,
            {"path_parameters": {"group_id": 999_999}, "body": {"outcome": "adopted"}},
            "token",
            404,
            "not_found",
        ),
        (GROUP_MERGE, {"body": {"groups": ids["groups"]}}, "token", 200, None),
        (GROUP_MERGE, {"body": {"groups": [1]}}, "token", 400, bad),
        (THEMES, {"path_parameters": {"slug": OPEN_SLUG}}, "token", 200, None),
        (THEMES, {"path_parameters": {"slug": OPEN_SLUG}}, "contact point", 403, "forbidden"),
        (SUMMARY, {"path_parameters": {"slug": OPEN_SLUG}}, "cookie", 200, None),
        (SUMMARY, {"path_parameters": {"slug": OPEN_SLUG}, "query": {"format": "pdf"}}, "token", 400, bad),
        (ADD_VERSION, draft_case(OPEN_SLUG, {"text": "x" * 100_000}), "token", 413, "payload_too_large"),
        (
            ADD_VERSION,
            {
                **draft_case(OPEN_SLUG, f"text={SAMPLE_TEXT}"),
                "media_type": "application/x-www-form-urlencoded",
            },
            "token",
            415,
            "unsupported_media_type",
        ),
    ]


def test_staff_operations_answer_as_the_contract_says(described_app, subtests):
    """Every staff operation, signed in every way, succeeding and failing: each answer as documented."""
    ids = staff_data(described_app)
    credentials = staff_credentials(described_app)
    operations = served_operations(described_app)
    staff = staff_labels(openapi_document())
    statuses: dict[str, list[int]] = defaultdict(list)
    answers: dict[str, list[dict]] = defaultdict(list)
    for label, arguments, who, status, code in staff_cases(ids):
        with subtests.test(operation=label, who=who, arguments=str(arguments)[:100]):
            media = {"media_type": "application/json"} if "body" in arguments else {}  # unless it says
            case = operations[label].Case(**{**media, **arguments})
            response = check(case, statuses, **credentials[who])
            assert response.status_code == status, response.text
            if code is None:
                answers[label].append(
                    response.content if label in (EXPORT, EXPORT_JOB_DOWNLOAD) else response.json()
                )
            else:
                assert response.json()["error"]["code"] == code
    for label in sorted(staff):
        assert success_status(label) in statuses[label], f"{label} never succeeded: {statuses[label]}"
    # What the answers say, beyond their shape.
    published, taken_down = answers[MODERATE]
    assert (published["status"], published["masked_body"], published["version"]) == (
        "published",
        "已遮盖的意见。",
        2,
    )
    assert (taken_down["status"], taken_down["moderation_reason"]) == ("rejected", "与本草案无关")
    assert [a["decision"]["outcome"] for a in answers[DECIDE]] == ["not_adopted", "adopted"]
    preview, imported = answers[INTAKE]
    assert (preview["batch_id"], preview["rows_total"], preview["rows_valid"]) == (None, 2, 1)
    assert preview["errors"][0]["row"] == 3 and preview["errors"][0]["column"] == "条款"
    assert [r["article"] for r in preview["rows"]] == ["第一条", None]
    assert [(r["author_name"], r["name_public"]) for r in preview["rows"]] == [
        ("张三", True),
        ("李四", False),
    ]
    assert isinstance(imported["batch_id"], int) and imported["rows_imported"] == 1
    letter = answers[ENTER_COMMENT][0]
    assert (letter["channel"], letter["status"], letter["contact"]) == ("letter", "pending", "13800138000")
    assert letter["article_label"] == "第一条" and letter["received_at"].startswith("2026-11-19T16:00:00")
    created, published_draft, same_title = answers[CREATE_DRAFT]
    assert (created["status"], created["published_at"], created["version"]["label"]) == (
        "draft",
        None,
        "（第一稿）",
    )
    assert "<script>" not in created["summary"]
    # Published without dates: public, but not open yet.
    assert published_draft["status"] == "upcoming" and SLUG_RE.match(published_draft["slug"])
    assert same_title["slug"] == published_draft["slug"] + "-2"
    assert answers[UPDATE_DRAFT][0]["status"] == "open"
    assert answers[UPDATE_DRAFT][1]["status"] == "closed" and not answers[UPDATE_DRAFT][1]["show_comments"]
    revised = answers[ADD_VERSION][0]
    assert revised["version"]["number"] == 2 and len(revised["articles"]) == 5
    assert answers[EXPLAIN][0]["explanation"] == "这一条是说……"
    assert revised["articles"][0]["explanation"] == "这一条是说……"  # carried to the revised version


# (operation, case arguments, the answer the contract asks for): edge inputs that once answered 500 —
# ids past the integer column, times whose UTC form leaves years 1-9999, NUL characters and lone
# surrogates (PostgreSQL). JSON nested 100,000 deep is in tests/test_malformed_input.py: schemathesis
# cannot serialise it.
STAFF_EDGES = [
    pytest.param(
        MODERATE,
        comment_case(2**63, {"action": "publish"}),
        404,
        id="moderate-id-2**63",
    ),
    pytest.param(
        DECIDE,
        comment_case(2**31, {"outcome": "adopted"}),
        404,
        id="decide-id-2**31",
    ),
    pytest.param(
        CREATE_DRAFT,
        {"body": {"title": "标题", "text": SAMPLE_TEXT, "closes_at": "9999-12-31T23:00:00-12:00"}},
        400,
        id="create-draft-closes-after-9999",
    ),
    pytest.param(
        UPDATE_DRAFT,
        draft_case(OPEN_SLUG, {"opens_at": "0001-01-01T00:00:00+14:00"}),
        400,
        id="update-draft-opens-before-year-1",
    ),
    pytest.param(
        ENTER_COMMENT,
        draft_case(OPEN_SLUG, {"body": "来信。", "channel": "letter", "received_at": "0001-01-01"}),
        400,
        id="enter-comment-received-0001-01-01",
    ),
    pytest.param(
        ADMIN_COMMENTS,
        {"query": {"q": "a\x00b"}},
        400,
        id="comments-q-nul",
    ),
    pytest.param(
        UPDATE_DRAFT,
        draft_case("a\x00b", {"title": "标题"}),
        400,
        id="update-draft-slug-nul",
    ),
    # A lone surrogate is valid JSON but no text: psycopg could not encode it (a 500 on PostgreSQL).
    pytest.param(
        ENTER_COMMENT,
        draft_case(OPEN_SLUG, {"body": "来信\ud800。", "channel": "letter"}),
        400,
        id="enter-comment-body-lone-surrogate",
    ),
    pytest.param(
        CREATE_DRAFT,
        {"body": {"title": "标题\udfff", "text": SAMPLE_TEXT}},
        400,
        id="create-draft-title-lone-surrogate",
    ),
    pytest.param(
        MODERATE,
        comment_case(1, {"action": "reject", "reason": "\ud800"}),
        400,
        id="moderate-reason-lone-surrogate",
    ),
    pytest.param(
        EXPLAIN,
        article_case(OPEN_SLUG, 1, {"explanation": "释义\ud800"}),
        400,
        id="explain-article-lone-surrogate",
    ),
    pytest.param(
        EXPLAIN,
        article_case(OPEN_SLUG, 2**63, {"explanation": "释义"}),
        404,
        id="explain-article-id-2**63",
    ),
]


@pytest.mark.parametrize(("label", "arguments", "status"), STAFF_EDGES)
def test_staff_edge_inputs_answer_as_the_contract_says(described_app, label, arguments, status):
    """Edge inputs get the contract's 4xx (or a 200), never a 500."""
    headers = staff_credentials(described_app)["token"]["headers"]
    with described_app.app_context():
        Factory(described_app).draft("open", slug=OPEN_SLUG)
    operation = served_operations(described_app)[label]
    media = {"media_type": "application/json"} if "body" in arguments else {}
    response = operation.Case(**media, **arguments).call(headers=headers)
    assert response.status_code == status, f"{response.status_code}: {response.text[:200]}"
    operation.validate_response(response)


def demo_receipt_codes() -> list[str]:
    """Receipt codes of demo comments in each public state, and of one with a published decision."""
    codes = []
    for status in ("pending", "published", "rejected"):
        code = db.session.scalar(select(Comment.receipt_code).where(Comment.status == status).limit(1))
        assert code, f"the demo data has no {status} comment"
        codes.append(code)
    decided = db.session.scalar(
        select(Comment.receipt_code)
        .join(Decision, Decision.comment_id == Comment.id)
        .join(Draft, Draft.id == Comment.draft_id)
        .where(Draft.feedback_published_at.is_not(None))
        .limit(1)
    )
    assert decided, "the demo data has no decision with published feedback"
    return [*codes, decided]


def send_known_requests(operations: dict, receipt_codes: list[str], statuses: dict[str, list[int]]) -> None:
    """Requests that reach real data, so the success shapes are checked on drafts, comments and decisions."""
    get_draft = operations["GET /api/v1/drafts/{slug}"]
    check(operations["GET /api/v1/drafts"].Case(), statuses)
    decisions, first_open_article = 0, None
    for slug in DEMO_SLUGS:
        draft = check(get_draft.Case(path_parameters={"slug": slug}), statuses).json()
        first_article = draft["articles"][0]["id"]
        first_open_article = first_open_article or first_article
        for query in ({"per_page": 100}, {"article_id": first_article}):
            case = operations[COMMENTS].Case(path_parameters={"slug": slug}, query=query)
            decisions += sum(c["decision"] is not None for c in check(case, statuses).json()["comments"])
    assert decisions, "no published decision met: the Decision schema went unchecked"
    body = {
        "body": "Opening hours should include weekday evenings.",
        "article_id": first_open_article,
        "author_name": "Reader",
        "contact": "reader@example.org",
        "notify": True,
    }
    case = operations[SUBMIT].Case(
        path_parameters={"slug": DEMO_SLUG}, body=body, media_type="application/json"
    )
    created = check(case, statuses)
    assert created.status_code == 201, created.text
    for code in [*receipt_codes, created.json()["receipt_code"]]:
        case = operations["GET /api/v1/receipts/{code}"].Case(path_parameters={"code": code})
        assert check(case, statuses).status_code == 200
    # A concluded demo draft: its feedback, and a rating with the decided comment's code (then replaced).
    receipt = operations["GET /api/v1/receipts/{code}"].Case(path_parameters={"code": receipt_codes[-1]})
    concluded = {"slug": check(receipt, statuses).json()["draft"]}
    report = check(operations[FEEDBACK].Case(path_parameters=concluded), statuses)
    assert report.status_code == 200 and report.json()["totals"]["comments"] > 0
    # Its places' comments, a page at a time (the second page from the report's `items_next`).
    place = max(report.json()["articles"], key=lambda a: a["comment_count"])
    article = {**concluded, "article_id": place["article_id"]}
    for label, path, query in (
        (FEEDBACK_ARTICLE, article, {"per_page": 1}),
        (FEEDBACK_ARTICLE, article, {"after": place["items_next"] or "0-0"}),
        (FEEDBACK_GENERAL, concluded, {}),
    ):
        page = check(operations[label].Case(path_parameters=path, query=query), statuses)
        assert page.status_code == 200, page.text
    subscribe = operations["POST /api/v1/subscriptions"]
    body = {"email": "reader@example.org", "topics": ["drafts", "feedback"]}
    assert check(subscribe.Case(body=body, media_type="application/json"), statuses).status_code == 202
    for score, status in ((4, 201), (5, 200)):
        body = {"receipt_code": receipt_codes[-1], "score": score, "comment": "理由清楚。"}
        case = operations[RATE].Case(path_parameters=concluded, body=body, media_type="application/json")
        assert check(case, statuses).status_code == status


def send_known_staff_requests(operations: dict, token: dict, statuses: dict[str, list[int]]) -> None:
    """The staff comment list over the demo data: every status, channel, decisions and contact points."""
    seen: list[dict] = []
    for query in (
        {"per_page": 100},
        {"status": "rejected"},
        {"status": "spam"},
        {"channel": "contact_point"},
        {"draft": DEMO_SLUGS[2], "per_page": 100},
        {"contact_point": "dongguan-jiedao"},
        {"q": "建议"},
    ):
        response = check(operations[ADMIN_COMMENTS].Case(query=query), statuses, **token)
        assert response.status_code == 200, response.text
        seen += response.json()["comments"]
    for field in ("decision", "contact_point", "batch_id", "contact", "article_label", "moderation_reason"):
        assert any(c[field] is not None for c in seen), f"no demo comment with a {field}: left unchecked"


def path_parameter_choices(operation, receipt_codes: list[str]) -> list[dict[str, str] | None]:
    """None (all generated: random slugs and codes meet only 404s), then each known value."""
    names = {p.name for p in operation.path_parameters}
    if "slug" in names:
        return [None, *({"slug": s} for s in DEMO_SLUGS)]
    if "code" in names:
        return [None, *({"code": c} for c in receipt_codes)]
    return [None]


def generation_modes(operation) -> list[GenerationMode]:
    """Invalid data too where there is a query string or a body to get wrong (a path string cannot be)."""
    if list(operation.query) or list(operation.body):
        return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    return [GenerationMode.POSITIVE]


def fuzz(strategy, statuses: dict[str, list[int]], call: dict | None = None) -> None:
    """Run generated cases through the app (with `call`'s headers), checking each answer."""

    @FUZZ_SETTINGS
    @given(case=strategy)
    def run(case):
        check(case, statuses, **(call or {}))

    run()


@pytest.mark.once
def test_api_answers_as_described(described_app, subtests):
    """Known and generated requests on the demo data, valid and not: public operations, staff comment list."""
    # schemathesis.pytest.from_fixture would fit, but its lazy runner sets `Function._nodeid`, which
    # pytest 9 no longer has; strategies under plain hypothesis do the same work.
    from consult.demo.seed import seed_demo

    with described_app.app_context():
        seed_demo()
        receipt_codes = demo_receipt_codes()
    token = staff_credentials(described_app)["token"]
    operations = served_operations(described_app)
    # schemathesis leaves out the operation that served the document; test_openapi_json_is_served has it.
    document = openapi_document()
    documented = {f"{method.upper()} {path}" for path, method in documented_operations(document)}
    assert set(operations) == documented - {f"GET {SERVED_AT}"}
    # Staff writes are left to test_staff_operations_answer_as_the_contract_says (see the module's note).
    generated = {label: op for label, op in operations.items() if label not in staff_labels(document)}
    generated[ADMIN_COMMENTS] = operations[ADMIN_COMMENTS]
    statuses: dict[str, list[int]] = {label: [] for label in generated}
    with subtests.test(msg="known requests"):
        send_known_requests(operations, receipt_codes, statuses)
    with subtests.test(msg="known staff requests"):
        send_known_staff_requests(operations, token, statuses)
    for label, operation in generated.items():
        # The token rides along with every case; a public operation ignores it.
        call = token if label == ADMIN_COMMENTS else {}
        for path_parameters in path_parameter_choices(operation, receipt_codes):
            for mode in generation_modes(operation):
                with subtests.test(operation=label, mode=mode.value, path=path_parameters):
                    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
                    fuzz(strategy, statuses, call)
    for label, seen in statuses.items():
        # Guards against a run that only ever met errors, which would check none of the success shapes.
        assert success_status(label) in seen, f"{label} never succeeded: {sorted(set(seen))}"
