"""Export jobs through the doors: the API answers 202 with the job and its status address for a draft
above EXPORT_INLINE_MAX_ROWS, shows its progress, then serves the file (staff only, never cached, audited);
the staff HTML page follows the job (it reloads itself while the job runs) and links the file when done."""

from __future__ import annotations

import csv
import io
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from sqlalchemy import select

from consult.db import end_read
from consult.extensions import db
from consult.feedback.export_jobs import run_jobs
from consult.models import AuditLog
from tests.api.test_openapi import staff_credentials
from tests.conftest import csrf_token_from
from tests.factories import Factory

SLUG = "big-draft"


@pytest.fixture
def jobs_app(make_app):
    """A draft of 8 published comments, the threshold at 5; the writer runs when a test says so."""
    app = make_app(EXPORT_INLINE_MAX_ROWS=5, EXPORT_JOBS_INLINE=False)
    with app.app_context():
        factory = Factory(app)
        draft = factory.draft("closed", slug=SLUG, title="城市书房条例（草案）")
        for n in range(8):
            factory.comment(draft, f"@第{n}条", status="published", article_index=n % 2)
        end_read()
    return app


def write_jobs(app) -> int:
    with app.app_context():
        return run_jobs()


def audit_actions(app) -> list[str]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditLog).where(AuditLog.action.like("export.%")).order_by(AuditLog.id)
        )
        return [r.action for r in rows]


