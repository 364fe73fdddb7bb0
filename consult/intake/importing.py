"""Importing a contact point's file of opinions: one operation for the web page, the API and the CLI.

``preview_batch`` reads and checks the file without writing anything; ``import_batch`` imports the
valid rows together with the batch record in one transaction, or nothing. A row already imported
(same contact point, draft, article and body) is never imported twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select

from consult import audit
from consult.changes import bump
from consult.clock import utcnow
from consult.context import RequestContext
from consult.db import write_transaction
from consult.drafts.queries import by_slug
from consult.errors import Conflict, DomainError, Forbidden, NotFound, ValidationError
from consult.extensions import db
from consult.groups.events import queue_batch
from consult.i18n import _
from consult.intake import raw_table, reading
from consult.intake.headers import find_layout
from consult.intake.meeting import Meeting, parse_meeting
from consult.intake.records import (
    article_id_of,
    batch_record,
    chunks,
    comment_row,
    fresh_codes,
    keep_notes,
    received_at_of,
)
from consult.intake.rows import Report, RowResult, build_rows
from consult.intake.stored import KnownReport
from consult.models import ArticleText, Comment, ContactPoint, Draft, User
from consult.personal_data import mask_contact
from consult.planner_stats import ANALYZE_AFTER_ROWS, refresh_statistics
from consult.search.events import queue_comments_of_batch


class PayloadTooLarge(DomainError):
    """The file is larger than an upload may be."""

    code = "payload_too_large"
    status = 413


class NothingToImport(ValidationError):
    """Every row of the file has an error: nothing can be imported (the outcome shows which)."""

    def __init__(self, message: str, outcome: BatchOutcome):
        super().__init__(message, {"file": message})
        self.outcome = outcome


class AlreadyImported(Conflict):
    """Every valid row of the file was imported before."""

    def __init__(self, message: str, outcome: BatchOutcome):
        super().__init__(message, {"file": message})
        self.outcome = outcome


@dataclass
class BatchRequest:
    """What an operator sends: the draft, the point (staff only), the meeting and the file."""

    draft: str | None
    filename: str
    data: bytes
    contact_point: str | None = None
    meeting_date: object = None
    meeting_place: str | None = None
    method: str | None = None
    participants: object = None
    collector: str | None = None


@dataclass
class BatchOutcome:
    """The preview, or the import's result: how the file was read and what became of each row."""

    draft: Draft
    point: ContactPoint
    meeting: Meeting
    filename: str
    sha256: str
    report: Report
    labels: dict[int, str]  # article number → printed label
    version_id: int = 0
    article_ids: dict[int, int] = field(default_factory=dict)  # article number → Article id
    keys: dict[int, str] = field(default_factory=dict)  # valid row number → intake key
    already: set[int] = field(default_factory=set)  # row numbers imported by an earlier batch
    batch_id: int | None = None
    rows_imported: int = 0

    @property
    def rows_total(self) -> int:
        """Data rows in the file (blank rows not counted)."""
        return len(self.report.rows)

    @property
    def rows_valid(self) -> int:
        """Rows without errors (including those imported before)."""
        return len(self.report.valid_rows)

    @property
    def new_rows(self) -> list[RowResult]:
        """Valid rows not imported before: what an import adds."""
        return [row for row in self.report.valid_rows if row.row not in self.already]

    def article_label(self, row: RowResult) -> str | None:
        """The printed label of the row's article, None for a comment on the whole draft."""
        return self.labels.get(row.article.number) if row.article.kind == "article" else None

    def known(self) -> KnownReport:
        """The report with what it was read from, to keep beside the upload until the confirmation."""
        return KnownReport(self.sha256, self.version_id, self.report)

    def as_json(self, with_rows: bool = True) -> dict:
        """The object of CONTRACT.md (API and ``intake import --json``), with the rows of the preview."""
        body = {
            "batch_id": self.batch_id,
            "rows_total": self.rows_total,
            "rows_valid": self.rows_valid,
            "rows_imported": self.rows_imported,
            "rows_already_imported": len(self.already),
            "encoding": self.report.encoding,
            "format": self.report.format,
            "header_row": self.report.header_row,
            "columns": self.report.columns,
            "ignored_columns": self.report.ignored,
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in self.report.errors],
        }
        if with_rows:
            body["rows"] = [
                {
                    "row": row.row,
                    "article": self.article_label(row),
                    "body": row.body,
                    "author_name": row.author_name,
                    "name_public": row.name_public,
                    "contact": mask_contact(row.contact),
                    "valid": row.valid,
                    "already_imported": row.row in self.already,
                }
                for row in self.report.rows
            ]
        return body


