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
GROUP = "GET /api/v1/admin/groups/{group_id}"
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
        cases.append((GROUP, {"path_parameters": {"group_id": group_id}}))
    for label, arguments in cases:
        media = {"media_type": "application/json"} if "body" in arguments else {}
        response = check(operations[label].Case(**media, **arguments), statuses, **credentials[who])
        assert response.status_code == status, (label, response.text)
        assert response.json()["error"]["code"] == code
    assert listed(app, "token", credentials)[0]["id"] == group_id  # nothing changed


def test_the_group_list_is_read_a_page_at_a_time_by_key(grouped, monkeypatch):
    """Paged by key (``after`` = the previous page's ``next_after``), largest first; a listed group carries
    only its first members' ids, the group's own endpoint all of them."""
    monkeypatch.setattr("consult.groups.queries.LISTED_IDS", 2)
    app, ids = grouped
    credentials = staff_credentials(app)
    operations = served_operations(app)
    statuses: dict[str, list[int]] = defaultdict(list)

    def call(label: str, arguments: dict):
        return check(operations[label].Case(**arguments), statuses, **credentials["token"])

    pages, after = [], None
    while True:
        query = {"per_page": 1, **({"after": after} if after else {})}
        answer = call(LIST, {"path_parameters": {"slug": SLUG}, "query": query}).json()
        pages.append(answer["groups"])
        after = answer["next_after"]
        if after is None:
            break
    assert [len(p) for p in pages] == [1, 1, 1]
    walked = [g for p in pages for g in p]
    whole = call(LIST, {"path_parameters": {"slug": SLUG}}).json()
    assert whole["next_after"] is None and [g["id"] for g in whole["groups"]] == [g["id"] for g in walked]
    assert [g["size"] for g in walked] == [4, 2, 2]  # largest first; ties by id
    assert walked[1]["id"] < walked[2]["id"]
    campaign = walked[0]
    assert campaign["comment_ids"] == ids["campaign"][:2] and campaign["size"] == 4

    full = call(GROUP, {"path_parameters": {"group_id": campaign["id"]}}).json()["group"]
    assert full["comment_ids"] == ids["campaign"] and full["size"] == 4

    bad = call(LIST, {"path_parameters": {"slug": SLUG}, "query": {"after": "99999999999-1"}})
    assert bad.status_code == 400 and bad.json()["error"]["fields"]["after"]
    assert call(LIST, {"path_parameters": {"slug": SLUG}, "query": {"per_page": 0}}).status_code == 400
    assert call(GROUP, {"path_parameters": {"group_id": 999_999}}).status_code == 404


def test_a_page_of_groups_costs_the_same_statements_whatever_it_holds(grouped):
    """The members' ids of a page's groups come in one statement, not one per group."""
    from sqlalchemy import event

    app, _ids = grouped
    credentials = staff_credentials(app)
    client = app.test_client()
    counts = {}
    with app.app_context():
        engine = db.engine
    assert client.get(f"/api/v1/admin/drafts/{SLUG}/groups", **credentials["token"]).status_code == 200
    for per_page in (1, 3):
        seen: list[str] = []

        def count(_conn, _cursor, statement, *_args, seen=seen):
            if "api_token" not in statement and statement != "BEGIN":  # the token's check is kept a while
                seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            url = f"/api/v1/admin/drafts/{SLUG}/groups?per_page={per_page}"
            response = client.get(url, **credentials["token"])
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200 and len(response.json["groups"]) == per_page
        counts[per_page] = len(seen)
    assert counts[1] == counts[3] == 4, counts  # the draft, its groups, their first members, the bodies


def test_the_group_list_is_kept_until_a_group_changes(grouped):
    """An unchanged list is answered from the cache (no statement reads a group), and a change to a group
    (a split: the counter is bumped in its transaction) is in the next answer."""
    from sqlalchemy import event

    app, ids = grouped
    credentials = staff_credentials(app)
    client = app.test_client()
    url = f"/api/v1/admin/drafts/{SLUG}/groups"
    first = client.get(url, **credentials["token"]).json["groups"]
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        again = client.get(url, **credentials["token"]).json["groups"]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert again == first
    assert not [s for s in seen if "comment_group" in s], seen

    campaign = next(g for g in first if g["representative"]["id"] == ids["campaign"][0])
    split = client.post(
        f"/api/v1/admin/groups/{campaign['id']}/split",
        json={"comment_id": ids["campaign"][3]},
        **credentials["token"],
    )
    assert split.status_code == 200
    after = client.get(url, **credentials["token"]).json["groups"]
    assert next(g for g in after if g["id"] == campaign["id"])["size"] == 3
