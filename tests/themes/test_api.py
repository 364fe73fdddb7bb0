"""The themes and summary endpoints (CONTRACT.md, "Groups and themes (staff)"): their answers checked
against the OpenAPI description (schemathesis), the Word document, and who may call them."""

from __future__ import annotations

import io
from collections import defaultdict

import pytest
from docx import Document

from tests.api.test_openapi import check, served_operations, staff_credentials

SLUG = "themed-draft"
THEMES = "GET /api/v1/admin/drafts/{slug}/themes"
SUMMARY = "GET /api/v1/admin/drafts/{slug}/summary"


def test_themes_and_summary_answer_as_the_contract_says(app, themed):
    draft, ids = themed
    credentials = staff_credentials(app)
    operations = served_operations(app)
    statuses: dict[str, list[int]] = defaultdict(list)

    def call(label, arguments, who="token"):
        return check(operations[label].Case(**arguments), statuses, **credentials[who])

    slug = {"path_parameters": {"slug": SLUG}}
    themes = call(THEMES, slug).json()["themes"]
    assert {frozenset(t["comment_ids"]) for t in themes} >= {
        frozenset(ids["hours"]),
        frozenset(ids["deposit"]),
    }
    first = themes[0]
    assert set(first) >= {"id", "label", "keywords", "comment_ids"} and first["keywords"]
    article_id = draft.current_version.texts[0].article_id
    assert {t["article_id"] for t in themes} == {article_id}
    only = call(THEMES, {**slug, "query": {"article_id": article_id + 1}}).json()["themes"]
    assert only == []

    summary = call(SUMMARY, slug, who="cookie").json()  # a read: the session cookie needs no CSRF header
    assert summary["status"] == "draft" and summary["signed_off_by"] is None
    section = summary["sections"][0]
    assert section["label"] == "第一条" and section["comments"] == 10 and section["opinions"] == 10
    assert section["channels"] == [{"channel": "web", "label": "网站", "comments": 10}]
    quoted = {q["comment_id"] for t in section["themes"] for q in t["quotations"]}
    assert quoted and quoted <= set(ids["hours"] + ids["deposit"] + ids["kids"])
    assert summary["sections"][-1]["article_id"] is None

    call(SUMMARY, {**slug, "query": {"format": "docx"}})  # described as the document says
    docx = app.test_client().get(f"/api/v1/admin/drafts/{SLUG}/summary?format=docx", **credentials["token"])
    assert docx.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in docx.headers["Content-Disposition"] and "no-store" in docx.headers["Cache-Control"]
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.data)).paragraphs)
    assert "意见汇总（草稿）" in text

    assert call(SUMMARY, {**slug, "query": {"format": "pdf"}}).status_code == 400
    assert call(THEMES, {**slug, "query": {"article_id": 0}}).status_code == 400
    assert call(SUMMARY, {"path_parameters": {"slug": "no-such-draft"}}).status_code == 404


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("nobody", 401, "unauthorized"),
        ("contact point", 403, "forbidden"),
        ("unknown token", 401, "unauthorized"),
    ],
)
def test_only_staff_may_read_themes_and_the_summary(app, themed, who, status, code):
    credentials = staff_credentials(app)
    client = app.test_client()
    for path in (f"/api/v1/admin/drafts/{SLUG}/themes", f"/api/v1/admin/drafts/{SLUG}/summary?format=docx"):
        response = client.get(path, **credentials[who])
        assert response.status_code == status, path
        assert response.json["error"]["code"] == code
