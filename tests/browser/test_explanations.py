"""Article explanations (条文释义) in a real Chromium on a phone: a staff member writes one from the draft's
settings page; a citizen opens "这一条是什么意思" under the article (no JavaScript needed), in Chinese,
in English and in care mode (AAA contrast). axe checks every page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, SCREENSHOTS, check_axe
from tests.browser.test_care import check_axe_aaa
from tests.live import LiveServer

pytestmark = [pytest.mark.once, pytest.mark.browser]
PASSWORD = "Explain-browser-pass-1"
SLUG = "chengshi-shufang-tiaoli"
EXPLANATION = (
    "这一条说的是城市书房什么时候开门。\n\n"
    "每周至少开放五十六小时，相当于每天八小时；节假日也开门，方便上班族和学生去看书。"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("explain-live"), workers=2)
    live.start()
    result = live.flask(
        "users", "create", "explainstaff", "--role", "staff", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert result.returncode == 0, result.stderr
    yield live
    live.stop()


@pytest.fixture
def contexts(browser):
    made = []

    def new(**options):
        context = browser.new_context(locale="zh-CN", **PHONE, **options)
        made.append(context)
        return context

    yield new
    for context in made:
        context.close()


def test_staff_write_an_explanation_and_citizens_open_it_under_the_article(server, contexts, screenshot):
    staff = contexts().new_page()
    staff.goto(server.url + "/login")
    staff.get_by_label("用户名").fill("explainstaff")
    staff.get_by_label("密码").fill(PASSWORD)
    staff.get_by_role("button", name="登录").click()
    staff.wait_for_url("**/admin/")
    staff.goto(f"{server.url}/admin/drafts/{SLUG}")
    row = staff.locator("#explanations tbody tr").nth(2)
    label = row.locator(".article-label").inner_text()
    article_id = row.get_attribute("data-article-id")
    row.get_by_role("link", name="添加释义").click()
    staff.get_by_label("用通俗的话说明这一条是什么意思（选填）").fill(EXPLANATION)
    screenshot(staff, "explanation-staff-form-phone")
    check_axe(staff)
    staff.get_by_role("button", name="保存释义").click()
    staff.wait_for_url(f"**/admin/drafts/{SLUG}#explain-{article_id}")
    assert staff.locator(".flash").inner_text() == f"已保存{label}的释义。"
    assert "这一条说的是城市书房什么时候开门" in staff.locator(f"#explain-{article_id}").inner_text()
    # The list's top (a 32-article draft's list is ten screens long), with the row just explained.
    top = staff.locator("#explanations").evaluate("e => e.getBoundingClientRect().top + window.scrollY")
    clip = {"x": 0, "y": top, "width": PHONE["viewport"]["width"], "height": 1200}
    staff.screenshot(path=str(SCREENSHOTS / "explanation-staff-list-phone.png"), clip=clip, full_page=True)

    # A citizen on a phone without JavaScript: folded under the article, opened by a tap.
    page = contexts(java_script_enabled=False).new_page()
    page.goto(f"{server.url}/drafts/{SLUG}/articles/{article_id}")
    details = page.locator("article.single details.explanation")
    summary = details.locator("summary")
    assert summary.inner_text() == "这一条是什么意思"
    assert not details.locator(".explanation-text").is_visible()
    assert summary.bounding_box()["height"] >= 44
    summary.click()
    assert details.locator(".explanation-text").is_visible()
    assert details.locator(".explanation-text").inner_text() == EXPLANATION
    screenshot(page, "explanation-article-phone-nojs")

    # The draft page shows it under the same article.
    draft = contexts().new_page()
    draft.goto(f"{server.url}/drafts/{SLUG}")
    block = draft.locator(f"#article-{article_id}")
    block.locator("details.explanation summary").click()
    assert block.locator(".explanation-text").is_visible()
    check_axe(draft)

    # In English: the summary is English, the explanation (the staff's Chinese) stays as written.
    english = contexts()
    english.add_cookies([{"name": "consult_lang", "value": "en", "url": server.url}])
    page = english.new_page()
    page.goto(f"{server.url}/drafts/{SLUG}/articles/{article_id}")
    page.locator("details.explanation summary").click()
    assert page.locator("details.explanation summary").inner_text() == "What does this article mean?"
    screenshot(page, "explanation-article-phone-english")

    # In care mode: a tall target, large text, AAA contrast.
    care = contexts()
    care.add_cookies([{"name": "consult_care", "value": "on", "url": server.url}])
    page = care.new_page()
    page.goto(f"{server.url}/drafts/{SLUG}/articles/{article_id}")
    summary = page.locator("details.explanation summary")
    summary.click()
    assert summary.bounding_box()["height"] >= 60
    size = page.locator(".explanation-text").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 20
    check_axe_aaa(page)
    screenshot(page, "explanation-article-phone-care")
