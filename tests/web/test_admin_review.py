"""Review pages for staff: counts, decisions (one and a selection), entering letters, the audit log."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from consult import audit
from consult.clock import as_utc, utcnow
from consult.context import CLI, RequestContext
from consult.db import end_read, write_transaction
from consult.drafts.operations import add_version
from consult.extensions import db
from consult.models import AuditLog, Comment, Decision, Draft
from tests.conftest import csrf_token_from
from tests.factories import SAMPLE_TEXT

HAN = re.compile(r"[\u4e00-\u9fff]")


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.data, "html.parser")


def textarea_value(el) -> str:
    text = el.get_text()
    return text[1:] if text.startswith("\n") else text


def checked_outcome(form) -> str | None:
    radio = form.select_one("input[name=outcome][checked]")
    return radio["value"] if radio else None


def decide(c, url: str, **fields):
    token = csrf_token_from(c.get(url).data)
    return c.post(url, data={"csrf_token": token, **fields})


@pytest.fixture
def setup(factory):
    """A draft with published comments on 第一条 and 第三条, general ones, and some not counted."""
    draft = factory.draft()
    texts = draft.current_version.texts
    first, third = texts[0].article_id, texts[2].article_id
    on_first = [factory.comment(draft, body=f"第一条意见{i}", status="published") for i in range(3)]
    on_third = [factory.comment(draft, body="第三条意见", status="published", article_index=2)]
    general = [
        factory.comment(draft, body=f"整体意见{i}", status="published", article_index=None) for i in range(2)
    ]
    factory.comment(draft, body="待审核的不算", status="pending")
    factory.comment(draft, body="不予公开的不算", status="rejected", article_index=2)
    end_read()
    with write_transaction() as session:
        session.add(Decision(comment_id=on_first[0].id, outcome="adopted", reason="", decided_at=utcnow()))
    return draft, first, third, on_first, on_third, general


def decision_of(comment_id: int) -> Decision | None:
    end_read()
    return db.session.scalar(select(Decision).where(Decision.comment_id == comment_id))


# The review pages


def test_the_review_list_counts_published_and_undecided_comments(login_as, setup, factory):
    draft, *_ = setup
    empty = factory.draft()
    page = soup(login_as("staff").get("/admin/review"))
    row = page.select_one(f"tr[data-slug='{draft.slug}']")
    assert row.select_one("th a")["href"] == f"/admin/review/{draft.slug}"
    assert row.select_one(".published").get_text(strip=True) == "6"
    assert row.select_one(".decided").get_text(strip=True) == "1"
    assert row.select_one(".undecided").get_text(strip=True) == "5"
    other = page.select_one(f"tr[data-slug='{empty.slug}']")
    assert other.select_one(".published").get_text(strip=True) == "0"
    # Drafts with comments waiting come first.
    assert page.select("tbody tr")[0]["data-slug"] == draft.slug
    assert "研究处理" in [a.get_text() for a in page.select(".site-nav a")]


def test_the_draft_review_counts_each_article_and_the_general_opinions(login_as, setup):
    draft, first, third, *_ = setup
    page = soup(login_as("staff").get(f"/admin/review/{draft.slug}"))
    assert page.select_one("h1").get_text(strip=True) == draft.title
    general = page.select_one("tr[data-article=general]")
    assert "整体意见" in general.get_text()
    assert general.select_one(".published").get_text(strip=True) == "2"
    assert general.select_one(".undecided a")["href"] == f"/admin/review/{draft.slug}/general?undecided=1"
    row1 = page.select_one(f"tr[data-article='{first}']")
    assert row1.select_one("th").get_text(strip=True) == "第一条"
    assert (
        row1.select_one(".published").get_text(strip=True),
        row1.select_one(".undecided").get_text(strip=True),
    ) == (
        "3",
        "2",
    )
    row3 = page.select_one(f"tr[data-article='{third}']")
    assert (
        row3.select_one(".published").get_text(strip=True),
        row3.select_one(".undecided").get_text(strip=True),
    ) == (
        "1",
        "1",
    )
    assert [th.get_text(strip=True) for th in page.select("tr.chapter-row th")] == [
        "第一章　总则",
        "第二章　管理",
    ]
    assert len(page.select("tr[data-article]")) == 5  # general + four articles
    assert "已公开意见6条，已处理1条，未处理5条" in page.select_one(".meta").get_text()


def test_the_article_page_lists_published_comments_with_their_decisions(login_as, setup):
    draft, first, _third, on_first, *_ = setup
    staff = login_as("staff")
    page = soup(staff.get(f"/admin/review/{draft.slug}/articles/{first}"))
    assert page.select_one("h1").get_text(" ", strip=True).startswith("第一条")
    assert "第一章　总则" in page.select_one("h1 .chapter").get_text()
    assert "为了规范示例管理" in page.select_one(".article-text").get_text()
    items = page.select("li.review-item")
    assert [int(li["data-id"]) for li in items] == [c.id for c in on_first]
    decided = page.select_one(f"#c{on_first[0].id}")
    assert decided.select_one(".current-decision .outcome").get_text() == "采纳"
    assert checked_outcome(decided.select_one("form.decision-form")) == "adopted"
    assert page.select_one(f"#c{on_first[1].id} .badge-undecided").get_text() == "未处理"
    assert [r["value"] for r in decided.select("input[name=outcome]")] == [
        "adopted",
        "partially_adopted",
        "not_adopted",
        "already_provided",
        "out_of_scope",
    ]
    assert [lab.get_text(strip=True) for lab in decided.select("label.choice")] == [
        "采纳",
        "部分采纳",
        "未采纳",
        "已有规定",
        "不属于立法范畴",
    ]
    # One hint for every reason field of the page (the bulk form shows it), not one copy per comment.
    assert decided.select_one("form.decision-form textarea")["aria-describedby"] == "outcome-hint"
    assert "除“采纳”外，必须填写公开的理由" in page.select_one("#outcome-hint").get_text()
    assert decided.select_one("form.decision-form .hint") is None
    assert len(page.select("input[type=checkbox][name=ids][form=bulk]")) == 3
    assert page.select_one("#bulk input[name=scope]")["value"] == "bulk"
    assert "待审核的不算" not in page.get_text()
    assert page.select_one(".article-nav a[rel=next]").get_text(strip=True).startswith("第二条")
    only = soup(staff.get(f"/admin/review/{draft.slug}/articles/{first}?undecided=1"))
    assert [int(li["data-id"]) for li in only.select("li.review-item")] == [c.id for c in on_first[1:]]
    assert only.select_one(".segmented a[aria-current=page]").get_text(strip=True) == "只看未处理（2）"
    general = soup(staff.get(f"/admin/review/{draft.slug}/general"))
    assert general.select_one("h1").get_text(strip=True) == "整体意见"
    assert [li.select_one(".comment-body").get_text() for li in general.select("li.review-item")] == [
        "整体意见0",
        "整体意见1",
    ]


def test_select_all_checks_every_comment_of_the_page_without_javascript(login_as, setup):
    draft, first, *_ = setup
    page = soup(login_as("staff").get(f"/admin/review/{draft.slug}/articles/{first}?select=all"))
    boxes = page.select("input[type=checkbox][name=ids]")
    assert len(boxes) == 3 and all(b.has_attr("checked") for b in boxes)


def test_deciding_one_comment(login_as, setup):
    draft, first, _third, on_first, *_ = setup
    staff = login_as("staff")
    url = f"/admin/review/{draft.slug}/articles/{first}"
    target = on_first[1]
    resp = decide(staff, url, ids=str(target.id), outcome="not_adopted", reason="与上位法规定不一致。")
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(f"{url}#c{target.id}")
    decision = decision_of(target.id)
    assert (decision.outcome, decision.reason, decision.decided_by_id) == (
        "not_adopted",
        "与上位法规定不一致。",
        staff.user.id,
    )
    assert decision_of(on_first[2].id) is None
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "comment.decide"))
    assert row.actor_name == staff.user.username and row.details["ids"] == [target.id]
    page = soup(staff.get(url))
    assert "已保存意见" in page.select_one(".flash").get_text()
    item = page.select_one(f"#c{target.id}")
    assert item.select_one(".outcome").get_text() == "未采纳"
    assert item.select_one(".reason").get_text() == "与上位法规定不一致。"
    assert staff.user.username in item.select_one(".decided-by").get_text()
    # Adopted needs no reason, and a decision can be changed.
    resp = decide(staff, url, ids=str(target.id), outcome="adopted", reason="")
    assert resp.status_code == 303
    assert (decision_of(target.id).outcome, decision_of(target.id).reason) == ("adopted", "")
    # Under "undecided only" the filter and page survive the redirect.
    resp = decide(staff, url + "?undecided=1", ids=str(on_first[2].id), outcome="adopted", undecided="1")
    assert resp.headers["Location"].endswith(f"{url}?undecided=1#c{on_first[2].id}")


def test_deciding_a_selection_records_one_decision_for_all(login_as, setup):
    draft, _first, _third, on_first, _on_third, general = setup
    staff = login_as("staff")
    url = f"/admin/review/{draft.slug}/general"
    token = csrf_token_from(staff.get(url).data)
    resp = staff.post(
        url,
        data={
            "csrf_token": token,
            "scope": "bulk",
            "ids": [str(c.id) for c in general],
            "outcome": "already_provided",
            "reason": "《示例法》第十条已有规定。",
        },
    )
    assert resp.status_code == 303 and resp.headers["Location"].endswith(url)
    for c in general:
        d = decision_of(c.id)
        assert (d.outcome, d.reason) == ("already_provided", "《示例法》第十条已有规定。")
    assert decision_of(on_first[1].id) is None
    rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "comment.decide")).all()
    assert len(rows) == 1 and rows[0].details["ids"] == sorted(c.id for c in general)
    page = soup(staff.get(url))
    assert "已为选中的2条意见保存处理结果：已有规定" in page.select_one(".flash").get_text()
    assert "未处理0条" in page.select_one(".tally").get_text()
    # The draft overview now shows the general opinions as decided.
    overview = soup(staff.get(f"/admin/review/{draft.slug}"))
    assert overview.select_one("tr[data-article=general] .undecided").get_text(strip=True) == "0"


@pytest.mark.parametrize("outcome", ["partially_adopted", "not_adopted", "already_provided", "out_of_scope"])
def test_a_reason_is_required_except_for_adopted(login_as, setup, outcome):
    draft, first, _third, on_first, *_ = setup
    staff = login_as("staff")
    url = f"/admin/review/{draft.slug}/articles/{first}"
    target = on_first[2]
    resp = decide(staff, url, ids=str(target.id), outcome=outcome, reason="   ")
    assert resp.status_code == 400
    page = soup(resp)
    assert "必须附公开的理由" in page.select_one("#decision-error").get_text()
    item = page.select_one(f"#c{target.id}")
    assert "has-error" in item["class"]
    assert "必须附公开的理由" in item.select_one(".field-error").get_text()
    form = item.select_one("form.decision-form")
    assert checked_outcome(form) == outcome  # the choice is kept
    assert form.select_one("textarea")["aria-invalid"] == "true"
    assert item.select_one("details.decision-edit").has_attr("open")
    assert decision_of(target.id) is None


def test_a_refused_selection_keeps_the_input_and_the_ticks(login_as, setup):
    draft, first, _third, on_first, *_ = setup
    staff = login_as("staff")
    url = f"/admin/review/{draft.slug}/articles/{first}"
    token = csrf_token_from(staff.get(url).data)
    ids = [on_first[1].id, on_first[2].id]
    resp = staff.post(
        url,
        data={"csrf_token": token, "scope": "bulk", "ids": [str(i) for i in ids], "outcome": "out_of_scope"},
    )
    assert resp.status_code == 400
    page = soup(resp)
    bulk = page.select_one("#bulk")
    assert "必须附公开的理由" in bulk.select_one(".field-error").get_text()
    assert checked_outcome(bulk) == "out_of_scope"
    assert bulk.select_one("textarea")["aria-invalid"] == "true"
    ticked = [int(b["value"]) for b in page.select("input[name=ids][form=bulk][checked]")]
    assert ticked == ids
    # Nothing ticked, and an unknown outcome, are refused too.
    resp = staff.post(url, data={"csrf_token": token, "scope": "bulk", "outcome": "adopted", "reason": "好"})
    assert resp.status_code == 400 and "请先勾选" in soup(resp).select_one("#bulk .field-error").get_text()
    resp = staff.post(
        url,
        data={"csrf_token": token, "scope": "bulk", "ids": str(ids[0]), "outcome": "maybe", "reason": "好"},
    )
    assert resp.status_code == 400
    bulk = soup(resp).select_one("#bulk")
    assert "未知的处理结果" in bulk.select_one(".field-error").get_text()
    assert textarea_value(bulk.select_one("textarea")) == "好"
    assert decision_of(ids[0]) is None and decision_of(ids[1]) is None


def test_decisions_are_read_only_once_the_feedback_is_published(login_as, setup):
    draft, first, _third, on_first, *_ = setup
    staff = login_as("staff")
    url = f"/admin/review/{draft.slug}/articles/{first}"
    token = csrf_token_from(staff.get(url).data)
    end_read()
    with write_transaction() as session:
        session.get(Draft, draft.id).feedback_published_at = utcnow()
    page = soup(staff.get(url))
    assert "不能再修改" in page.select_one("#locked").get_text()
    assert page.select("form.decision-form") == [] and page.select_one("#bulk") is None
    assert page.select("input[type=checkbox]") == []
    assert page.select_one(f"#c{on_first[0].id} .outcome").get_text() == "采纳"
    assert "不能再修改" in soup(staff.get(f"/admin/review/{draft.slug}")).select_one(".notice").get_text()
    resp = staff.post(url, data={"csrf_token": token, "ids": str(on_first[1].id), "outcome": "adopted"})
    assert resp.status_code == 409
    assert "采纳情况反馈已发布" in soup(resp).select_one("#decision-error").get_text()
    assert decision_of(on_first[1].id) is None


def test_comments_on_a_removed_or_renumbered_article_stay_reviewable(login_as, factory):
    draft = factory.draft()
    texts = draft.current_version.texts
    a1, a2, a3, a4 = (t.article_id for t in texts)
    on_removed = factory.comment(draft, body="对第二条的意见", status="published", article_index=1)
    on_moved = factory.comment(draft, body="对原第三条的意见", status="published", article_index=2)
    revised = (
        SAMPLE_TEXT.replace("第二条　本条例适用于本市行政区域内的示例管理活动。\n\n", "")
        .replace("第三条", "第二条")
        .replace("第四条", "第三条")
    )
    end_read()
    add_version(None, CLI, draft.slug, revised, matches=[a1, a3, a4])
    staff = login_as("staff")
    overview = soup(staff.get(f"/admin/review/{draft.slug}"))
    removed = overview.select_one(f"tr.removed-row[data-article='{a2}']")
    assert "原第二条" in removed.get_text() and removed.select_one(".published").get_text(strip=True) == "1"
    assert overview.select_one(f"tr[data-article='{a3}'] th").get_text(strip=True) == "第二条"
    page = soup(staff.get(f"/admin/review/{draft.slug}/articles/{a2}"))
    assert "已删除" in page.select_one("h1").get_text()
    assert [int(li["data-id"]) for li in page.select("li.review-item")] == [on_removed.id]
    moved = soup(staff.get(f"/admin/review/{draft.slug}/articles/{a3}"))
    assert "提出时为第三条" in moved.select_one(f"#c{on_moved.id} .queue-head").get_text()


def test_unknown_drafts_and_articles_are_404(login_as, setup, factory):
    draft, *_ = setup
    other = factory.draft()
    staff = login_as("staff")
    assert staff.get("/admin/review/no-such-draft").status_code == 404
    assert staff.get(f"/admin/review/{draft.slug}/articles/999999").status_code == 404
    foreign = other.current_version.texts[0].article_id
    assert staff.get(f"/admin/review/{draft.slug}/articles/{foreign}").status_code == 404
    token = csrf_token_from(staff.get("/admin/review").data)
    resp = staff.post(
        "/admin/review/no-such-draft/general", data={"csrf_token": token, "ids": "1", "outcome": "adopted"}
    )
    assert resp.status_code == 404


def test_review_pages_are_for_staff_and_admins_only(login_as, client, setup):
    draft, first, *_ = setup
    urls = [
        "/admin/review",
        f"/admin/review/{draft.slug}",
        f"/admin/review/{draft.slug}/articles/{first}",
        "/admin/enter",
    ]
    for url in urls:
        resp = client.get(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], url
    point = login_as("contact_point")
    admin = login_as("admin")
    for url in urls:
        assert point.get(url).status_code == 403, url
        assert admin.get(url).status_code == 200, url
    token = csrf_token_from(client.get("/").data)
    resp = client.post(f"/admin/review/{draft.slug}/general", data={"csrf_token": token, "ids": "1"})
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    resp = point.post(
        f"/admin/review/{draft.slug}/general", data={"csrf_token": csrf_token_from(point.get("/").data)}
    )
    assert resp.status_code == 403


def test_the_comment_list_is_paginated_and_keeps_the_filter(login_as, factory):
    draft = factory.draft()
    article_id = draft.current_version.texts[1].article_id
    for i in range(52):
        factory.comment(draft, body=f"意见{i:02d}", status="published", article_index=1)
    staff = login_as("staff")
    url = f"/admin/review/{draft.slug}/articles/{article_id}"
    page = soup(staff.get(url + "?undecided=1"))
    assert len(page.select("li.review-item")) == 50
    next_href = page.select_one(".pagination a[rel=next]")["href"]
    assert next_href.startswith(url) and "page=2" in next_href and "undecided=1" in next_href
    second = soup(staff.get(next_href))
    assert [li.select_one(".comment-body").get_text() for li in second.select("li.review-item")] == [
        "意见50",
        "意见51",
    ]
    assert second.select_one("#bulk input[name=page]")["value"] == "2"
    # A page past the end shows the last one (deciding empties pages under "undecided only").
    assert len(soup(staff.get(url + "?page=99")).select("li.review-item")) == 2


def test_the_entered_page_is_staff_only_and_404_for_unknown_comments(login_as, client, factory):
    draft = factory.draft()
    comment = factory.comment(draft)
    assert login_as("staff").get("/admin/enter/999999").status_code == 404
    assert login_as("contact_point").get(f"/admin/enter/{comment.id}").status_code == 403
    resp = client.get(f"/admin/enter/{comment.id}")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


# Entering opinions that arrived another way


def test_the_entry_form_asks_for_the_draft_first_then_shows_its_articles(login_as, factory):
    draft = factory.draft()
    staff = login_as("staff")
    page = soup(staff.get("/admin/enter"))
    chooser = page.select_one("form.draft-chooser")
    assert chooser["method"] == "get"
    assert draft.slug in [o["value"] for o in chooser.select("select[name=draft] option")]
    assert page.select_one("form.entry-form") is None
    page = soup(staff.get(f"/admin/enter?draft={draft.slug}"))
    form = page.select_one("form.entry-form")
    assert form.select_one("input[name=draft]")["value"] == draft.slug
    options = form.select("select[name=article_id] option")
    assert options[0]["value"] == "" and options[0].get_text() == "草案整体"
    assert [o.get_text().split()[0] for o in options[1:]] == ["第一条", "第二条", "第三条", "第四条"]
    assert [g["label"] for g in form.select("optgroup")] == ["第一章　总则", "第二章　管理"]
    assert [r["value"] for r in form.select("input[name=channel]")] == ["letter", "deputy", "expert"]
    assert [lab.get_text(strip=True) for lab in form.select("label.choice")] == [
        "来信",
        "人大代表",
        "立法专家顾问",
    ]
    assert form.select_one("input[name=received_at]")["value"] == "2026-11-27"
    resp = staff.get("/admin/enter?draft=no-such-draft")
    assert resp.status_code == 404 and soup(resp).select_one("form.entry-form") is None


def test_entering_a_letter_gives_a_receipt_code_and_lands_pending(login_as, factory):
    draft = factory.draft()
    article_id = draft.current_version.texts[2].article_id
    staff = login_as("staff")
    token = csrf_token_from(staff.get(f"/admin/enter?draft={draft.slug}").data)
    resp = staff.post(
        "/admin/enter",
        data={
            "csrf_token": token,
            "draft": draft.slug,
            "channel": "letter",
            "author_name": "李某某",
            "contact": "13912345678",
            "received_at": "2026-11-20",
            "article_id": str(article_id),
            "body": "建议第三条增加公开时限。\n此致",
        },
    )
    assert resp.status_code == 303
    end_read()
    comment = db.session.scalar(select(Comment).where(Comment.draft_id == draft.id))
    assert resp.headers["Location"].endswith(f"/admin/enter/{comment.id}")
    assert (comment.channel, comment.status, comment.article_id) == ("letter", "pending", article_id)
    assert (comment.author_name, comment.contact, comment.body) == (
        "李某某",
        "13912345678",
        "建议第三条增加公开时限。\n此致",
    )
    assert comment.received_at == as_utc(datetime(2026, 11, 20))  # the day starts in Beijing
    page = soup(staff.get(resp.headers["Location"]))
    code = page.select_one(".receipt-code #receipt-code").get_text(strip=True)
    assert code.replace("-", "") == comment.receipt_code and code.count("-") == 3
    facts = page.select_one(".facts").get_text()
    assert "第三条" in facts and "来信" in facts and "待审核" in facts and "李某某" in facts
    again = page.select_one(".next-steps a.button.primary")
    assert again["href"] == f"/admin/enter?draft={draft.slug}"
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "comment.enter"))
    assert row.target_id == str(comment.id) and row.actor_name == staff.user.username
    # The general opinion of a deputy, without a date.
    resp = staff.post(
        "/admin/enter",
        data={
            "csrf_token": token,
            "draft": draft.slug,
            "channel": "deputy",
            "body": "整体上很好。",
            "received_at": "",
        },
    )
    assert resp.status_code == 303
    end_read()
    deputy = db.session.scalar(select(Comment).where(Comment.channel == "deputy"))
    assert deputy.article_id is None and deputy.received_at is None


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"body": "  "}, "body", "请填写意见内容"),
        ({"channel": "web"}, "channel", "来源应为"),
        ({"channel": ""}, "channel", "来源应为"),
        ({"received_at": "2026-12-01"}, "received_at", "收到日期不能晚于今天"),
        ({"received_at": "27/11/2026"}, "received_at", "日期格式"),
        ({"contact": "abc"}, "contact", "请填写有效的"),
        ({"article_id": "999999"}, "article_id", "所选条款不属于本草案"),
        ({"article_id": "x"}, "article_id", "所选条款不属于本草案"),
        ({"draft": "no-such-draft"}, "draft", "草案不存在"),
        ({"draft": ""}, "draft", "请先选择草案"),
    ],
)
def test_entry_errors_keep_the_input(login_as, factory, change, field, message):
    draft = factory.draft()
    staff = login_as("staff")
    token = csrf_token_from(staff.get(f"/admin/enter?draft={draft.slug}").data)
    data = {
        "csrf_token": token,
        "draft": draft.slug,
        "channel": "expert",
        "author_name": "王教授",
        "contact": "wang@example.com",
        "received_at": "2026-11-25",
        "article_id": "",
        "body": "建议细化罚则。",
        **change,
    }
    resp = staff.post("/admin/enter", data=data)
    assert resp.status_code == 400
    page = soup(resp)
    assert message in page.select_one("#form-message").get_text()
    form = page.select_one("form.entry-form")
    if field == "draft":
        assert page.select_one("form.draft-chooser select")["aria-invalid"] == "true"
        assert form is None  # the draft must be chosen again
    else:
        assert form.select_one("input[name=author_name]")["value"] == "王教授"
        assert form.select_one("input[name=contact]")["value"] == data["contact"]
        assert form.select_one("input[name=received_at]")["value"] == data["received_at"]
        assert textarea_value(form.select_one("textarea[name=body]")) == data["body"]
        if data["channel"] == "expert":
            assert form.select_one("input[name=channel][checked]")["value"] == "expert"
        invalid = form.select_one(f"[name={field}][aria-invalid=true]") or form.select_one(
            "fieldset[aria-invalid]"
        )
        assert invalid is not None
    end_read()
    assert db.session.scalar(select(func.count(Comment.id))) == 0


# The audit log


def _audit_rows(n: int, clock, action: str = "export.summary", actor=None):
    for i in range(n):
        end_read()
        with write_transaction() as session:
            audit.record(
                session,
                actor,
                RequestContext(address_hash="ab" * 32),
                action,
                None,
                {"format": "xlsx", "rows": i, "status": "published", "名": "值"},
            )
        clock.advance(minutes=1)


def test_the_audit_log_lists_newest_first_in_pages_of_50(login_as, factory, clock):
    admin = login_as("admin")  # its sign-in is an audit row too
    _audit_rows(55, clock)
    page = soup(admin.get("/admin/audit"))
    rows = page.select("table.audit-table tbody tr")
    assert len(rows) == 50
    assert "共57条" in page.select_one(".result-count").get_text()
    lines = [li.get_text() for li in rows[0].select(".details li")]
    assert lines == ["格式：XLSX", "行数：54", "范围：已公开的意见", "名：值"]  # an unknown key by its code
    assert [li.get_text() for li in rows[1].select(".details li")][1] == "行数：53"
    assert rows[0].select_one(".what").get_text(" ", strip=True) == "导出意见汇总表 export.summary"
    assert rows[0].select_one(".address code").get_text() == "abababab" + "ab…"
    assert rows[0].select_one(".address code")["title"] == "ab" * 32
    assert rows[0].select_one(".when").get_text(strip=True) == "2026年11月27日 10:54"
    assert rows[0].select_one(".who").get_text(strip=True) == "系统"
    next_link = page.select_one(".pagination a[rel=next]")["href"]
    assert next_link == "/admin/audit?page=2"
    second = soup(admin.get(next_link)).select("table.audit-table tbody tr")
    assert len(second) == 7
    created, login = second[-1], second[-2]
    assert created.select_one(".what code").get_text() == "user.create"
    assert created.select_one(".target").get_text(strip=True) == f"账号 {admin.user.username}"
    assert (
        "登录" in login.select_one(".what").get_text()
        and admin.user.username in login.select_one(".who").get_text()
    )
    assert "audit" in [a["href"].strip("/").split("/")[-1] for a in page.select(".site-nav a")]
    # The table scrolls sideways on a narrow screen: its container takes the keyboard focus and is named.
    region = page.select_one(".table-scroll")
    assert region.select_one("table.audit-table") and region["tabindex"] == "0"
    assert region["role"] == "region" and "操作日志" in region["aria-label"]


def test_the_audit_log_filters_by_action_actor_target_and_dates(login_as, factory, clock):
    admin = login_as("admin")
    staff_user, _ = factory.user("staff", username="zhang")
    draft = factory.draft()  # draft.create by nobody (CLI)
    _audit_rows(2, clock, action="comment.decide", actor=staff_user)
    clock.advance(days=3)
    _audit_rows(1, clock, action="comment.publish", actor=staff_user)

    def listed(query: str) -> list[str]:
        page = soup(admin.get("/admin/audit" + query))
        return [tr.select_one(".what code").get_text() for tr in page.select("table.audit-table tbody tr")]

    page = soup(admin.get("/admin/audit"))
    assert {"comment.decide", "comment.publish", "draft.create", "auth.login"} <= {
        o["value"] for o in page.select("select[name=action] option") if o["value"]
    }
    assert "处理意见（comment.decide）" in [o.get_text() for o in page.select("select[name=action] option")]
    assert ("draft", "草案") in [
        (o["value"], o.get_text()) for o in page.select("select[name=target_type] option")
    ]
    assert listed("?action=comment.decide") == ["comment.decide", "comment.decide"]
    assert listed("?actor=ZHANG") == ["comment.publish", "comment.decide", "comment.decide"]
    assert listed("?target_type=draft") == ["draft.create"]
    assert listed("?from=2026-11-30") == ["comment.publish"]
    assert "comment.publish" not in listed("?to=2026-11-27")
    assert listed("?from=2026-11-27&to=2026-11-27&actor=zhang") == ["comment.decide", "comment.decide"]
    refused = admin.get("/admin/audit?from=yesterday")
    assert refused.status_code == 400
    bad = soup(refused)
    assert bad.title.get_text().startswith("错误：")
    assert "日期格式" in bad.select_one(".field-error").get_text()
    assert bad.select_one("input[name=from]")["aria-invalid"] == "true"
    selected = soup(admin.get("/admin/audit?action=comment.decide&actor=zhang"))
    assert selected.select_one("select[name=action] option[selected]")["value"] == "comment.decide"
    assert selected.select_one("input[name=actor]")["value"] == "zhang"
    assert draft.slug  # the draft's creation is what target_type=draft found


def test_every_action_object_and_detail_on_the_audit_log_reads_in_chinese(login_as, factory):
    """Actions once shown by their code (intake.import, token.revoke, user.*) have names; objects are
    named by title, username or #id; details are lines, not JSON; an account's history uses the same names."""
    from consult.auth import operations as ops
    from consult.comments.moderation import moderate_comment
    from consult.intake.importing import BatchRequest, import_batch

    admin = login_as("admin")
    staff, _ = factory.user("staff", username="zhang")
    draft = factory.draft(title="本市城市书房条例（草案）")
    point = factory.contact_point("dongguan", "东关街道基层立法联系点")
    comment_id, staff_id, acting = factory.comment(draft).id, staff.id, admin.user
    for step in (
        lambda: ops.update_user(None, CLI, staff_id, "张三", "admin"),
        lambda: ops.set_user_active(None, CLI, staff_id, False),
        lambda: ops.set_user_active(None, CLI, staff_id, True),
        lambda: ops.reset_password(None, CLI, staff_id, generate=True),
        lambda: ops.end_sessions(None, CLI, staff_id),
    ):
        end_read()
        step()
    end_read()
    token, _secret = ops.create_token(None, CLI, staff_id, "导入脚本")
    end_read()
    ops.revoke_token(None, CLI, token.id)
    end_read()
    data = "条款,意见内容\n第一条,建议写明主管部门。\n".encode()
    request = BatchRequest(draft.slug, "意见.csv", data, contact_point=point.slug, method="forum")
    batch_id = import_batch(None, CLI, request).batch_id
    end_read()
    moderate_comment(acting, CLI, comment_id, "publish")

    page = soup(admin.get("/admin/audit"))
    rows = {tr.select_one(".what code").get_text(): tr for tr in page.select("table.audit-table tbody tr")}
    raw_before = {"intake.import", "token.revoke", "user.update", "user.deactivate", "user.reactivate"}
    assert raw_before | {"user.password_reset", "user.sign_out_everywhere", "token.create"} <= set(rows)
    for code, tr in rows.items():
        label = tr.select_one(".what").get_text(" ", strip=True).removesuffix(code).strip()
        assert HAN.search(label) and code not in label, code
        details = tr.select_one(".details").get_text()
        assert "{" not in details and '"' not in details, code
        if tr.select_one(".target").get_text(strip=True):
            assert HAN.search(tr.select_one(".target").get_text()), code

    def cells(code: str) -> tuple[str, str, list[str]]:
        tr = rows[code]
        label = tr.select_one(".what").get_text(" ", strip=True).removesuffix(code).strip()
        return (
            label,
            tr.select_one(".target").get_text(strip=True),
            [li.get_text() for li in tr.select(".details li")],
        )

    assert cells("draft.create")[:2] == ("创建草案", "草案《本市城市书房条例（草案）》")
    assert cells("intake.import")[:2] == ("导入意见表格", f"导入批次 #{batch_id}（意见.csv）")
    assert "导入条数：1" in cells("intake.import")[2]
    assert cells("token.revoke")[:2] == ("撤销 API 令牌", "API 令牌 “导入脚本”（zhang）")
    label, target, lines = cells("user.update")
    assert (label, target) == ("修改账号", "账号 zhang")
    assert "角色：工作人员 → 管理员" in lines and "显示名称：zhang → 张三" in lines
    assert cells("user.deactivate")[0] == "停用账号" and cells("user.reactivate")[0] == "重新启用账号"
    assert "自动生成密码：是" in cells("user.password_reset")[2]
    label, target, lines = cells("comment.publish")
    assert (label, target) == ("公开意见", f"意见 #{comment_id}")
    assert "原状态：待审核" in lines and "新状态：已公开" in lines
    # The account page's history names token.create as the audit log does.
    history = soup(admin.get(f"/admin/users/{staff_id}")).select_one(".history").get_text()
    assert cells("token.create")[0] in history and "撤销 API 令牌" in history


