"""Draft authoring pages as parsed HTML: list, new draft with preview, settings, stages, revised versions."""

from __future__ import annotations

from datetime import datetime

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from consult.clock import as_utc, utcnow
from consult.db import end_read
from consult.extensions import db
from consult.models import AuditLog, Draft, DraftVersion
from tests.conftest import csrf_token_from
from tests.factories import SAMPLE_TEXT

NEW_TEXT = """本市城市书房条例（草案）
（征求意见稿）

第一章　总则

第一条　为了规范城市书房的建设和管理，制定本条例。

第二条　本条例适用于本市行政区域内的城市书房。

第二章　运营

第一节　开放

第三条　城市书房应当每周开放不少于五十六小时。
法定节假日照常开放。
"""
# Line 6 holds 第一条; line 14 holds 第三条.
BROKEN_TEXT = NEW_TEXT.replace("第三条", "第五条")
# A table of contents without a 目录 line, on lines 4 to 6, repeated below with the articles.
CONTENTS = "第一章　总则……………………1\n第二章　运营……………………2\n　第一节　开放……………………2\n\n"
TEXT_WITH_CONTENTS = NEW_TEXT.replace("（征求意见稿）\n\n", "（征求意见稿）\n\n" + CONTENTS, 1)
# 第一章 on line 4 has no article: 第二章 follows at once, and nothing repeats it below.
EMPTY_CHAPTER_TEXT = NEW_TEXT.replace("第一章　总则\n", "第一章　总则\n第二章　管理\n", 1)


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.data, "html.parser")


def textarea_value(el) -> str:
    """A textarea's value as a browser reads it: HTML drops one newline right after the start tag."""
    text = el.get_text()
    return text[1:] if text.startswith("\n") else text


def draft_count() -> int:
    end_read()
    n = db.session.scalar(select(func.count(Draft.id)))
    end_read()
    return n


def load(slug: str) -> Draft:
    """The draft as stored now (the session keeps objects after commit, so expire them first)."""
    end_read()
    db.session.expire_all()
    return db.session.scalar(select(Draft).where(Draft.slug == slug))


@pytest.fixture
def staff(login_as):
    c = login_as("staff")
    c.csrf = csrf_token_from(c.get("/admin/drafts").data)
    return c


def new_form(client, **fields):
    data = {
        "csrf_token": client.csrf,
        "title": "城市书房条例（草案）",
        "slug": "",
        "summary": "",
        "text": NEW_TEXT,
        "opens_at": "2026-12-01T09:00",
        "closes_at": "2026-12-31T18:00",
        "show_comments": "1",
        "action": "save",
        **fields,
    }
    return client.post("/admin/drafts/new", data={k: v for k, v in data.items() if v is not None})


# -- list --------------------------------------------------------------------------------------------


def test_the_list_shows_every_draft_with_stage_dates_version_and_links(staff, factory):
    hidden = factory.draft("draft", title="未发布的条例（草案）")
    open_ = factory.draft("open", title="正在征求意见的条例（草案）")
    page = soup(staff.get("/admin/drafts"))
    assert page.select_one("a.button.primary")["href"] == "/admin/drafts/new"
    rows = {row["data-slug"]: row for row in page.select("table.drafts-table tbody tr")}
    assert set(rows) == {hidden.slug, open_.slug}
    assert rows[hidden.slug].select_one(".stage")["data-status"] == "draft"
    assert "未发布" in rows[hidden.slug].select_one(".stage").get_text()
    assert rows[open_.slug].select_one(".stage")["data-status"] == "open"
    assert "第1版" in rows[open_.slug].select_one(".version").get_text()
    assert "4条" in rows[open_.slug].select_one(".version").get_text()
    assert "2026年11月24日" in rows[open_.slug].select_one(".dates").get_text()
    links = {a.get_text(strip=True): a["href"] for a in rows[open_.slug].select(".links a")}
    assert links == {
        "设置": f"/admin/drafts/{open_.slug}",
        "修改稿": f"/admin/drafts/{open_.slug}/versions/new",
        "公开页面": f"/drafts/{open_.slug}",
        "采纳情况反馈": f"/admin/drafts/{open_.slug}/feedback",
    }
    assert "公开页面" not in rows[hidden.slug].select_one(".links").get_text()


def test_the_list_says_when_there_is_no_draft(staff):
    assert "还没有草案" in soup(staff.get("/admin/drafts")).select_one(".empty").get_text()


