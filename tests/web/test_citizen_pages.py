"""The citizen's pages as parsed HTML: draft, article, the comment form keeping text, receipts."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from consult.db import end_read
from consult.extensions import db, limiter
from consult.models import Comment
from tests.conftest import csrf_token_from


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.data, "html.parser")


@pytest.fixture
def site(make_app):
    app = make_app(COMMENT_RATE_LIMIT="1000 per minute")
    with app.app_context():
        limiter.reset()
        yield app


def textarea_value(el) -> str:
    """A textarea's value as a browser reads it: HTML drops one newline right after the start tag."""
    text = el.get_text()
    return text[2:] if text.startswith("\r\n") else text[1:] if text.startswith("\n") else text


def form_post(client, slug, page_url, **fields):
    token = csrf_token_from(client.get(page_url).data)
    data = {"csrf_token": token, "body": "", "author_name": "", "contact": "", "website": "", **fields}
    return client.post(f"/drafts/{slug}/comments", data=data)


def test_the_draft_page_has_note_contents_articles_counts_and_forms(site, factory):
    draft = factory.draft(summary="<p>为什么要立法。</p><script>x()</script>")
    factory.comment(draft, body="第三条的公开意见", status="published", article_index=2)
    factory.comment(draft, body="第三条待审核意见", status="pending", article_index=2)
    factory.comment(draft, body="整体的公开意见", status="published", article_index=None)
    page = soup(site.test_client().get(f"/drafts/{draft.slug}"))
    assert page.select_one("h1").get_text(strip=True) == draft.title
    assert page.select_one(".summary-note .rich").decode_contents() == "<p>为什么要立法。</p>"
    chapter_links = [a.get_text(strip=True) for a in page.select(".toc-chapter-link")]
    assert chapter_links == ["第一章　总则", "第二章　管理"]
    # The contents list each chapter's articles as links to them, and each chapter leads back.
    first_chapter = page.select_one(".toc-chapter")
    article_ids = [f"#{a['id']}" for a in page.select("#chapter-1 article.article")]
    assert [a["href"] for a in first_chapter.select(".toc-articles a")] == article_ids
    assert [a["href"] for a in page.select("section.chapter .to-toc a")] == ["#toc", "#toc"]
    assert page.select_one("nav.toc")["id"] == "toc"
    articles = page.select("article.article")
    assert len(articles) == 4
    third = articles[2]
    assert third.select_one(".article-label").get_text() == "第三条"
    assert "1条意见" in third.select_one(".count-label").get_text()
    link = third.select_one(".article-actions a")["href"]
    assert link.endswith(f"/articles/{draft.current_version.texts[2].article_id}#comment-form")
    assert "第三条的公开意见" in third.get_text() and "第三条待审核意见" not in page.get_text()
    assert "整体的公开意见" in page.select_one("#general").get_text()
    assert page.select_one("#general form.comment-form textarea[name=body]") is not None


def test_the_article_page_is_shareable_with_comments_and_form(site, factory):
    draft = factory.draft()
    article_id = draft.current_version.texts[2].article_id
    for i in range(25):
        factory.comment(draft, body=f"意见{i:02d}号内容", status="published", article_index=2)
    resp = site.test_client().get(f"/drafts/{draft.slug}/articles/{article_id}")
    page = soup(resp)
    assert resp.status_code == 200
    assert "第三条" in page.select_one("h1").get_text()
    assert len(page.select("#comments li.comment")) == 20
    older = page.select_one(".pagination a[rel=next]")
    assert older.get_text() == "更早的意见"
    assert "before=" in older["href"] and older["href"].endswith("#comments")
    assert page.select_one("form.comment-form input[name=article_id]")["value"] == str(article_id)
    assert len(soup(site.test_client().get(older["href"])).select("#comments li.comment")) == 5
    page2 = soup(site.test_client().get(f"/drafts/{draft.slug}/articles/{article_id}?page=2"))
    assert len(page2.select("#comments li.comment")) == 5
    assert site.test_client().get(f"/drafts/{draft.slug}/articles/999999").status_code == 404


def test_a_comment_through_the_form_leads_to_its_receipt(site, factory):
    draft = factory.draft()
    article_id = draft.current_version.texts[2].article_id
    c = site.test_client()
    resp = form_post(
        c,
        draft.slug,
        f"/drafts/{draft.slug}/articles/{article_id}",
        body="建议延长开放时间到晚上九点。",
        article_id=str(article_id),
        author_name="王大爷",
        contact="wang@example.com",
        notify="y",
    )
    assert resp.status_code == 303
    assert "/receipts/" in resp.headers["Location"] and resp.headers["Location"].endswith("new=1#receipt")
    receipt = soup(c.get(resp.headers["Location"]))
    code = receipt.select_one("#receipt-code").get_text(strip=True)
    assert len(code) == 16 and code.count("-") == 3
    assert "待审核" in receipt.select_one(".facts").get_text()
    assert "第三条" in receipt.select_one(".facts").get_text()
    end_read()
    comment = db.session.scalar(select(Comment).where(Comment.receipt_code == code.replace("-", "")))
    assert comment.notify is True and comment.author_name == "王大爷"


