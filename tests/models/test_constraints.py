"""The data model's rules live in the database: check constraints, unique constraints, versions."""

from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.models import Comment, Decision, Draft, User


def _insert_fails(statement: str, params: dict) -> None:
    end_read()
    with pytest.raises(IntegrityError), write_transaction() as session:
        session.execute(text(statement), params)


def test_comment_status_and_channel_are_checked_by_the_database(app, factory):
    draft = factory.draft()
    comment = factory.comment(draft)
    _insert_fails("UPDATE comment SET status = 'deleted' WHERE id = :id", {"id": comment.id})
    _insert_fails("UPDATE comment SET channel = 'fax' WHERE id = :id", {"id": comment.id})


def test_decision_outcome_is_checked_and_one_per_comment(app, factory):
    comment = factory.comment(factory.draft())
    end_read()
    with write_transaction() as session:
        session.add(Decision(comment_id=comment.id, outcome="adopted", reason=""))
    _insert_fails(
        "INSERT INTO decision (comment_id, outcome, reason, decided_at, version) "
        "VALUES (:id, 'adopted', '', CURRENT_TIMESTAMP, 1)",
        {"id": comment.id},
    )
    other = factory.comment(factory.draft())
    _insert_fails(
        "INSERT INTO decision (comment_id, outcome, reason, decided_at, version) "
        "VALUES (:id, 'maybe', '', CURRENT_TIMESTAMP, 1)",
        {"id": other.id},
    )


def test_receipt_codes_are_unique(app, factory):
    draft = factory.draft()
    first = factory.comment(draft)
    second = factory.comment(draft)
    _insert_fails(
        "UPDATE comment SET receipt_code = :code WHERE id = :id",
        {"code": first.receipt_code, "id": second.id},
    )


def test_slugs_and_usernames_are_unique(app, factory):
    draft = factory.draft(slug="unique-slug")
    factory.draft(slug="other-slug")
    _insert_fails("UPDATE draft SET slug = 'unique-slug' WHERE id <> :id", {"id": draft.id})
    factory.user("staff", username="alice")
    _insert_fails(
        'INSERT INTO "user" (username, display_name, password_hash, role, active, session_nonce, created_at) '
        "VALUES ('alice', '', 'x', 'staff', true, 'n', CURRENT_TIMESTAMP)",
        {},
    )


def test_a_contact_point_operator_must_belong_to_a_point_and_staff_to_none(app, factory):
    user, _ = factory.user("staff")
    point = factory.contact_point()
    _insert_fails('UPDATE "user" SET contact_point_id = :p WHERE id = :id', {"p": point.id, "id": user.id})
    _insert_fails(
        'INSERT INTO "user" (username, display_name, password_hash, role, active, session_nonce, created_at) '
        "VALUES ('op', '', 'x', 'contact_point', true, 'n', CURRENT_TIMESTAMP)",
        {},
    )
    _insert_fails("UPDATE \"user\" SET role = 'superuser' WHERE id = :id", {"id": user.id})


def test_an_article_has_one_text_per_version(app, factory):
    draft = factory.draft()
    version = draft.current_version
    first, second = version.texts[0], version.texts[1]
    _insert_fails(
        "UPDATE article_text SET article_id = :a WHERE id = :id", {"a": first.article_id, "id": second.id}
    )
    _insert_fails("UPDATE article_text SET number = :n WHERE id = :id", {"n": first.number, "id": second.id})


def test_foreign_keys_are_enforced(app, factory):
    comment = factory.comment(factory.draft())
    _insert_fails("UPDATE comment SET article_id = 999999 WHERE id = :id", {"id": comment.id})


def test_datetimes_come_back_aware_in_utc(app, factory, clock):
    draft = factory.draft()
    db.session.remove()
    loaded = db.session.scalar(select(Draft).where(Draft.id == draft.id))
    assert loaded.created_at.tzinfo is not None
    assert loaded.created_at.utcoffset().total_seconds() == 0
    assert loaded.created_at == clock.now.astimezone(UTC)


def test_concurrent_edits_are_caught_by_the_version_column(app, factory):
    comment = factory.comment(factory.draft())
    end_read()
    with pytest.raises(StaleDataError), write_transaction() as session:
        mine = session.get(Comment, comment.id)
        assert mine.version == 1
        # Another editor's change lands between our read and our write.
        session.execute(
            text("UPDATE comment SET status = 'published', version = 2 WHERE id = :id"), {"id": comment.id}
        )
        mine.status = "rejected"
        session.flush()
    end_read()
    assert db.session.get(Comment, comment.id).status == "pending"


def test_deleting_a_draft_cascades_in_the_database(app, factory):
    draft = factory.draft()
    factory.comment(draft)
    end_read()
    with write_transaction() as session:
        session.execute(text("DELETE FROM draft WHERE id = :id"), {"id": draft.id})
    end_read()
    assert db.session.scalar(select(Comment).where(Comment.draft_id == draft.id)) is None
    assert db.session.scalar(select(User)) is None
