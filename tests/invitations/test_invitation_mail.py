"""Invitation and reminder mails: queued with the invitation, sent once by `notify send` over SMTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.auth.operations import set_user_active
from consult.clock import utcnow
from consult.context import CLI
from consult.db import end_read
from consult.extensions import db
from consult.feedback.notifications import send_due
from consult.invitations.operations import InvitationInput, invite, remind
from consult.models import OutboxEvent
from tests.feedback.test_notifications import SmtpServer, free_port


@pytest.fixture
def smtp(app):
    server = SmtpServer(free_port())
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, PUBLIC_BASE_URL="https://yijian.example.cn"
    )
    server.start()
    yield server
    server.stop()


def _invite(draft, user, article_ids=None, days=7):
    end_read()
    due = (utcnow() + timedelta(days=days)).isoformat()
    return invite(None, CLI, draft.slug, InvitationInput(user.username, article_ids, due))


def test_the_invitation_and_its_reminder_are_each_sent_once(app, factory, smtp, deputy, runner):
    draft = factory.draft(title="本市城市书房条例（草案）")
    texts = draft.current_version.texts
    invitation = _invite(draft, deputy, [texts[1].article_id, texts[3].article_id])
    result = send_due()
    assert (result.sent, result.waiting) == (1, 0)
    [mail] = smtp.handler.to(deputy.email)
    assert mail["Subject"] == "邀请您对《本市城市书房条例（草案）》提出意见"
    text = mail.get_content()
    assert "张代表（人大代表）" in text
    assert "第二条、第四条" in text
    assert f"https://yijian.example.cn/drafts/{draft.slug}" in text
    assert "https://yijian.example.cn/my/invitations" in text
    assert "前提出" in text
    assert send_due().sent == 0  # never twice
    end_read()
    remind(None, CLI, invitation.id)
    result = runner.invoke(args=["notify", "send"])
    assert result.exit_code == 0, result.output
    mails = smtp.handler.to(deputy.email)
    assert len(mails) == 2
    assert mails[1]["Subject"].startswith("提醒：")
    assert "尚未收到您的意见" in mails[1].get_content()
    assert "请就草案全文" not in mails[1].get_content()
    assert send_due().sent == 0


def test_a_whole_draft_invitation_says_so(app, factory, smtp, expert):
    draft = factory.draft()
    _invite(draft, expert)
    send_due()
    [mail] = smtp.handler.to(expert.email)
    assert "请就草案全文提出意见" in mail.get_content()
    assert "李专家（立法专家顾问）" in mail.get_content()


def test_an_account_deactivated_before_sending_gets_no_mail(app, factory, smtp, deputy):
    draft = factory.draft()
    _invite(draft, deputy)
    end_read()
    set_user_active(None, CLI, deputy.id, False)
    result = send_due()
    assert (result.sent, result.skipped) == (0, 1)
    assert smtp.handler.messages == []
    end_read()
    row = db.session.scalar(select(OutboxEvent).where(OutboxEvent.kind == "mail.invite"))
    assert row.processed_at is not None and "停用" in row.last_error
