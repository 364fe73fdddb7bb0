"""`contacts purge`: contact details of consultations concluded more than CONTACT_RETENTION_DAYS ago."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.clock import as_utc
from consult.comments.decisions import decide
from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.feedback.publishing import publish_feedback
from consult.feedback.purge import purge_contacts, purge_due_at, scrub_report
from consult.models import AuditLog, Comment, ContactPoint, Draft, IntakeBatch, OutboxEvent

INVALID_ROWS_REPORT = {
    "format": "xlsx",
    "header_row": 1,
    "columns": {"body": "意见内容", "contact": "联系电话", "author_name": "姓名"},
    "ignored": [],
    "header": ["序号", "姓名", "联系电话", "意见内容", "备注"],
    "errors": [
        {
            "row": 3,
            "cells": ["2", "张三", "1391234", "太短", "请回电 13812345678 或 zs@example.cn"],
            "messages": [
                ["联系电话", "“1391234”不是有效的手机号码、固定电话（含区号）或电子邮箱"],
                ["意见内容", "意见内容至少需要5个字"],
            ],
        }
    ],
}


@pytest.fixture
def staff(factory):
    user, _password = factory.user("staff", username="purge-staff")
    return user


def publish(factory, staff, title: str) -> tuple[Draft, dict[str, Comment]]:
    draft = factory.draft("closed", title=title)
    comments = {
        "email": factory.comment(
            draft, "请延长开放时间。", status="published", contact="li@example.cn", notify=True
        ),
        "phone": factory.comment(
            draft, "请增加座椅。", status="published", contact="13912345678", address_hash="ab" * 32
        ),
        "anonymous": factory.comment(draft, "没有留联系方式。", status="published"),
    }
    decide(staff, CLI, [c.id for c in comments.values()], "adopted", "")
    end_read()
    publish_feedback(staff, CLI, draft.slug)
    return draft, comments


def fresh(model, id_):
    end_read()
    try:
        return db.session.get(model, id_, populate_existing=True)
    finally:
        end_read()


def mail_rows(comment_id: int) -> list[OutboxEvent]:
    try:
        return list(
            db.session.scalars(
                select(OutboxEvent).where(
                    OutboxEvent.kind == "mail.feedback",
                    OutboxEvent.target_type == "comment",
                    OutboxEvent.target_id == comment_id,
                )
            )
        )
    finally:
        end_read()


def audits() -> list[AuditLog]:
    try:
        return list(db.session.scalars(select(AuditLog).where(AuditLog.action == "contacts.purge")))
    finally:
        end_read()


@pytest.fixture
def concluded(factory, staff, clock):
    """A draft concluded 181 days ago (one mail sent, a revision's mail still queued), one concluded
    10 days ago, one closed without feedback."""
    old, old_comments = publish(factory, staff, "本市旧条例（草案）")
    end_read()
    with write_transaction() as session:  # the first mail went out
        row = session.scalar(
            select(OutboxEvent).where(
                OutboxEvent.kind == "mail.feedback", OutboxEvent.target_id == old_comments["email"].id
            )
        )
        row.processed_at, row.attempts = clock(), 1
        session.add(  # a revision's mail, still waiting
            OutboxEvent(
                kind="mail.feedback",
                target_type="comment",
                target_id=old_comments["email"].id,
                payload={**row.payload, "number": 2},
            )
        )
    clock.advance(days=171)
    recent, recent_comments = publish(factory, staff, "本市新条例（草案）")
    unpublished = factory.draft("closed", title="本市未反馈条例（草案）")
    waiting = factory.comment(
        unpublished, "还在研究。", status="published", contact="w@example.cn", notify=True
    )
    clock.advance(days=10)
    return {
        "old": (old, old_comments),
        "recent": (recent, recent_comments),
        "unpublished": (unpublished, {"waiting": waiting}),
    }


def test_purge_due_at(concluded, app, clock):
    old, _ = concluded["old"]
    unpublished, _ = concluded["unpublished"]
    old = fresh(Draft, old.id)
    assert purge_due_at(old, 180) == as_utc(old.feedback_published_at) + timedelta(days=180)
    assert purge_due_at(fresh(Draft, unpublished.id), 180) is None
    purge_contacts(None, CLI)
    assert purge_due_at(fresh(Draft, old.id), 180) is None  # done


def test_dry_run_changes_nothing(concluded, runner):
    old, comments = concluded["old"]
    result = runner.invoke(args=["contacts", "purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "《本市旧条例（草案）》" in result.output and "意见2条" in result.output
    assert "取消待发邮件1封" in result.output and "清除邮件地址2处" in result.output
    assert "预演" in result.output and "本市新条例" not in result.output
    assert fresh(Comment, comments["email"].id).contact == "li@example.cn"
    assert fresh(Draft, old.id).contacts_purged_at is None
    assert all(r.payload.get("to") for r in mail_rows(comments["email"].id))
    assert audits() == []


def test_only_drafts_past_retention_are_purged(concluded, runner, clock):
    old, old_comments = concluded["old"]
    _recent, recent_comments = concluded["recent"]
    _unpublished, unpublished_comments = concluded["unpublished"]
    result = runner.invoke(args=["contacts", "purge"])
    assert result.exit_code == 0, result.output
    assert "已删除1份草案的联系方式" in result.output
    for key in ("email", "phone"):
        c = fresh(Comment, old_comments[key].id)
        assert (c.contact, c.notify, c.address_hash) == (None, False, None)
        assert c.body  # the opinion itself stays
    assert fresh(Draft, old.id).contacts_purged_at == clock()
    assert fresh(Comment, recent_comments["email"].id).contact == "li@example.cn"
    assert fresh(Comment, recent_comments["phone"].id).address_hash == "ab" * 32
    assert fresh(Comment, unpublished_comments["waiting"].id).contact == "w@example.cn"


def test_audit_row_per_draft_and_idempotent(concluded, runner):
    old, _comments = concluded["old"]
    runner.invoke(args=["contacts", "purge"])
    (row,) = audits()
    assert row.target_type == "draft" and row.target_id == str(old.id)
    assert row.details["comments"] == 2
    assert row.details["mails_cancelled"] == 1 and row.details["mail_addresses"] == 2
    assert row.details["retention_days"] == 180
    again = runner.invoke(args=["contacts", "purge"])
    assert again.exit_code == 0 and "没有需要删除联系方式的草案" in again.output
    assert len(audits()) == 1


def test_mail_rows_no_longer_carry_the_address(concluded, app):
    _old, comments = concluded["old"]
    purge_contacts(None, CLI)
    rows = mail_rows(comments["email"].id)
    assert len(rows) == 2
    assert all("to" not in r.payload and r.payload["publication_id"] for r in rows)
    assert all(r.processed_at is not None for r in rows)
    cancelled = [r for r in rows if r.last_error]
    assert len(cancelled) == 1 and "联系方式已按保存期限删除" in cancelled[0].last_error
    from consult.feedback.notifications import waiting_count

    assert waiting_count() == 1  # only the recent draft's mail is still to be sent


def test_contact_point_and_its_mail_keep_their_address(factory, staff, clock):
    """A contact point's address is an office's, not a commenter's: the purge leaves it."""
    draft = factory.draft("closed")
    point = factory.contact_point("dongguan")
    end_read()
    with write_transaction() as session:
        session.get(ContactPoint, point.id).email = "dongguan@example.gov.cn"
    c = factory.comment(
        draft, "联系点的意见。", status="published", channel="contact_point", contact_point_id=point.id
    )
    decide(staff, CLI, [c.id], "adopted", "")
    end_read()
    publish_feedback(staff, CLI, draft.slug)
    clock.advance(days=181)
    purge_contacts(None, CLI)
    assert fresh(ContactPoint, point.id).email == "dongguan@example.gov.cn"
    try:
        row = db.session.scalar(select(OutboxEvent).where(OutboxEvent.target_type == "contact_point"))
        assert row.payload["to"] == "dongguan@example.gov.cn"
    finally:
        end_read()


def test_intake_batch_report_loses_its_contact_cells(concluded, factory):
    old, _comments = concluded["old"]
    point = factory.contact_point()
    end_read()
    with write_transaction() as session:
        batch = IntakeBatch(contact_point_id=point.id, draft_id=old.id, report=INVALID_ROWS_REPORT)
        clean = IntakeBatch(contact_point_id=point.id, draft_id=old.id, report={"errors": []})
        session.add_all([batch, clean])
        session.flush()
        batch_id = batch.id
    purge_contacts(None, CLI)
    report = fresh(IntakeBatch, batch_id).report
    (row,) = report["errors"]
    assert row["cells"][:2] == ["2", "张三"] and row["cells"][2] == "" and row["cells"][3] == "太短"
    assert "13812345678" not in row["cells"][4] and "zs@example.cn" not in row["cells"][4]
    assert row["messages"][0] == ["联系电话", "联系方式已删除"]
    assert row["messages"][1] == ["意见内容", "意见内容至少需要5个字"]
    assert report["header"] == INVALID_ROWS_REPORT["header"]
    (audit,) = audits()
    assert audit.details["batches"] == 1


def test_scrub_report_finds_a_headerless_contact_column():
    report = {
        "columns": {"contact": "第2列"},
        "header": ["意见", ""],
        "errors": [{"row": 2, "cells": ["短", "0571-87654321"], "messages": [["第2列", "无效"]]}],
    }
    cleaned, changed = scrub_report(report)
    assert changed == 2 and cleaned["errors"][0]["cells"] == ["短", ""]
    assert report["errors"][0]["cells"][1] == "0571-87654321"  # the original is not changed in place
    assert scrub_report({"errors": []}) == ({"errors": []}, 0)
    assert scrub_report(None) == (None, 0)


def test_retention_boundary_and_setting(factory, staff, clock, app):
    draft, comments = publish(factory, staff, "本市边界条例（草案）")
    clock.advance(days=180, seconds=-1)
    assert purge_contacts(None, CLI).drafts == []
    clock.advance(seconds=1)
    assert purge_contacts(None, CLI, dry_run=True).drafts[0].draft_id == draft.id
    app.config["CONTACT_RETENTION_DAYS"] = 365
    assert purge_contacts(None, CLI).drafts == []
    assert fresh(Comment, comments["email"].id).contact == "li@example.cn"


def test_smtp_errors_quoting_the_address_go_too(concluded):
    _old, comments = concluded["old"]
    end_read()
    with write_transaction() as session:
        row = session.scalar(
            select(OutboxEvent).where(
                OutboxEvent.target_id == comments["email"].id, OutboxEvent.processed_at.is_not(None)
            )
        )
        row.last_error = "550 5.1.1 <li@example.cn>: Recipient address rejected"
    purge_contacts(None, CLI)
    errors = [r.last_error or "" for r in mail_rows(comments["email"].id)]
    assert errors and not any("li@example.cn" in e for e in errors)


def test_contact_details_entered_after_a_purge_are_purged_by_the_next_run(concluded, runner):
    old, _comments = concluded["old"]
    runner.invoke(args=["contacts", "purge"])
    end_read()
    from consult.feedback.publishing import open_revision

    open_revision(None, CLI, old.slug)  # staff reopen the decisions and enter a late letter
    late = factory_letter(old.slug)
    assert fresh(Comment, late).contact == "late@example.cn"
    result = runner.invoke(args=["contacts", "purge"])
    assert "已删除1份草案的联系方式" in result.output, result.output
    assert fresh(Comment, late).contact is None
    assert len(audits()) == 2


def factory_letter(slug: str) -> int:
    from consult.comments.moderation import enter_offline_comment

    end_read()
    return enter_offline_comment(None, CLI, slug, "补充来信的意见。", "letter", contact="late@example.cn").id
