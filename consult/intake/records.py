"""The rows an import writes: the batch record, the comments (receipt codes, dates, keys) and the notes.

Helpers of ``importing.import_batch``, which calls them inside its one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import insert, select

from consult.clock import as_utc, utcnow
from consult.i18n import _
from consult.intake.meeting import Meeting
from consult.intake.rows import RowResult
from consult.models import Comment, IntakeBatch, ReviewNote, User
from consult.receipts import new_code

if TYPE_CHECKING:
    from consult.intake.importing import BatchOutcome

CHUNK = 1000  # rows per INSERT and per duplicate lookup


def chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def article_id_of(outcome: BatchOutcome, row: RowResult) -> int | None:
    return outcome.article_ids.get(row.article.number) if row.article.kind == "article" else None


def batch_record(actor: User | None, outcome: BatchOutcome, imported: int) -> IntakeBatch:
    report = outcome.report
    return IntakeBatch(
        contact_point_id=outcome.point.id,
        draft_id=outcome.draft.id,
        filename=outcome.filename,
        encoding=report.encoding or report.format.upper(),
        sha256=outcome.sha256,
        meeting_date=outcome.meeting.date,
        meeting_place=outcome.meeting.place,
        method=outcome.meeting.method,
        participants=outcome.meeting.participants,
        collector=outcome.meeting.collector,
        rows_total=outcome.rows_total,
        rows_valid=outcome.rows_valid,
        rows_imported=imported,
        rows_already=len(outcome.already),
        created_by_id=actor.id if actor is not None else None,
        report={
            "format": report.format,
            "header_row": report.header_row,
            "columns": report.columns,
            "ignored": report.ignored,
            "header": report.header,
            "errors": [
                {"row": row.row, "cells": row.raw, "messages": [[e.column, e.message] for e in row.errors]}
                for row in report.invalid_rows
            ],
        },
    )


def keep_notes(session, outcome: BatchOutcome, rows: list[RowResult], actor: User | None) -> None:
    """A 备注 cell becomes an internal note on its opinion (staff see it; it is never public)."""
    noted = {outcome.keys[row.row]: row.note for row in rows if row.note}
    for chunk in chunks(list(noted)):
        ids = session.execute(
            select(Comment.intake_key, Comment.id).where(Comment.intake_key.in_(chunk))
        ).all()
        session.execute(
            insert(ReviewNote),
            [
                {
                    "draft_id": outcome.draft.id,
                    "comment_id": comment_id,
                    "author_id": actor.id if actor is not None else None,
                    "body": _("联系点备注：%(note)s", note=noted[key]),
                    "created_at": utcnow(),
                }
                for key, comment_id in ids
            ],
        )


def fresh_codes(session, n: int) -> list[str]:
    """n receipt codes no comment has (clashes of 43 random bits are rare, but checked)."""
    codes: set[str] = set()
    while len(codes) < n:
        wanted = {new_code() for _ in range(n - len(codes))} - codes
        for chunk in chunks(list(wanted)):
            taken = set(session.scalars(select(Comment.receipt_code).where(Comment.receipt_code.in_(chunk))))
            codes |= set(chunk) - taken
    return list(codes)[:n]


def received_at_of(meeting: Meeting) -> datetime | None:
    return as_utc(datetime.combine(meeting.date, time(12, 0))) if meeting.date else None


def comment_row(
    outcome: BatchOutcome, row: RowResult, code: str, batch_id: int, version_id: int, now, received
) -> dict:
    return {
        "draft_id": outcome.draft.id,
        "version_id": version_id,
        "article_id": article_id_of(outcome, row),
        "body": row.body,
        "channel": "contact_point",
        "status": "pending",
        "receipt_code": code,
        "author_name": row.author_name,
        "name_public": row.name_public,  # only when the contact point marked the person as agreeing
        "contact": row.contact,
        "notify": False,
        "submitted_at": now,
        "received_at": as_utc(datetime.combine(row.date, time(12, 0))) if row.date else received,
        "contact_point_id": outcome.point.id,
        "batch_id": batch_id,
        "intake_key": outcome.keys[row.row],
        "version": 1,
    }