def test_the_audit_log_is_for_admins_only_and_read_only(login_as, client, app):
    resp = client.get("/admin/audit")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert login_as("staff").get("/admin/audit").status_code == 403
    assert login_as("contact_point").get("/admin/audit").status_code == 403
    admin = login_as("admin")
    assert admin.get("/admin/audit").status_code == 200
    token = csrf_token_from(admin.get("/admin/audit").data)
    assert admin.post("/admin/audit", data={"csrf_token": token}).status_code == 405
    audit_rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin/audit")]
    assert audit_rules and all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in audit_rules)


# Assignments and internal notes; the "mine" page


def post_form(c, page_url: str, url: str, **fields):
    token = csrf_token_from(c.get(page_url).data)
    return c.post(url, data={"csrf_token": token, **fields})


def test_staff_assign_an_article_and_find_it_under_mine(login_as, setup, factory):
    draft, first, _third, *_ = setup
    staff = login_as("staff")
    colleague, _pw = factory.user("admin")
    factory.user("contact_point")
    end_read()
    url = f"/admin/review/{draft.slug}/articles/{first}"
    page = soup(staff.get(url))
    assert page.select_one("#work .assigned").get_text(strip=True) == "本条尚未分配"
    options = [o["value"] for o in page.select("#work select[name=assignee] option")]
    assert options[0] == "" and str(staff.user.id) in options and str(colleague.id) in options
    resp = post_form(staff, url, f"{url}/assign", assignee=str(staff.user.id), page="1")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"{url}#work")
    page = soup(staff.get(url))
    assert staff.user.username in page.select_one("#work .assigned").get_text()
    assert page.select_one("#work option[selected]")["value"] == str(staff.user.id)
    mine = soup(staff.get("/admin/mine"))
    row = mine.select_one(f".mine-articles tr[data-article='{first}']")
    assert row.select_one("th a")["href"] == url
    assert row.select_one(".undecided a")["href"] == f"{url}?undecided=1"
    assert row.select_one(".undecided").get_text(strip=True) == "2"
    assert "还有2条意见未处理" in mine.select_one("p.hint").get_text()
    assert mine.select_one(".mine-comments") is None and mine.select_one(".empty")
    # Re-assigning replaces; the empty choice takes it back.
    post_form(staff, url, f"{url}/assign", assignee=str(colleague.id))
    assert soup(staff.get("/admin/mine")).select_one(".mine-articles") is None
    resp = post_form(staff, url, f"{url}/assign", assignee="")
    assert resp.status_code == 303
    assert soup(staff.get(url)).select_one("#work .assigned").get_text(strip=True) == "本条尚未分配"
    end_read()
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("review.%"))).all()
    assert actions == ["review.assign", "review.assign", "review.unassign"]


