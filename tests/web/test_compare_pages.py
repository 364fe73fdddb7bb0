"""The comparison table as a page (/drafts/<slug>/compare) and as JSON (/api/v1/drafts/<slug>/compare)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from consult.context import CLI
from consult.db import end_read
from consult.drafts.operations import add_version

V1 = """本市示例管理条例（草案）

第一章　总则

第一条　为了规范示例管理，制定本条例。

第二条　本条例适用于本市行政区域内的示例管理活动。

第三条　主管部门应当每年公布示例管理工作情况。

第二章　附则

第四条　本条例自2027年1月1日起施行。
"""
# 第二条 deleted and a new 第二条 in its place; 第三条 modified (with markup typed into the text); 第四条
# unchanged (one article left, one came, so it keeps its number).
V2 = """本市示例管理条例（修改稿）

第一章　总则

第一条　为了规范示例管理，制定本条例。

第二条　鼓励公民、法人和其他组织参与示例管理的监督。

第三条　主管部门应当每半年公布示例管理工作情况<script>alert(1)</script>。

第二章　附则

第四条　本条例自2027年1月1日起施行。
"""


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.data, "html.parser")


@pytest.fixture
def draft(factory):
    d = factory.draft(status="closed", text=V1)
    end_read()
    add_version(None, CLI, d.slug, V2, "修改稿")
    end_read()
    return d


def test_the_page_is_a_two_column_table_with_a_summary_line(client, draft):
    resp = client.get(f"/drafts/{draft.slug}/compare")
    assert resp.status_code == 200
    page = soup(resp)
    assert page.find("link", href=lambda h: h and h.endswith("css/compare.css"))
    heads = [th.get_text(" ", strip=True) for th in page.select(".compare-table thead th")]
    assert heads[0].startswith("修改前") and heads[1].startswith("修改后")
    assert "第1版" in heads[0] and "第2版（修改稿）" in heads[1]
    assert page.select_one(".compare-summary").get_text(strip=True) == "修改1条、新增1条、删除1条、未修改2条"
    kinds = [tr["class"][1] for tr in page.select(".compare-table tr.change")]
    assert kinds == ["row-unchanged", "row-removed", "row-added", "row-modified", "row-unchanged"]
    chapters = [tr.get_text(" ", strip=True) for tr in page.select(".compare-table tr.chapter-row")]
    assert chapters == ["第一章　总则 第一章　总则", "第二章　附则 第二章　附则"]


def test_changed_characters_are_marked_in_each_column_and_markup_in_the_text_is_escaped(client, draft):
    page = soup(client.get(f"/drafts/{draft.slug}/compare"))
    row = page.select_one(".compare-table tr.row-modified")
    old, new = row.select("td")
    assert old.select("del") == []  # only insertions: 每年 → 每半年, and the typed markup
    assert [i.get_text() for i in new.select("ins")] == ["半", "<script>alert(1)</script>"]
    assert not old.select("ins") and not new.select("del")
    assert new.select_one(".article-body").get_text() == (
        "第三条　主管部门应当每半年公布示例管理工作情况<script>alert(1)</script>。"
    )
    assert page.find("script", string=lambda s: s and "alert" in s) is None
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(f"/drafts/{draft.slug}/compare").data


def test_removed_and_added_articles_say_so(client, draft):
    page = soup(client.get(f"/drafts/{draft.slug}/compare"))
    removed = page.select_one("tr.row-removed")
    assert "本条例适用于本市行政区域内的示例管理活动" in removed.select("td")[0].get_text()
    assert "本条删除" in removed.select("td")[1].get_text()
    added = page.select_one("tr.row-added")
    assert added.select("td")[0].get_text(strip=True) == "（无）"
    assert "新增" in added.select("td")[1].get_text()


def test_unchanged_articles_can_be_hidden(client, draft):
    page = soup(client.get(f"/drafts/{draft.slug}/compare?changed=1"))
    kinds = [tr["class"][1] for tr in page.select(".compare-table tr.change")]
    assert kinds == ["row-removed", "row-added", "row-modified"]
    assert page.select_one("input[name=changed]").has_attr("checked")
    # The summary still counts every article.
    assert "未修改2条" in page.select_one(".compare-summary").get_text()


def test_the_pickers_offer_every_version_and_show_the_chosen_pair(client, draft):
    end_read()
    add_version(None, CLI, draft.slug, V2.replace("修改稿", "二次审议稿"), "二次审议稿")
    end_read()
    page = soup(client.get(f"/drafts/{draft.slug}/compare?from=1&to=3"))
    options = [o.get_text() for o in page.select("#compare-from option")]
    assert options == ["第1版", "第2版（修改稿）", "第3版（二次审议稿）"]
    assert page.select_one("#compare-from option[selected]")["value"] == "1"
    assert page.select_one("#compare-to option[selected]")["value"] == "3"
    assert page.select_one(".compare-summary").get_text(strip=True) == "修改1条、新增1条、删除1条、未修改2条"
    # Nothing changed between versions 2 and 3: the page says so instead of an empty table.
    page = soup(client.get(f"/drafts/{draft.slug}/compare?from=2&to=3&changed=1"))
    assert page.select_one(".compare-summary").get_text(strip=True) == "修改0条、新增0条、删除0条、未修改4条"
    assert page.select_one(".compare-table") is None
    assert "没有修改的条文" in page.select_one(".empty").get_text()


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("from=abc", "from", "必须是版本号"),
        ("from=9", "from", "本草案没有第9版"),
        ("to=0", "to", "必须是版本号"),
        ("from=2&to=2", "to", "两个不同的版本"),
    ],
)
def test_bad_version_numbers_give_a_chinese_message_on_the_page(client, draft, query, field, words):
    resp = client.get(f"/drafts/{draft.slug}/compare?{query}")
    assert resp.status_code == 400
    page = soup(resp)
    assert words in page.select_one("#compare-message").get_text()
    assert page.select_one(f"select[name={field}]")["aria-invalid"] == "true"
    assert page.select_one(".compare-table") is None
    assert page.title.get_text().startswith("错误：")  # a screen reader hears it first


@pytest.mark.parametrize(
    ("query", "field"), [("from=abc", "from"), ("from=9", "from"), ("to=-1", "to"), ("from=1&to=1", "to")]
)
def test_bad_version_numbers_are_validation_errors_in_json(client, draft, query, field):
    resp = client.get(f"/api/v1/drafts/{draft.slug}/compare?{query}")
    assert resp.status_code == 400
    assert resp.json["error"]["code"] == "validation_error"
    assert field in resp.json["error"]["fields"]


def test_the_json_follows_the_contract(client, draft):
    resp = client.get(f"/api/v1/drafts/{draft.slug}/compare")
    assert resp.status_code == 200
    body = resp.json
    assert (body["from"], body["to"]) == (1, 2)
    assert body["to_version"]["label"] == "修改稿"
    assert body["counts"] == {"modified": 1, "added": 1, "removed": 1, "unchanged": 2}
    kinds = [c["kind"] for c in body["changes"]]
    assert kinds == ["unchanged", "removed", "added", "modified", "unchanged"]
    for change in body["changes"]:
        assert {"kind", "old_label", "new_label", "old_text", "new_text", "article_id"} <= set(change)
    removed, added, modified = body["changes"][1], body["changes"][2], body["changes"][3]
    assert (removed["new_label"], removed["new_text"], removed["old_label"]) == (None, None, "第二条")
    assert (added["old_label"], added["old_text"], added["new_label"]) == (None, None, "第二条")
    assert removed["article_id"] != added["article_id"]
    assert modified["new_text"].endswith("<script>alert(1)</script>。")
    assert {"op": "insert", "text": "半"} in modified["diff"]
    assert body["changes"][0]["diff"] is None
    assert body["changes"][4]["new_chapter"] == "第二章　附则"


def test_a_draft_with_one_version_says_there_is_nothing_to_compare(client, factory):
    draft = factory.draft()
    resp = client.get(f"/drafts/{draft.slug}/compare")
    assert resp.status_code == 200
    page = soup(resp)
    assert "只有一个版本" in page.select_one("#compare-message").get_text()
    assert page.select_one(".compare-controls") is None
    resp = client.get(f"/api/v1/drafts/{draft.slug}/compare")
    assert resp.status_code == 400
    assert "只有一个版本" in resp.json["error"]["message"] and "from" in resp.json["error"]["fields"]


def test_only_from_the_current_version_compares_it_with_the_one_before(client, draft):
    resp = client.get(f"/api/v1/drafts/{draft.slug}/compare?from=2")
    assert resp.status_code == 200, resp.json
    assert (resp.json["from"], resp.json["to"]) == (1, 2)


def test_an_unpublished_draft_is_not_found(client, factory):
    draft = factory.draft(status="draft", text=V1)
    end_read()
    add_version(None, CLI, draft.slug, V2)
    end_read()
    resp = client.get(f"/drafts/{draft.slug}/compare")
    assert resp.status_code == 404
    assert "页面不存在" in soup(resp).get_text() or "草案不存在" in soup(resp).get_text()
    resp = client.get(f"/api/v1/drafts/{draft.slug}/compare")
    assert resp.status_code == 404
    assert resp.json["error"]["code"] == "not_found"
    assert client.get("/api/v1/drafts/no-such-draft/compare").status_code == 404


def test_the_stylesheet_prints_without_navigation_and_stacks_on_phones(client):
    css = client.get("/static/css/compare.css").data.decode()
    assert "@media print" in css and "table-header-group" in css and ".compare-controls" in css
    assert "max-width: 40em" in css  # 640 px at the default size; sooner with large text
