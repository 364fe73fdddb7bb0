"""Importing a file of opinions into the database: one transaction, never twice, and who may do it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from consult.clock import utcnow
from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.errors import Forbidden, ValidationError
from consult.extensions import db
from consult.intake import importing, raw_table
from consult.intake.importing import (
    AlreadyImported,
    BatchRequest,
    NothingToImport,
    import_batch,
    preview_batch,
)
from consult.intake.stored import from_json, to_json
from consult.models import AuditLog, Comment, Draft, IntakeBatch, ReviewNote

CSV = (
    "东关街道座谈会意见汇总\n"
    "序号,条款,意见内容,理由,提出人,联系电话,备注\n"
    "1,第一条,建议写明本条例的适用范围。,便于执行,张三,13800138000,已电话回访\n"
    "2,3,建议增加无障碍设施。,,李四,,\n"
    "3,第九十九条,这一条不存在。,,王五,,\n"
    "4,总体意见,整体上赞成本条例。,,,,\n"
).encode()


def count(model) -> int:
    end_read()
    value = db.session.scalar(select(func.count()).select_from(model))
    end_read()
    return value


@pytest.fixture
def setting(factory):
    draft = factory.draft()
    point = factory.contact_point("dongguan")
    staff, _ = factory.user("staff")
    operator, _ = factory.user("contact_point", point="dongguan")
    return draft, point, staff, operator


def request_for(draft, data=CSV, **extra) -> BatchRequest:
    fields = {"contact_point": "dongguan", "meeting_date": "2026-11-20", "method": "座谈会", **extra}
    return BatchRequest(draft=draft.slug, filename="东关街道意见.csv", data=data, **fields)


def test_the_preview_writes_nothing_and_says_what_an_import_would_do(setting):
    draft, _point, staff, _operator = setting
    outcome = preview_batch(staff, request_for(draft))
    assert (outcome.rows_total, outcome.rows_valid, len(outcome.new_rows)) == (4, 3, 3)
    assert [e.row for e in outcome.report.errors] == [5]
    assert "第一条至第四条" in outcome.report.errors[0].message
    assert outcome.report.encoding == "UTF-8" and outcome.report.ignored == ["序号"]
    assert [outcome.article_label(r) for r in outcome.report.rows] == ["第一条", "第三条", None, None]
    assert count(Comment) == 0 and count(IntakeBatch) == 0
    body = outcome.as_json()
    assert body["rows"][0]["contact"] == "138****8000" and body["batch_id"] is None


def test_an_import_writes_the_batch_and_its_opinions_together(setting):
    draft, point, staff, _operator = setting
    outcome = import_batch(
        staff, CLI, request_for(draft, meeting_place="东关街道社区中心", participants="23")
    )
    assert outcome.rows_imported == 3
    batch = db.session.get(IntakeBatch, outcome.batch_id)
    assert (batch.rows_total, batch.rows_valid, batch.rows_imported, batch.rows_already) == (4, 3, 3, 0)
    assert (batch.method, batch.participants, batch.meeting_place) == ("forum", 23, "东关街道社区中心")
    assert batch.meeting_date == dt.date(2026, 11, 20) and len(batch.sha256) == 64
    assert batch.filename == "东关街道意见.csv" and batch.created_by_id == staff.id
    assert [e["row"] for e in batch.report["errors"]] == [5]
    comments = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    assert {c.channel for c in comments} == {"contact_point"} and {c.status for c in comments} == {"pending"}
    assert {c.contact_point_id for c in comments} == {point.id} and {c.batch_id for c in comments} == {
        batch.id
    }
    assert len({c.receipt_code for c in comments}) == 3
    first = comments[0]
    assert first.body == "建议写明本条例的适用范围。\n理由：便于执行"
    assert (first.author_name, first.contact) == ("张三", "13800138000")
    assert first.received_at.astimezone(dt.UTC).date() == dt.date(2026, 11, 20)
    assert comments[2].article_id is None  # 总体意见: on the draft as a whole
    note = db.session.scalar(select(ReviewNote))
    assert (note.comment_id, note.body) == (first.id, "联系点备注：已电话回访")
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "intake.import"))
    assert audit.details["imported"] == 3 and audit.details["invalid"] == 1


def test_the_same_rows_are_never_imported_twice(setting, factory):
    draft, _point, staff, _operator = setting
    import_batch(staff, CLI, request_for(draft))
    with pytest.raises(AlreadyImported) as caught:
        import_batch(staff, CLI, request_for(draft))
    assert caught.value.status == 409 and "此前都已导入" in caught.value.message
    assert len(caught.value.outcome.already) == 3
    assert count(Comment) == 3 and count(IntakeBatch) == 1
    # One new row among old ones: only it is imported, and the batch says how many were skipped.
    more = CSV + "5,第二条,新增的一条意见。,,赵六,,\n".encode()
    outcome = import_batch(staff, CLI, request_for(draft, data=more))
    assert outcome.rows_imported == 1
    assert db.session.get(IntakeBatch, outcome.batch_id).rows_already == 3
    # The same opinion from another contact point is another opinion.
    factory.contact_point("yunhe")
    assert import_batch(staff, CLI, request_for(draft, contact_point="yunhe")).rows_imported == 3


def test_an_operator_imports_for_their_own_point_only(setting, factory):
    draft, point, _staff, operator = setting
    factory.contact_point("yunhe")
    outcome = import_batch(operator, CLI, request_for(draft, contact_point=None))
    assert db.session.get(IntakeBatch, outcome.batch_id).contact_point_id == point.id
    with pytest.raises(Forbidden):
        preview_batch(operator, request_for(draft, contact_point="yunhe"))


def test_staff_must_name_an_existing_point(setting):
    draft, _point, staff, _operator = setting
    with pytest.raises(ValidationError) as caught:
        preview_batch(staff, request_for(draft, contact_point=None))
    assert "contact_point" in caught.value.fields
    with pytest.raises(ValidationError) as caught:
        preview_batch(staff, request_for(draft, contact_point="no-such-point"))
    assert caught.value.fields["contact_point"] == "联系点不存在"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"meeting_date": "2026-02-30"}, "meeting_date", "年-月-日"),
        ({"meeting_date": "2099-01-01"}, "meeting_date", "不能晚于今天"),
        ({"method": "电话"}, "method", "座谈会"),
        ({"participants": "很多"}, "participants", "整数"),
        ({"meeting_place": "地" * 201}, "meeting_place", "200"),
    ],
)
def test_meeting_details_are_checked(setting, fields, field, message):
    draft, _point, staff, _operator = setting
    with pytest.raises(ValidationError) as caught:
        preview_batch(staff, request_for(draft, **fields))
    assert message in caught.value.fields[field]


def test_drafts_that_take_no_opinions(setting, factory):
    _draft, _point, staff, _operator = setting
    unpublished = factory.draft("draft")
    with pytest.raises(ValidationError) as caught:
        preview_batch(staff, request_for(unpublished))
    assert caught.value.fields["draft"] == "草案不存在"
    concluded = factory.draft("closed")
    end_read()
    with write_transaction() as session:
        session.get(Draft, concluded.id).feedback_published_at = utcnow()
    with pytest.raises(ValidationError) as caught:
        preview_batch(staff, request_for(concluded))
    assert "反馈" in caught.value.message


def test_a_file_without_a_single_good_row_imports_nothing(setting):
    draft, _point, staff, _operator = setting
    bad = "条款,意见内容\n第九十九条,不存在的条款。\n".encode()
    with pytest.raises(NothingToImport) as caught:
        import_batch(staff, CLI, request_for(draft, data=bad))
    assert caught.value.status == 400 and caught.value.outcome.rows_total == 1
    assert count(IntakeBatch) == 0 and count(Comment) == 0


def test_unreadable_and_oversized_files_are_field_errors(setting, monkeypatch):
    draft, _point, staff, _operator = setting
    with pytest.raises(ValidationError) as caught:
        preview_batch(staff, request_for(draft, data=b"\x89PNG\r\n\x1a\n" + bytes(200)))
    assert "file" in caught.value.fields
    with pytest.raises(ValidationError) as caught:
        preview_batch(staff, request_for(draft, data=b""))
    assert caught.value.fields["file"] == "未选择文件"
    monkeypatch.setattr(raw_table, "MAX_UPLOAD_BYTES", 100)
    with pytest.raises(importing.PayloadTooLarge) as caught:
        preview_batch(staff, request_for(draft))
    assert caught.value.status == 413


def test_a_failure_half_way_leaves_nothing_behind(setting, monkeypatch):
    """The valid rows are imported together with the batch record, or not at all."""
    draft, _point, staff, _operator = setting
    rows = "条款,意见内容\n" + "".join(f"第一条,第{i}条不同的意见。\n" for i in range(2500))
    real = importing.comment_row
    calls = {"n": 0}

    def fail_late(*args):
        calls["n"] += 1
        if calls["n"] == 2200:  # in the third chunk of 1,000
            raise RuntimeError("the database went away")
        return real(*args)

    monkeypatch.setattr(importing, "comment_row", fail_late)
    with pytest.raises(RuntimeError):
        import_batch(staff, CLI, request_for(draft, data=rows.encode()))
    assert count(Comment) == 0 and count(IntakeBatch) == 0 and count(ReviewNote) == 0


def test_the_cli_prints_the_report_and_the_api_object(app, runner, setting, tmp_path):
    draft, _point, _staff, _operator = setting
    path = tmp_path / "意见.csv"
    path.write_bytes(CSV)
    args = ["intake", "import", str(path), "--draft", draft.slug, "--contact-point", "dongguan"]
    result = runner.invoke(args=[*args, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "表头在第2行" in result.output and "忽略的列：序号" in result.output
    assert "没有第九十九条" in result.output and "有错误1行" in result.output
    assert count(Comment) == 0
    result = runner.invoke(args=[*args, "--json"])
    body = json.loads(result.output)
    assert (body["rows_imported"], body["rows_valid"]) == (3, 3) and isinstance(body["batch_id"], int)
    result = runner.invoke(args=[*args, "--json"])
    assert result.exit_code == 2
    body = json.loads(result.output)
    assert body["error"]["code"] == "conflict" and body["rows_already_imported"] == 3
    result = runner.invoke(args=[*args])
    assert result.exit_code == 2 and "此前已导入" in result.output


def test_the_preview_report_kept_beside_the_upload_spares_a_second_read(app, setting, monkeypatch):
    from consult.intake import uploads
    from consult.intake.uploads import StoredUpload

    draft, _point, staff, _operator = setting
    req = request_for(draft)
    preview = preview_batch(staff, req)
    meta = StoredUpload(staff.id, req.filename, draft.slug, "dongguan", None, None, None, None, None)
    token = uploads.store(meta, req.data, preview.known())
    known = uploads.load_known(token)
    assert known.report == preview.report  # survives JSON on disk, for another worker
    calls = []
    real_read = importing.read_report
    monkeypatch.setattr(importing, "read_report", lambda *a: calls.append(a) or real_read(*a))
    outcome = import_batch(staff, CLI, req, known)
    assert outcome.rows_imported == 3 and calls == []
    # Other bytes, or a new version of the draft since the preview: the file is read again.
    changed = request_for(draft, data=CSV + "5,第二条,另一条意见。,,,,\n".encode())
    with pytest.raises(AlreadyImported):
        import_batch(staff, CLI, changed.__class__(**{**changed.__dict__, "data": CSV}), known)
    import_batch(staff, CLI, changed, known)
    assert len(calls) == 1
    uploads.discard(token)
    assert uploads.load_known(token) is None


CONSENT_CSV = (
    "条款,意见内容,提出人,同意公开姓名\n"
    "第一条,建议写明本条例的适用范围。,张三,是\n"
    "第二条,建议增加无障碍设施。,李四,否\n"
    "第三条,建议延长开放时间。,王五,\n"
).encode()


def test_a_name_is_public_only_when_the_row_says_the_person_agreed(setting):
    draft, _point, staff, _operator = setting
    preview = preview_batch(staff, request_for(draft, data=CONSENT_CSV))
    assert [row["name_public"] for row in preview.as_json()["rows"]] == [True, False, False]
    again = from_json(json.loads(json.dumps(to_json(preview.known()))))
    assert [row.name_public for row in again.report.rows] == [True, False, False]
    import_batch(staff, CLI, request_for(draft, data=CONSENT_CSV))
    end_read()
    comments = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    assert [(c.author_name, c.name_public, c.public_name) for c in comments] == [
        ("张三", True, "张三"),
        ("李四", False, None),
        ("王五", False, None),
    ]
    # The same rule in SQL.
    public = db.session.scalars(select(Comment.public_name).order_by(Comment.id)).all()
    assert public == ["张三", None, None]


def test_without_a_consent_column_no_imported_name_is_public(setting):
    draft, _point, staff, _operator = setting
    import_batch(staff, CLI, request_for(draft))
    end_read()
    comments = db.session.scalars(select(Comment)).all()
    assert {c.author_name for c in comments} == {"张三", "李四", None}
    assert {c.name_public for c in comments} == {False} and {c.public_name for c in comments} == {None}


def test_a_report_kept_before_consent_was_read_makes_no_name_public():
    row = {
        "row": 2,
        "body": "一条足够长的意见",
        "article": {"kind": "general", "number": None, "text": ""},
        "author_name": "王某",
        "contact": None,
        "method": None,
        "date": None,
        "note": None,
        "errors": [],
        "raw": ["一条足够长的意见", "王某"],
    }
    report = {
        "format": "csv",
        "encoding": "UTF-8",
        "header_row": 1,
        "columns": {"body": "意见内容", "author_name": "提出人"},
        "ignored": [],
        "header": ["意见内容", "提出人"],
        "rows": [row],
        "blank_rows": 0,
        "errors": [],
        "repeated_headers": [],
    }
    [kept] = from_json({"sha256": "0" * 64, "version_id": 1, "report": report}).report.rows
    assert (kept.author_name, kept.name_public) == ("王某", False)
