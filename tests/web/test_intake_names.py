"""Names of people heard by a contact point: public only when the row says the person agreed.

An uploaded row's 提出人 reaches staff always, and the public (pages, API, feedback report, open data,
search) only when its 同意公开姓名 cell is 是; without the column or with an empty cell, never.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.models import Comment
from tests.conftest import is_postgres
from tests.feedback.test_opendata import decide, publish
from tests.web.test_intake_pages import post as intake_post
from tests.web.test_intake_pages import token_of, upload, xlsx

SECRET = "欧阳秘密"  # heard at a forum, never agreed to be named
AGREED = "司马公开"  # agreed (同意公开姓名: 是)
SECRET_BODY = "建议社区书房增设无障碍坡道方便轮椅通行。"
AGREED_BODY = "建议社区书房周末延长开放时间到晚上九点。"


@pytest.fixture
def app(make_app):
    # Search results are checked too: the index is kept up to date as comments change.
    app = make_app(SEARCH_DRAIN_INLINE=True, SEARCH_BACKEND="postgres" if is_postgres() else "whoosh")
    with app.app_context():
        yield app
        db.session.remove()


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.data, "html.parser")


def import_rows(operator, draft, rows: list[list[str]], header: list[str]) -> tuple[BeautifulSoup, str]:
    """Upload and confirm a file; returns the preview page and the batch page's address."""
    preview = soup(upload(operator, xlsx(rows, header=header), draft=draft.slug))
    resp = intake_post(operator, f"/intake/upload/{token_of(preview)}/confirm")
    assert resp.status_code == 303, resp.data[:300]
    return preview, resp.headers["Location"]


def publish_all(draft) -> list[Comment]:
    """Staff publish every imported opinion, decide on it, and publish the feedback."""
    end_read()
    with write_transaction() as session:
        comments = session.scalars(select(Comment).where(Comment.draft_id == draft.id)).all()
        for comment in comments:
            comment.status = "published"
    for comment in comments:
        decide(comment, "adopted", "已吸收。")
    publish(draft)
    end_read()
    return comments


def public_texts(client, draft, article_id: int) -> dict[str, str]:
    """Everything the public can read about the draft's opinions, by where it is read."""
    texts = {}
    for url in (
        f"/drafts/{draft.slug}",
        f"/drafts/{draft.slug}/articles/{article_id}",
        f"/api/v1/drafts/{draft.slug}/comments",
        f"/drafts/{draft.slug}/feedback",
        f"/api/v1/drafts/{draft.slug}/feedback",
        f"/api/v1/drafts/{draft.slug}/open-data",
        "/search?q=社区书房",
        "/api/v1/search?q=社区书房",
    ):
        resp = client.get(url)
        assert resp.status_code == 200, url
        texts[url] = resp.get_data(as_text=True)
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/drafts/{draft.slug}/open-data.zip").data))
    for name in archive.namelist():
        texts[name] = archive.read(name).decode("utf-8-sig")
    return texts