def test_the_assignee_choices_are_active_staff_and_admins_only(login_as, setup, factory):
    draft, first, *_ = setup
    staff = login_as("staff")
    operator, _pw = factory.user("contact_point")
    end_read()
    url = f"/admin/review/{draft.slug}/articles/{first}"
    options = {o["value"] for o in soup(staff.get(url)).select("#work select[name=assignee] option")}
    assert str(operator.id) not in options
    resp = post_form(staff, url, f"{url}/assign", assignee=str(operator.id))
    assert resp.status_code == 400
    assert (
        "在职的工作人员" in soup(resp).select_one("form[data-scope=assign-article] .field-error").get_text()
    )
    resp = post_form(staff, url, f"{url}/assign", assignee="abc")
    assert resp.status_code == 400
    # Taking back an assignment that does not exist.
    resp = post_form(staff, url, f"{url}/assign", assignee="")
    assert resp.status_code == 404
    assert soup(resp).select_one("form[data-scope=assign-article] .field-error")


def test_a_comment_is_assigned_to_a_colleague_and_listed_under_their_tasks(login_as, setup):
    draft, first, _third, on_first, _on_third, general = setup
    staff = login_as("staff")
    colleague = login_as("staff")
    url = f"/admin/review/{draft.slug}/articles/{first}"
    target = on_first[1]
    resp = post_form(
        staff, url, f"/admin/review/{draft.slug}/comments/{target.id}/assign", assignee=str(colleague.user.id)
    )
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"{url}#c{target.id}")
    item = soup(staff.get(url)).select_one(f"#c{target.id}")
    assert colleague.user.username in item.select_one(".comment-work .assigned").get_text()
    gen = general[0]
    resp = post_form(
        staff,
        url,
        f"/admin/review/{draft.slug}/comments/{gen.id}/assign",
        assignee=str(colleague.user.id),
        undecided="1",
    )
    assert resp.headers["Location"].endswith(f"/admin/review/{draft.slug}/general?undecided=1#c{gen.id}")
    mine = soup(colleague.get("/admin/mine"))
    rows = {r["data-comment"]: r for r in mine.select(".mine-comments tr[data-comment]")}
    assert set(rows) == {str(target.id), str(gen.id)}
    assert rows[str(target.id)].select_one("a")["href"] == f"{url}#c{target.id}"
    assert rows[str(gen.id)].select_one("a")["href"] == f"/admin/review/{draft.slug}/general#c{gen.id}"
    assert "未处理" in rows[str(gen.id)].select_one(".state").get_text()
    assert "草案整体" in rows[str(gen.id)].get_text()
    assert soup(staff.get("/admin/mine")).select_one(".mine-comments") is None
    # A comment of another draft, or none at all, is a 404.
    other = setup[0]
    assert (
        post_form(staff, url, f"/admin/review/no-such/comments/{target.id}/assign", assignee="").status_code
        == 404
    )
    assert (
        post_form(staff, url, f"/admin/review/{other.slug}/comments/999999/notes", body="x").status_code
        == 404
    )