def test_a_large_export_is_a_job_followed_to_its_file(jobs_app):
    token = staff_credentials(jobs_app)["token"]
    client = jobs_app.test_client()
    resp = client.get(f"/api/v1/admin/drafts/{SLUG}/export?format=csv", **token)
    assert resp.status_code == 202
    body = resp.get_json()
    job = body["job"]
    assert body["status_url"] == f"/api/v1/admin/exports/{job['id']}" == resp.headers["Location"]
    assert "no-store" in resp.headers["Cache-Control"]
    assert (job["state"], job["state_label"], job["rows_done"], job["rows_total"], job["percent"]) == (
        "queued",
        "排队中",
        0,
        8,
        0,
    )
    assert (job["draft"], job["format"], job["status"], job["download_url"]) == (
        SLUG,
        "csv",
        "published",
        None,
    )
    # Not downloadable yet: a conflict in the one error shape, in Chinese.
    early = client.get(f"/api/v1/admin/exports/{job['id']}/download", **token)
    assert early.status_code == 409 and early.get_json()["error"]["message"] == "导出尚未完成，请稍后再下载"
    assert write_jobs(jobs_app) == 1
    status = client.get(body["status_url"], **token)
    assert status.status_code == 200 and "no-store" in status.headers["Cache-Control"]
    done = status.get_json()["job"]
    assert (done["state"], done["rows_done"], done["percent"], done["error"]) == ("done", 8, 100, None)
    assert done["finished_at"] and done["download_url"] == f"/api/v1/admin/exports/{job['id']}/download"
    file = client.get(done["download_url"], **token)
    assert file.status_code == 200 and file.mimetype == "text/csv"
    assert "no-store" in file.headers["Cache-Control"]
    assert (
        unquote(file.headers["Content-Disposition"].split("filename*=UTF-8''")[1])
        == "城市书房条例（草案）意见汇总表.csv"
    )
    rows = list(csv.reader(io.StringIO(file.data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 9 and {r[3][:2] for r in rows[1:]} == {"'@"}
    assert audit_actions(jobs_app) == ["export.queue", "export.summary", "export.download"]


def test_a_small_export_is_still_the_file_itself(jobs_app):
    jobs_app.config["EXPORT_INLINE_MAX_ROWS"] = 8
    token = staff_credentials(jobs_app)["token"]
    resp = jobs_app.test_client().get(f"/api/v1/admin/drafts/{SLUG}/export?format=xlsx", **token)
    assert resp.status_code == 200
    assert len(list(load_workbook(io.BytesIO(resp.data)).worksheets[0].iter_rows())) == 2 + 8


def test_only_staff_follow_and_download_jobs(jobs_app):
    credentials = staff_credentials(jobs_app)
    client = jobs_app.test_client()
    job_id = client.get(f"/api/v1/admin/drafts/{SLUG}/export?format=csv", **credentials["token"]).get_json()[
        "job"
    ]["id"]
    write_jobs(jobs_app)
    for path in (f"/api/v1/admin/exports/{job_id}", f"/api/v1/admin/exports/{job_id}/download"):
        assert client.get(path, **credentials["contact point"]).status_code == 403
        assert client.get(path, **credentials["nobody"]).status_code == 401
        assert client.get(path, **credentials["unknown token"]).status_code == 401
    missing = client.get("/api/v1/admin/exports/999999", **credentials["token"])
    assert missing.status_code == 404 and missing.get_json()["error"]["message"] == "导出任务不存在"
    assert audit_actions(jobs_app) == ["export.queue", "export.summary"]  # no download happened


def test_the_staff_page_follows_the_job_and_links_the_file(jobs_app):
    client = jobs_app.test_client()
    with jobs_app.app_context():
        _user, password = Factory(jobs_app).user("staff", username="page-staff")
        end_read()
    token = csrf_token_from(client.get("/login").data)
    client.post("/login", data={"username": "page-staff", "password": password, "csrf_token": token})
    asked = client.get(f"/admin/drafts/{SLUG}/export.docx")
    assert asked.status_code == 303
    page_url = asked.headers["Location"]
    page = BeautifulSoup(client.get(page_url).data, "html.parser")
    assert page.select_one('meta[http-equiv="refresh"]')["content"] == "3"
    assert page.select_one("#export-job")["data-state"] == "queued"
    assert page.select_one("progress")["value"] == "0" and "共8条" in page.select_one("#export-job").text
    assert page.select_one("#export-download") is None
    write_jobs(jobs_app)
    page = BeautifulSoup(client.get(page_url).data, "html.parser")
    assert page.select_one('meta[http-equiv="refresh"]') is None
    assert page.select_one("#export-job")["data-state"] == "done"
    link = page.select_one("#export-download")["href"]
    file = client.get(link)
    assert file.status_code == 200 and file.data[:4] == b"PK\x03\x04"
    assert "no-store" in file.headers["Cache-Control"]
    # The review page's links open the job's page instead of downloading it.
    review = BeautifulSoup(client.get(f"/admin/review/{SLUG}").data, "html.parser")
    exports = review.select(".exports .export-buttons a")
    assert len(exports) == 3 and not [a for a in exports if a.has_attr("download")]
    # …and list the draft's latest jobs, each linking its page.
    jobs = review.select(".exports .export-jobs li")
    assert [li.a["href"] for li in jobs] == [page_url]
    assert "城市书房条例（草案）意见汇总表.docx" in jobs[0].text and "已完成" in jobs[0].text


def test_the_staff_page_is_for_staff_only(jobs_app):
    token = staff_credentials(jobs_app)["token"]
    client = jobs_app.test_client()
    job_id = client.get(f"/api/v1/admin/drafts/{SLUG}/export?format=csv", **token).get_json()["job"]["id"]
    anonymous = client.get(f"/admin/exports/{job_id}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert client.get(f"/admin/exports/{job_id}/download").status_code == 302
    with jobs_app.app_context():
        _user, password = Factory(jobs_app).user("contact_point", username="page-operator")
        end_read()
    operator = jobs_app.test_client()
    csrf = csrf_token_from(operator.get("/login").data)
    operator.post("/login", data={"username": "page-operator", "password": password, "csrf_token": csrf})
    assert operator.get(f"/admin/exports/{job_id}").status_code == 403
    assert operator.get(f"/admin/exports/{job_id}/download").status_code == 403
