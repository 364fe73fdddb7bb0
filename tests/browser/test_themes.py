"""A staff member in a real Chromium: from the overview to a draft's themes, renames one, merges two
(after confirming), moves a comment, then edits, signs off and downloads the drafted summary, and
recomputes the themes (a background job: its state shown, then its result); on a desktop and on a
phone, axe clean throughout."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE, check_axe
from tests.live import LiveServer

pytestmark = [pytest.mark.once, pytest.mark.browser]
PASSWORD = "Themes-browser-pass-1"
SLUG = "chengshi-shufang-tiaoli"


@pytest.fixture(scope="module")
def themes_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("themes-live"), workers=2)
    server.start()
    result = server.flask(
        "users", "create", "themestaff", "--role", "staff", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert result.returncode == 0, result.stderr
    for command in (("groups", "rebuild", SLUG), ("themes", "rebuild", SLUG)):
        result = server.flask(*command)
        assert result.returncode == 0, result.stderr
    yield server
    server.stop()


def sign_in(browser, server, options):
    context = browser.new_context(locale="zh-CN", **options)
    page = context.new_page()
    page.goto(server.url + "/login")
    page.get_by_label("用户名").fill("themestaff")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/admin/")
    return context, page


def test_themes_and_summary_in_a_browser(browser, themes_server, screenshot):
    context, page = sign_in(browser, themes_server, DESKTOP)
    row = page.locator("tr", has=page.locator(f"a[href='/admin/review/{SLUG}/themes']"))
    row.get_by_role("link", name="意见主题").click()
    page.wait_for_url(f"**/admin/review/{SLUG}/themes")
    assert page.locator("h1").inner_text().startswith("意见主题")
    tables = page.locator("table.themes-table")
    assert tables.count() >= 1
    screenshot(page, "themes-desktop")
    check_axe(page)

    # Rename the first theme of the first article that has themes.
    section = page.locator("section.theme-section", has=tables.first).first
    first = section.locator("table.themes-table tbody tr").first
    name_box = first.locator("input[name=label]")
    name_box.fill("开放时间（工作人员命名）")
    first.get_by_role("button", name="保存名称").click()
    page.wait_for_load_state()
    assert page.get_by_text("主题名称已保存").is_visible()
    assert section.locator("table.themes-table tbody th", has_text="开放时间（工作人员命名）").count() == 1

    # Merge: refused without the confirmation, done with it.
    themes_in_section = section.locator("table.themes-table tbody tr").count()
    if themes_in_section > 1:
        section.locator("details.merge summary").click()
        boxes = section.locator("input[name=sources]")
        boxes.nth(1).check()
        section.get_by_role("button", name="合并主题").click()  # the required box stops the browser
        assert page.url.endswith("/themes")
        section.locator("input[name=confirm]").check()
        section.get_by_role("button", name="合并主题").click()
        page.wait_for_load_state()
        assert page.get_by_text("主题已合并").is_visible()
        assert section.locator("table.themes-table tbody tr").count() == themes_in_section - 1
        check_axe(page)

    # A theme's page: move its first comment out of every theme.
    section.locator("table.themes-table tbody th a").first.click()
    page.wait_for_load_state()
    members = page.locator("ol.theme-members > li")
    before = members.count()
    first_member = members.first
    comment_id = first_member.get_attribute("id").removeprefix("comment-")
    first_member.locator("select").select_option(label="不属于任何主题")
    first_member.get_by_role("button", name="移动").click()
    page.wait_for_load_state()
    assert page.get_by_text(f"意见{comment_id}已移出主题").is_visible()
    assert page.locator("ol.theme-members > li").count() == before - 1
    screenshot(page, "themes-theme-page")
    check_axe(page)

    # The summary: a draft (草稿) until signed off; edit a section; sign off; download.
    page.goto(themes_server.url + f"/admin/review/{SLUG}/summary")
    assert page.locator("h1 .badge").inner_text() == "草稿"
    screenshot(page, "themes-summary-draft")
    check_axe(page)
    other = page.context.new_page()  # a colleague with the same summary open
    other.goto(themes_server.url + f"/admin/review/{SLUG}/summary")
    text = page.locator("section.summary-section textarea").first
    text.fill("本条意见主要集中在开放时间，多数意见建议延长至晚上十点。")
    page.locator("section.summary-section").first.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.get_by_text("已保存").first.is_visible()
    # The colleague's later save would replace those words: refused, both texts shown.
    other.locator("section.summary-section textarea").first.fill("开放时间的意见较多。")
    with other.expect_navigation():
        other.locator("section.summary-section").first.get_by_role("button", name="保存").click()
    conflict = other.locator("section.summary-section .conflict-text").first
    assert "多数意见建议延长至晚上十点" in conflict.locator(".saved-text").inner_text()
    assert other.locator("section.summary-section textarea").first.input_value() == "开放时间的意见较多。"
    conflict.scroll_into_view_if_needed()
    whole = screenshot(other, "themes-summary-conflict")
    section = other.locator("section.summary-section").first
    section.screenshot(path=str(whole.with_name("themes-summary-conflict-section.png")))
    check_axe(other)
    other.close()
    page.get_by_label("我已核对全文").check()
    page.get_by_role("button", name="签发").click()
    page.wait_for_load_state()
    assert page.locator("h1 .badge").inner_text() == "已签发"
    assert "themestaff" in page.locator(".summary-state").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 Word 文档（DOCX）").click()
    assert download.value.suggested_filename.endswith("意见汇总.docx")
    screenshot(page, "themes-summary-signed")
    check_axe(page)

    # Recompute: queued in the background, the page shows its state, then the result; the rename stays.
    page.goto(themes_server.url + f"/admin/review/{SLUG}/themes")
    page.get_by_role("button", name="重新计算意见主题").click()
    page.wait_for_load_state()
    assert page.get_by_text("已开始在后台重新计算意见主题").is_visible()
    job = page.locator("#theme-job")
    assert job.get_attribute("data-state") in ("queued", "running", "done")
    screenshot(page, "themes-recompute-queued")
    check_axe(page)
    for _attempt in range(120):
        if job.get_attribute("data-state") in ("done", "failed"):
            break
        page.wait_for_timeout(500)
        page.goto(themes_server.url + f"/admin/review/{SLUG}/themes")
    assert job.get_attribute("data-state") == "done", job.inner_text()
    assert "上次重新计算完成于" in job.inner_text()
    assert page.locator("table.themes-table tbody th", has_text="开放时间（工作人员命名）").count() == 1
    screenshot(page, "themes-recompute-done")
    check_axe(page)
    context.close()

    phone, page = sign_in(browser, themes_server, PHONE)
    for path, name in (("themes", "themes-phone"), ("summary", "themes-summary-phone")):
        page.goto(themes_server.url + f"/admin/review/{SLUG}/{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        screenshot(page, name)
        assert width <= 390, f"{path}: the page scrolls sideways on a phone ({width}px)"
        check_axe(page)
    phone.close()