def test_a_comment_has_its_own_page_for_its_assignment_and_notes_and_the_list_links_to_it(
    login_as, setup, factory
):
    """The review list carries one form per comment (its decision): a comment's assignment and notes
    are shown in the list and changed on the comment's own page (issue 16 §6: a lighter review page)."""
    draft, first, _third, on_first, *_ = setup
    staff = login_as("staff")
    colleague = login_as("staff")
    listing = f"/admin/review/{draft.slug}/articles/{first}"
    target = on_first[1]
    page = soup(staff.get(f"{listing}?undecided=1"))
    item = page.select_one(f"#c{target.id}")
    # No assignment or note form per comment on the list: the article's own two, and a decision form each.
    assert [f["data-scope"] for f in page.select("form[data-scope]")] == ["assign-article", "note-article"]
    assert len(page.select("select[name=assignee]")) == 1
    assert len(page.select("form.decision-form")) == 2
    link = item.select_one(".work-link a")
    assert link["href"] == f"/admin/review/{draft.slug}/comments/{target.id}?undecided=1"
    assert link.get_text(strip=True).startswith("分工和内部备注")

    own = soup(staff.get(link["href"]))
    assert own.select_one("h1").get_text(" ", strip=True).startswith(f"意见 #{target.id}")
    assert own.select_one(".comment-body").get_text() == "第一条意见1"
    assert own.select_one(".badge-undecided").get_text() == "未处理"
    assert own.select_one("#work .assigned").get_text(strip=True) == "本条意见尚未分配"
    options = {o["value"] for o in own.select(f"form[data-scope=assign-{target.id}] select option")}
    assert {"", str(staff.user.id), str(colleague.user.id)} <= options
    back = own.select(".breadcrumb a")[-1]
    assert back["href"] == f"{listing}?undecided=1" and back.get_text(strip=True) == "第一条"
    note_form = own.select_one(f"form[data-scope=note-{target.id}]")
    assert note_form["action"] == f"/admin/review/{draft.slug}/comments/{target.id}/notes"
    assert note_form.select_one("input[name=undecided]")["value"] == "1"

    # Assigned and noted from its page: back on the list (filter kept, at the comment) with both shown.
    resp = post_form(
        staff,
        link["href"],
        f"/admin/review/{draft.slug}/comments/{target.id}/assign",
        assignee=str(colleague.user.id),
        undecided="1",
    )
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(f"{listing}?undecided=1#c{target.id}")
    resp = post_form(
        staff,
        link["href"],
        f"/admin/review/{draft.slug}/comments/{target.id}/notes",
        body="已约谈",
        undecided="1",
    )
    assert resp.headers["Location"].endswith(f"{listing}?undecided=1#c{target.id}")
    item = soup(staff.get(f"{listing}?undecided=1")).select_one(f"#c{target.id}")
    assert colleague.user.username in item.select_one(".comment-work .assigned").get_text()
    assert "已约谈" in item.select_one(".internal-note").get_text()
    own = soup(staff.get(link["href"]))
    assert colleague.user.username in own.select_one("#work .assigned").get_text()
    assert own.select_one(f"form[data-scope=assign-{target.id}] option[selected]")["value"] == str(
        colleague.user.id
    )
    assert "已约谈" in own.select_one("#work .internal-note").get_text()

    # A general opinion's page leads back to the general opinions; another draft's comment is a 404.
    general = setup[5][0]
    own = soup(staff.get(f"/admin/review/{draft.slug}/comments/{general.id}"))
    assert own.select(".breadcrumb a")[-1]["href"] == f"/admin/review/{draft.slug}/general"
    other = factory.draft()
    end_read()
    assert staff.get(f"/admin/review/{other.slug}/comments/{target.id}").status_code == 404
    assert staff.get(f"/admin/review/{draft.slug}/comments/999999").status_code == 404