def test_a_validation_error_keeps_every_field(site, factory):
    draft = factory.draft()
    article_id = draft.current_version.texts[0].article_id
    resp = form_post(
        site.test_client(),
        draft.slug,
        f"/drafts/{draft.slug}/articles/{article_id}",
        body="太短",
        article_id=str(article_id),
        author_name="张三",
        contact="abc",
    )
    assert resp.status_code == 400
    page = soup(resp)
    textarea = page.select_one("textarea[name=body]")
    assert textarea_value(textarea) == "太短" and textarea["aria-invalid"] == "true"
    assert "至少需要5个字" in page.select_one("#body-error").get_text()
    assert page.select_one("input[name=author_name]")["value"] == "张三"
    assert page.select_one("input[name=contact]")["value"] == "abc"


def test_an_expired_page_keeps_the_text(site, factory):
    draft = factory.draft()
    body = "写了很久的一段意见，页面过期也不能丢。\n第二段。"
    resp = site.test_client().post(
        f"/drafts/{draft.slug}/comments", data={"csrf_token": "expired", "body": body}
    )
    assert resp.status_code == 400
    page = soup(resp)
    assert textarea_value(page.select_one("#general textarea[name=body]")) == body
    assert "页面已过期" in page.select_one("#form-message").get_text()
    end_read()
    assert db.session.scalar(select(Comment.id)) is None


def test_a_closed_consultation_answers_409_and_keeps_the_text(site, factory, clock):
    draft = factory.draft()
    c = site.test_client()
    token = csrf_token_from(c.get(f"/drafts/{draft.slug}").data)
    clock.advance(days=40)
    resp = c.post(
        f"/drafts/{draft.slug}/comments", data={"csrf_token": token, "body": "截止后才提交的意见内容。"}
    )
    assert resp.status_code == 409
    page = soup(resp)
    assert "已于" in page.select_one("#general").get_text()


def test_a_flood_answers_429_and_keeps_the_text(make_app, factory):
    app = make_app(COMMENT_RATE_LIMIT="1 per minute")
    with app.app_context():
        limiter.reset()
        draft = factory.draft()
        c = app.test_client()
        assert (
            form_post(c, draft.slug, f"/drafts/{draft.slug}", body="第一条意见内容足够长。").status_code
            == 303
        )
        resp = form_post(c, draft.slug, f"/drafts/{draft.slug}", body="第二条意见内容足够长。")
    assert resp.status_code == 429
    page = soup(resp)
    assert textarea_value(page.select_one("#general textarea[name=body]")) == "第二条意见内容足够长。"
    assert "太频繁" in page.select_one("#form-message").get_text()


def test_the_honeypot_stores_spam_and_still_shows_a_receipt(site, factory):
    draft = factory.draft()
    resp = form_post(
        site.test_client(),
        draft.slug,
        f"/drafts/{draft.slug}",
        body="买药加微信，价格优惠。",
        website="http://spam.example",
    )
    assert resp.status_code == 303
    end_read()
    assert db.session.scalar(select(Comment.status)) == "spam"


def test_closed_and_upcoming_drafts_show_no_form_but_a_notice(site, factory):
    for stage, words in (("closed", "已于"), ("upcoming", "开始征求意见")):
        draft = factory.draft(stage)
        page = soup(site.test_client().get(f"/drafts/{draft.slug}"))
        assert page.select_one("form.comment-form") is None
        assert words in page.select_one("#general .notice").get_text()


def test_receipt_lookup_ignores_case_spaces_and_dashes(site, factory):
    draft = factory.draft()
    comment = factory.comment(draft)
    code = comment.receipt_code
    c = site.test_client()
    resp = c.get("/receipts", query_string={"code": f" {code[:4]} {code[4:7]}-{code[7:]} "})
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/receipts/{code}")
    assert c.get(f"/receipts/{code[:4]}-{code[4:]}").status_code == 200
    missing = c.get("/receipts/0000-000-000-000")
    assert missing.status_code == 404
    assert "未找到该回执码" in soup(missing).select_one(".form-error").get_text()
    assert c.get("/receipts", query_string={"code": "  "}).status_code == 400


def test_the_home_page_links_each_draft(site, factory):
    draft = factory.draft()
    page = soup(site.test_client().get("/"))
    assert page.select_one(".draft-title a")["href"] == f"/drafts/{draft.slug}"
