"""Review work among staff: internal notes and assignments (operations, constraints, audit rows)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from consult.comments.review import add_note, assign, unassign
from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.errors import NotFound, ValidationError
from consult.extensions import db
from consult.models import Assignment, AuditLog, ReviewNote, User
from consult.models.review import NOTE_MAX


@pytest.fixture
def work(factory):
    draft = factory.draft()
    comment = factory.comment(draft, status="published")
    staff, _pw = factory.user("staff")
    other, _pw = factory.user("admin")
    end_read()
    return draft, draft.current_version.texts[0].article_id, comment, staff, other


def audit_actions() -> list[str]:
    end_read()
    return list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))


def test_a_note_on_an_article_and_on_a_comment_is_stored_with_an_audit_row(work):
    draft, article_id, comment, staff, _other = work
    note = add_note(staff, CLI, "  请法工委核对<b>上位法</b>  ", article_id=article_id)
    assert note.draft_id == draft.id and note.article_id == article_id and note.comment_id is None
    assert note.body == "请法工委核对上位法" and note.author_id == staff.id
    on_comment = add_note(staff, CLI, "已电话联系提出人", comment_id=comment.id)
    assert on_comment.comment_id == comment.id and on_comment.draft_id == draft.id
    assert audit_actions()[-2:] == ["review.note", "review.note"]
    row = db.session.scalar(select(AuditLog).order_by(AuditLog.id.desc()).limit(1))
    assert row.target_type == "review_note" and "已电话" not in str(row.details)


@pytest.mark.parametrize(
    ("body", "target", "error"),
    [
        ("", "article", ValidationError),
        ("   ", "comment", ValidationError),
        ("长" * (NOTE_MAX + 1), "article", ValidationError),
        ("内容", "both", ValidationError),
        ("内容", "none", ValidationError),
        ("内容", "missing-article", NotFound),
        ("内容", "missing-comment", NotFound),
    ],
)
def test_a_note_is_refused_without_text_or_a_single_existing_target(work, body, target, error):
    _draft, article_id, comment, staff, _other = work
    kw = {
        "article": {"article_id": article_id},
        "comment": {"comment_id": comment.id},
        "both": {"article_id": article_id, "comment_id": comment.id},
        "none": {},
        "missing-article": {"article_id": 999999},
        "missing-comment": {"comment_id": 999999},
    }[target]
    with pytest.raises(error):
        add_note(staff, CLI, body, **kw)
    end_read()
    assert db.session.scalar(select(func.count(ReviewNote.id))) == 0


def test_assigning_again_replaces_the_assignment(work):
    _draft, article_id, comment, staff, other = work
    first = assign(staff, CLI, staff.id, article_id=article_id)
    again = assign(staff, CLI, other.id, article_id=article_id)
    assign(staff, CLI, staff.id, comment_id=comment.id)
    end_read()
    rows = db.session.scalars(select(Assignment).order_by(Assignment.id)).all()
    assert [(r.article_id, r.comment_id, r.assignee_id) for r in rows] == [
        (article_id, None, other.id),
        (None, comment.id, staff.id),
    ]
    assert first.id == again.id and rows[0].assigned_by_id == staff.id
    assert audit_actions()[-3:] == ["review.assign"] * 3


def test_only_active_staff_can_be_assigned(work, factory):
    _draft, article_id, _comment, staff, _other = work
    operator, _pw = factory.user("contact_point")
    gone, _pw = factory.user("staff")
    end_read()
    with write_transaction() as session:
        session.get(User, gone.id).active = False
    for assignee_id in (operator.id, gone.id, 999999, None):
        end_read()
        with pytest.raises(ValidationError) as err:
            assign(staff, CLI, assignee_id, article_id=article_id)
        assert "assignee" in err.value.fields
    staff_id = staff.id
    end_read()
    with pytest.raises(NotFound):
        assign(staff, CLI, staff_id, article_id=999999)
    end_read()
    assert db.session.scalar(select(func.count(Assignment.id))) == 0


def test_unassign_removes_the_assignment_and_refuses_when_there_is_none(work):
    _draft, article_id, comment, staff, _other = work
    assign(staff, CLI, staff.id, comment_id=comment.id)
    unassign(staff, CLI, comment_id=comment.id)
    end_read()
    assert db.session.scalar(select(func.count(Assignment.id))) == 0
    assert audit_actions()[-1] == "review.unassign"
    end_read()
    with pytest.raises(NotFound):
        unassign(staff, CLI, article_id=article_id)


def test_the_database_refuses_a_note_or_assignment_without_exactly_one_target(work):
    draft, article_id, comment, staff, _other = work
    end_read()
    for row in (
        ReviewNote(draft_id=draft.id, body="x"),
        Assignment(draft_id=draft.id, article_id=article_id, comment_id=comment.id, assignee_id=staff.id),
    ):
        with pytest.raises(IntegrityError), write_transaction() as session:
            session.add(row)
        end_read()
