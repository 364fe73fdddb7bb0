"""The feedback report: every outcome path, publication, frozen decisions, revisions, receipts."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from consult.auth.operations import issue_token
from consult.comments.decisions import decide
from consult.context import CLI
from consult.db import end_read
from consult.extensions import db
from consult.models import AuditLog, FeedbackPublication
from consult.receipts import display
from tests.conftest import csrf_token_from

REASONS = {
    "adopted": "",
    "partially_adopted": "采纳了延长开放时间的部分建议。",
    "not_adopted": "与上位法规定不一致。",
    "already_provided": "第十条已有规定。",
    "out_of_scope": "属于具体管理措施，不宜在条例中规定。",
}


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.data, "html.parser")


@pytest.fixture
def staff_api(app, factory):
    user, _password = factory.user("staff", username="fb-staff")
    end_read()
    token = issue_token(None, CLI, user.username)
    return user, {"Authorization": f"Bearer {token}"}


@pytest.fixture
def closed(factory, staff_api):
    """A closed draft: one comment per outcome on article 1, two on article 2, a general one, and
    a rejected and an undecided one."""
    user, _headers = staff_api
    draft = factory.draft("closed")
    by_outcome = {}
    for outcome in REASONS:
        c = factory.comment(draft, f"关于{outcome}的意见", status="published", article_index=0)
        by_outcome[outcome] = c
    same_a = factory.comment(
        draft, "建议延长开放时间。", status="published", article_index=1, contact="a@example.cn", notify=True
    )
    same_b = factory.comment(
        draft, "建议增加座位。", status="published", article_index=1, contact="A@example.cn "
    )
    general = factory.comment(draft, "总体赞成本草案。", status="published", article_index=None)
    rejected = factory.comment(draft, "广告信息", status="rejected", article_index=0)
    undecided = factory.comment(draft, "还没处理的意见", status="published", article_index=2)
    end_read()
    for outcome, c in by_outcome.items():
        decide(user, CLI, [c.id], outcome, REASONS[outcome])
    decide(user, CLI, [same_a.id, same_b.id, general.id], "not_adopted", "与上位法规定不一致。")
    return {
        "draft": draft,
        "by_outcome": by_outcome,
        "same": (same_a, same_b),
        "general": general,
        "rejected": rejected,
        "undecided": undecided,
    }


def _publish(client, headers, slug, **body):
    return client.post(f"/api/v1/admin/drafts/{slug}/feedback", json=body or None, headers=headers)


def test_the_report_is_404_until_published_then_shows_every_outcome(client, staff_api, closed):
    _user, headers = staff_api
    slug = closed["draft"].slug
    assert client.get(f"/api/v1/drafts/{slug}/feedback").status_code == 404
    assert client.get(f"/drafts/{slug}/feedback").status_code == 404
    resp = _publish(client, headers, slug)
    assert resp.status_code == 201, resp.json
    assert resp.json["publication"]["number"] == 1 and resp.json["decisions_frozen"] is True

    report = client.get(f"/api/v1/drafts/{slug}/feedback").json
    totals = report["totals"]
    assert totals == {
        "comments": 9,  # the rejected comment is not part of the public record
        "participants": 8,  # a@example.cn wrote twice (case and spaces ignored)
        "adopted": 1,
        "partially_adopted": 1,
        "not_adopted": 4,
        "already_provided": 1,
        "out_of_scope": 1,
        "undecided": 1,
    }
    first = report["articles"][0]
    assert first["comment_count"] == 5
    assert {i["outcome"] for i in first["items"]} == set(REASONS)
    assert first["outcomes"]["already_provided"] == 1
    reasons = {i["outcome"]: i["reason"] for i in first["items"]}
    assert reasons == REASONS
    assert report["general"]["items"][0]["body"] == "总体赞成本草案。"
    assert all(i["comment_id"] != closed["rejected"].id for a in report["articles"] for i in a["items"])
    assert report["published_at"] and report["revisions"] == []

    page = soup(client.get(f"/drafts/{slug}/feedback"))
    assert "采纳情况反馈" in page.get_text()
    figures = {div.dt.get_text(): div.dd.get_text() for div in page.select(".figures div")}
    assert figures["意见总数"] == "9" and figures["参与人数"] == "8" and figures["采纳"] == "1"
    # Per article its counts per outcome; its comments, outcomes and reasons open on its own page.
    second = report["articles"][1]
    chips = [c.get_text() for c in page.select(f"#article-{second['article_id']} .chip")]
    assert chips == ["未采纳 2"] and page.select(".fb-item") == []
    link = page.select_one(f"#article-{first['article_id']} .fb-open a")["href"]
    assert link == f"/drafts/{slug}/feedback/articles/{first['article_id']}"
    items = soup(client.get(link)).select(".fb-item")
    shown = [li.select_one(".outcome").get_text() for li in items]
    assert len(items) == 5 and shown.count("采纳") == 1 and shown.count("部分采纳") == 1
    assert any("第十条已有规定。" in li.get_text() for li in items)


def test_publishing_needs_a_closed_consultation(client, factory, staff_api):
    _user, headers = staff_api
    draft = factory.draft("open")
    resp = _publish(client, headers, draft.slug)
    assert resp.status_code == 409
    assert "征求意见结束后" in resp.json["error"]["message"]
    assert _publish(client, headers, "no-such-draft").status_code == 404


def test_decisions_are_frozen_after_publication_and_a_revision_needs_a_note(client, staff_api, closed):
    _user, headers = staff_api
    slug = closed["draft"].slug
    target = closed["by_outcome"]["not_adopted"]
    assert _publish(client, headers, slug).status_code == 201
    again = _publish(client, headers, slug)
    assert again.status_code == 409 and "开始修订" in again.json["error"]["message"]

    decide_url = f"/api/v1/admin/comments/{target.id}/decision"
    frozen = client.post(decide_url, json={"outcome": "adopted", "reason": ""}, headers=headers)
    assert frozen.status_code == 409

    opened = client.post(f"/api/v1/admin/drafts/{slug}/feedback/revision", headers=headers)
    assert opened.status_code == 200 and opened.json["revising"] is True
    assert client.post(f"/api/v1/admin/drafts/{slug}/feedback/revision", headers=headers).status_code == 409
    changed = client.post(decide_url, json={"outcome": "adopted", "reason": ""}, headers=headers)
    assert changed.status_code == 200, changed.json
    # Until the revision is published, the public and the receipt still see the first publication.
    public = client.get(f"/api/v1/drafts/{slug}/feedback").json
    assert {i["comment_id"]: i["outcome"] for i in public["articles"][0]["items"]}[target.id] == "not_adopted"
    code = display(target.receipt_code)
    assert client.get(f"/api/v1/receipts/{code}").json["decision"]["outcome"] == "not_adopted"

    no_note = _publish(client, headers, slug)
    assert no_note.status_code == 400 and "revision_note" in no_note.json["error"]["fields"]
    resp = _publish(client, headers, slug, revision_note="经复核，采纳了关于公示期限的意见。")
    assert resp.status_code == 201 and resp.json["publication"]["number"] == 2

    public = client.get(f"/api/v1/drafts/{slug}/feedback").json
    assert {i["comment_id"]: i["outcome"] for i in public["articles"][0]["items"]}[target.id] == "adopted"
    assert public["revisions"][0]["revision_note"] == "经复核，采纳了关于公示期限的意见。"
    assert client.get(f"/api/v1/receipts/{code}").json["decision"]["outcome"] == "adopted"
    note = soup(client.get(f"/drafts/{slug}/feedback")).select_one(".fb-revision").get_text()
    assert "第1次修订" in note and "公示期限" in note
    # Frozen again.
    assert (
        client.post(decide_url, json={"outcome": "not_adopted", "reason": "x"}, headers=headers).status_code
        == 409
    )
    end_read()
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("feedback.%"))).all()
    assert sorted(actions) == ["feedback.publish", "feedback.publish", "feedback.revise"]


def test_the_receipt_says_under_study_before_and_shows_the_decision_after(client, staff_api, closed):
    _user, headers = staff_api
    target = closed["by_outcome"]["already_provided"]
    code = display(target.receipt_code)
    before = client.get(f"/api/v1/receipts/{code}").json
    assert (
        before["decision"] is None and before["feedback"] == "under_study" and before["feedback_url"] is None
    )
    assert "研究中" in soup(client.get(f"/receipts/{code}")).select_one("#decision").get_text()

    assert _publish(client, headers, closed["draft"].slug).status_code == 201
    after = client.get(f"/api/v1/receipts/{code}").json
    assert after["decision"]["outcome"] == "already_provided" and after["feedback"] == "published"
    assert after["feedback_url"] == f"/drafts/{closed['draft'].slug}/feedback"
    assert after["decision"]["reason"] == "第十条已有规定。"
    shown = soup(client.get(f"/receipts/{code}")).select_one("#decision").get_text()
    assert "已有规定" in shown and "第十条已有规定。" in shown
    # The public comment lists carry the published decision too.
    comments = client.get(f"/api/v1/drafts/{closed['draft'].slug}/comments?per_page=50").json["comments"]
    assert {c["id"]: c["decision"] for c in comments}[target.id]["outcome"] == "already_provided"


def test_staff_publish_from_the_workspace_with_a_confirmation(login_as, closed):
    staff = login_as("staff")
    slug = closed["draft"].slug
    page = staff.get(f"/admin/drafts/{slug}/feedback")
    assert page.status_code == 200
    html = soup(page)
    assert "还有1条已公开的意见未作处理决定" in html.get_text()
    token = csrf_token_from(page.data)
    unconfirmed = staff.post(f"/admin/drafts/{slug}/feedback/publish", data={"csrf_token": token})
    assert unconfirmed.status_code == 400 and "请勾选确认框" in soup(unconfirmed).get_text()
    end_read()
    assert db.session.scalars(select(FeedbackPublication)).all() == []
    resp = staff.post(f"/admin/drafts/{slug}/feedback/publish", data={"csrf_token": token, "confirm": "1"})
    assert resp.status_code == 303
    after = soup(staff.get(f"/admin/drafts/{slug}/feedback"))
    assert "处理结果已冻结" in after.get_text()
    assert after.select_one("form[action$='/feedback/revise']") is not None
    # A revision from the workspace: opening it, then publishing without a note is refused with the note kept.
    staff.post(f"/admin/drafts/{slug}/feedback/revise", data={"csrf_token": token, "confirm": "1"})
    refused = staff.post(
        f"/admin/drafts/{slug}/feedback/publish",
        data={"csrf_token": token, "confirm": "1", "revision_note": " "},
    )
    assert refused.status_code == 400
    assert soup(refused).select_one("#note-error") is not None


def test_rejected_comments_receipts_say_they_are_not_in_the_report(client, staff_api, closed):
    _user, headers = staff_api
    _publish(client, headers, closed["draft"].slug)
    code = display(closed["rejected"].receipt_code)
    assert "不列入采纳情况反馈" in soup(client.get(f"/receipts/{code}")).select_one("#decision").get_text()


def test_the_published_report_holds_what_was_published(client, factory, staff_api, closed):
    """Later moderation does not rewrite the report: a comment published afterwards waits for the next
    publication, a letter cannot be entered, and only a take-down (privacy first) removes a comment."""
    _user, headers = staff_api
    draft = closed["draft"]
    late = factory.comment(draft, "截止后才审核通过的意见", status="pending", article_index=0)
    assert _publish(client, headers, draft.slug).status_code == 201
    before = client.get(f"/api/v1/drafts/{draft.slug}/feedback").json["totals"]

    moderate = f"/api/v1/admin/comments/{late.id}/moderate"
    assert client.post(moderate, json={"action": "publish"}, headers=headers).status_code == 200
    letter = {"body": "来信补充的意见。", "channel": "letter"}
    entered = client.post(f"/api/v1/admin/drafts/{draft.slug}/comments", json=letter, headers=headers)
    assert entered.status_code == 409 and "开始修订" in entered.json["error"]["message"]
    report = client.get(f"/api/v1/drafts/{draft.slug}/feedback").json
    assert report["totals"] == before
    assert all(i["comment_id"] != late.id for a in report["articles"] for i in a["items"])

    adopted = closed["by_outcome"]["adopted"]
    taken = client.post(
        f"/api/v1/admin/comments/{adopted.id}/moderate",
        json={"action": "reject", "reason": "含有个人信息"},
        headers=headers,
    )
    assert taken.status_code == 200
    after = client.get(f"/api/v1/drafts/{draft.slug}/feedback").json["totals"]
    assert after["adopted"] == before["adopted"] - 1 and after["comments"] == before["comments"] - 1

    # The next publication takes the late comment in (undecided until someone decides it).
    client.post(f"/api/v1/admin/drafts/{draft.slug}/feedback/revision", headers=headers)
    assert (
        _publish(client, headers, draft.slug, revision_note="补充了截止后审核通过的意见。").status_code == 201
    )
    report = client.get(f"/api/v1/drafts/{draft.slug}/feedback").json
    assert any(i["comment_id"] == late.id for a in report["articles"] for i in a["items"])


def test_a_draft_that_hides_comments_publishes_figures_and_reasons_without_bodies(client, staff_api, closed):
    _user, headers = staff_api
    slug = closed["draft"].slug
    assert (
        client.patch(
            f"/api/v1/admin/drafts/{slug}", json={"show_comments": False}, headers=headers
        ).status_code
        == 200
    )
    _publish(client, headers, slug)
    report = client.get(f"/api/v1/drafts/{slug}/feedback").json
    assert report["comments_shown"] is False and report["totals"]["comments"] == 9
    bodies = [i["body"] for a in [*report["articles"], report["general"]] for i in a["items"]]
    assert bodies and set(bodies) == {""}
    page = soup(client.get(f"/drafts/{slug}/feedback"))
    assert "不在网站上公开显示" in page.get_text()
    article = soup(client.get(page.select_one(".fb-open a")["href"]))
    assert article.select(".comment-body") == [] and article.select(".fb-item")
    assert "不在网站上公开显示" in article.get_text() and "第十条已有规定。" in article.get_text()
    assert "关于adopted的意见" not in page.get_text() + article.get_text()


def test_a_published_comment_without_a_decision_is_not_under_study_once_the_feedback_is_out(
    client, staff_api, closed
):
    _user, headers = staff_api
    _publish(client, headers, closed["draft"].slug)
    code = display(closed["undecided"].receipt_code)
    shown = soup(client.get(f"/receipts/{code}")).select_one("#decision").get_text()
    assert "研究中" not in shown and "未对这条意见作出单独说明" in shown
