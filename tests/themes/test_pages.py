"""The staff pages: themes per article (rename, merge with confirmation, move, recompute) and the drafted
summary (edit a section, sign off, download); only staff; linked from the staff overview."""

from __future__ import annotations

import io

import pytest
from bs4 import BeautifulSoup
from docx import Document

from consult.db import end_read
from consult.themes.queries import themes_of_draft
from tests.conftest import csrf_token_from

SLUG = "themed-draft"
THEMES = f"/admin/review/{SLUG}/themes"
SUMMARY = f"/admin/review/{SLUG}/summary"


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.data, "html.parser")


def themes(draft_id):
    end_read()
    return themes_of_draft(draft_id)


def theme_of(draft_id, comment_id):
    return next((t for t in themes(draft_id) if comment_id in t.comment_ids), None)


def post(client, url, page, **data):
    token = csrf_token_from(client.get(page).data)
    return client.post(url, data={"csrf_token": token, **data})


@pytest.fixture
def staff(login_as):
    return login_as("staff")


def test_the_themes_page_lists_each_articles_themes_with_counts_and_keywords(staff, themed):
    draft, ids = themed
    resp = staff.get(THEMES)
    assert resp.status_code == 200
    page = soup(resp)
    section = page.find("section", id=f"article-{draft.current_version.texts[0].article_id}")
    assert section.h2.get_text() == "第一条"
    rows = section.select("table.themes-table tbody tr")
    assert len(rows) == 3
    hours = theme_of(draft.id, ids["hours"][0])
    row = section.find("tr", id=f"theme-{hours.id}")
    assert row.th.get_text(strip=True) == hours.label
    assert [td.get_text(strip=True) for td in row.find_all("td")][:3] == ["、".join(hours.keywords), "4", "4"]
    assert all(f.find("input", {"name": "csrf_token"}) for f in page.find_all("form"))
    assert section.find("a", string=lambda s: s and "其他意见1条" in s)


def test_rename_on_the_page_and_a_refused_name_says_why(staff, themed):
    draft, ids = themed
    hours = theme_of(draft.id, ids["hours"][0])
    resp = post(staff, f"{THEMES}/{hours.id}/rename", THEMES, label="开放时间")
    assert resp.status_code == 303
    assert theme_of(draft.id, ids["hours"][0]).label == "开放时间"
    refused = post(staff, f"{THEMES}/{hours.id}/rename", THEMES, label="长" * 61)
    assert refused.status_code == 400
    assert soup(refused).find(id=f"label-{hours.id}-error").get_text() == "主题名称不能超过60个字"


def test_a_merge_needs_its_confirmation(staff, themed):
    draft, ids = themed
    deposit, kids = theme_of(draft.id, ids["deposit"][0]), theme_of(draft.id, ids["kids"][0])
    data = {"target": deposit.id, "sources": [kids.id], "scope": str(deposit.article_id)}
    refused = post(staff, f"{THEMES}/merge", THEMES, **data)
    assert refused.status_code == 400 and "请勾选确认框后再合并" in refused.text
    assert theme_of(draft.id, ids["kids"][0]).id == kids.id
    assert post(staff, f"{THEMES}/merge", THEMES, confirm="1", **data).status_code == 303
    assert theme_of(draft.id, ids["kids"][0]).id == deposit.id


def test_move_a_comment_from_a_themes_page_and_from_the_other_comments(staff, themed):
    draft, ids = themed
    hours, deposit = theme_of(draft.id, ids["hours"][0]), theme_of(draft.id, ids["deposit"][0])
    page_url = f"{THEMES}/{hours.id}"
    page = soup(staff.get(page_url))
    assert page.h1.get_text() == hours.label
    assert len(page.select("ol.theme-members > li")) == 4
    options = [o["value"] for o in page.find(id=f"move-{ids['hours'][0]}").find_all("option")]
    assert str(deposit.id) in options and "" in options and str(hours.id) not in options
    resp = post(
        staff, f"{THEMES}/move", page_url, comment_id=ids["hours"][0], theme_id=deposit.id, back=page_url
    )
    assert resp.status_code == 303 and resp.headers["Location"].endswith(page_url)
    assert theme_of(draft.id, ids["hours"][0]).id == deposit.id
    article_id = draft.current_version.texts[0].article_id
    other_url = f"{THEMES}/other?article_id={article_id}"
    other = soup(staff.get(other_url))
    assert [li["id"] for li in other.select("ol.theme-members > li")] == [f"comment-{ids['other'][0]}"]
    post(staff, f"{THEMES}/move", other_url, comment_id=ids["other"][0], theme_id=hours.id, back=other_url)
    assert theme_of(draft.id, ids["other"][0]).id == hours.id
    wrong = post(
        staff,
        f"{THEMES}/move",
        page_url,
        comment_id=ids["general"][0],
        theme_id=hours.id,
        from_theme=hours.id,
    )
    assert wrong.status_code == 400 and soup(wrong).find(class_="form-error")


def test_recompute_from_the_page(app, staff, themed, factory):
    from consult.search.background import wait_for_background

    app.config["THEME_JOBS_INLINE"] = True  # the job in a thread of this process (more: test_jobs.py)
    draft, _ids = themed
    factory.comment(draft, "借书押金可以降低到五十元。", status="published", article_index=0)
    resp = post(staff, f"{THEMES}/rebuild", THEMES)
    assert resp.status_code == 303
    assert "已开始在后台重新计算意见主题" in staff.get(THEMES).text
    assert wait_for_background(timeout=60)
    assert "上次重新计算完成于" in staff.get(THEMES).text
    assert sum(t.size for t in themes(draft.id)) == 10