def test_internal_notes_are_shown_to_staff_marked_and_never_public(login_as, client, setup):
    draft, first, _third, on_first, *_ = setup
    staff = login_as("staff")
    url = f"/admin/review/{draft.slug}/articles/{first}"
    resp = post_form(staff, url, f"{url}/notes", body="机密：与市司法局口径一致")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("#work")
    target = on_first[0]
    resp = post_form(
        staff, url, f"/admin/review/{draft.slug}/comments/{target.id}/notes", body="秘密：已回电"
    )
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"#c{target.id}")
    page = soup(staff.get(url))
    note = page.select_one("#work .internal-note")
    assert "机密：与市司法局口径一致" in note.select_one(".note-body").get_text()
    assert "内部备注，不公开" in note.get_text() and staff.user.username in note.get_text()
    item = page.select_one(f"#c{target.id} .internal-note")
    assert "秘密：已回电" in item.get_text() and "内部备注，不公开" in item.get_text()
    for public in (
        f"/drafts/{draft.slug}",
        f"/drafts/{draft.slug}/articles/{first}",
        f"/api/v1/drafts/{draft.slug}/comments",
        f"/api/v1/drafts/{draft.slug}/comments?article_id={first}",
    ):
        resp = client.get(public)
        assert resp.status_code == 200, public
        text = resp.get_data(as_text=True)
        assert "机密" not in text and "秘密" not in text and "内部备注" not in text, public
    login_as("admin").get("/admin/audit")  # the audit row names the note, not its text
    end_read()
    details = db.session.scalars(select(AuditLog.details).where(AuditLog.action == "review.note")).all()
    assert len(details) == 2 and all("机密" not in str(d) and "秘密" not in str(d) for d in details)


