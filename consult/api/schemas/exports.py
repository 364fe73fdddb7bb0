"""Export jobs: a large summary of opinions written in the background (consult/feedback/export_jobs.py)."""

from __future__ import annotations

from flask import url_for

from consult.api.schemas.base import ComputedStr, OutSchema, between, fields, one_of
from consult.api.schemas.public import TIME, count
from consult.models.enums import EXPORT_FORMATS, EXPORT_INCLUDES, EXPORT_JOB_STATES
from consult.vocabulary import export_job_state_label


def download_url(job) -> str | None:
    """Where the finished file is downloaded, or None before it is done (or once it was deleted)."""
    if job.state != "done" or not job.file_name:
        return None
    return url_for("api.admin_export_job_download", job_id=job.id)


class ExportJobSchema(OutSchema):
    """An export job and its progress. Dumped from an ExportJob."""

    id = fields.Integer()
    draft = ComputedStr(compute=lambda job: job.draft.slug)
    format = fields.String(validate=one_of(EXPORT_FORMATS))
    status = fields.String(
        attribute="include", validate=one_of(EXPORT_INCLUDES), metadata={"description": "Which comments."}
    )
    state = fields.String(validate=one_of(EXPORT_JOB_STATES))
    state_label = ComputedStr(compute=lambda job: export_job_state_label(job.state))
    rows_done = count(description="Comments written so far.")
    rows_total = count(description="Comments the file will hold (counted when the job starts).")
    percent = fields.Integer(validate=between(0, 100))
    created_at = fields.DateTime(metadata=TIME)
    started_at = fields.DateTime(allow_none=True, metadata=TIME)
    finished_at = fields.DateTime(allow_none=True, metadata=TIME)
    error = fields.String(allow_none=True, metadata={"description": "Why it failed (Chinese), or null."})
    download_url = ComputedStr(compute=download_url, allow_none=True)


class ExportJobAnswerSchema(OutSchema):
    """An export job, and where to follow its progress. Dumped from {"job": ExportJob, "status_url"}."""

    job = fields.Nested(ExportJobSchema)
    status_url = fields.String(metadata={"description": "GET it to follow the job's progress."})


def job_answer(job) -> dict:
    """The answer about a job: the job and its status address."""
    return ExportJobAnswerSchema().dump(
        {"job": job, "status_url": url_for("api.admin_export_job", job_id=job.id)}
    )
