"""Versions shapes: the comparison table (修改对照表) between two versions of a draft."""

from __future__ import annotations

from consult.api.schemas.base import Computed, OutSchema, counts, fields, one_of
from consult.api.schemas.public import VersionSchema
from consult.drafts.compare import KINDS

ChangeCounts = counts("ChangeCounts", KINDS, "Rows per kind of change.")


class DiffSegmentSchema(OutSchema):
    """A run of characters: in both texts, only in the old one (delete) or only in the new one (insert)."""

    op = fields.String(validate=one_of(["equal", "delete", "insert"]))
    text = fields.String()


class Diff(Computed, fields.List):
    """A modified article's character-level diff; null for the other kinds."""

    def __init__(self, **kwargs):
        super().__init__(
            fields.Nested(DiffSegmentSchema),
            compute=lambda change: change.diff if change.kind == "modified" else None,
            allow_none=True,
            **kwargs,
        )


def _side(side: str, name: str) -> fields.String:
    return fields.String(attribute=f"{side}.{name}", allow_none=True, dump_default=None)


class ComparisonChangeSchema(OutSchema):
    """One row: an article in the old version, the new one, or both (dumped from a Change)."""

    kind = fields.String(validate=one_of(KINDS))
    article_id = fields.Integer(metadata={"description": "The article's identity across versions."})
    old_label = _side("old", "label")
    new_label = _side("new", "label")
    old_text = _side("old", "text")
    new_text = _side("new", "text")
    old_chapter = _side("old", "chapter")
    new_chapter = _side("new", "chapter")
    renumbered = fields.Boolean()
    moved = fields.Boolean(metadata={"description": "Its place among the other articles changed."})
    diff = Diff(
        metadata={"description": "Modified articles only: old = equal + delete runs, new = equal + insert."}
    )


class ComparisonSchema(OutSchema):
    """The comparison table between two versions of a draft (dumped from a Comparison)."""

    draft = fields.String(attribute="draft.slug")
    from_ = fields.Integer(data_key="from", attribute="old_version.number")
    to = fields.Integer(attribute="new_version.number")
    from_version = fields.Nested(VersionSchema, attribute="old_version")
    to_version = fields.Nested(VersionSchema, attribute="new_version")
    counts = fields.Nested(ChangeCounts)
    changes = fields.List(fields.Nested(ComparisonChangeSchema))
