"""A table of contents in a pasted draft, through the command line and the JSON API: one parser result."""

from __future__ import annotations

import json

import pytest

from consult.auth.operations import issue_token
from consult.context import CLI
from consult.db import end_read
from tests.factories import SAMPLE_TEXT

# SAMPLE_TEXT with a table of contents (no 目录 line, page numbers) on lines 4 and 5.
CONTENTS = "第一章　总则……………………1\n第二章　管理……………………2\n\n"
TEXT_WITH_CONTENTS = SAMPLE_TEXT.replace("（征求意见稿）\n\n", "（征求意见稿）\n\n" + CONTENTS, 1)
NOTICE = "已识别第4行至第5行为目录，未作为正文。"


def test_drafts_parse_says_which_lines_were_read_as_contents(runner, tmp_path):
    path = tmp_path / "draft.txt"
    path.write_text(TEXT_WITH_CONTENTS, encoding="utf-8")
    result = runner.invoke(args=["drafts", "parse", str(path)])
    assert result.exit_code == 0, result.output
    assert "共 2 章，4 条。" in result.output
    assert f"提示：{NOTICE}" in result.output
    assert "错误" not in result.output


def test_drafts_parse_json_lists_the_notice(runner, tmp_path):
    path = tmp_path / "draft.txt"
    path.write_text(TEXT_WITH_CONTENTS, encoding="utf-8")
    result = runner.invoke(args=["drafts", "parse", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["errors"] == []
    assert data["notices"] == [{"line": 4, "message": NOTICE}]
    assert [c["line"] for c in data["chapters"]] == [7, 13]


def test_drafts_parse_still_fails_on_a_chapter_without_articles(runner, tmp_path):
    path = tmp_path / "draft.txt"
    empty_chapter = SAMPLE_TEXT.replace("第一章　总则\n", "第一章　总则\n第二章　管理\n", 1)
    path.write_text(empty_chapter, encoding="utf-8")
    result = runner.invoke(args=["drafts", "parse", str(path), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["notices"] == []
    assert {"line": 4, "message": "第4行：第一章　总则下没有任何条文。"} in data["errors"]


@pytest.fixture
def staff_headers(factory):
    user, _password = factory.user("staff", username="toc-staff")
    end_read()
    return {"Authorization": f"Bearer {issue_token(None, CLI, user.username)}"}


def test_the_api_creates_a_draft_from_a_text_with_contents(client, staff_headers):
    body = {
        "title": "本市示例管理条例（草案）",
        "slug": "toc-draft",
        "summary": "",
        "text": TEXT_WITH_CONTENTS,
        "opens_at": "2026-12-01T09:00:00+08:00",
        "closes_at": "2026-12-31T18:00:00+08:00",
    }
    resp = client.post("/api/v1/admin/drafts", json=body, headers=staff_headers)
    assert resp.status_code == 201, resp.json
    assert [a["label"] for a in resp.json["articles"]] == ["第一条", "第二条", "第三条", "第四条"]


def test_the_api_adds_a_version_from_a_text_with_contents(client, factory, staff_headers):
    draft = factory.draft()
    end_read()
    url = f"/api/v1/admin/drafts/{draft.slug}/versions"
    resp = client.post(url, json={"text": TEXT_WITH_CONTENTS}, headers=staff_headers)
    assert resp.status_code == 201, resp.json
    assert resp.json["version"]["number"] == 2
    assert len(resp.json["articles"]) == 4