# -- a new draft -------------------------------------------------------------------------------------


def test_the_new_form_has_its_fields_defaults_and_the_html_hint(staff):
    page = soup(staff.get("/admin/drafts/new"))
    form = page.select_one("form.draft-form")
    assert form.select_one("input[name=show_comments]").has_attr("checked")
    assert not form.select_one("input[name=publish]").has_attr("checked")
    assert form.select_one("input[name=opens_at]")["type"] == "datetime-local"
    assert "strong" in page.select_one("#summary-hint").get_text()
    assert "拼音" in page.select_one("#slug-hint").get_text()
    buttons = [(b["value"], b.get_text(strip=True)) for b in form.select("button[name=action]")]
    assert buttons == [("preview", "预览"), ("save", "保存")]


def test_preview_shows_parse_errors_with_line_numbers_keeps_input_and_saves_nothing(staff):
    resp = new_form(staff, text=BROKEN_TEXT, action="preview", summary="<p>说明</p>", show_comments=None)
    page = soup(resp)
    assert resp.status_code == 200
    issues = page.select(".parse-issues li")
    assert [li["data-line"] for li in issues] == ["14"]
    assert "第14行" in issues[0].get_text() and "第五条" in issues[0].select_one(".source-line").get_text()
    assert page.select_one(".preview-bad") is not None
    assert textarea_value(page.select_one("textarea[name=text]")) == BROKEN_TEXT
    assert textarea_value(page.select_one("textarea[name=summary]")) == "<p>说明</p>"
    assert page.select_one("input[name=title]")["value"] == "城市书房条例（草案）"
    assert page.select_one("input[name=opens_at]")["value"] == "2026-12-01T09:00"
    assert not page.select_one("input[name=show_comments]").has_attr("checked")
    assert page.select_one("#f-text")["aria-invalid"] == "true"
    assert draft_count() == 0


def test_preview_shows_the_structure_and_the_generated_slug(staff):
    page = soup(new_form(staff, action="preview", summary="<p>为什么</p><script>x()</script>"))
    assert page.select_one(".preview-ok") is not None
    assert page.select_one(".preview-slug").get_text() == "chengshi-shufang-tiaoli-caoan"
    assert [h.get_text() for h in page.select(".outline-chapter")] == ["第一章　总则", "第二章　运营"]
    assert [h.get_text() for h in page.select(".outline-section")] == ["第一节　开放"]
    items = [li.get_text(" ", strip=True) for li in page.select(".outline-articles li")]
    assert items[0] == "第一条 为了规范城市书房的建设和管理，制定本条例。"
    assert items[2] == "第三条 城市书房应当每周开放不少于五十六小时。"  # first line only
    assert page.select_one(".preview .rich").decode_contents() == "<p>为什么</p>"
    assert draft_count() == 0


def test_preview_names_the_table_of_contents_it_left_out(staff):
    page = soup(new_form(staff, text=TEXT_WITH_CONTENTS, action="preview"))
    assert page.select_one(".preview-ok") is not None and page.select(".parse-issues li") == []
    notices = page.select(".preview .parse-notice")
    assert [(p["data-line"], p.get_text(strip=True)) for p in notices] == [
        ("4", "已识别第4行至第6行为目录，未作为正文。")
    ]
    assert [h.get_text() for h in page.select(".outline-chapter")] == ["第一章　总则", "第二章　运营"]
    assert len(page.select(".outline-articles li")) == 3
    assert draft_count() == 0


def test_saving_a_text_with_a_table_of_contents_keeps_only_the_body(staff):
    resp = new_form(staff, text=TEXT_WITH_CONTENTS, slug="with-contents")
    assert resp.status_code == 303
    texts = load("with-contents").current_version.texts
    assert [(t.label, t.chapter, t.section) for t in texts] == [
        ("第一条", "第一章　总则", None),
        ("第二条", "第一章　总则", None),
        ("第三条", "第二章　运营", "第一节　开放"),
    ]


def test_a_chapter_without_articles_is_an_issue_not_a_table_of_contents(staff):
    page = soup(new_form(staff, text=EMPTY_CHAPTER_TEXT, action="preview"))
    assert page.select_one(".preview-bad") is not None
    assert page.select(".parse-notice") == []
    issues = page.select(".parse-issues li")
    assert issues[0]["data-line"] == "4"
    assert "第一章　总则下没有任何条文" in issues[0].select_one(".message").get_text()
    assert draft_count() == 0


