"""The upload form: empty, prefilled from the query, and again after a refusal with what was typed (and
the file already sent, kept under a token) or, for a body too large to read, saying nothing was kept."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from consult.auth.access import LEVELS, access, current_actor
from consult.clock import local_zone, utcnow
from consult.errors import EXPLANATIONS, HTTP_ERRORS, DomainError
from consult.i18n import _
from consult.intake import queries, raw_table
from consult.intake.importing import BatchRequest
from consult.web.forms import form_page
from consult.web.intake.common import FORM_FIELDS, bp


@dataclass
class FormState:
    """What the operator typed, kept when the upload is refused; ``kept`` names a file already sent.

    ``lost`` says the request could not be read at all (a body past MAX_CONTENT_LENGTH): nothing typed
    could be kept, and the page says so instead of claiming it was.
    """

    values: dict[str, str] = field(default_factory=dict)
    message: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    kept: str = ""
    kept_name: str = ""
    lost: bool = False


def render_form(state: FormState, status: int = 200):
    """The upload form as ``state`` left it, answered with ``status``."""
    actor = current_actor()
    own = actor.contact_point if actor.role == "contact_point" else None
    return form_page(
        "intake/upload.html",
        status,
        state=state,
        own=own,
        drafts=queries.upload_drafts(),
        points=[] if own is not None else queries.contact_points(),
        today=utcnow().astimezone(local_zone()).date().isoformat(),
        max_mb=raw_table.MAX_UPLOAD_BYTES // (1024 * 1024),
    )


@bp.get("/upload")
@access("intake")
def upload_form():
    """The upload form: draft, contact point (staff only), meeting details and the file."""
    values = {
        "method": "forum",
        **{k: request.args[k] for k in ("draft", "contact_point") if k in request.args},
    }
    return render_form(FormState(values=values))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_err):
    """A body past MAX_CONTENT_LENGTH: the form again with the message next to the file input."""
    try:
        actor = current_actor()
    except DomainError:  # a revoked API token: answer the size, not the token
        actor = None
    message = _("文件不能超过%(mb)dMB，请分成几个文件上传", mb=raw_table.MAX_UPLOAD_BYTES // (1024 * 1024))
    if request.endpoint == "intake.upload" and actor is not None and actor.role in LEVELS["intake"]:
        return render_form(FormState({"method": "forum"}, message, {"file": message}, lost=True), 413)
    title, explanation = str(HTTP_ERRORS[413][1]), str(EXPLANATIONS[413])
    page = render_template(
        "errors/error.html", status=413, title=title, message=message, explanation=explanation
    )
    return page, 413


def form_again(req: BatchRequest, err: DomainError):
    """The upload form with what the kept upload asked for, and the refusal next to its field."""
    values = {name: getattr(req, name) or "" for name in FORM_FIELDS}
    return render_form(FormState(values, err.message, dict(err.fields)), err.status)
