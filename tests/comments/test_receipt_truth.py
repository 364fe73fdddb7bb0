"""What a receipt and a report tell a commenter: their own text, the article as they saw it, how they
will be told, and a refused notify consent on both doors (issue 12, points 1 and 3)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from consult.comments.decisions import decide
from consult.context import CLI
from consult.db import end_read
from consult.drafts.operations import add_version
from consult.extensions import limiter
from consult.feedback.publishing import publish_feedback
from consult.receipts import display
from tests.conftest import csrf_token_from

# The factory's text without 第二条: 第三条 becomes 第二条, 第四条 becomes 第三条, 第二条 is removed.
REVISED = """本市示例管理条例（草案）
（修改稿）

第一章　总则

第一条　为了规范示例管理，制定本条例。

第二章　管理

第二条　主管部门应当依照本条例第一条的规定做好示例管理工作。
主管部门应当每年公布工作情况。

第三条　本条例自2027年1月1日起施行。
"""


@pytest.fixture
def site(make_app):
    app = make_app(COMMENT_RATE_LIMIT="1000 per minute")
    with app.app_context():
        limiter.reset()
        yield app


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.data, "html.parser")


def facts(page: BeautifulSoup) -> dict[str, str]:
    dl = page.select_one("dl.facts")
    return {
        dt.get_text(strip=True): dd.get_text(" ", strip=True)
        for dt, dd in zip(dl.select("dt"), dl.select("dd"), strict=True)
    }


# Point 3: the receipt shows the text as submitted and the article as the person saw it


def test_the_receipt_shows_the_text_and_the_article_before_and_after_renumbering(site, factory):
    draft = factory.draft()
    body = "建议第三条写明\n工作情况公布的期限。"
    on_third = factory.comment(draft, body, article_index=2)
    on_second = factory.comment(draft, "第二条的意见。", article_index=1)
    client = site.test_client()
    code = display(on_third.receipt_code)

    before = soup(client.get(f"/receipts/{code}"))
    assert facts(before)["针对"] == "第三条"
    assert before.select_one(".receipt-body").get_text() == body
    data = client.get(f"/api/v1/receipts/{code}").get_json()
    assert data["body"] == body
    assert data["article_label"] == data["article_label_at_submission"] == "第三条"

    add_version(None, CLI, draft.slug, REVISED, "修改稿")
    end_read()
    after = soup(client.get(f"/receipts/{code}"))
    assert facts(after)["针对"] == "第三条（征求意见稿）· 现第二条"
    assert after.select_one(".facts a[href*='/articles/']") is not None
    data = client.get(f"/api/v1/receipts/{code}").get_json()
    assert (data["article_label"], data["article_label_at_submission"]) == ("第二条", "第三条")

    removed = soup(client.get(f"/receipts/{display(on_second.receipt_code)}"))
    assert facts(removed)["针对"] == "第二条（征求意见稿）· 修改稿中已删除"
    assert removed.select_one(".facts a[href*='/articles/']") is None  # no link to an article gone
    data = client.get(f"/api/v1/receipts/{display(on_second.receipt_code)}").get_json()
    assert (data["article_label"], data["article_label_at_submission"]) == (None, "第二条")


def test_the_feedback_report_names_moved_articles_alike_and_keeps_removed_ones_in_place(site, factory):
    staff, _password = factory.user("staff", username="report-staff")
    draft = factory.draft("closed")
    adopted = factory.comment(draft, "第三条应当写明期限。", status="published", article_index=2)
    grouped = factory.comment(draft, "第三条另一条意见。", status="published", article_index=2)
    gone = factory.comment(draft, "第二条可以删去。", status="published", article_index=1)
    factory.comment(draft, "第一条的意见。", status="published", article_index=0)
    factory.comment(draft, "第四条的意见。", status="published", article_index=3)
    add_version(None, CLI, draft.slug, REVISED, "修改稿")
    decide(staff, CLI, [adopted.id], "adopted", "")
    decide(staff, CLI, [grouped.id, gone.id], "not_adopted", "已有其他规定。")
    end_read()
    publish_feedback(staff, CLI, draft.slug)
    client = site.test_client()
    page = soup(client.get(f"/drafts/{draft.slug}/feedback"))
    headings = [h.get_text(" ", strip=True) for h in page.select(".fb-place h3")]
    # The removed 第二条 stands where it stood (after 第一条), not after the last chapter.
    assert [h.split("　")[-1].split(" ")[0] for h in headings[:4]] == ["第一条", "第二条", "第二条", "第三条"]
    assert "修改稿中已删除" in headings[1] and "修改稿中已删除" not in headings[2]
    expected = "针对第三条（征求意见稿）· 现第二条"
    place = page.select_one(f"#article-{adopted.article_id}")
    own = soup(client.get(place.select_one(".fb-open a")["href"]))  # the article's comments, on its page
    named = [meta.get_text() for meta in own.select(".fb-item .meta-inline")]
    assert len(named) == 2 and all(expected in text for text in named)  # the adopted one and the other
    data = client.get(f"/api/v1/drafts/{draft.slug}/feedback").get_json()
    assert [(a["label"], a["removed"]) for a in data["articles"]] == [
        ("第一条", False),
        ("第二条", True),
        ("第二条", False),
        ("第三条", False),
    ]
    items = {i["comment_id"]: i for a in data["articles"] for i in a["items"]}
    assert items[grouped.id]["commented_as"] == "第三条（征求意见稿）· 现第二条"


@pytest.mark.parametrize(
    "pasted", ["回执码：{code}", "回执码: {code}。", "  {full}  ", "您的回执码为{plain}，请妥善保存"]
)
def test_a_pasted_receipt_code_is_found(site, factory, pasted):
    draft = factory.draft()
    comment = factory.comment(draft, "一条意见。")
    code = display(comment.receipt_code)
    full = code.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    typed = pasted.format(code=code, full=full, plain=comment.receipt_code)
    resp = site.test_client().get("/receipts", query_string={"code": typed})
    assert resp.status_code == 303 and resp.headers["Location"].endswith(comment.receipt_code)


# Point 1: a notice is promised only where it can be delivered


def form_post(client, slug, **fields):
    page = client.get(f"/drafts/{slug}").data
    data = {"csrf_token": csrf_token_from(page), "body": "这是一条足够长的意见。", "website": "", **fields}
    return client.post(f"/drafts/{slug}/comments", data=data)


@pytest.mark.parametrize("contact", ["13912345678", "010-12345678", ""])
def test_without_sms_notify_needs_an_email_on_both_doors(site, factory, contact):
    draft = factory.draft()
    client = site.test_client()
    resp = client.post(
        f"/api/v1/drafts/{draft.slug}/comments",
        json={"body": "这是一条足够长的意见。", "contact": contact, "notify": True},
    )
    assert resp.status_code == 400
    assert "电子邮箱" in resp.get_json()["error"]["fields"]["notify"]
    page = form_post(client, draft.slug, contact=contact, notify="y")
    assert page.status_code == 400
    html = soup(page)
    assert "电子邮箱" in html.select_one("#notify-error").get_text()
    assert html.select_one("#notify")["aria-invalid"] == "true"
    assert html.select_one("#contact")["value"] == contact  # what was typed is kept


def test_the_hint_says_which_contacts_can_be_told(site, factory):
    draft = factory.draft()
    client = site.test_client()
    assert (
        "只能通过电子邮件" in soup(client.get(f"/drafts/{draft.slug}")).select_one("#notify-hint").get_text()
    )
    site.config.update(SMS_GATEWAY_URL="https://sms.example.cn/send", SMS_SIGN_NAME="本市人大")
    hint = soup(client.get(f"/drafts/{draft.slug}")).select_one("#notify-hint").get_text()
    assert "手机短信" in hint and "固定电话无法接收" in hint


def test_with_sms_a_mobile_may_ask_but_a_landline_may_not(site, factory):
    site.config.update(SMS_GATEWAY_URL="https://sms.example.cn/send", SMS_SIGN_NAME="本市人大")
    draft = factory.draft()
    client = site.test_client()
    ok = client.post(
        f"/api/v1/drafts/{draft.slug}/comments",
        json={"body": "这是一条足够长的意见。", "contact": "139 1234 5678", "notify": True},
    )
    assert ok.status_code == 201
    landline = client.post(
        f"/api/v1/drafts/{draft.slug}/comments",
        json={"body": "这是一条足够长的意见。", "contact": "010-12345678", "notify": True},
    )
    assert landline.status_code == 400 and "notify" in landline.get_json()["error"]["fields"]
    receipt = soup(client.get(f"/receipts/{ok.get_json()['receipt_code']}"))
    assert "将通过短信通知 139****5678" in receipt.select_one("#notifications").get_text()
    data = client.get(f"/api/v1/receipts/{ok.get_json()['receipt_code']}").get_json()
    assert data["notify_by"] == "sms" and "13912345678" not in str(data)


def test_the_receipt_says_how_the_notice_will_come(site, factory):
    draft = factory.draft()
    client = site.test_client()
    resp = form_post(client, draft.slug, contact="wang.fang@example.com", notify="y")
    receipt = soup(client.get(resp.headers["Location"]))
    assert "将通过电子邮件通知 w***@example.com" in receipt.select_one("#notifications").get_text()
    quiet = form_post(client, draft.slug, contact="wang.fang@example.com")
    receipt = soup(client.get(quiet.headers["Location"]))
    assert receipt.select_one("#notifications") is None
    code = quiet.headers["Location"].split("/receipts/")[1].split("?")[0]
    assert client.get(f"/api/v1/receipts/{code}").get_json()["notify_by"] is None


# Point 4: a refused form says so in its title and lands on the message


def test_a_refused_comment_titles_itself_and_lands_on_the_form(site, factory):
    draft = factory.draft()
    client = site.test_client()
    fine = soup(client.get(f"/drafts/{draft.slug}"))
    assert not fine.title.get_text().startswith("错误")
    assert fine.select_one("form.comment-form")["action"].endswith("#comment-form")
    refused = soup(form_post(client, draft.slug, body="短", contact="不是号码"))
    assert refused.title.get_text().startswith("错误：")
    summary = refused.select_one("#form-message")
    assert summary is not None and summary.find_parent("form")["id"] == "comment-form"
    # Two fields wrong: the summary lists both, each a link to its field.
    links = {a["href"]: a.get_text() for a in summary.select("a")}
    assert set(links) == {"#body-general", "#contact"}
    assert refused.select_one("script[src*='refused.js']") is not None