def test_a_refused_note_is_shown_again_with_the_text_kept(login_as, setup):
    draft, first, _third, on_first, *_ = setup
    staff = login_as("staff")
    url = f"/admin/review/{draft.slug}/articles/{first}"
    resp = post_form(staff, url, f"{url}/notes", body="   ")
    assert resp.status_code == 400
    form = soup(resp).select_one("form[data-scope=note-article]")
    assert "请填写备注内容" in form.select_one(".field-error").get_text()
    assert form.find_parent("details").has_attr("open")
    long = "长" * 2001
    target = on_first[2]
    # A comment's note is refused on the comment's own page, where its form is, with the text kept.
    page_url = f"/admin/review/{draft.slug}/comments/{target.id}"
    resp = post_form(staff, page_url, f"{page_url}/notes", body=long, undecided="1", page="1")
    assert resp.status_code == 400
    refused = soup(resp)
    assert refused.select_one("h1").get_text(" ", strip=True).startswith(f"意见 #{target.id}")
    form = refused.select_one(f"form[data-scope=note-{target.id}]")
    assert textarea_value(form.select_one("textarea")) == long
    assert "2000" in form.select_one(".field-error").get_text()
    assert form.select_one("textarea")["aria-invalid"] == "true"
    assert form.select_one("input[name=undecided]")["value"] == "1"  # the way back keeps the filter
    assert staff.post(f"{url}/notes", data={"body": "无令牌"}).status_code == 400
    assert (
        post_form(staff, url, f"/admin/review/{draft.slug}/articles/999999/notes", body="x").status_code
        == 404
    )
    end_read()
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "review.note")) == 0


