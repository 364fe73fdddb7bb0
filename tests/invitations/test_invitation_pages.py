"""The staff's invitations page and the invitee's 我的邀请 page, as people use them (parsed HTML)."""

from __future__ import annotations

from datetime import timedelta

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from consult.clock import utcnow
from consult.context import CLI
from consult.db import end_read
from consult.extensions import db
from consult.invitations.operations import InvitationInput, invite
from consult.models import Invitation
from tests.conftest import csrf_token_from


def _soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def _invite(draft, user, article_ids=None):
    end_read()
    due = (utcnow() + timedelta(days=7)).isoformat()
    return invite(None, CLI, draft.slug, InvitationInput(user.username, article_ids, due))


def _local_day(days: int) -> str:
    return (utcnow() + timedelta(days=days, hours=8)).date().isoformat()


def test_staff_invite_through_the_form_and_see_the_list(login_as, factory, deputy, expert):
    staff = login_as("staff")
    draft = factory.draft()
    texts = draft.current_version.texts
    page = staff.get(f"/admin/drafts/{draft.slug}/invitations")
    assert page.status_code == 200
    soup = _soup(page)
    options = [o["value"] for o in soup.select("select[name=username] option") if o["value"]]
    assert sorted(options) == sorted([deputy.username, expert.username])
    assert len(soup.select("input[name=article_ids]")) == len(texts)
    token = csrf_token_from(page.data)
    resp = staff.post(
        f"/admin/drafts/{draft.slug}/invitations",
        data={
            "csrf_token": token,
            "username": deputy.username,
            "article_ids": [str(texts[0].article_id), str(texts[2].article_id)],
            "due": _local_day(5),
        },
    )
    assert resp.status_code == 303
    soup = _soup(staff.get(resp.headers["Location"]))
    assert "已邀请 张代表" in soup.get_text()
    [row] = soup.select("table.invitations-table tbody tr")
    assert row["data-answered"] == "false"
    assert "第一条、第三条" in row.get_text() and "尚未提出意见" in row.get_text()
    assert row.select_one("form button").get_text(strip=True).startswith("发送提醒")
    # The draft's admin page points to it with the counts.
    settings = _soup(staff.get(f"/admin/drafts/{draft.slug}")).get_text()
    assert "已邀请1人，已提出意见0人，尚未提出意见1人" in settings


def test_a_bad_form_is_shown_again_with_the_choices_kept(login_as, factory, deputy):
    staff = login_as("staff")
    draft = factory.draft()
    article = str(draft.current_version.texts[1].article_id)
    token = csrf_token_from(staff.get(f"/admin/drafts/{draft.slug}/invitations").data)
    resp = staff.post(
        f"/admin/drafts/{draft.slug}/invitations",
        data={"csrf_token": token, "username": deputy.username, "article_ids": [article], "due": ""},
    )
    assert resp.status_code == 400
    soup = _soup(resp)
    assert "截止日期" in soup.select_one("#due-error").get_text()
    assert soup.select_one(f"input[name=article_ids][value='{article}']").has_attr("checked")
    assert soup.select_one(f"option[value='{deputy.username}']").has_attr("selected")
    end_read()
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


def test_one_reminder_from_the_page_and_a_second_is_refused_with_a_clear_message(login_as, factory, deputy):
    staff = login_as("staff")
    draft = factory.draft()
    invitation = _invite(draft, deputy)
    page = staff.get(f"/admin/drafts/{draft.slug}/invitations")
    token = csrf_token_from(page.data)
    url = f"/admin/invitations/{invitation.id}/remind"
    first = staff.post(url, data={"csrf_token": token})
    assert first.status_code == 303
    soup = _soup(staff.get(first.headers["Location"]))
    assert "已向 张代表 发送提醒" in soup.get_text()
    row = soup.select_one(f"#invitation-{invitation.id}")
    assert row.select_one("form") is None and "提醒" in row.get_text()
    second = staff.post(url, data={"csrf_token": token})
    flash = _soup(staff.get(second.headers["Location"])).select_one(".flash-error").get_text()
    assert "每份邀请只能提醒一次" in flash
    assert staff.post("/admin/invitations/99999/remind", data={"csrf_token": token}).status_code == 404


def test_the_invitee_sees_what_they_were_asked_and_whether_they_answered(login_as, factory, app):
    deputy = login_as("deputy")
    draft = factory.draft(title="本市城市书房条例（草案）")
    texts = draft.current_version.texts
    _invite(draft, deputy.user, [texts[1].article_id])
    page = deputy.get("/my/invitations")
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    soup = _soup(page)
    [item] = soup.select("li.invitation")
    text = item.get_text()
    assert "邀请您提出意见" in text and "本市城市书房条例（草案）" in text and "第二条" in text
    assert "尚未提出意见" in text
    assert item.select_one("time")["datetime"]
    link = item.select_one("a.button")["href"]
    assert link.startswith(f"/drafts/{draft.slug}/articles/{texts[1].article_id}")
    # They answer on the article page, signed in: the invitation is answered.
    form_page = deputy.get(link.split("#")[0])
    assert "张代表" in _soup(form_page).select_one("form.comment-form").get_text()
    token = csrf_token_from(form_page.data)
    resp = deputy.post(
        f"/drafts/{draft.slug}/comments",
        data={
            "csrf_token": token,
            "body": "建议第二条增加夜间开放的规定。",
            "article_id": str(texts[1].article_id),
        },
    )
    assert resp.status_code == 303
    text = _soup(deputy.get("/my/invitations")).select_one("li.invitation").get_text()
    assert "已提出意见" in text and "尚未提出意见" not in text


def test_signing_in_a_deputy_lands_on_their_invitations(app, factory):
    user, password = factory.user("expert", username="landing-expert")
    c = app.test_client()
    token = csrf_token_from(c.get("/login").data)
    resp = c.post("/login", data={"username": user.username, "password": password, "csrf_token": token})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/my/invitations")
    nav = _soup(c.get("/my/invitations")).select_one("nav.site-nav").get_text()
    assert "我的邀请" in nav and "审核" not in nav


def test_someone_already_invited_is_not_offered_again(login_as, factory, deputy, expert):
    staff = login_as("staff")
    draft = factory.draft()
    _invite(draft, deputy)
    soup = _soup(staff.get(f"/admin/drafts/{draft.slug}/invitations"))
    options = [o["value"] for o in soup.select("select[name=username] option") if o["value"]]
    assert options == [expert.username]
    _invite(draft, expert)
    soup = _soup(staff.get(f"/admin/drafts/{draft.slug}/invitations"))
    assert soup.select_one("select[name=username]") is None
    assert "都已邀请过" in soup.get_text()
