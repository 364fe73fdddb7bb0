"""The doors of a group's decision: `POST /api/v1/admin/groups/<id>/decision` as CONTRACT.md and the
OpenAPI document say (checked with schemathesis), `decision` on the group list, 409 on a stale version and
once the feedback is published; the staff's HTML page with its form (CSRF, the outcomes, how many members
it reaches) and "随组决定" on the review page."""

from __future__ import annotations

from collections import defaultdict

import pytest
from bs4 import BeautifulSoup

from consult.context import CLI
from consult.db import end_read
from consult.extensions import db
from consult.feedback.publishing import publish_feedback
from consult.groups.drain import drain
from consult.groups.queries import group_ids_of
from consult.models import Comment
from tests.api.test_openapi import check, served_operations, staff_credentials
from tests.conftest import csrf_token_from
from tests.factories import Factory

SLUG = "group-decision-draft"
DECIDE = "POST /api/v1/admin/groups/{group_id}/decision"
LIST = "GET /api/v1/admin/drafts/{slug}/groups"
CAMPAIGN = "建议城市书房开放时间延长到晚上十点，方便上班族下班后去看书，{estate}居民都很需要。"
ESTATES = ["阳光花园", "幸福家园", "锦绣华庭", "运河名都"]
REASON = "开放时间已在第五条规定。"


@pytest.fixture
def decided_app(make_app):
    app = make_app()
    with app.app_context():
        factory = Factory(app)
        draft = factory.draft("closed", slug=SLUG)
        ids = [factory.comment(draft, CAMPAIGN.format(estate=e), status="published").id for e in ESTATES[:3]]
        ids.append(factory.comment(draft, CAMPAIGN.format(estate=ESTATES[3])).id)  # pending
        drain()
        end_read()
        group_id = group_ids_of([ids[0]])[ids[0]]
        end_read()
    return app, group_id, ids


def test_the_endpoint_answers_as_the_contract_says(decided_app):
    app, group_id, _ids = decided_app
    credentials = staff_credentials(app)
    operations = served_operations(app)
    statuses: dict[str, list[int]] = defaultdict(list)

    def call(label: str, arguments: dict, who: str = "token"):
        media = {"media_type": "application/json"} if "body" in arguments else {}
        return check(operations[label].Case(**media, **arguments), statuses, **credentials[who])

    path = {"path_parameters": {"group_id": group_id}}
    answer = call(DECIDE, {**path, "body": {"outcome": "not_adopted", "reason": REASON}}).json()
    assert answer["decided"] == 3 and answer["group"]["id"] == group_id
    assert (
        answer["group"]["decision"]["outcome"] == "not_adopted"
        and answer["group"]["decision"]["version"] == 1
    )
    listed = call(LIST, {"path_parameters": {"slug": SLUG}}).json()["groups"]
    assert listed[0]["decision"] == answer["group"]["decision"]

    stale = call(DECIDE, {**path, "body": {"outcome": "adopted", "decision_version": 0}}, "cookie and csrf")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    fresh = call(DECIDE, {**path, "body": {"outcome": "adopted", "decision_version": 1}}, "cookie and csrf")
    assert fresh.status_code == 200 and fresh.json()["group"]["decision"]["outcome"] == "adopted"
    assert call(DECIDE, {**path, "body": {"outcome": "adopted"}}, "cookie").status_code == 400  # no CSRF
    assert call(DECIDE, {**path, "body": {"outcome": "adopted"}}, "contact point").status_code == 403

    with app.app_context():
        staff = Factory(app).user("staff")[0]
        end_read()
        publish_feedback(staff, CLI, SLUG)
    frozen = call(DECIDE, {**path, "body": {"outcome": "not_adopted", "reason": REASON}})
    assert frozen.status_code == 409 and "采纳情况反馈已发布" in frozen.json()["error"]["message"]


def test_the_staff_page_decides_for_a_group(decided_app):
    app, group_id, ids = decided_app
    with app.app_context():
        user, password = Factory(app).user("staff")
        end_read()
    client = app.test_client()
    token = csrf_token_from(client.get("/login").data)
    login = {"username": user.username, "password": password, "csrf_token": token}
    assert client.post("/login", data=login).status_code == 303

    page = client.get(f"/admin/review/{SLUG}/groups")
    assert page.status_code == 200
    soup = BeautifulSoup(page.data, "html.parser")
    form = soup.select_one(f"#g{group_id} form.decision-form")
    assert form.select_one("input[name=csrf_token]")["value"]
    assert [i["value"] for i in form.select("input[name=outcome]")] == [
        "adopted",
        "partially_adopted",
        "not_adopted",
        "already_provided",
        "out_of_scope",
    ]
    reach = form.select_one(f"#reach-{group_id}").get_text()
    assert "本组3条已公开的意见随组决定" in reach and "1条尚未公开的意见公开后随组决定" in reach
    action = form["action"]
    csrf = form.select_one("input[name=csrf_token]")["value"]

    # Refused: no reason for 未采纳; the page again, the text kept; without the CSRF token: refused.
    refused = client.post(
        action, data={"csrf_token": csrf, "outcome": "not_adopted", "reason": "", "decision_version": "0"}
    )
    assert refused.status_code == 400
    soup = BeautifulSoup(refused.data, "html.parser")
    assert "必须附公开的理由" in soup.select_one("#form-message").get_text()
    assert soup.select_one(f"#g{group_id} input[value=not_adopted]").has_attr("checked")
    assert client.post(action, data={"outcome": "adopted", "decision_version": "0"}).status_code == 400

    saved = client.post(
        action, data={"csrf_token": csrf, "outcome": "not_adopted", "reason": REASON, "decision_version": "0"}
    )
    assert saved.status_code == 303
    soup = BeautifulSoup(client.get(saved.headers["Location"]).data, "html.parser")
    assert "3条已公开的意见随组决定" in soup.select_one(".flash").get_text()
    assert "随组决定" in soup.select_one(f"#g{group_id} .current-decision").get_text()

    # The review page of the article marks the members' decisions 随组决定.
    with app.app_context():
        article_id = db.session.get(Comment, ids[0]).article_id
        end_read()
    review = BeautifulSoup(client.get(f"/admin/review/{SLUG}/articles/{article_id}").data, "html.parser")
    badges = review.select(".current-decision .badge-group")
    assert len(badges) == 3 and all(b.get_text() == "随组决定" for b in badges)