def test_a_name_without_consent_is_never_public_but_staff_see_it(app, factory, login_as):
    point = factory.contact_point("dongguan-jiedao", "东关街道基层立法联系点")
    draft = factory.draft(slug="names-draft")
    operator = login_as("contact_point", point=point.slug)
    header = ["条款", "意见内容", "提出人", "同意公开姓名"]
    rows = [["第一条", SECRET_BODY, SECRET, ""], ["第二条", AGREED_BODY, AGREED, "是"]]
    preview, batch_url = import_rows(operator, draft, rows, header)
    # The preview says, row by row, whose name will be public.
    assert (
        preview.select_one("tr[data-row='2'] td.name-public").get_text(strip=True) == "不公开（显示为匿名）"
    )
    assert preview.select_one("tr[data-row='3'] td.name-public").get_text(strip=True) == "公开"
    comments = publish_all(draft)
    secret = next(c for c in comments if c.author_name == SECRET)

    client = app.test_client()
    texts = public_texts(client, draft, secret.article_id)
    assert SECRET_BODY in texts[f"/drafts/{draft.slug}/articles/{secret.article_id}"]
    # The opinions are found by search, their authors are not named there.
    hits = BeautifulSoup(texts["/search?q=社区书房"], "html.parser").select("li.search-hit")
    assert "无障碍坡道" in " ".join(hit.get_text() for hit in hits)
    for where, text in texts.items():
        assert SECRET not in text, where
    for where in (f"/drafts/{draft.slug}", f"/api/v1/drafts/{draft.slug}/comments"):
        assert AGREED in texts[where], where
    api = client.get(f"/api/v1/drafts/{draft.slug}/comments").get_json()["comments"]
    assert {c["body"]: c["author_name"] for c in api} == {SECRET_BODY: None, AGREED_BODY: AGREED}
    assert soup(client.get(f"/search?q={SECRET}")).select("li.search-hit") == []

    # Staff see the name, marked as not public.
    staff = login_as("staff")
    page = soup(staff.get(f"/admin/moderation?draft={draft.slug}&status=all"))
    [meta] = [p for p in page.select(".comment-meta") if SECRET in p.get_text()]
    assert SECRET in meta.get_text() and meta.select_one(".name-private").get_text() == "（不公开）"
    listed = staff.get(f"/api/v1/admin/comments?draft={draft.slug}").get_json()["comments"]
    assert {c["author_name"]: c["name_public"] for c in listed} == {SECRET: False, AGREED: True}
    # So does the contact point, on its batch page.
    cells = [td.get_text(strip=True) for td in soup(operator.get(batch_url)).select("td.author")]
    assert sorted(cells) == sorted([f"{SECRET}（不公开）", AGREED])


def test_a_file_without_the_consent_column_publishes_no_name(app, factory, login_as):
    point = factory.contact_point("yunhe", "运河街道基层立法联系点")
    draft = factory.draft(slug="names-no-column")
    operator = login_as("contact_point", point=point.slug)
    preview, _batch = import_rows(
        operator, draft, [["第一条", SECRET_BODY, SECRET]], ["条款", "意见内容", "提出人"]
    )
    notice = preview.select_one("#public-columns").get_text(" ", strip=True)
    assert "联系方式、备注从不公开" in notice
    assert "没有“同意公开姓名”列，本次导入的提出人姓名都不会公开" in notice
    [comment] = publish_all(draft)
    assert (comment.author_name, comment.name_public) == (SECRET, False)
    texts = public_texts(app.test_client(), draft, comment.article_id)
    for where, text in texts.items():
        assert SECRET not in text, where
    page = soup(app.test_client().get(f"/drafts/{draft.slug}/articles/{comment.article_id}"))
    assert [a.get_text() for a in page.select(".comment .author")] == ["匿名"]


def test_the_upload_page_says_which_columns_are_public(login_as, factory):
    point = factory.contact_point("dongguan-jiedao", "东关街道基层立法联系点")
    operator = login_as("contact_point", point=point.slug)
    notice = soup(operator.get("/intake/upload")).select_one("#public-columns").get_text()
    assert "提出人姓名只在“同意公开姓名”一列填“是”时公开" in notice
    assert "联系方式、备注从不公开" in notice


def test_web_comments_keep_their_names_public(app, factory):
    draft = factory.draft()
    web = factory.comment(draft, "网上提交的一条意见。", status="published", author_name="王大爷")
    offline = factory.comment(
        draft, "联系点的一条意见。", status="published", author_name="李大妈", channel="contact_point"
    )
    assert (web.name_public, web.public_name) == (True, "王大爷")
    assert (offline.name_public, offline.public_name) == (False, None)


def test_an_unrecognised_consent_value_is_shown_as_the_rows_error(login_as, factory):
    point = factory.contact_point("dongguan-jiedao", "东关街道基层立法联系点")
    draft = factory.draft(slug="names-bad-consent")
    operator = login_as("contact_point", point=point.slug)
    rows = [["第一条", SECRET_BODY, SECRET, "随便"]]
    page = soup(
        upload(
            operator, xlsx(rows, header=["条款", "意见内容", "提出人", "是否同意公开姓名"]), draft=draft.slug
        )
    )
    state = page.select_one("tr[data-row='2'] td.state").get_text(" ", strip=True)
    assert (
        state
        == "是否同意公开姓名：无法识别“随便”：同意公开提出人姓名请填“是”，不同意请填“否”（不填视为不公开）"
    )
