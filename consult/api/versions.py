"""JSON endpoints of the feedback stage (versions): the comparison table and the open-data package."""

from __future__ import annotations

from flask import jsonify, request, send_file

from consult.api import bp
from consult.api.serialize import iso
from consult.auth.access import public
from consult.drafts.compare import Change, compare_versions
from consult.extensions import db
from consult.feedback.opendata import build_json
from consult.models import DraftVersion


def _version_json(version: DraftVersion) -> dict:
    return {"number": version.number, "label": version.label, "published_at": iso(version.published_at)}


def _change_json(change: Change) -> dict:
    old, new = change.old, change.new
    return {
        "kind": change.kind,
        "article_id": change.article_id,
        "old_label": old.label if old else None,
        "new_label": new.label if new else None,
        "old_text": old.text if old else None,
        "new_text": new.text if new else None,
        "old_chapter": old.chapter if old else None,
        "new_chapter": new.chapter if new else None,
        "renumbered": change.renumbered,
        "moved": change.moved,
        "diff": [{"op": s.op, "text": s.text} for s in change.diff] if change.kind == "modified" else None,
    }


@bp.get("/drafts/<slug>/compare")
@public
def get_comparison(slug: str):
    """The comparison table (修改对照表) between versions ``from`` and ``to`` (default: previous, current)."""
    comparison = compare_versions(db.session, slug, request.args.get("from"), request.args.get("to"))
    body = {
        "draft": comparison.draft.slug,
        "from": comparison.old_version.number,
        "to": comparison.new_version.number,
        "from_version": _version_json(comparison.old_version),
        "to_version": _version_json(comparison.new_version),
        "counts": comparison.counts,
        "changes": [_change_json(c) for c in comparison.changes],
    }
    return jsonify(body)


@bp.get("/drafts/<slug>/open-data")
@public
def get_open_data(slug: str):
    """The open-data package of a concluded draft as JSON; ``download=1`` serves it as a file."""
    package = build_json(db.session, slug)
    response = send_file(
        package.file,
        mimetype=package.mimetype,
        as_attachment=request.args.get("download") in ("1", "true"),
        download_name=package.filename,
        max_age=0,
        etag=False,
    )
    response.content_length = package.size
    return response
