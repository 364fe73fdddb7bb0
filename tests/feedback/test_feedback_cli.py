"""The feedback commands: the same operations as the staff page and the API."""

from __future__ import annotations

import csv

from sqlalchemy import select

from consult.db import end_read
from consult.extensions import db
from consult.models import AuditLog, FeedbackPublication


def test_publish_revise_and_export_from_the_command_line(runner, factory, tmp_path):
    draft = factory.draft("closed")
    factory.comment(draft, '=HYPERLINK("http://x")建议', status="published")
    open_draft = factory.draft("open")

    refused = runner.invoke(args=["feedback", "publish", open_draft.slug])
    assert refused.exit_code == 1 and "征求意见结束后" in refused.output
    done = runner.invoke(args=["feedback", "publish", draft.slug])
    assert done.exit_code == 0, done.output
    assert "第1次发布" in done.output
    again = runner.invoke(args=["feedback", "publish", draft.slug])
    assert again.exit_code == 1 and "开始修订" in again.output
    assert runner.invoke(args=["feedback", "revise", draft.slug]).exit_code == 0
    no_note = runner.invoke(args=["feedback", "publish", draft.slug])
    assert no_note.exit_code == 1 and "revision_note" in no_note.output
    revised = runner.invoke(args=["feedback", "publish", draft.slug, "--revision-note", "更正一处理由。"])
    assert revised.exit_code == 0 and "第2次发布" in revised.output

    target = tmp_path / "summary.csv"
    exported = runner.invoke(args=["feedback", "export", draft.slug, "--format", "csv", "-o", str(target)])
    assert exported.exit_code == 0, exported.output
    rows = list(csv.reader(target.read_text(encoding="utf-8-sig").splitlines()))
    assert any(cell.startswith("'=HYPERLINK") for row in rows for cell in row)
    assert runner.invoke(args=["feedback", "export", "no-such", "--format", "csv"]).exit_code == 1

    end_read()
    query = select(FeedbackPublication.number).order_by(FeedbackPublication.number)
    numbers = db.session.scalars(query).all()
    assert numbers == [1, 2]
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.target_id == str(draft.id))).all()
    assert actions.count("feedback.publish") == 2 and "export.summary" in actions