def _point_for(actor: User | None, slug: str | None) -> ContactPoint:
    """A contact point's operator uploads for their own point only; staff (and the CLI) name the point."""
    if actor is not None and actor.role == "contact_point":
        own = db.session.get(ContactPoint, actor.contact_point_id)
        if slug and slug != own.slug:
            raise Forbidden(_("只能为本联系点上传意见"))
        return own
    if not slug:
        raise ValidationError(_("请选择基层立法联系点"), {"contact_point": _("请选择联系点")})
    point = db.session.scalar(select(ContactPoint).where(ContactPoint.slug == slug))
    if point is None:
        raise ValidationError(_("联系点“%(s)s”不存在", s=slug), {"contact_point": _("联系点不存在")})
    return point


def _draft_for(slug: str | None) -> Draft:
    if not slug:
        raise ValidationError(_("请选择草案"), {"draft": _("请选择草案")})
    try:
        draft = by_slug(slug, public=True)  # contact points collect opinions on published drafts only
    except NotFound:
        raise ValidationError(_("草案“%(s)s”不存在", s=slug), {"draft": _("草案不存在")}) from None
    if not draft.accepts_offline_opinions:  # the same rule as staff entering a letter (Draft model)
        raise ValidationError(
            _("该草案的采纳情况反馈已发布，不再导入意见；如确需补录，请工作人员先开始修订"),
            {"draft": _("已发布反馈的草案不能再导入意见")},
        )
    return draft