def test_the_summary_page_edits_signs_off_and_downloads(staff, themed):
    draft, _ids = themed
    page = soup(staff.get(SUMMARY))
    assert page.h1.find(class_="badge").get_text() == "草稿"
    article_id = draft.current_version.texts[0].article_id
    section = page.find("section", id=f"section-{article_id}")
    assert "共收到意见10条" in section.textarea.get_text()
    assert section.find("p", class_="quote")
    assert "网站10条" in section.get_text()
    resp = post(staff, f"{SUMMARY}/sections", SUMMARY, article_id=article_id, text="本条意见集中在开放时间。")
    assert resp.status_code == 303
    assert (
        soup(staff.get(SUMMARY)).find(id=f"section-{article_id}-text").get_text()
        == "本条意见集中在开放时间。"
    )
    refused = post(staff, f"{SUMMARY}/sign-off", SUMMARY)
    assert refused.status_code == 400 and "请勾选确认框后再签发" in refused.text
    assert post(staff, f"{SUMMARY}/sign-off", SUMMARY, confirm="1").status_code == 303
    signed = soup(staff.get(SUMMARY))
    assert signed.h1.find(class_="badge").get_text() == "已签发"
    assert staff.user.username in signed.find(class_="summary-state").get_text()
    assert not signed.find("form", class_="sign-off")
    document = staff.get(f"{SUMMARY}.docx")
    assert document.status_code == 200 and "attachment" in document.headers["Content-Disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(document.data)).paragraphs)
    assert "本条意见集中在开放时间。" in text and "已签发" in text
    post(staff, f"{SUMMARY}/sections", SUMMARY, text="总体支持。")  # the general section: a change
    assert soup(staff.get(SUMMARY)).h1.find(class_="badge").get_text() == "草稿"


def test_a_section_too_long_is_refused_with_the_text_kept(staff, themed):
    text = "长" * 5001
    refused = post(staff, f"{SUMMARY}/sections", SUMMARY, text=text)
    assert refused.status_code == 400
    assert soup(refused).find(id="section-general-text").get_text() == text
    assert soup(refused).find(id="section-general-error")


def test_two_staff_editing_one_section_the_later_save_is_refused_and_keeps_its_text(staff, login_as, themed):
    """Two staff open the summary; the first saves; the second's save would silently replace those words:
    it is refused (409) with the colleague's saved text shown and the second's own text kept to check."""
    draft, _ids = themed
    colleague = login_as("staff")
    article_id = draft.current_version.texts[0].article_id
    key = f"section-{article_id}"

    def seen(client) -> str:
        return (
            soup(client.get(SUMMARY)).find("section", id=key).find("input", attrs={"name": "seen"})["value"]
        )

    mine, theirs = seen(staff), seen(colleague)
    assert mine == theirs
    saved = post(
        colleague, f"{SUMMARY}/sections", SUMMARY, article_id=article_id, text="同事的文字。", seen=theirs
    )
    assert saved.status_code == 303
    refused = post(staff, f"{SUMMARY}/sections", SUMMARY, article_id=article_id, text="我的文字。", seen=mine)
    assert refused.status_code == 409
    page = soup(refused)
    section = page.find("section", id=key)
    assert section.find(class_="saved-text").get_text() == "同事的文字。"
    assert section.find(id=f"{key}-text").get_text() == "我的文字。"
    assert "刚被其他工作人员修改过" in section.find(id=f"{key}-error").get_text()
    end_read()
    assert first_text(staff, key) == "同事的文字。"  # nothing written
    # Saved again from the refused page (it carries the version it now shows): the staff member's words win.
    again = section.find("input", attrs={"name": "seen"})["value"]
    resp = post(staff, f"{SUMMARY}/sections", SUMMARY, article_id=article_id, text="我的文字。", seen=again)
    assert resp.status_code == 303
    assert first_text(staff, key) == "我的文字。"
    # Back to the drafted text, then a save from a page that showed the old text is refused too.
    assert (
        post(
            staff, f"{SUMMARY}/sections", SUMMARY, article_id=article_id, text="", seen=seen(staff)
        ).status_code
        == 303
    )
    assert (
        post(staff, f"{SUMMARY}/sections", SUMMARY, article_id=article_id, text="x", seen=again).status_code
        == 409
    )


def first_text(client, key: str) -> str:
    return soup(client.get(SUMMARY)).find(id=f"{key}-text").get_text()


def test_the_staff_overview_links_both_pages(staff, themed):
    page = soup(staff.get("/admin/"))
    hrefs = {a["href"] for a in page.select(".overview-links a")}
    assert {THEMES, SUMMARY} <= hrefs


@pytest.mark.parametrize("path", [THEMES, SUMMARY, f"{SUMMARY}.docx", f"{THEMES}/other"])
def test_only_staff_see_the_pages(login_as, client, themed, path):
    operator = login_as("contact_point")
    assert operator.get(path).status_code == 403
    assert client.get(path).status_code in (302, 303, 401)
    assert login_as("admin").get(path).status_code == 200