def test_notes_assignments_and_mine_are_for_staff_and_admins_only(login_as, client, setup):
    draft, first, _third, on_first, *_ = setup
    posts = [
        f"/admin/review/{draft.slug}/articles/{first}/assign",
        f"/admin/review/{draft.slug}/articles/{first}/notes",
        f"/admin/review/{draft.slug}/comments/{on_first[0].id}/assign",
        f"/admin/review/{draft.slug}/comments/{on_first[0].id}/notes",
    ]
    for page in ("/admin/mine", f"/admin/review/{draft.slug}/comments/{on_first[0].id}"):
        resp = client.get(page)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], page
    token = csrf_token_from(client.get("/").data)
    for url in posts:
        resp = client.post(url, data={"csrf_token": token, "body": "x", "assignee": ""})
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], url
    point = login_as("contact_point")
    assert point.get("/admin/mine").status_code == 403
    assert point.get(f"/admin/review/{draft.slug}/comments/{on_first[0].id}").status_code == 403
    token = csrf_token_from(point.get("/").data)
    for url in posts:
        assert point.post(url, data={"csrf_token": token, "body": "x"}).status_code == 403, url
    admin = login_as("admin")
    page = soup(admin.get("/admin/mine"))
    assert page.select_one("h1").get_text(strip=True) == "我的任务"
    assert [a.get_text(strip=True) for a in page.select("a[href='/admin/mine']")] == ["我的任务"]
    end_read()
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action.like("review.%"))) == 0