def read_report(filename: str, data: bytes, numbers: set[int]) -> Report:
    """Read and check the file against the current version's article numbers."""
    if len(data) > raw_table.MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(
            _("文件不能超过%(mb)dMB，请分成几个文件上传", mb=raw_table.MAX_UPLOAD_BYTES // (1024 * 1024)),
            {"file": _("文件过大")},
        )
    try:
        table = reading.read_table(filename, data)
        layout = find_layout(table)
    except raw_table.FileError as err:
        raise ValidationError(err.message, {"file": err.message}) from None
    return build_rows(table, layout, numbers)


def intake_key(point_id: int, draft_id: int, article_id: int | None, body: str) -> str:
    """What makes an imported opinion the same opinion: point, draft, article and body."""
    text = f"{point_id}\x1f{draft_id}\x1f{article_id or 0}\x1f{body}"
    return hashlib.sha256(text.encode()).hexdigest()


def _prepare(actor: User | None, req: BatchRequest, known: KnownReport | None = None) -> BatchOutcome:
    """Check everything and read the file (or reuse ``known``, the preview's report of the very same
    bytes against the same draft version); raises before anything is written."""
    # Every field at once, in the form's order (an operator naming another point is a 403 at once).
    errors: dict[str, str] = {}
    messages: list[str] = []  # each refusal's own sentence, for a refusal of one field
    draft = point = None
    try:
        draft = _draft_for(req.draft)
    except ValidationError as err:
        errors.update(err.fields)
        messages.append(err.message)
    try:
        point = _point_for(actor, req.contact_point)
    except ValidationError as err:
        errors.update(err.fields)
        messages.append(err.message)
    meeting, meeting_errors = parse_meeting(
        req.meeting_date, req.meeting_place, req.method, req.participants, req.collector
    )
    errors.update(meeting_errors)
    messages.extend(meeting_errors.values())
    if not req.data:
        errors["file"] = _("未选择文件")
        messages.append(_("请选择要上传的文件"))
    if len(messages) == 1:
        raise ValidationError(messages[0], errors)
    if errors:
        raise ValidationError(
            _("有%(n)d处需要修改：%(items)s", n=len(errors), items="；".join(errors.values())), errors
        )
    assert draft is not None and point is not None and meeting is not None
    texts = db.session.execute(
        select(ArticleText.number, ArticleText.label, ArticleText.article_id).where(
            ArticleText.version_id == draft.current_version.id
        )
    ).all()
    sha256 = hashlib.sha256(req.data).hexdigest()
    if known is not None and (known.sha256, known.version_id) == (sha256, draft.current_version.id):
        report = known.report
    else:
        report = read_report(req.filename, req.data, {number for number, _label, _id in texts})
    outcome = BatchOutcome(
        draft=draft,
        point=point,
        meeting=meeting,
        filename=(req.filename or "")[:255],
        sha256=sha256,
        report=report,
        labels={number: label for number, label, _id in texts},
        version_id=draft.current_version.id,
        article_ids={number: article_id for number, _label, article_id in texts},
    )
    outcome.keys = {
        row.row: intake_key(point.id, draft.id, article_id_of(outcome, row), row.body)
        for row in report.valid_rows
    }
    outcome.already = _already_imported(outcome.keys)
    return outcome


def _already_imported(keys: dict[int, str]) -> set[int]:
    by_key = {key: number for number, key in keys.items()}
    found: set[int] = set()
    for chunk in chunks(list(by_key)):
        for key in db.session.scalars(select(Comment.intake_key).where(Comment.intake_key.in_(chunk))):
            found.add(by_key[key])
    return found


def preview_batch(actor: User | None, req: BatchRequest, known: KnownReport | None = None) -> BatchOutcome:
    """Read and check the file (or reuse ``known``, see import_batch), and say what an import would do;
    writes nothing."""
    try:
        return _prepare(actor, req, known)
    finally:
        db.session.rollback()


def import_batch(
    actor: User | None, ctx: RequestContext, req: BatchRequest, known: KnownReport | None = None
) -> BatchOutcome:
    """Import the valid rows with the batch record, in one transaction; the invalid ones are reported.

    ``known`` (see consult/intake/stored.py) spares reading the file again after a preview.
    """
    outcome = _prepare(actor, req, known)
    db.session.rollback()
    if not outcome.report.valid_rows:
        raise NothingToImport(
            _("文件中没有可以导入的意见：%(n)d行都有错误，请按错误说明修改后重新上传", n=outcome.rows_total)
            if outcome.rows_total
            else _("文件中没有意见"),
            outcome,
        )
    if not outcome.new_rows:
        raise AlreadyImported(
            _("这个文件中的%(n)d条意见此前都已导入，本次没有导入新的意见", n=outcome.rows_valid), outcome
        )
    with write_transaction() as session:
        # Checked again inside the write: a second worker may have imported the same rows meanwhile.
        outcome.already = _already_imported(outcome.keys)
        new_rows = outcome.new_rows
        if not new_rows:
            raise AlreadyImported(_("这些意见刚刚已被导入"), outcome)
        batch = batch_record(actor, outcome, len(new_rows))
        session.add(batch)
        session.flush()
        codes = fresh_codes(session, len(new_rows))
        now = utcnow()
        received = received_at_of(outcome.meeting)
        version_id = outcome.version_id
        for chunk_rows, chunk_codes in zip(chunks(new_rows), chunks(codes), strict=True):
            # Core executemany: the ORM's bulk path issued one INSERT per row here.
            session.execute(
                Comment.__table__.insert(),
                [
                    comment_row(outcome, row, code, batch.id, version_id, now, received)
                    for row, code in zip(chunk_rows, chunk_codes, strict=True)
                ],
            )
        bump(session)  # Core statements bypass the ORM events that move the change counter
        queue_comments_of_batch(session, batch.id)  # … and the ones that queue search work
        queue_batch(session, batch.id)  # … and grouping work
        keep_notes(session, outcome, new_rows, actor)
        audit.record(
            session,
            actor,
            ctx,
            "intake.import",
            batch,
            {
                "file": outcome.filename,
                "sha256": outcome.sha256,
                "imported": len(new_rows),
                "invalid": len(outcome.report.invalid_rows),
                "already": len(outcome.already),
            },
        )
        outcome.batch_id, outcome.rows_imported = batch.id, len(new_rows)
    if outcome.rows_imported >= ANALYZE_AFTER_ROWS:
        refresh_statistics(Comment.__tablename__)  # issue 15, point 9: autovacuum may lag a large load
    return outcome
