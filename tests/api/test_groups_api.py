"""The groups endpoints (CONTRACT.md, "Groups and themes (staff)"): the list, split, merge, confirm and
`group_id` on the staff comment list; who may call them; every answer checked against the OpenAPI
description (schemathesis); the audit rows."""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import select

from consult.db import end_read
from consult.extensions import db
from consult.groups.drain import drain
from consult.models import AuditLog
from tests.api.test_openapi import check, served_operations, staff_credentials
from tests.factories import Factory

SLUG = "grouped-api-draft"
LIST = "GET /api/v1/admin/drafts/{slug}/groups"
SPLIT = "POST /api/v1/admin/groups/{group_id}/split"
MERGE = "POST /api/v1/admin/groups/merge"
CONFIRM = "POST /api/v1/admin/groups/{group_id}/confirm"
COMMENTS = "GET /api/v1/admin/comments"
CAMPAIGN = "建议城市书房开放时间延长到晚上十点，方便上班族下班后去看书，{estate}居民都很需要。"
OTHER = "城市书房的座位太少了，{estate}附近的书房周末经常找不到位子，建议增加座位和自习桌。"
ESTATES = ["阳光花园", "幸福家园", "锦绣华庭", "运河名都"]


@pytest.fixture
def grouped(make_app):
    app = make_app()
    with app.app_context():
        factory = Factory(app)
        draft = factory.draft("open", slug=SLUG)
        ids = {
            "campaign": [factory.comment(draft, CAMPAIGN.format(estate=e)).id for e in ESTATES],
            "other": [factory.comment(draft, OTHER.format(estate=e)).id for e in ESTATES[:2]],
            "general": [
                factory.comment(draft, OTHER.format(estate=e), article_index=None).id for e in ESTATES[:2]
            ],
            "alone": factory.comment(draft, "建议书房提供盲文图书。").id,
        }
        drain()
        end_read()
    return app, ids


def listed(app, who: str, credentials: dict, **query) -> list[dict]:
    response = app.test_client().get(
        f"/api/v1/admin/drafts/{SLUG}/groups", query_string=query, **credentials[who]
    )
    assert response.status_code == 200, response.text
    return response.json["groups"]


def test_groups_endpoints_answer_as_the_contract_says(grouped):
    app, ids = grouped
    credentials = staff_credentials(app)
    operations = served_operations(app)
    statuses: dict[str, list[int]] = defaultdict(list)

    def call(label: str, arguments: dict, who: str = "token"):
        media = {"media_type": "application/json"} if "body" in arguments else {}
        return check(operations[label].Case(**media, **arguments), statuses, **credentials[who])

    slug = {"path_parameters": {"slug": SLUG}}
    groups = call(LIST, slug).json()["groups"]
    campaign = next(g for g in groups if g["representative"]["id"] == ids["campaign"][0])
    other = next(g for g in groups if g["representative"]["id"] == ids["other"][0])
    general = next(g for g in groups if g["representative"]["id"] == ids["general"][0])
    assert campaign["comment_ids"] == ids["campaign"] and campaign["size"] == 4
    assert (campaign["confirmed"], campaign["burst"], campaign["decision"]) == (False, False, None)
    assert campaign["representative"]["body"] == CAMPAIGN.format(estate=ESTATES[0])
    assert general["article_id"] is None and isinstance(campaign["article_id"], int)
    assert len(groups) == 3  # the comment alone is in none

    # Filters: one article; a size none reaches.
    only = call(LIST, {**slug, "query": {"article_id": campaign["article_id"]}}).json()["groups"]
    assert {g["id"] for g in only} == {campaign["id"], other["id"]}
    assert call(LIST, {**slug, "query": {"min_size": 5}}).json()["groups"] == []
    assert len(call(LIST, {**slug, "query": {"min_size": 1}}).json()["groups"]) == 3

    # group_id on the staff comment list; null when alone.
    comments = {c["id"]: c for c in call(COMMENTS, {"query": {"draft": SLUG}}).json()["comments"]}
    assert comments[ids["campaign"][2]]["group_id"] == campaign["id"]
    assert comments[ids["alone"]]["group_id"] is None

    # Split: the comment leaves and stays out.
    body = {"comment_id": ids["campaign"][3]}
    split = call(SPLIT, {"path_parameters": {"group_id": campaign["id"]}, "body": body}).json()["group"]
    assert split["id"] == campaign["id"] and ids["campaign"][3] not in split["comment_ids"]
    comments = {c["id"]: c for c in call(COMMENTS, {"query": {"draft": SLUG}}).json()["comments"]}
    assert comments[ids["campaign"][3]]["group_id"] is None

    # Merge two groups of one article; groups of different articles cannot be merged.
    body = {"groups": [other["id"], campaign["id"]]}
    merged = call(MERGE, {"body": body}).json()["group"]
    assert merged["id"] == min(other["id"], campaign["id"])
    assert sorted(merged["comment_ids"]) == sorted(ids["campaign"][:3] + ids["other"])
    refused = call(MERGE, {"body": {"groups": [merged["id"], general["id"]]}})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "validation_error"

    # Confirm.
    confirmed = call(CONFIRM, {"path_parameters": {"group_id": general["id"]}}).json()["group"]
    assert confirmed["confirmed"] is True

    # Errors in the one shape.
    missing = call(CONFIRM, {"path_parameters": {"group_id": 999_999}})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong = call(SPLIT, {"path_parameters": {"group_id": merged["id"]}, "body": {"comment_id": ids["alone"]}})
    assert wrong.status_code == 400 and wrong.json()["error"]["fields"]["comment_id"]
    assert call(MERGE, {"body": {"groups": [merged["id"]]}}).status_code == 400
    assert call(LIST, {**slug, "query": {"min_size": 0}}).status_code == 400
    assert call(LIST, {"path_parameters": {"slug": "no-such-draft"}}).status_code == 404

    with app.app_context():
        rows = db.session.execute(select(AuditLog.action, AuditLog.target_type, AuditLog.target_id)).all()
        end_read()
    assert ("group.split", "comment_group", str(campaign["id"])) in rows
    assert ("group.merge", "comment_group", str(merged["id"])) in rows
    assert ("group.confirm", "comment_group", str(general["id"])) in rows


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [("nobody", 401, "unauthorized"), ("contact point", 403, "forbidden"), ("cookie", 400, "csrf_failed")],
)
def test_only_staff_may_change_groups(grouped, who, status, code):
    app, ids = grouped
    credentials = staff_credentials(app)
    group_id = listed(app, "token", credentials)[0]["id"]
    operations = served_operations(app)
    statuses: dict[str, list[int]] = defaultdict(list)
    cases = [
        (SPLIT, {"path_parameters": {"group_id": group_id}, "body": {"comment_id": ids["campaign"][0]}}),
        (MERGE, {"body": {"groups": [group_id, group_id + 1]}}),
        (CONFIRM, {"path_parameters": {"group_id": group_id}}),
    ]
    if who != "cookie":  # a read needs no CSRF header
        cases.append((LIST, {"path_parameters": {"slug": SLUG}}))
    for label, arguments in cases:
        media = {"media_type": "application/json"} if "body" in arguments else {}
        response = check(operations[label].Case(**media, **arguments), statuses, **credentials[who])
        assert response.status_code == status, (label, response.text)
        assert response.json()["error"]["code"] == code
    assert listed(app, "token", credentials)[0]["id"] == group_id  # nothing changed