def test_preview_lists_field_problems_too(staff, factory):
    factory.draft(slug="taken")
    page = soup(new_form(staff, action="preview", title="", slug="taken", closes_at="2026-11-30T09:00"))
    assert page.select_one("#title-error") is not None
    assert "已被使用" in page.select_one("#slug-error").get_text()
    assert "晚于" in page.select_one("#closes_at-error").get_text()
    page = soup(new_form(staff, action="preview", opens_at="下周一"))
    assert "格式" in page.select_one("#opens_at-error").get_text()
    assert page.select_one(".preview-bad") is not None and page.select_one(".preview-ok") is None


def test_saving_creates_the_draft_with_a_pinyin_slug(staff):
    resp = new_form(
        staff, summary="<p>起草背景</p><script>alert(1)</script>", publish="1", show_comments=None
    )
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/admin/drafts/chengshi-shufang-tiaoli-caoan"
    draft = load("chengshi-shufang-tiaoli-caoan")
    assert draft.title == "城市书房条例（草案）"
    assert draft.summary == "<p>起草背景</p>"
    assert (
        draft.opens_at == as_utc(datetime(2026, 12, 1, 9, 0)) == datetime.fromisoformat("2026-12-01T01:00Z")
    )
    assert draft.closes_at == as_utc(datetime(2026, 12, 31, 18, 0))
    assert draft.published_at is not None and draft.show_comments is False
    assert [t.label for t in draft.current_version.texts] == ["第一条", "第二条", "第三条"]
    page = soup(staff.get(resp.headers["Location"]))
    assert "已创建草案" in page.select_one(".flash").get_text()
    end_read()
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "draft.create"))


def test_a_second_draft_with_the_same_title_gets_a_numbered_slug(staff):
    assert new_form(staff).status_code == 303
    resp = new_form(staff)
    assert resp.headers["Location"] == "/admin/drafts/chengshi-shufang-tiaoli-caoan-2"


def test_a_given_slug_is_used_and_an_unpublished_draft_stays_hidden(staff):
    resp = new_form(staff, slug="shufang")
    assert resp.headers["Location"] == "/admin/drafts/shufang"
    assert load("shufang").published_at is None
    assert staff.get("/drafts/shufang").status_code == 404


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"closes_at": "2026-11-30T09:00"}, "closes_at", "晚于"),
        ({"opens_at": "明天上午"}, "opens_at", "格式"),
        ({"title": "   "}, "title", "标题"),
        ({"slug": "Bad Slug!"}, "slug", "小写字母"),
        ({"text": ""}, "text", "不能为空"),
        ({"text": BROKEN_TEXT}, "text", "1处问题"),
    ],
)
def test_save_errors_keep_the_input(staff, fields, field, words):
    resp = new_form(staff, summary="说明文字", **fields)
    page = soup(resp)
    assert resp.status_code == 400
    assert words in page.select_one(f"#{field}-error").get_text()
    assert page.select_one("#form-message") is not None
    assert textarea_value(page.select_one("textarea[name=summary]")) == "说明文字"
    assert textarea_value(page.select_one("textarea[name=text]")) == fields.get("text", NEW_TEXT)
    assert draft_count() == 0


def test_saving_with_parse_errors_lists_them_with_line_numbers(staff):
    page = soup(new_form(staff, text=BROKEN_TEXT))
    assert [li["data-line"] for li in page.select(".parse-issues li")] == ["14"]
    assert "第14行" in page.select_one(".parse-issues").get_text()


def test_a_taken_slug_is_a_conflict_with_the_input_kept(staff, factory):
    factory.draft(slug="taken")
    resp = new_form(staff, slug="taken")
    assert resp.status_code == 409
    assert "已被使用" in soup(resp).select_one("#slug-error").get_text()
    assert soup(resp).select_one("input[name=slug]")["value"] == "taken"


def test_an_expired_page_keeps_the_pasted_text(staff):
    resp = new_form(staff, csrf_token="expired")
    page = soup(resp)
    assert resp.status_code == 400
    assert "已保留" in page.select_one("#form-message").get_text()
    assert textarea_value(page.select_one("textarea[name=text]")) == NEW_TEXT
    assert draft_count() == 0


