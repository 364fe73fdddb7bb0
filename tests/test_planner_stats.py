"""ANALYZE after bulk loads (issue 15, point 9): seed-demo, synthetic comments and a large intake import
leave the planner statistics of what they loaded; a small import does not pay for an ANALYZE."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from consult.context import CLI
from consult.db import end_read
from consult.demo.seed import seed_demo
from consult.demo.synthetic import add_synthetic_comments
from consult.extensions import db
from consult.intake import importing
from consult.intake.importing import BatchRequest, import_batch
from consult.models import Comment
from consult.planner_stats import refresh_statistics


def planned_rows(table: str = "comment") -> int | None:
    """How many rows the planner's statistics say the table holds (None: it has none)."""
    end_read()
    if db.engine.dialect.name == "sqlite":
        if not db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")):
            return None
        stat = db.session.scalar(text("SELECT stat FROM sqlite_stat1 WHERE tbl = :t LIMIT 1"), {"t": table})
        value = int(stat.split()[0]) if stat else None
    else:
        value = int(
            db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table})
        )
    end_read()
    return value


def comments() -> int:
    end_read()
    return db.session.scalar(select(func.count(Comment.id)))


def test_synthetic_comments_leave_statistics(app, factory):
    draft = factory.draft()
    factory.comment(draft)
    assert planned_rows() != 38
    add_synthetic_comments(37, draft_slug=draft.slug)
    assert planned_rows() == comments() == 38


def test_seed_demo_leaves_statistics(app):
    seed_demo()
    n = comments()
    assert n > 0 and planned_rows() == n


def _opinions(n: int) -> bytes:
    rows = "".join(f"{i},第一条,建议第{i}项写明适用范围。,,,,\n" for i in range(1, n + 1))
    return ("序号,条款,意见内容,理由,提出人,联系电话,备注\n" + rows).encode()


@pytest.mark.parametrize(("threshold", "analyzed"), [(5, True), (6, False)])
def test_a_large_import_leaves_statistics_and_a_small_one_does_not(
    app, factory, monkeypatch, threshold, analyzed
):
    monkeypatch.setattr(importing, "ANALYZE_AFTER_ROWS", threshold)
    draft = factory.draft()
    factory.contact_point("dongguan")
    staff, _ = factory.user("staff")
    factory.comment(draft)
    before = planned_rows()
    request = BatchRequest(
        draft=draft.slug,
        filename="意见.csv",
        data=_opinions(5),
        contact_point="dongguan",
        meeting_date="2026-11-20",
        method="座谈会",
    )
    assert import_batch(staff, CLI, request).rows_imported == 5
    assert (planned_rows() == comments() == 6) if analyzed else (planned_rows() == before != 6)


def test_a_refused_analyze_is_logged_not_raised(app, factory, caplog):
    refresh_statistics("no_such_table")
    assert "ANALYZE after a bulk load failed" in caplog.text
    factory.draft()  # the session is usable afterwards
