"""Article explanations (条文释义) in the JSON API: the public draft lists each article's "explanation"
(null when none); staff set or remove one with PATCH /api/v1/admin/drafts/<slug>/articles/<article_id>."""

from __future__ import annotations

import pytest

from consult.auth.operations import issue_token
from consult.context import CLI
from consult.db import end_read
from consult.drafts.explanations import explain_article
from consult.drafts.operations import add_version
from consult.models.drafts import EXPLANATION_MAX
from tests.conftest import csrf_token_from
from tests.factories import SAMPLE_TEXT


@pytest.fixture
def draft(factory):
    d = factory.draft("open")
    ids = [t.article_id for t in d.current_version.texts]
    end_read()
    return d.slug, ids


@pytest.fixture
def token(factory):
    factory.user("staff", username="explain-staff")
    end_read()
    return {"Authorization": f"Bearer {issue_token(None, CLI, 'explain-staff')}"}


def url(slug: str, article_id: int) -> str:
    return f"/api/v1/admin/drafts/{slug}/articles/{article_id}"


def public_explanations(client, slug) -> list[str | None]:
    return [a["explanation"] for a in client.get(f"/api/v1/drafts/{slug}").get_json()["articles"]]


def error(resp, status, code) -> dict:
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()["error"]
    assert body["code"] == code and body["message"]
    return body


def test_the_public_draft_gives_every_article_its_explanation_or_null(client, draft):
    slug, ids = draft
    assert public_explanations(client, slug) == [None, None, None, None]
    explain_article(None, CLI, slug, ids[1], "第二条是说：本条例管本市的示例。")
    assert public_explanations(client, slug) == [None, "第二条是说：本条例管本市的示例。", None, None]


def test_staff_set_and_remove_an_explanation(client, draft, token):
    slug, ids = draft
    resp = client.patch(url(slug, ids[0]), json={"explanation": "<p>通俗的说明 & 例子</p>"}, headers=token)
    assert resp.status_code == 200
    answer = resp.get_json()
    assert (answer["id"], answer["label"], answer["explanation"]) == (ids[0], "第一条", "通俗的说明 & 例子")
    assert public_explanations(client, slug)[0] == "通俗的说明 & 例子"
    removed = client.patch(url(slug, ids[0]), json={"explanation": None}, headers=token)
    assert removed.status_code == 200 and removed.get_json()["explanation"] is None
    assert client.patch(url(slug, ids[0]), json={"explanation": ""}, headers=token).status_code == 200
    assert public_explanations(client, slug)[0] is None


def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(client, draft, token):
    slug, ids = draft
    too_long = client.patch(
        url(slug, ids[0]), json={"explanation": "长" * (EXPLANATION_MAX + 1)}, headers=token
    )
    assert str(EXPLANATION_MAX) in error(too_long, 400, "validation_error")["fields"]["explanation"]
    for body in (
        {},
        {"explanation": 3},
        {"explanation": "a\x00b"},
        {"explanation": "x", "label": "第九条"},
        ["x"],
    ):
        error(client.patch(url(slug, ids[0]), json=body, headers=token), 400, "validation_error")
    missing = client.patch(url(slug, ids[0]), json={}, headers=token)
    assert "explanation" in error(missing, 400, "validation_error")["fields"]
    unknown = client.patch(url(slug, ids[0]), json={"explanation": "x", "label": "第九条"}, headers=token)
    assert "label" in error(unknown, 400, "validation_error")["fields"]
    assert public_explanations(client, slug) == [None, None, None, None]


def test_unknown_drafts_and_articles_are_404(client, draft, token, factory):
    slug, ids = draft
    other = factory.draft()
    other_article = other.current_version.texts[0].article_id
    end_read()
    for path in (url("no-such-draft", ids[0]), url(slug, other_article), url(slug, 2**31 - 1)):
        error(client.patch(path, json={"explanation": "x"}, headers=token), 404, "not_found")


def test_who_may_call(app, client, draft, token, factory, login_as):
    slug, ids = draft
    body = {"explanation": "越权写的。"}
    error(client.patch(url(slug, ids[0]), json=body), 401, "unauthorized")
    error(
        client.patch(url(slug, ids[0]), json=body, headers={"Authorization": "Bearer cst_nope"}),
        401,
        "unauthorized",
    )
    factory.user("contact_point", username="explain-point")
    end_read()
    point = {"Authorization": f"Bearer {issue_token(None, CLI, 'explain-point')}"}
    error(client.patch(url(slug, ids[0]), json=body, headers=point), 403, "forbidden")
    # A session cookie needs the X-CSRFToken header for a write.
    staff = login_as("staff")
    error(staff.patch(url(slug, ids[0]), json=body), 400, "csrf_failed")
    assert public_explanations(client, slug)[0] is None
    csrf = csrf_token_from(staff.get("/").data)
    resp = staff.patch(
        url(slug, ids[0]), json={"explanation": "工作人员写的。"}, headers={"X-CSRFToken": csrf}
    )
    assert resp.status_code == 200
    assert public_explanations(client, slug)[0] == "工作人员写的。"


def test_a_revised_version_keeps_the_explanations_in_the_api(client, draft, token):
    slug, ids = draft
    client.patch(url(slug, ids[3]), json={"explanation": "施行日期的说明。"}, headers=token)
    end_read()
    add_version(
        None, CLI, slug, SAMPLE_TEXT.replace("第四条　本条例自", "第四条　新增。\n\n第五条　本条例自")
    )
    articles = client.get(f"/api/v1/drafts/{slug}").get_json()["articles"]
    assert [(a["label"], a["explanation"]) for a in articles][-2:] == [
        ("第四条", None),
        ("第五条", "施行日期的说明。"),
    ]
    assert articles[-1]["id"] == ids[3]