def test_browser_line_endings_are_normalised(staff):
    assert new_form(staff, text=NEW_TEXT.replace("\n", "\r\n")).status_code == 303
    assert "\r" not in load("chengshi-shufang-tiaoli-caoan").current_version.source_text


# -- settings ----------------------------------------------------------------------------------------


def settings_form(client, draft, version, **fields):
    data = {
        "csrf_token": client.csrf,
        "version": str(version),
        "title": draft.title,
        "summary": draft.summary,
        "opens_at": "2026-11-20T09:00",
        "closes_at": "2026-12-20T18:00",
        "show_comments": "1",
        **fields,
    }
    return client.post(f"/admin/drafts/{draft.slug}", data={k: v for k, v in data.items() if v is not None})


def test_the_settings_page_shows_the_draft_form_and_versions(staff, factory):
    draft = factory.draft("upcoming")
    page = soup(staff.get(f"/admin/drafts/{draft.slug}"))
    assert page.select_one("h1").get_text() == draft.title
    form = page.select_one("form.draft-form")
    assert form.select_one("input[name=version]")["value"] == str(load(draft.slug).version)
    assert form.select_one("input[name=opens_at]")["value"] == "2026-11-30T10:00"
    assert form.select_one("input[name=show_comments]").has_attr("checked")
    assert [a["data-stage"] for a in page.select(".stage-actions a")] == ["open-now"]
    assert "第1版" in page.select_one(".versions-table").get_text()


def test_settings_are_saved(staff, factory):
    draft = factory.draft("open")
    version = load(draft.slug).version
    resp = settings_form(
        staff, draft, version, title="新标题（草案）", summary="<p>新说明</p><img src=x>", show_comments=None
    )
    assert resp.status_code == 303 and resp.headers["Location"] == f"/admin/drafts/{draft.slug}"
    saved = load(draft.slug)
    assert saved.title == "新标题（草案）" and saved.summary == "<p>新说明</p>"
    assert saved.show_comments is False
    assert saved.opens_at == as_utc(datetime(2026, 11, 20, 9, 0))
    assert saved.closes_at == as_utc(datetime(2026, 12, 20, 18, 0))
    assert "已保存" in soup(staff.get(resp.headers["Location"])).select_one(".flash").get_text()


def test_settings_errors_keep_the_input(staff, factory):
    draft = factory.draft("open")
    version = load(draft.slug).version
    resp = settings_form(staff, draft, version, closes_at="2026-11-01T09:00", summary="我的修改")
    page = soup(resp)
    assert resp.status_code == 400
    assert "晚于" in page.select_one("#closes_at-error").get_text()
    assert textarea_value(page.select_one("textarea[name=summary]")) == "我的修改"
    assert load(draft.slug).summary == "起草说明。"


def test_a_settings_conflict_keeps_the_input_and_a_second_save_wins(staff, login_as, factory):
    draft = factory.draft("open")
    version = load(draft.slug).version
    other = login_as("staff")
    other.csrf = csrf_token_from(other.get("/admin/drafts").data)
    assert settings_form(other, draft, version, title="同事的标题").status_code == 303
    resp = settings_form(staff, draft, version, title="我的标题")
    page = soup(resp)
    assert resp.status_code == 409
    assert "其他工作人员修改" in page.select_one("#form-message").get_text()
    assert page.select_one("input[name=title]")["value"] == "我的标题"
    assert "同事的标题" in page.select_one(".conflict-saved").get_text()
    new_version = page.select_one("input[name=version]")["value"]
    assert new_version == str(load(draft.slug).version) != str(version)
    assert load(draft.slug).title == "同事的标题"
    assert settings_form(staff, draft, new_version, title="我的标题").status_code == 303
    assert load(draft.slug).title == "我的标题"


# -- stages ------------------------------------------------------------------------------------------


def stage(client, slug, name, version, confirm="1"):
    data = {"csrf_token": client.csrf, "version": str(version), "confirm": confirm}
    return client.post(f"/admin/drafts/{slug}/stage/{name}", data=data)


def test_open_now_opens_an_upcoming_draft_after_confirmation(staff, factory):
    draft = factory.draft("upcoming")
    page = soup(staff.get(f"/admin/drafts/{draft.slug}/stage/open-now"))
    assert "立即开始征求意见" in page.select_one("h1").get_text()
    assert "2026年11月27日 10:00" in page.select_one(".consequences").get_text()
    form = page.select_one("form.form-actions")
    assert form["action"] == f"/admin/drafts/{draft.slug}/stage/open-now"
    assert form.select_one("input[name=confirm]")["value"] == "1"
    resp = stage(staff, draft.slug, "open-now", form.select_one("input[name=version]")["value"])
    assert resp.status_code == 303
    saved = load(draft.slug)
    assert saved.opens_at == utcnow() and saved.status == "open"
    assert "已开始征求意见" in soup(staff.get(resp.headers["Location"])).select_one(".flash").get_text()


