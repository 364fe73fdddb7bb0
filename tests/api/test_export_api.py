"""GET /api/v1/admin/drafts/<slug>/export: the files, the errors in the one JSON shape, the audit rows,
and every answer checked against the OpenAPI description (schemathesis)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from urllib.parse import unquote

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from consult.db import end_read
from consult.extensions import db
from consult.models import AuditLog
from tests.api.test_openapi import check, served_operations, staff_credentials
from tests.factories import Factory

EXPORT = "GET /api/v1/admin/drafts/{slug}/export"
SLUG = "export-draft"
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@pytest.fixture
def export_app(make_app):
    app = make_app()
    with app.app_context():
        factory = Factory(app)
        draft = factory.draft("closed", slug=SLUG, title="城市书房条例（草案）")
        factory.comment(draft, '=HYPERLINK("http://x.example")', status="published")
        factory.comment(draft, "建议延长开放时间。", status="published", article_index=2)
        factory.comment(draft, "总体赞成。", status="published", article_index=None)
        factory.comment(draft, "待审核。")
        end_read()
    return app


def case(fmt: str | None = None, slug: str = SLUG, **query) -> dict:
    if fmt is not None:
        query["format"] = fmt
    return {"path_parameters": {"slug": slug}, "query": query}


# (case, who, status, error code, the field the error names)
CASES = [
    (case("xlsx"), "token", 200, None, None),
    (case("csv"), "token", 200, None, None),
    (case("docx"), "token", 200, None, None),
    (case("csv", status="all"), "token", 200, None, None),
    (case("xlsx"), "cookie", 200, None, None),  # a read: the session cookie alone is enough
    (case("pdf"), "token", 400, "validation_error", "format"),
    (case(), "token", 400, "validation_error", "format"),
    (case("csv", status="hidden"), "token", 400, "validation_error", "status"),
    (case("csv", slug="no-such-draft"), "token", 404, "not_found", None),
    (case("csv"), "nobody", 401, "unauthorized", None),
    (case("csv"), "unknown token", 401, "unauthorized", None),
    (case("csv"), "contact point", 403, "forbidden", None),
]


def test_export_answers_as_described(export_app, subtests):
    credentials = staff_credentials(export_app)
    operation = served_operations(export_app)[EXPORT]
    statuses: dict[str, list[int]] = defaultdict(list)
    for arguments, who, status, code, field in CASES:
        with subtests.test(who=who, arguments=str(arguments)):
            response = check(operation.Case(**arguments), statuses, **credentials[who])
            assert response.status_code == status, response.text[:300]
            if code is not None:
                error = response.json()["error"]
                assert error["code"] == code
                if field:
                    assert field in error["fields"]
    assert statuses[EXPORT].count(200) == 5


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "docx"])
def test_each_format_downloads_and_is_audited(export_app, fmt):
    headers = staff_credentials(export_app)["token"]["headers"]
    client = export_app.test_client()
    resp = client.get(f"/api/v1/admin/drafts/{SLUG}/export?format={fmt}", headers=headers)
    assert resp.status_code == 200
    assert resp.mimetype == MIMETYPES[fmt]
    assert resp.headers["Content-Type"].count("charset=") <= 1  # not "…; charset=utf-8; charset=utf-8"
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename=" in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"城市书房条例（草案）意见汇总表.{fmt}"
    assert "no-store" in resp.headers["Cache-Control"]
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(resp.data)).worksheets[0]
        bodies = [row[3].value for row in sheet.iter_rows(min_row=3)]
        assert bodies == ['=HYPERLINK("http://x.example")', "建议延长开放时间。", "总体赞成。"]
        assert sheet.cell(row=3, column=4).data_type == "s"
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"), newline="")))
        assert [r[3] for r in rows[1:]] == [
            '\'=HYPERLINK("http://x.example")',
            "建议延长开放时间。",
            "总体赞成。",
        ]
    else:
        doc = Document(io.BytesIO(resp.data))
        assert doc.paragraphs[0].text == "《城市书房条例（草案）》意见汇总表"
        assert len(doc.tables) == 4  # figures, 第一章, 第二章, 总体意见
    with export_app.app_context():
        rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "export.summary")).all()
        assert [(r.actor_name, r.details) for r in rows] == [
            ("api-staff", {"format": fmt, "rows": 3, "status": "published"})
        ]


def test_refused_exports_write_no_audit_row(export_app):
    credentials = staff_credentials(export_app)
    client = export_app.test_client()
    for query, who in (("format=pdf", "token"), ("format=csv", "contact point"), ("format=csv", "nobody")):
        resp = client.get(f"/api/v1/admin/drafts/{SLUG}/export?{query}", **credentials[who])
        assert resp.status_code in (400, 401, 403)
    with export_app.app_context():
        assert not db.session.scalars(select(AuditLog).where(AuditLog.action == "export.summary")).all()
