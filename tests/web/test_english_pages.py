"""Every public page in English: <html lang="en"> and no Chinese outside the draft's and people's own text.

The data stays Chinese (the draft is the law; comments are what people wrote) and is marked
``lang="zh-CN"``, which is also what a screen reader needs to switch voice. Everything else on the page,
its <title> and its attributes (aria-label, placeholder, alt …) must be free of Chinese characters and
Chinese punctuation once the data is taken out.
"""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from consult.clock import utcnow
from consult.comments.decisions import decide
from consult.context import CLI
from consult.db import end_read
from consult.drafts.explanations import explain_article
from consult.drafts.operations import add_version
from consult.extensions import db
from consult.feedback.publishing import publish_feedback
from consult.i18n import CJK
from consult.models.subscriptions import Subscription
from consult.reach import tokens
from consult.reach.subscriptions import subscribe
from consult.web import cache
from tests.conftest import csrf_token_from
from tests.factories import SAMPLE_TEXT, Factory

TITLE = re.compile(r"<title>(.*?)</title>", re.S)
# Typed by the visitor or by staff: shown back as it was written.
TYPED = ("textarea",)


def chinese_outside_data(html: str) -> list[str]:
    """The pieces of an English page that still hold Chinese outside the marked data (empty when clean)."""
    page = BeautifulSoup(html, "html.parser")
    data = set()
    for element in page.select('[lang="zh-CN"]'):
        data.add(element.get_text())
        element.decompose()
    for element in page.select(", ".join(TYPED)):
        data.add(element.get_text())
        element.decompose()
    for element in page.select("input[value]"):
        data.add(element["value"])
    found = []
    title = page.title.get_text() if page.title else ""
    if page.title:
        page.title.decompose()
    for text in page.find_all(string=True):
        if CJK.search(text):
            found.append(
                f"text: {text.strip()[:80]!r} in <{text.parent.name} class={text.parent.get('class')}>"
            )
    pieces = [("title", title)]
    for element in page.find_all(True):
        for name, value in element.attrs.items():
            values = value if isinstance(value, list) else [value]
            pieces += [(f"{element.name}[{name}]", v) for v in values if isinstance(v, str)]
    for where, value in pieces:
        for item in sorted(data, key=len, reverse=True):
            if item.strip():
                value = value.replace(item.strip(), "")
        if CJK.search(value):
            found.append(f"{where}: {value[:80]!r}")
    return found


def english(client):
    client.set_cookie("consult_lang", "en")
    return client


@pytest.fixture
def site(app, factory: Factory):
    """An open draft with published comments and two versions, and a concluded one with its feedback."""
    draft = factory.draft("open", slug="open-draft", summary="<p>为了规范示例管理。</p>")
    named = factory.comment(draft, body="建议写明主管部门。", status="published", author_name="张三")
    factory.comment(draft, body="整体上赞成。", status="published", article_index=None, channel="letter")
    pending = factory.comment(draft, body="还在审核的意见。", status="pending")
    end_read()
    add_version(None, CLI, draft.slug, SAMPLE_TEXT.replace("制定本条例", "特制定本条例"), "修改稿")
    end_read()
    done = factory.draft("closed", slug="done-draft")
    decided = factory.comment(
        done, body="第一条应当更明确。", status="published", contact="someone@example.com"
    )
    factory.comment(done, body="总体意见。", status="published", article_index=None)
    staff, _password = factory.user("staff")
    end_read()
    decide(staff, CLI, [decided.id], "partially_adopted", "已在第一条中写明。")
    end_read()
    publish_feedback(staff, CLI, done.slug)
    end_read()
    article = draft.current_version.texts[0].article_id
    done_article = done.current_version.texts[0].article_id
    # An article with its explanation (issue 17 point 6), and a subscriber's confirm and unsubscribe pages.
    explain_article(staff, CLI, draft.slug, article, "这一条说明本条例为什么制定。")
    end_read()
    subscribe(CLI, "reader@example.com", ["drafts"])
    end_read()
    subscriber = db.session.scalars(select(Subscription)).one()
    return {
        "confirm": tokens.make(tokens.CONFIRM, subscriber),
        "unsubscribe": tokens.make(tokens.UNSUBSCRIBE, subscriber),
        "draft": draft,
        "article": article,
        "done": done,
        "done_article": done_article,
        "pending": pending,
        "decided": decided,
        "named": named,
    }


