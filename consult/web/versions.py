"""Public pages about a draft's versions: the comparison table (修改对照表) and the open-data package."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from consult.auth.access import public
from consult.downloads import download as download_file
from consult.drafts.compare import NothingToCompare, compare_versions
from consult.drafts.queries import by_slug
from consult.errors import ValidationError
from consult.extensions import db
from consult.feedback.opendata import build_zip
from consult.models import DraftVersion
from consult.web.cache import cached_page
from consult.web.forms import form_page

bp = Blueprint("versions", __name__)


def _picker_versions(slug: str) -> list[DraftVersion]:
    """The versions the pickers offer, read again when the comparison itself was refused."""
    draft = by_slug(slug, public=True)
    return list(draft.versions)


@bp.get("/drafts/<slug>/compare")
@public
@cached_page
def compare_page(slug: str):
    """The printable two-column comparison table; a bad choice of versions shows the pickers again."""
    only_changed = request.args.get("changed") in ("1", "on", "true")
    raw_from, raw_to = request.args.get("from"), request.args.get("to")
    try:
        comparison = compare_versions(db.session, slug, raw_from, raw_to)
    except ValidationError as err:
        versions = _picker_versions(slug)
        # Nothing to compare (one version) is an answer; a version that does not exist is a refusal.
        return form_page(
            "public/compare.html",
            200 if isinstance(err, NothingToCompare) else 400,
            draft=versions[0].draft,
            versions=versions,
            comparison=None,
            message=err.message,
            fields=err.fields,
            selected=(raw_from, raw_to),
            only_changed=only_changed,
        )
    rows = [c for c in comparison.changes if not (only_changed and c.kind == "unchanged")]
    return render_template(
        "public/compare.html",
        draft=comparison.draft,
        versions=comparison.versions,
        comparison=comparison,
        rows=rows,
        message=None,
        fields={},
        selected=(str(comparison.old_version.number), str(comparison.new_version.number)),
        only_changed=only_changed,
    )


@bp.get("/drafts/<slug>/open-data.zip")
@public
def open_data_zip(slug: str):
    """The open-data package of a concluded draft: CSV files (UTF-8 with BOM), the JSON and a README."""
    package = build_zip(db.session, slug)
    return download_file(package.file, package.mimetype, package.filename, package.size, personal=False)
