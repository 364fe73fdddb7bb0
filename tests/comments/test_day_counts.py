"""Comments per draft, local day, channel and status kept in the writing transaction (issue 16, point 4):
the counters follow a comment's channel and time as well as its status, bulk writes are counted or
refused, `counts check` repairs them, and the migration counts the comments already there."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import MetaData, Table, insert, select, update

from consult.comments import counts, day_counts
from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.models import Comment
from consult.models.counts import CommentDayCount
from tests.comments.test_counts import assert_exact
from tests.test_migrations import empty_database  # noqa: F401 (a fixture)

# 17:00 UTC is 01:00 the next day in Asia/Shanghai.
LATE = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)


def by_day(draft_id: int) -> dict:
    end_read()
    found = {k[1:]: n for k, n in day_counts.stored(db.session.connection()).items() if k[0] == draft_id}
    end_read()
    return found


def test_a_comments_day_is_its_local_day_and_moves_with_its_channel_and_time(app, factory):
    draft = factory.draft()
    comment = factory.comment(draft, submitted_at=LATE, channel="letter")
    assert by_day(draft.id) == {(date(2026, 11, 21), "letter", "pending"): 1}
    # Loaded afresh (expired after commit): setting the columns must still know their old values.
    with write_transaction() as session:
        kept = session.get(Comment, comment.id)
        session.expire(kept)
        kept.channel = "deputy"
        kept.submitted_at = LATE - timedelta(hours=12)  # 13:00 on the 20th, local time
        kept.status = "published"
    assert by_day(draft.id) == {(date(2026, 11, 20), "deputy", "published"): 1}
    assert_exact()
    with write_transaction() as session:
        session.delete(session.get(Comment, comment.id))
    assert by_day(draft.id) == {}


def test_the_local_day_follows_the_configured_zone(make_app):
    app = make_app(TIMEZONE="UTC")
    with app.app_context():
        assert day_counts.local_day(LATE) == date(2026, 11, 20)
    assert day_counts.local_day(LATE) == date(2026, 11, 21)  # no app: Asia/Shanghai


def test_a_bulk_insert_without_times_is_counted_at_the_time_it_is_given(app, factory, clock):
    draft = factory.draft()
    clock.now = LATE
    version_id = draft.current_version.id
    rows = [
        {"draft_id": draft.id, "version_id": version_id, "body": "批量", "receipt_code": f"5{i:012d}"}
        for i in range(3)
    ]
    with write_transaction() as session:
        session.execute(insert(Comment), rows)
    with write_transaction() as session:  # one row: parameters are a mapping, not a list
        session.execute(insert(Comment), {**rows[0], "receipt_code": "4" * 13, "channel": "expert"})
    assert by_day(draft.id) == {
        (date(2026, 11, 21), "web", "pending"): 3,
        (date(2026, 11, 21), "expert", "pending"): 1,
    }
    times = db.session.scalars(select(Comment.submitted_at).where(Comment.draft_id == draft.id)).all()
    assert set(times) == {LATE}
    assert_exact()


@pytest.mark.parametrize("values", [{"channel": "letter"}, {"submitted_at": LATE}])
def test_a_bulk_update_of_a_counted_column_is_refused(app, factory, values):
    draft = factory.draft()
    factory.comment(draft)
    with pytest.raises(counts.NotCounted), write_transaction() as session:
        session.execute(update(Comment).where(Comment.draft_id == draft.id).values(**values))


def test_counts_check_finds_and_repairs_a_day_counter(app, factory, runner):
    draft = factory.draft()
    factory.comment(draft, status="published", submitted_at=LATE)
    factory.comment(draft, status="pending", submitted_at=LATE, channel="expert")
    assert runner.invoke(args=["counts", "check"]).exit_code == 0
    with write_transaction() as session:
        session.execute(update(CommentDayCount).where(CommentDayCount.channel == "web").values(n=7))
    end_read()
    result = runner.invoke(args=["counts", "check"])
    assert result.exit_code == 1, result.output
    assert f"草案{draft.id} 2026-11-21 web published：计数7，实有1" in result.output
    result = runner.invoke(args=["counts", "check", "--repair"])
    assert result.exit_code == 0 and "已修复1处" in result.output
    assert runner.invoke(args=["counts", "check"]).exit_code == 0
    assert_exact()


def test_the_migration_counts_the_comments_already_there(make_app, empty_database):  # noqa: F811
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database)
    with app.app_context():
        upgrade(revision="e7a1c3b5d9f2")
        now = datetime(2026, 11, 20, 4, tzinfo=UTC)
        with db.engine.begin() as conn:
            meta = MetaData()
            draft, version, comment = (
                Table(name, meta, autoload_with=conn) for name in ("draft", "draft_version", "comment")
            )
            conn.execute(
                insert(draft).values(
                    id=1,
                    slug="d",
                    title="t",
                    summary="",
                    show_comments=True,
                    created_at=now,
                    updated_at=now,
                    version=1,
                )
            )
            conn.execute(
                insert(version).values(id=1, draft_id=1, number=1, label="", source_text="", created_at=now)
            )
            for number, (channel, status, when) in enumerate(
                (
                    ("web", "published", now),
                    ("web", "published", LATE),
                    ("web", "pending", LATE),
                    ("letter", "published", LATE + timedelta(hours=1)),
                ),
                1,
            ):
                conn.execute(
                    insert(comment).values(
                        id=number,
                        draft_id=1,
                        version_id=1,
                        body="一条意见",
                        channel=channel,
                        status=status,
                        receipt_code=f"code{number}",
                        author_name="",
                        notify=False,
                        submitted_at=when,
                        version=1,
                        name_public=True,
                    )
                )
        upgrade()
        with db.engine.connect() as conn:
            kept = day_counts.stored(conn)
            assert kept == day_counts.grouped(conn)
        assert kept == {
            (1, date(2026, 11, 20), "web", "published"): 1,
            (1, date(2026, 11, 21), "web", "published"): 1,
            (1, date(2026, 11, 21), "web", "pending"): 1,
            (1, date(2026, 11, 21), "letter", "published"): 1,
        }
        db.engine.dispose()
