"""The draft and article pages from shared fragments (consult/web/fragments.py): what changed is rendered
again and nothing else; nothing personal is ever in a fragment; one comment form on the draft page."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from flask import render_template_string

from consult.comments.moderation import moderate_comment
from consult.context import CLI
from consult.db import end_read
from consult.drafts.operations import add_version, update_draft
from consult.web import cache, fragments
from consult.web.cache import SharedFragmentError
from tests.conftest import csrf_token_from
from tests.factories import SAMPLE_TEXT


def soup(resp) -> BeautifulSoup:
    assert resp.status_code == 200
    return BeautifulSoup(resp.data, "html.parser")


def blocks(client, slug) -> dict[str, str]:
    """Each article block's HTML on the draft page, by its id."""
    return {a["id"]: str(a) for a in soup(client.get(f"/drafts/{slug}")).select("article.article")}


def block_misses(app) -> int:
    with app.test_request_context():
        return fragments.stats()[fragments.ARTICLE_BLOCKS][1]


@pytest.fixture
def site(make_app):
    app = make_app()
    with app.app_context():
        yield app


def test_a_new_comment_renders_only_its_articles_block_again(site, factory):
    draft = factory.draft()
    client = site.test_client()
    third = f"article-{draft.current_version.texts[2].article_id}"
    before = blocks(client, draft.slug)
    assert len(before) == 4 and block_misses(site) == 4
    assert blocks(client, draft.slug) == before and block_misses(site) == 4  # nothing changed: no render

    factory.comment(draft, body="第三条的待审意见", status="pending", article_index=2)
    assert blocks(client, draft.slug) == before and block_misses(site) == 4  # the counter moved, no block

    comment = factory.comment(draft, body="第三条的新公开意见", status="published", article_index=2)
    after = blocks(client, draft.slug)
    assert block_misses(site) == 5  # article 3 only
    assert "第三条的新公开意见" in after[third] and "1条意见" in after[third]
    assert {k: v for k, v in after.items() if k != third} == {k: v for k, v in before.items() if k != third}
    page = soup(client.get(f"/drafts/{draft.slug}"))
    assert "已公开意见1条" in page.select_one(".draft-header").get_text()
    article = soup(client.get(f"/drafts/{draft.slug}/articles/{comment.article_id}"))
    assert "第三条的新公开意见" in article.select_one("#comments").get_text()

    # A take-down: the block is as it was before (the same content, so the same fragment), the count too.
    staff, _ = factory.user("staff")
    end_read()
    moderate_comment(staff, CLI, comment.id, "reject", "与草案无关")
    taken_down = blocks(client, draft.slug)
    assert taken_down == before and "第三条的新公开意见" not in taken_down[third]
    assert block_misses(site) == 5
    article = soup(client.get(f"/drafts/{draft.slug}/articles/{comment.article_id}"))
    assert "第三条的新公开意见" not in article.get_text()
    assert "已公开的意见（0条）" in article.select_one("#comments").get_text()


def test_a_masked_copy_and_a_comment_in_anothers_place_change_the_block(site, factory):
    draft = factory.draft()
    client = site.test_client()
    comment = factory.comment(draft, body="请联系我13912345678谈第一条", status="pending", article_index=0)
    staff, _ = factory.user("staff")
    end_read()
    moderate_comment(staff, CLI, comment.id, "publish", None, "请联系我***谈第一条")
    first = blocks(client, draft.slug)[f"article-{comment.article_id}"]
    assert "请联系我***谈第一条" in first and "13912345678" not in first and "1条意见" in first
    # Another comment takes its place: the same count, another content, another block.
    other = factory.comment(draft, body="第一条应当写明主管部门", status="pending", article_index=0)
    end_read()
    moderate_comment(staff, CLI, comment.id, "reject", "与草案无关")
    end_read()
    moderate_comment(staff, CLI, other.id, "publish")
    second = blocks(client, draft.slug)[f"article-{comment.article_id}"]
    assert "第一条应当写明主管部门" in second and "请联系我" not in second and "1条意见" in second


def test_a_revised_text_renders_the_changed_article_again(site, factory):
    draft = factory.draft()
    client = site.test_client()
    before = blocks(client, draft.slug)
    misses = block_misses(site)
    end_read()
    revised = SAMPLE_TEXT.replace("每年公布工作情况", "每半年公布工作情况")
    add_version(None, CLI, draft.slug, revised, "修改稿")
    after = blocks(client, draft.slug)
    assert block_misses(site) == misses + 1
    changed = [k for k in after if after[k] != before.get(k)]
    assert len(changed) == 1 and "每半年公布工作情况" in after[changed[0]]
    article = soup(client.get(f"/drafts/{draft.slug}/articles/{changed[0].removeprefix('article-')}"))
    assert "每半年公布工作情况" in article.select_one(".article-text").get_text()


