"""A preview's report kept as JSON beside the uploaded file, so the confirmation need not read it again.

Reading a 100,000-row workbook takes seconds; the confirmation (possibly on another worker) loads this
instead, provided the file's sha256 and the draft's current version are still those of the preview.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from consult.intake.articles import ArticleRef
from consult.intake.rows import Report, RowError, RowResult


@dataclass
class KnownReport:
    """A report and what it was read from: the file's sha256 and the draft version it was checked against."""

    sha256: str
    version_id: int
    report: Report


def to_json(known: KnownReport) -> dict:
    """A JSON-serialisable copy."""
    report = asdict(known.report)
    for row in report["rows"]:
        row["date"] = row["date"].isoformat() if row["date"] else None
    return {"sha256": known.sha256, "version_id": known.version_id, "report": report}


def from_json(data: dict) -> KnownReport:
    """The report back from ``to_json``'s output."""
    raw = dict(data["report"])
    rows = [
        RowResult(
            row=r["row"],
            body=r["body"],
            article=ArticleRef(**r["article"]),
            author_name=r["author_name"],
            contact=r["contact"],
            method=r["method"],
            date=dt.date.fromisoformat(r["date"]) if r["date"] else None,
            note=r["note"],
            errors=[RowError(**e) for e in r["errors"]],
            raw=r["raw"],
            # A report kept before consent was read has none: no name is public without it.
            name_public=r.get("name_public", False),
        )
        for r in raw.pop("rows")
    ]
    errors = [RowError(**e) for e in raw.pop("errors")]
    return KnownReport(data["sha256"], data["version_id"], Report(**raw, rows=rows, errors=errors))