def public_pages(site) -> list[tuple[str, int]]:
    d, done = site["draft"].slug, site["done"].slug
    return [
        ("/", 200),
        (f"/drafts/{d}", 200),
        (f"/drafts/{d}/articles/{site['article']}", 200),
        (f"/drafts/{d}/statistics", 200),
        (f"/drafts/{d}/compare", 200),
        (f"/drafts/{d}/compare?from=9&to=1", 400),
        (f"/drafts/{d}/feedback", 404),
        (f"/drafts/{d}/poster", 200),
        ("/search", 200),
        ("/search?q=主管部门", 200),
        ("/search?q=没有这种词语", 200),
        (f"/search?q=示例&draft={d}", 200),
        ("/receipts", 200),
        ("/subscribe", 200),
        (f"/subscriptions/unsubscribe/{site['unsubscribe']}", 200),
        (f"/subscriptions/confirm/{site['confirm']}", 200),
        ("/subscriptions/confirm/nonsense", 404),
        ("/receipts/1234", 404),
        ("/receipts?code=1234", 303),
        (f"/receipts/{site['pending'].receipt_code}", 200),
        (f"/receipts/{site['decided'].receipt_code}", 200),
        (f"/drafts/{done}", 200),
        (f"/drafts/{done}/feedback", 200),
        (f"/drafts/{done}/feedback/articles/{site['done_article']}", 200),
        (f"/drafts/{done}/feedback/general", 200),
        (f"/drafts/{done}/statistics", 200),
        ("/no-such-page", 404),
        ("/drafts/no-such-draft", 404),
    ]


def test_every_public_page_is_english_outside_the_drafts_text(app, client, site):
    english(client)
    problems = []
    for path, status in public_pages(site):
        resp = client.get(path)
        if resp.status_code != status:
            problems.append(f"{path}: status {resp.status_code}")
        page = BeautifulSoup(resp.data, "html.parser")
        assert page.html["lang"] == "en", path
        problems += [f"{path}: {p}" for p in chinese_outside_data(resp.get_data(as_text=True))]
    assert problems == [], "\n".join(problems)
    # The pages the crawl stands for show what they are for: the explanation, the subscription's state.
    article = BeautifulSoup(client.get(f"/drafts/open-draft/articles/{site['article']}").data, "html.parser")
    summary = article.select_one("details.explanation summary").get_text(strip=True)
    assert summary == "What does this article mean?"
    assert "这一条说明本条例为什么制定。" in article.select_one("details.explanation").get_text()


def test_the_checker_finds_chinese_outside_the_data():
    html = (
        '<html lang="en"><title>草案 - x</title><h1 lang="zh-CN">草案</h1><p>提交</p>'
        '<a aria-label="搜索">x</a></html>'
    )
    found = chinese_outside_data(html)
    assert [f.split(":")[0] for f in found] == ["text", "a[aria-label]"]


def test_a_refused_comment_form_and_a_new_receipt_are_english(app, client, site):
    english(client)
    slug = site["draft"].slug
    page = client.get(f"/drafts/{slug}")
    resp = client.post(
        f"/drafts/{slug}/comments",
        data={
            "csrf_token": csrf_token_from(page.data),
            "body": "短",
            "contact": "不是联系方式",
            "notify": "y",
        },
    )
    assert resp.status_code == 400
    assert chinese_outside_data(resp.get_data(as_text=True)) == []
    errors = BeautifulSoup(resp.data, "html.parser").select(".field-error")
    assert errors and all(e.get_text().isascii() for e in errors)
    resp = client.post(
        f"/drafts/{slug}/comments",
        data={"csrf_token": csrf_token_from(page.data), "body": "建议把开放时间延长到晚上九点。"},
        follow_redirects=True,
    )
    assert resp.status_code == 200
    assert "Your comment has been submitted" in resp.get_data(as_text=True)
    assert chinese_outside_data(resp.get_data(as_text=True)) == []