def test_hiding_comments_takes_them_out_of_every_block(site, factory):
    draft = factory.draft()
    client = site.test_client()
    factory.comment(draft, body="第二条的公开意见", status="published", article_index=1)
    assert "第二条的公开意见" in soup(client.get(f"/drafts/{draft.slug}")).get_text()
    end_read()
    update_draft(None, CLI, draft.slug, {"show_comments": False})
    page = soup(client.get(f"/drafts/{draft.slug}"))
    assert "第二条的公开意见" not in page.get_text()
    assert "不在网站上公开显示" in page.select_one("#general").get_text()


def test_no_visitor_gets_another_ones_token(app, factory, login_as):
    site = app  # one app: login_as signs in on it, and its fragments are the ones looked at
    draft = factory.draft()
    first, second = site.test_client(), site.test_client()
    pages = [first.get(f"/drafts/{draft.slug}").data, second.get(f"/drafts/{draft.slug}").data]
    tokens = [csrf_token_from(p) for p in pages]
    assert tokens[0] != tokens[1]
    submission_ids = set()
    for page, token in zip(pages, tokens, strict=True):
        form = BeautifulSoup(page, "html.parser").select_one("form.comment-form")
        assert form.select_one("input[name=csrf_token]")["value"] == token
        submission_ids.add(form.select_one("input[name=submission_id]")["value"])
        assert cache.PLACEHOLDER not in page.decode() and cache.SUBMISSION_PLACEHOLDER not in page.decode()
    assert len(submission_ids) == 2  # the form is kept rendered, its one-time id is not
    # A signed-in member of staff gets their own page around the same fragments: their own token and menu.
    staff = login_as("staff")
    page = staff.get(f"/drafts/{draft.slug}").data
    assert csrf_token_from(page) not in tokens
    assert "工作台" in page.decode() and "工作台" not in pages[0].decode()
    # Nothing kept for sharing holds a token or a submission id: the kept comment form has placeholders,
    # and so has the kept anonymous page (fragments.kept_page); the staff member's page is not kept.
    kept = [str(value) for value in fragments.entries()]
    assert kept
    for text in kept:
        assert not any(t in text for t in (*tokens, csrf_token_from(page), *submission_ids))
        assert "工作台" not in text
        for form in BeautifulSoup(text, "html.parser").select("form.comment-form"):
            assert form.select_one("input[name=csrf_token]")["value"] == cache.PLACEHOLDER
            assert form.select_one("input[name=submission_id]")["value"] == cache.SUBMISSION_PLACEHOLDER
        if "<form" not in text:
            assert cache.PLACEHOLDER not in text and "csrf" not in text
    pages = [text for text in kept if text.startswith("<!doctype html>")]
    assert len(pages) == 1 and cache.PLACEHOLDER in pages[0]
    assert sum("<form" in text for text in kept if text not in pages) == 1


def test_a_fragment_may_not_ask_for_a_token(site):
    with site.test_request_context():
        with fragments.shared_rendering(), pytest.raises(SharedFragmentError):
            render_template_string("{{ csrf_token() }}")
        with fragments.shared_rendering(), pytest.raises(SharedFragmentError):
            render_template_string("{{ submission_id() }}")
        assert render_template_string("{{ csrf_token() }}")  # outside a fragment, as before


def test_the_draft_page_has_one_comment_form(site, factory):
    draft = factory.draft()
    for index in range(4):
        for n in range(5):
            factory.comment(draft, body=f"第{index + 1}条意见{n}", status="published", article_index=index)
    resp = site.test_client().get(f"/drafts/{draft.slug}")
    page = soup(resp)
    assert len(page.select("form.comment-form")) == 1
    assert len(page.select("form")) == 2  # the search in this draft and the general comment form
    assert page.select_one("#general form.comment-form") is not None
    assert len(page.select("textarea")) == 1
    # Three latest comments per article on the draft page, the rest behind the article's link.
    assert len(page.select("article.article li.comment")) == 12
    assert all(a.select_one("a[href$='#comments']") for a in page.select("article.article"))
    # A form per article once made this page 80 KB with 10,000 comments; with four short articles:
    assert len(resp.data) < 40_000


def test_the_kept_draft_row_follows_every_change_at_once(site, factory):
    """The draft page reads its draft once per change counter: a new title shows on the next request,
    a withdrawn draft is gone at once, and an unknown slug is never kept."""
    draft = factory.draft(title="城市书房条例（草案）")
    client = site.test_client()
    for _ in range(2):  # the second one is served from the kept row
        assert soup(client.get(f"/drafts/{draft.slug}")).h1.get_text() == "城市书房条例（草案）"
    end_read()
    update_draft(None, CLI, draft.slug, {"title": "城市书房管理条例（草案）"})
    assert soup(client.get(f"/drafts/{draft.slug}")).h1.get_text() == "城市书房管理条例（草案）"
    article = f"/drafts/{draft.slug}/articles/{draft.current_version.texts[0].article_id}"
    assert client.get(article).status_code == 200
    end_read()
    update_draft(None, CLI, draft.slug, {"publish": False})
    assert client.get(f"/drafts/{draft.slug}").status_code == 404
    assert client.get(article).status_code == 404
    assert client.get("/drafts/no-such-draft").status_code == 404