def test_close_now_closes_an_open_draft(staff, factory):
    draft = factory.draft("open")
    assert stage(staff, draft.slug, "close-now", load(draft.slug).version).status_code == 303
    saved = load(draft.slug)
    assert saved.closes_at == utcnow() and saved.status == "closed"


def test_publish_makes_a_draft_public(staff, factory):
    draft = factory.draft("draft")
    page = soup(staff.get(f"/admin/drafts/{draft.slug}"))
    assert [a["data-stage"] for a in page.select(".stage-actions a")] == ["publish", "close-now"]
    assert stage(staff, draft.slug, "publish", load(draft.slug).version).status_code == 303
    assert load(draft.slug).published_at == utcnow()
    assert staff.get(f"/drafts/{draft.slug}").status_code == 200


def test_a_stage_change_needs_the_confirmation_and_the_current_version(staff, factory):
    draft = factory.draft("open")
    version = load(draft.slug).version
    resp = stage(staff, draft.slug, "close-now", version, confirm="")
    assert resp.headers["Location"] == f"/admin/drafts/{draft.slug}/stage/close-now"
    assert "请先" in soup(staff.get(resp.headers["Location"])).select_one(".flash-error").get_text()
    assert load(draft.slug).status == "open"
    assert stage(staff, draft.slug, "close-now", version - 1).status_code == 303
    assert load(draft.slug).status == "open"
    flash = soup(staff.get(f"/admin/drafts/{draft.slug}")).select_one(".flash-error").get_text()
    assert "其他工作人员修改" in flash


def test_a_stage_that_does_not_apply_is_refused(staff, factory, clock):
    draft = factory.draft("closed")
    page = soup(staff.get(f"/admin/drafts/{draft.slug}/stage/close-now"))
    assert page.select_one(".form-error") is not None and page.select_one("form.form-actions") is None
    closes_at = load(draft.slug).closes_at
    stage(staff, draft.slug, "close-now", load(draft.slug).version)
    assert load(draft.slug).closes_at == closes_at
    assert "不能进行" in soup(staff.get(f"/admin/drafts/{draft.slug}")).select_one(".flash-error").get_text()
    assert staff.get(f"/admin/drafts/{draft.slug}/stage/unknown").status_code == 404
    assert staff.get("/admin/drafts/no-such-draft").status_code == 404


# -- revised versions --------------------------------------------------------------------------------

REVISED = (
    SAMPLE_TEXT.replace(
        "第四条　本条例自2027年1月1日起施行。",
        "第四条　主管部门应当公开办事指南。\n\n第五条　本条例自2027年1月1日起施行。",
    )
    .replace("第二条　本条例适用于本市行政区域内的示例管理活动。\n", "")
    .replace("第三条　主管部门", "第二条　主管部门")
    .replace("第四条　主管部门应当公开", "第三条　主管部门应当公开")
    .replace("第五条　本条例自", "第四条　本条例自")
    .replace("制定本条例。", "制定本条例。本条例所称示例管理，是指示例活动的管理。")
)


def version_form(client, slug, text, action="preview", **extra):
    data = {"csrf_token": client.csrf, "label": "修改稿", "text": text, "action": action, **extra}
    return client.post(f"/admin/drafts/{slug}/versions/new", data=data)


def matches_from(page) -> dict[str, str]:
    """The preview's hidden fields and selected matches, as the browser would submit them."""
    data = {el["name"]: el["value"] for el in page.select("#version-form input[type=hidden]")}
    for select_ in page.select("table.matches select"):
        chosen = select_.select_one("option[selected]")
        data[select_["name"]] = chosen["value"]
    return data


def ids_of(slug: str) -> list[int]:
    return [t.article_id for t in load(slug).current_version.texts]


def test_the_version_form_starts_from_the_current_text(staff, factory):
    draft = factory.draft()
    page = soup(staff.get(f"/admin/drafts/{draft.slug}/versions/new"))
    assert textarea_value(page.select_one("textarea[name=text]")) == SAMPLE_TEXT
    assert page.select_one("input[name=label]")["value"] == "修改稿"
    assert page.select_one("button[value=save]") is None


