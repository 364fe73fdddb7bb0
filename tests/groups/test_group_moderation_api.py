"""POST /api/v1/admin/groups/<id>/moderate (CONTRACT.md, "Groups and themes (staff)"): answers checked
against the OpenAPI description (schemathesis), personal data confirmed before publishing, who may call."""

from __future__ import annotations

from collections import defaultdict

import pytest

from consult.db import end_read
from consult.groups.drain import drain
from tests.api.test_openapi import check, served_operations, staff_credentials
from tests.factories import Factory
from tests.groups.test_grouping import CAMPAIGN, ESTATES, group_of

MODERATE = "POST /api/v1/admin/groups/{group_id}/moderate"


@pytest.fixture
def grouped(make_app):
    app = make_app()
    with app.app_context():
        factory = Factory(app)
        draft = factory.draft("open", slug="moderated-group")
        bodies = [CAMPAIGN.format(n=10, estate=e) for e in ESTATES[:4]]
        bodies[2] += "，我的邮箱 zhang.san@example.com"
        ids = [factory.comment(draft, b).id for b in bodies]
        drain()
        group_id = group_of(ids[0])
        end_read()
    return app, group_id, ids


def test_moderating_a_group_answers_as_the_contract_says(grouped):
    app, group_id, ids = grouped
    credentials = staff_credentials(app)
    operations = served_operations(app)
    statuses: dict[str, list[int]] = defaultdict(list)

    def call(body: dict, group: int = group_id):
        case = operations[MODERATE].Case(
            media_type="application/json", path_parameters={"group_id": group}, body=body
        )
        return check(case, statuses, **credentials["token"])

    refused = call({"action": "publish"})
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["code"] == "validation_error" and "个人信息" in error["message"]
    assert f"#{ids[2]}" in error["fields"]["confirm_personal_data"]
    assert call({"action": "reject"}).status_code == 400  # a reason is needed
    assert call({"action": "spam", "reason": "广告"}).status_code == 400
    assert call({"action": "publish"}, group=999_999).status_code == 404
    stale = call({"action": "publish", "confirm_personal_data": True, "expected_count": 3})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"

    done = call({"action": "publish", "confirm_personal_data": True, "expected_count": 4})
    assert done.status_code == 200, done.text
    answer = done.json()
    assert answer["moderated"] == 4 and answer["group"]["id"] == group_id
    assert sorted(answer["group"]["comment_ids"]) == sorted(ids)
    again = call({"action": "reject", "reason": "重复提交"})
    assert again.status_code == 409  # nothing pending any more


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [("nobody", 401, "unauthorized"), ("contact point", 403, "forbidden"), ("cookie", 400, "csrf_failed")],
)
def test_only_staff_may_moderate_a_group(grouped, who, status, code):
    app, group_id, _ids = grouped
    credentials = staff_credentials(app)
    case = served_operations(app)[MODERATE].Case(
        media_type="application/json",
        path_parameters={"group_id": group_id},
        body={"action": "reject", "reason": "重复提交"},
    )
    response = check(case, defaultdict(list), **credentials[who])
    assert response.status_code == status and response.json()["error"]["code"] == code