def test_the_language_link_switches_and_is_remembered(app, client, site):
    page = BeautifulSoup(client.get("/").data, "html.parser")
    assert page.html["lang"] == "zh-CN"
    link = page.select_one("a.lang-link")
    assert link.get_text() == "English" and link["lang"] == "en"
    resp = client.get(link["href"])
    assert resp.status_code == 303 and resp.headers["Location"] == "/"
    page = BeautifulSoup(client.get("/").data, "html.parser")
    assert page.html["lang"] == "en"
    assert page.select_one("a.lang-link")["lang"] == "zh-CN"
    assert page.select_one("h1").get_text() == "Public consultation on draft regulations"


def test_accept_language_chooses_english_without_a_cookie(app, client, site):
    page = BeautifulSoup(client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).data, "html.parser")
    assert page.html["lang"] == "en"
    page = BeautifulSoup(client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).data, "html.parser")
    assert page.html["lang"] == "zh-CN"


@pytest.mark.parametrize(
    "path", ["/", "/drafts/open-draft", "/drafts/open-draft/articles/{article}", "/search"]
)
def test_an_english_visit_after_a_chinese_one_is_english(make_app, site, path):
    """The page cache and the shared fragments keep one copy per language."""
    cache.clear()
    app = make_app(PAGE_CACHE_SECONDS=60)
    client = app.test_client()
    url = path.format(article=site["article"])
    chinese = client.get(url)
    assert BeautifulSoup(chinese.data, "html.parser").html["lang"] == "zh-CN"
    assert "Cookie" in chinese.vary and "Accept-Language" in chinese.vary
    english(client)
    resp = client.get(url)
    assert BeautifulSoup(resp.data, "html.parser").html["lang"] == "en"
    assert chinese_outside_data(resp.get_data(as_text=True)) == []
    client.delete_cookie("consult_lang")
    again = client.get(url, headers={"Accept-Language": "en"})  # chosen by the header this time
    assert chinese_outside_data(again.get_data(as_text=True)) == []


def test_the_public_api_speaks_english(app, client, site):
    english(client)
    resp = client.get("/api/v1/drafts/no-such-draft")
    assert resp.status_code == 404
    assert resp.get_json()["error"]["message"] == "The draft does not exist or has not been published"
    resp = client.post("/api/v1/drafts/open-draft/comments", json={"body": ""})
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error["message"].isascii() and all(v.isascii() for v in error["fields"].values())
    resp = client.get("/api/v1/search")
    assert resp.get_json()["error"]["message"] == "Please enter what to search for (parameter q)"
    client.set_cookie("consult_lang", "zh")
    chinese = client.get("/api/v1/drafts/no-such-draft")
    assert chinese.get_json()["error"]["message"] == "草案不存在或尚未公布"


def test_english_dates_read_well(app, site):
    from consult.i18n import localdate, localtime

    moment = utcnow().replace(hour=2, minute=0, second=0, microsecond=0)
    with app.app_context(), app.test_request_context("/", headers={"Cookie": "consult_lang=en"}):
        day = localdate(moment)
        assert re.fullmatch(r"[A-Z][a-z]+ \d{1,2}, \d{4}", day), day
        assert localtime(moment) == f"{day} 10:00"
    with app.app_context(), app.test_request_context("/"):
        assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", localdate(moment))


def test_the_charts_speak_the_pages_language(app, client, site):
    """The SVG charts are images of their own address: the same language as the page that shows them."""
    url = f"/drafts/{site['draft'].slug}/charts/channels.svg"
    chinese = client.get(url).get_data(as_text=True)
    english(client)
    svg = client.get(url).get_data(as_text=True)
    assert "网站" in chinese and "Website" not in chinese
    assert "Website" in svg and "Letter" in svg and "网站" not in svg
