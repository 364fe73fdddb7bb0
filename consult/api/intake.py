"""POST /api/v1/intake/batches: a contact point's file of opinions, previewed (dry_run) or imported."""

from __future__ import annotations

from flask import jsonify, request

from consult.api import bp
from consult.api.schemas.base import load
from consult.api.schemas.intake import IntakeUploadSchema
from consult.auth.access import access, current_actor
from consult.context import RequestContext
from consult.errors import UnsupportedMediaType, ValidationError, body_limit, error_body
from consult.i18n import _
from consult.intake.importing import (
    AlreadyImported,
    BatchRequest,
    NothingToImport,
    import_batch,
    preview_batch,
)
from consult.intake.raw_table import UPLOAD_BODY_MAX


def _form() -> dict:
    """The form as IntakeUploadSchema reads it; ``dry_run`` may also come in the query string."""
    data = request.form.to_dict()
    if not data.get("dry_run"):
        data["dry_run"] = request.args.get("dry_run", "")
    return load(IntakeUploadSchema(), data)


@bp.post("/intake/batches")
@body_limit(UPLOAD_BODY_MAX)
@access("intake")
def intake_batches():
    """Preview (dry_run=true → 200) or import (201; 409 when every row was imported before)."""
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType(_("请以 multipart/form-data 格式上传文件"))
    actor = current_actor()
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError(_("请上传文件（字段 file）"), {"file": _("缺少文件")})
    form = _form()
    req = BatchRequest(
        draft=form.get("draft"),
        filename=upload.filename or "",
        data=upload.read(),
        contact_point=form.get("contact_point") or None,
        meeting_date=form.get("meeting_date"),
        meeting_place=form.get("meeting_place"),
        method=form.get("method"),
        participants=form.get("participants"),
        collector=form.get("collector"),
    )
    dry_run = form["dry_run"]
    try:
        if dry_run:
            return jsonify(preview_batch(actor, req).as_json())
        outcome = import_batch(actor, RequestContext.from_request(), req)
    except (AlreadyImported, NothingToImport) as err:
        body = {**err.outcome.as_json(with_rows=False), **error_body(err.code, err.message, err.fields)}
        return jsonify(body), err.status
    return jsonify(outcome.as_json(with_rows=False)), 201
