"""Article explanations (条文释义) on the pages: staff edit one per article from the draft's settings page;
the public draft and article pages fold it under the article in <details>, in Chinese, English and care
mode; an edit shows at once (the shared fragments follow the change counter)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from consult.context import CLI
from consult.db import end_read
from consult.drafts.explanations import explain_article
from consult.drafts.operations import add_version
from consult.extensions import db
from consult.models import ArticleText, AuditLog
from consult.models.drafts import EXPLANATION_MAX
from consult.web import fragments
from consult.web.limits import LIMITS
from tests.conftest import csrf_token_from
from tests.factories import SAMPLE_TEXT

EXPLAINED = "这一条是说：示例名录每年公布一次。\n\n第二段：罚款<5000元 & 以上。"


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.data, "html.parser")


def stored(article_id: int) -> str | None:
    end_read()
    db.session.expire_all()
    value = db.session.scalar(
        select(ArticleText.explanation)
        .where(ArticleText.article_id == article_id)
        .order_by(ArticleText.id.desc())
    )
    end_read()
    return value


@pytest.fixture
def draft(factory):
    d = factory.draft("open")
    ids = [t.article_id for t in d.current_version.texts]
    end_read()
    return d.slug, ids


@pytest.fixture
def staff(login_as):
    c = login_as("staff")
    c.csrf = csrf_token_from(c.get("/admin/drafts").data)
    return c


def form_url(slug: str, article_id: int) -> str:
    return f"/admin/drafts/{slug}/articles/{article_id}/explanation"


def save(client, slug, article_id, explanation, **extra):
    form = soup(client.get(form_url(slug, article_id)))
    data = {
        "csrf_token": client.csrf,
        "seen": form.select_one("input[name=seen]")["value"],
        "explanation": explanation,
        **extra,
    }
    return client.post(form_url(slug, article_id), data=data)


# -- staff --------------------------------------------------------------------------------------------


def test_the_draft_page_lists_every_article_with_a_link_to_its_explanation(staff, draft):
    slug, ids = draft
    explain_article(None, CLI, slug, ids[2], EXPLAINED)
    section = soup(staff.get(f"/admin/drafts/{slug}")).select_one("#explanations")
    rows = section.select("tbody tr")
    assert [r["id"] for r in rows] == [f"explain-{i}" for i in ids]
    assert "当前版本共4条，已有释义1条" in section.get_text()
    assert "这一条是说" in rows[2].get_text() and "未填写" in rows[0].get_text()
    links = [r.select_one("a")["href"] for r in rows]
    assert links == [form_url(slug, i) for i in ids]
    assert (
        rows[2].select_one("a").get_text() == "编辑释义" and rows[0].select_one("a").get_text() == "添加释义"
    )


def test_staff_write_an_explanation_and_are_brought_back_to_the_article_row(staff, draft):
    slug, ids = draft
    form = soup(staff.get(form_url(slug, ids[2])))
    assert "第三条" in form.select_one("h1").get_text()
    assert "主管部门应当依照本条例第一条" in form.select_one(".article-text").get_text()
    textarea = form.select_one("textarea[name=explanation]")
    assert textarea["maxlength"] == str(LIMITS["explanation_typing_max"])
    assert str(EXPLANATION_MAX) in form.select_one("#explanation-hint").get_text()
    resp = save(staff, slug, ids[2], EXPLAINED.replace("\n", "\r\n"))
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(f"/admin/drafts/{slug}#explain-{ids[2]}")
    assert stored(ids[2]) == EXPLAINED
    page = soup(staff.get(f"/admin/drafts/{slug}"))
    assert "已保存第三条的释义。" in page.select_one(".flash").get_text()
    # Shown again in the form for the next edit, exactly as stored.
    again = soup(staff.get(form_url(slug, ids[2]))).select_one("textarea[name=explanation]").get_text()
    assert again.removeprefix("\n") == EXPLAINED
    # Saved again as it is: nothing changes, and the page says so.
    assert save(staff, slug, ids[2], EXPLAINED).status_code == 303
    assert (
        "第三条的释义没有改动。" in soup(staff.get(f"/admin/drafts/{slug}")).select_one(".flash").get_text()
    )
    # Emptied: removed.
    assert save(staff, slug, ids[2], "  ").status_code == 303
    assert stored(ids[2]) is None
    assert "已删除第三条的释义。" in soup(staff.get(f"/admin/drafts/{slug}")).select_one(".flash").get_text()
    assert db.session.scalar(select(AuditLog.actor_name).where(AuditLog.action == "article.explain")) == (
        staff.user.username
    )


def test_a_refused_explanation_is_shown_again_with_the_reason_and_nothing_is_saved(staff, draft):
    slug, ids = draft
    too_long = "长" * (EXPLANATION_MAX + 5)
    resp = save(staff, slug, ids[0], too_long)
    assert resp.status_code == 400
    page = soup(resp)
    assert page.select_one("textarea[name=explanation]").get_text().removeprefix("\n") == too_long
    error = page.select_one("#explanation-error").get_text()
    assert str(EXPLANATION_MAX) in error and str(EXPLANATION_MAX + 5) in error
    assert page.select_one("textarea[name=explanation]")["aria-invalid"] == "true"
    assert stored(ids[0]) is None
    # A stale or missing CSRF token: the text is kept too.
    resp = save(staff, slug, ids[0], "好的释义。", csrf_token="stale")
    assert resp.status_code == 400 and "好的释义。" in soup(resp).select_one("textarea").get_text()
    assert stored(ids[0]) is None


def test_an_explanation_saved_by_someone_else_meanwhile_is_not_overwritten_unseen(staff, draft, login_as):
    slug, ids = draft
    seen = soup(staff.get(form_url(slug, ids[1]))).select_one("input[name=seen]")["value"]
    explain_article(None, CLI, slug, ids[1], "同事刚写的释义。")
    data = {"csrf_token": staff.csrf, "seen": seen, "explanation": "我写的释义。"}
    resp = staff.post(form_url(slug, ids[1]), data=data)
    assert resp.status_code == 409
    page = soup(resp)
    assert "同事刚写的释义。" in page.select_one(".conflict-saved").get_text()
    assert page.select_one("textarea").get_text().removeprefix("\n") == "我写的释义。"
    assert stored(ids[1]) == "同事刚写的释义。"
    # Saving again from the page that showed the conflict replaces it deliberately.
    data["seen"] = page.select_one("input[name=seen]")["value"]
    assert staff.post(form_url(slug, ids[1]), data=data).status_code == 303
    assert stored(ids[1]) == "我写的释义。"


def test_unknown_articles_are_404_and_only_staff_may_edit(app, staff, draft, login_as, factory):
    slug, ids = draft
    other = factory.draft()
    other_article = other.current_version.texts[0].article_id
    end_read()
    assert staff.get(form_url(slug, other_article)).status_code == 404
    assert staff.get(form_url("no-such-draft", ids[0])).status_code == 404
    assert save(staff, slug, ids[0], "x").status_code == 303  # staff may
    admin = login_as("admin")
    admin.csrf = csrf_token_from(admin.get("/admin/drafts").data)
    assert save(admin, slug, ids[0], "管理员写的。").status_code == 303  # admins may
    point = login_as("contact_point")
    anonymous = app.test_client()
    for client in (point, anonymous):
        token = csrf_token_from(client.get("/").data)
        get = client.get(form_url(slug, ids[0]))
        post = client.post(form_url(slug, ids[0]), data={"csrf_token": token, "explanation": "越权。"})
        if client is point:
            assert (get.status_code, post.status_code) == (403, 403)
        else:
            assert get.status_code == 302 and "/login" in get.headers["Location"]
            assert post.status_code == 302 and "/login" in post.headers["Location"]
    assert stored(ids[0]) == "管理员写的。"


# -- public ---------------------------------------------------------------------------------------------


def folded(page: BeautifulSoup, article_id: int):
    """The <details> under an article of the draft page (None when the article has no explanation)."""
    return page.select_one(f"#article-{article_id} details.explanation")


def test_the_draft_and_article_pages_fold_the_explanation_under_the_article(client, draft):
    slug, ids = draft
    explain_article(None, CLI, slug, ids[2], EXPLAINED)
    page = soup(client.get(f"/drafts/{slug}"))
    details = folded(page, ids[2])
    assert details is not None and not details.has_attr("open")
    assert details.select_one("summary").get_text() == "这一条是什么意思"
    text = details.select_one(".explanation-text")
    assert text["lang"] == "zh-CN" and text.get_text() == EXPLAINED  # escaped on output, as typed
    assert details.find_previous_sibling("p")["class"] == ["article-text"]  # right under the article
    assert [folded(page, i) for i in (ids[0], ids[1], ids[3])] == [None, None, None]
    article = soup(client.get(f"/drafts/{slug}/articles/{ids[2]}"))
    details = article.select_one("article.single details.explanation")
    assert details.select_one("summary").get_text() == "这一条是什么意思"
    assert details.select_one(".explanation-text").get_text() == EXPLAINED
    assert soup(client.get(f"/drafts/{slug}/articles/{ids[0]}")).select_one("details.explanation") is None


def test_in_english_and_in_care_mode(client, draft):
    slug, ids = draft
    explain_article(None, CLI, slug, ids[0], EXPLAINED)
    client.get("/preferences?lang=en&next=/")
    for url in (f"/drafts/{slug}", f"/drafts/{slug}/articles/{ids[0]}"):
        page = soup(client.get(url))
        assert page.html["lang"] == "en"
        details = page.select_one("details.explanation")
        assert details.select_one("summary").get_text() == "What does this article mean?"
        assert details.select_one(".explanation-text").get_text() == EXPLAINED  # the data stays Chinese
    client.get("/preferences?lang=zh&care=on&next=/")
    page = soup(client.get(f"/drafts/{slug}/articles/{ids[0]}"))
    assert page.html["data-mode"] == "care"
    assert page.select_one("details.explanation summary").get_text() == "这一条是什么意思"


def test_an_edit_shows_at_once_and_renders_only_that_articles_block_again(make_app, draft):
    slug, ids = draft
    app = make_app()
    client = app.test_client()
    with app.test_request_context():
        fragments.clear()
    client.get(f"/drafts/{slug}")
    client.get(f"/drafts/{slug}/articles/{ids[1]}")
    with app.test_request_context():
        misses = fragments.stats()[fragments.ARTICLE_BLOCKS][1]
    with app.app_context():
        explain_article(None, CLI, slug, ids[1], "新写的释义。")
        page = soup(client.get(f"/drafts/{slug}"))
        assert folded(page, ids[1]).select_one(".explanation-text").get_text() == "新写的释义。"
        with app.test_request_context():
            assert fragments.stats()[fragments.ARTICLE_BLOCKS][1] == misses + 1  # that block only
        article = soup(client.get(f"/drafts/{slug}/articles/{ids[1]}"))
        assert article.select_one("details.explanation .explanation-text").get_text() == "新写的释义。"
        explain_article(None, CLI, slug, ids[1], "")
        assert folded(soup(client.get(f"/drafts/{slug}")), ids[1]) is None
        assert soup(client.get(f"/drafts/{slug}/articles/{ids[1]}")).select_one("details.explanation") is None


def test_the_revised_versions_pages_show_the_carried_explanation(client, draft):
    slug, ids = draft
    explain_article(None, CLI, slug, ids[3], "施行日期的说明。")
    end_read()
    add_version(
        None, CLI, slug, SAMPLE_TEXT.replace("第四条　本条例自", "第四条　新增的条文。\n\n第五条　本条例自")
    )
    page = soup(client.get(f"/drafts/{slug}"))
    assert folded(page, ids[3]).select_one(".explanation-text").get_text() == "施行日期的说明。"
    assert "第五条" in page.select_one(f"#article-{ids[3]} .article-label").get_text()
    compare = client.get(f"/drafts/{slug}/compare?from=1&to=2")
    assert compare.status_code == 200 and "施行日期的说明" not in compare.get_data(as_text=True)


def test_staff_are_asked_to_check_an_explanation_whose_article_changed_in_the_revision(staff, draft):
    slug, ids = draft
    explain_article(None, CLI, slug, ids[0], "第一条的释义。")
    explain_article(None, CLI, slug, ids[2], "第三条的释义。")
    end_read()
    rows = soup(staff.get(f"/admin/drafts/{slug}")).select("#explanations tbody tr")
    assert [r.select_one(".badge-modified") for r in rows] == [None] * 4  # one version: nothing to check
    revised = SAMPLE_TEXT.replace("主管部门应当每年公布工作情况。", "主管部门应当每半年公布工作情况。")
    add_version(None, CLI, slug, revised)
    rows = {r["id"]: r for r in soup(staff.get(f"/admin/drafts/{slug}")).select("#explanations tbody tr")}
    flagged = [key for key, row in rows.items() if row.select_one(".badge-modified")]
    assert flagged == [f"explain-{ids[2]}"]  # changed and explained; 第一条 is unchanged
    assert "条文在本版有修改" in rows[f"explain-{ids[2]}"].get_text()