def test_the_version_preview_shows_the_automatic_matching(staff, factory):
    draft = factory.draft()
    old = ids_of(draft.slug)
    page = soup(version_form(staff, draft.slug, REVISED))
    rows = page.select("tr.match-row")
    assert [row["data-kind"] for row in rows] == ["modified", "renumbered", "new", "unchanged"]
    chosen = [row.select_one("option[selected]")["value"] for row in rows]
    assert chosen == [str(old[0]), str(old[2]), "new", str(old[3])]
    assert "原第三条" in rows[1].select_one(".kind").get_text()
    assert "相似度" in rows[0].select_one(".kind").get_text()
    deleted = page.select(".deleted-articles li")
    assert [li["data-article"] for li in deleted] == [str(old[1])]
    assert "第二条" in deleted[0].get_text()
    assert "新增1条" in page.select_one(".match-summary").get_text()
    assert ids_of(draft.slug) == old  # nothing saved


def test_saving_a_version_uses_the_staff_correction(staff, factory):
    draft = factory.draft()
    old = ids_of(draft.slug)
    page = soup(version_form(staff, draft.slug, REVISED))
    data = matches_from(page)
    # Staff decide the new 第三条 continues the deleted 第二条 (e.g. it was rewritten).
    data["match-2"] = str(old[1])
    resp = version_form(staff, draft.slug, REVISED, action="save", **data)
    assert resp.status_code == 303 and resp.headers["Location"] == f"/admin/drafts/{draft.slug}"
    assert ids_of(draft.slug) == [old[0], old[2], old[1], old[3]]
    saved = load(draft.slug)
    assert saved.current_version.number == 2 and saved.current_version.label == "修改稿"
    assert "已保存第2版" in soup(staff.get(resp.headers["Location"])).select_one(".flash").get_text()


def test_a_corrected_preview_keeps_the_choices_and_reports_duplicates(staff, factory):
    draft = factory.draft()
    old = ids_of(draft.slug)
    data = matches_from(soup(version_form(staff, draft.slug, REVISED)))
    data["match-2"] = str(old[0])  # the same old article twice
    page = soup(version_form(staff, draft.slug, REVISED, **data))
    row = page.select("tr.match-row")[2]
    assert row.select_one("option[selected]")["value"] == str(old[0])
    assert "只能对应一条" in row.select_one(".field-error").get_text()
    assert "已人工调整" in row.get_text()
    resp = version_form(staff, draft.slug, REVISED, action="save", **data)
    assert resp.status_code == 400
    assert "只能对应一条" in soup(resp).select("tr.match-row")[2].select_one(".field-error").get_text()
    assert load(draft.slug).current_version.number == 1


def test_saving_needs_a_preview_of_this_very_text(staff, factory):
    draft = factory.draft()
    resp = version_form(staff, draft.slug, REVISED, action="save")
    page = soup(resp)
    assert "请先核对" in page.select_one("#form-message").get_text()
    assert page.select("tr.match-row") and load(draft.slug).current_version.number == 1
    data = matches_from(page)
    edited = REVISED.replace("办事指南", "办事指南和服务标准")
    page = soup(version_form(staff, draft.slug, edited, action="save", **data))
    assert "请先核对" in page.select_one("#form-message").get_text()
    assert load(draft.slug).current_version.number == 1


def test_a_revised_text_with_parse_errors_shows_them_with_lines(staff, factory):
    draft = factory.draft()
    page = soup(version_form(staff, draft.slug, SAMPLE_TEXT.replace("第四条", "第九条")))
    assert [li["data-line"] for li in page.select(".parse-issues li")] == ["15"]
    assert page.select("tr.match-row") == [] and page.select_one("button[value=save]") is None
    assert textarea_value(page.select_one("textarea[name=text]")) == SAMPLE_TEXT.replace("第四条", "第九条")


