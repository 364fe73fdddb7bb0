"""JSON endpoints of the feedback stage (versions): the comparison table and the open-data package."""

from __future__ import annotations

from flask import jsonify

from consult.api import bp
from consult.api.schemas.base import load_query
from consult.api.schemas.queries import CompareQuerySchema, OpenDataQuerySchema
from consult.api.schemas.versions import ComparisonSchema
from consult.auth.access import public
from consult.downloads import download as download_file
from consult.drafts.compare import compare_versions
from consult.extensions import db
from consult.feedback.opendata import build_json


@bp.get("/drafts/<slug>/compare")
@public
def get_comparison(slug: str):
    """The comparison table (修改对照表) between versions ``from`` and ``to`` (default: previous, current)."""
    args = load_query(CompareQuerySchema)
    comparison = compare_versions(db.session, slug, args.get("from_"), args.get("to"))
    return jsonify(ComparisonSchema().dump(comparison))


@bp.get("/drafts/<slug>/open-data")
@public
def get_open_data(slug: str):
    """The open-data package of a concluded draft as JSON; ``download=1`` serves it as a file."""
    download = load_query(OpenDataQuerySchema).get("download") in ("1", "true")
    package = build_json(db.session, slug)
    return download_file(
        package.file, package.mimetype, package.filename, package.size, attachment=download, personal=False
    )
