"""The intake upload: the multipart form of POST /api/v1/intake/batches (its file is in request.files).

The answer (IntakeBatchResult) is built by consult/intake/importing.py, whose command-line door prints
the same object; its description stays in consult/api/paths/intake.py.
"""

from __future__ import annotations

from typing import ClassVar

from consult.api.schemas.base import InSchema, Str, fields
from consult.i18n import _l
from consult.intake.meeting import METHOD_LABELS
from consult.intake.raw_table import MAX_ROWS, MAX_UPLOAD_BYTES

TRUE, FALSE = ("true", "1"), ("false", "0", "")


class DryRun(Str):
    """true/false (1/0; any case; empty: false) → a boolean."""

    default_error_messages: ClassVar[dict] = {"not_a_boolean": _l("应为 true 或 false")}

    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        text = super()._deserialize(value, attr, data, **kwargs).strip().lower()
        if text not in TRUE + FALSE:
            raise self.make_error("not_a_boolean")
        return text in TRUE


class IntakeUploadSchema(InSchema):
    """A contact point's file of collected opinions, with the meeting it came from."""

    file = fields.Raw(
        required=True,
        metadata={
            "type": "string",
            "contentMediaType": "application/octet-stream",
            "description": (
                f".xlsx or .csv (UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16 tab-separated); at most "
                f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB and {MAX_ROWS:,} rows."
            ),
        },
    )
    draft = Str(required=True, metadata={"description": "The draft's slug."})
    contact_point = Str(
        metadata={"description": "The point's slug: staff must give it; an operator's is implied."}
    )
    meeting_date = Str(metadata={"format": "date"})
    meeting_place = Str()
    method = Str(
        metadata={"description": f"One of {', '.join(METHOD_LABELS)} (or the Chinese name); default `forum`."}
    )
    participants = Str(metadata={"pattern": "^[0-9]{0,6}$"})
    collector = Str()
    dry_run = DryRun(metadata={"enum": ["true", "false", "1", "0"]})