def test_the_version_preview_names_the_table_of_contents_it_left_out(staff, factory):
    draft = factory.draft()
    old = ids_of(draft.slug)
    toc = "目　　录\n第一章　总则\n第二章　管理\n\n"
    text = SAMPLE_TEXT.replace("（征求意见稿）\n\n", "（征求意见稿）\n\n" + toc, 1)
    page = soup(version_form(staff, draft.slug, text))
    notices = page.select(".preview .parse-notice")
    assert [(p["data-line"], p.get_text(strip=True)) for p in notices] == [
        ("4", "已识别第4行至第6行为目录，未作为正文。")
    ]
    assert page.select(".parse-issues li") == []
    rows = page.select("tr.match-row")
    assert [row["data-kind"] for row in rows] == ["unchanged"] * 4
    assert ids_of(draft.slug) == old  # nothing saved


def test_an_expired_version_page_keeps_the_text(staff, factory):
    draft = factory.draft()
    resp = version_form(staff, draft.slug, REVISED, csrf_token="expired")
    assert resp.status_code == 400
    assert textarea_value(soup(resp).select_one("textarea[name=text]")) == REVISED
    end_read()
    assert db.session.scalar(select(func.count(DraftVersion.id))) == 1


# -- who may ------------------------------------------------------------------------------------------


def urls(slug: str) -> list[tuple[str, str]]:
    return [
        ("GET", "/admin/drafts"),
        ("GET", "/admin/drafts/new"),
        ("POST", "/admin/drafts/new"),
        ("GET", f"/admin/drafts/{slug}"),
        ("POST", f"/admin/drafts/{slug}"),
        ("GET", f"/admin/drafts/{slug}/stage/close-now"),
        ("POST", f"/admin/drafts/{slug}/stage/close-now"),
        ("GET", f"/admin/drafts/{slug}/versions/new"),
        ("POST", f"/admin/drafts/{slug}/versions/new"),
    ]


def test_contact_points_and_anonymous_visitors_are_refused(app, login_as, factory):
    draft = factory.draft("open")
    closes_at = load(draft.slug).closes_at
    point = login_as("contact_point")
    anonymous = app.test_client()
    tokens = {
        point: csrf_token_from(point.get("/").data),
        anonymous: csrf_token_from(anonymous.get("/").data),
    }
    for method, url in urls(draft.slug):
        data = {"confirm": "1", "title": "x", "text": SAMPLE_TEXT, "action": "save"}
        assert (
            point.open(url, method=method, data={**data, "csrf_token": tokens[point]}).status_code == 403
        ), url
        resp = anonymous.open(url, method=method, data={**data, "csrf_token": tokens[anonymous]})
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], url
    assert load(draft.slug).closes_at == closes_at and draft_count() == 1


def test_admins_may_author_drafts(login_as):
    admin = login_as("admin")
    admin.csrf = csrf_token_from(admin.get("/admin/drafts").data)
    assert new_form(admin).status_code == 303


def test_the_staff_nav_links_to_the_drafts(staff):
    nav = soup(staff.get("/admin/")).select_one(".site-nav")
    assert "/admin/drafts" in [a["href"] for a in nav.select("a")]


def test_every_stage_change_is_audited(staff, factory):
    draft = factory.draft("upcoming")
    stage(staff, draft.slug, "open-now", load(draft.slug).version)
    end_read()
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "draft.update")).all()[-1]
    assert entry.details["changed"] == ["opens_at"] and entry.actor_name == staff.user.username


def test_close_now_takes_the_time_from_the_injected_clock(staff, factory, clock):
    draft = factory.draft("open")
    clock.advance(days=1)
    assert stage(staff, draft.slug, "close-now", load(draft.slug).version).status_code == 303
    assert load(draft.slug).closes_at == as_utc(datetime(2026, 11, 28, 10))


def test_generated_slugs_read_as_pinyin_words():
    from consult.drafts.operations import slug_from_title

    assert slug_from_title("城市书房条例（草案）") == "chengshi-shufang-tiaoli-caoan"
    assert slug_from_title("ABC 条例 2026") == "abc-tiaoli-2026"
    assert slug_from_title("（）") == "draft"
    assert len(slug_from_title("城市书房" * 100)) <= 120


def test_a_refused_draft_form_titles_itself_as_an_error(staff):
    fine = BeautifulSoup(staff.get("/admin/drafts/new").data, "html.parser")
    assert not fine.title.get_text().startswith("错误")
    resp = new_form(staff, title="", closes_at="2026-11-01T18:00")
    assert resp.status_code == 400
    page = BeautifulSoup(resp.data, "html.parser")
    assert page.title.get_text().startswith("错误：")
    assert page.select_one("#form-message") is not None  # what refused.js brings into view
    assert page.select_one("script[src*='refused.js']") is not None
