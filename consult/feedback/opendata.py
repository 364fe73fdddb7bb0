"""The open-data package of a concluded draft: its versions, the published comments without personal
data, the decisions and reasons as the latest feedback publication froze them, and the publications.

Two forms: one JSON document, and a ZIP of CSV files (UTF-8 with BOM, so Excel opens them right) with
that JSON and a README.txt describing every field in Chinese. Both are written to a spooled temporary
file while the comments are read in chunks, so a draft with 50,000 comments never sits in memory whole.

Never in the package: contact details, author names, address hashes, receipt codes, moderation notes,
staff names; a comment published as a masked copy appears only as that copy.
"""

from __future__ import annotations

import itertools
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from tempfile import SpooledTemporaryFile
from typing import IO, Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from consult import vocabulary
from consult.clock import local_zone, utcnow
from consult.drafts.queries import by_slug
from consult.errors import NotFound
from consult.feedback.queries import latest_publication, publications
from consult.i18n import _
from consult.models import ArticleText, Comment, Draft, DraftVersion, PublishedDecision
from consult.spreadsheets import FORMULA_START, text_file, write_csv
from consult.vocabulary import channel_label, codes_and_labels, draft_status_label, outcome_label

FORMAT = "consult-open-data"
FORMAT_VERSION = 1
CHUNK = 1000
SPOOL_MAX_BYTES = 8 * 1024 * 1024

DRAFT_FIELDS = ["slug", "title", "status", "opens_at", "closes_at", "published_at", "feedback_published_at"]
VERSION_FIELDS = ["number", "label", "published_at", "article_count"]
ARTICLE_FIELDS = [
    "version_number",
    "article_id",
    "order",
    "label",
    "chapter",
    "section",
    "text",
    "explanation",
]
COMMENT_FIELDS = [
    "id",
    "article_id",
    "article_label",
    "channel",
    "channel_label",
    "submitted_at",
    "received_at",
    "body",
    "outcome",
    "outcome_label",
    "reason",
    "decided_at",
]
PUBLICATION_FIELDS = ["number", "published_at", "revision_note"]


@dataclass(frozen=True)
class Package:
    """A built package: the file positioned at its start, its size and the name to download it as."""

    file: IO[bytes]
    size: int
    filename: str
    mimetype: str


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def concluded_draft(session: Session, slug: str) -> Draft:
    """A public draft whose feedback is published, or NotFound (open data exists only once concluded)."""
    try:
        draft = by_slug(slug, public=True, session=session)
    except NotFound:
        draft = None
    if draft is None or draft.feedback_published_at is None:
        raise NotFound(_("该草案尚未公布采纳情况反馈，暂无开放数据"))
    return draft


def _draft_json(draft: Draft) -> dict[str, Any]:
    return {
        "slug": draft.slug,
        "title": draft.title,
        "status": "concluded",
        "opens_at": _iso(draft.opens_at),
        "closes_at": _iso(draft.closes_at),
        "published_at": _iso(draft.published_at),
        "feedback_published_at": _iso(draft.feedback_published_at),
    }


def _versions_json(session: Session, draft: Draft) -> list[dict[str, Any]]:
    versions = session.scalars(
        select(DraftVersion).where(DraftVersion.draft_id == draft.id).order_by(DraftVersion.number)
    ).all()
    texts: dict[int, list[ArticleText]] = {v.id: [] for v in versions}
    query = (
        select(ArticleText)
        .join(DraftVersion, DraftVersion.id == ArticleText.version_id)
        .where(DraftVersion.draft_id == draft.id)
        .order_by(ArticleText.version_id, ArticleText.order)
    )
    for text in session.scalars(query):
        texts[text.version_id].append(text)
    return [
        {
            "number": v.number,
            "label": v.label,
            "published_at": _iso(v.published_at),
            "articles": [
                {
                    "id": t.article_id,
                    "order": t.order,
                    "label": t.label,
                    "chapter": t.chapter,
                    "section": t.section,
                    "text": t.text,
                    "explanation": t.explanation,
                }
                for t in texts[v.id]
            ],
        }
        for v in versions
    ]


def _publications_json(session: Session, draft: Draft) -> list[dict[str, Any]]:
    return [
        {"number": p.number, "published_at": _iso(p.published_at), "revision_note": p.revision_note or ""}
        for p in publications(session, draft.id)
    ]


def _comments(
    session: Session, draft: Draft, labels: dict[int, str], publication_id: int | None
) -> Iterator[dict[str, Any]]:
    """Published comments in id order, read CHUNK rows at a time, with the frozen decision (or None)."""
    decision = and_(
        PublishedDecision.comment_id == Comment.id,
        PublishedDecision.publication_id == (publication_id if publication_id is not None else -1),
    )
    query = (
        select(
            Comment.id,
            Comment.article_id,
            Comment.channel,
            Comment.submitted_at,
            Comment.received_at,
            Comment.body,
            Comment.masked_body,
            PublishedDecision.outcome,
            PublishedDecision.reason,
            PublishedDecision.decided_at,
        )
        .outerjoin(PublishedDecision, decision)
        .where(Comment.draft_id == draft.id, Comment.status == "published")
        .order_by(Comment.id)
        .execution_options(yield_per=CHUNK)
    )
    for row in session.execute(query):
        body = row.masked_body if row.masked_body is not None else row.body
        yield {
            "id": row.id,
            "article_id": row.article_id,
            "article_label": labels.get(row.article_id) if row.article_id is not None else None,
            "channel": row.channel,
            "submitted_at": _iso(row.submitted_at),
            "received_at": _iso(row.received_at),
            # A draft that shows no comments publicly (real-name rules) publishes no bodies either.
            "body": body if draft.show_comments else None,
            "decision": (
                {"outcome": row.outcome, "reason": row.reason or "", "decided_at": _iso(row.decided_at)}
                if row.outcome is not None
                else None
            ),
        }


@dataclass
class _Parts:
    draft: Draft
    header: dict[str, Any]
    versions: list[dict[str, Any]]
    labels: dict[int, str]
    publication_id: int | None


def _parts(session: Session, slug: str) -> _Parts:
    draft = concluded_draft(session, slug)
    versions = _versions_json(session, draft)
    labels: dict[int, str] = {}
    for version in versions:  # the newest label wins; a removed article keeps its last one
        labels.update({a["id"]: a["label"] for a in version["articles"]})
    latest = latest_publication(session, draft.id)
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generated_at": _iso(utcnow()),
        "draft": _draft_json(draft),
        "publications": _publications_json(session, draft),
        "versions": versions,
    }
    return _Parts(draft, header, versions, labels, latest.id if latest else None)


def _write_json(out: IO[bytes], session: Session, parts: _Parts) -> None:
    head = json.dumps(parts.header, ensure_ascii=False)
    out.write(head[:-1].encode())
    out.write(b', "comments": [')
    for index, comment in enumerate(_comments(session, parts.draft, parts.labels, parts.publication_id)):
        if index:
            out.write(b",")
        out.write(b"\n")
        out.write(json.dumps(comment, ensure_ascii=False).encode())
    out.write(b"\n]}\n")


def _finish(out: IO[bytes], filename: str, mimetype: str) -> Package:
    size = out.tell()
    out.seek(0)
    return Package(out, size, filename, mimetype)


def build_json(session: Session, slug: str) -> Package:
    """The package as one JSON document (NotFound unless the draft is concluded)."""
    parts = _parts(session, slug)
    out = SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES)  # noqa: SIM115  handed to the response
    _write_json(out, session, parts)
    return _finish(out, f"{slug}-open-data.json", "application/json")


def _entry(name: str) -> zipfile.ZipInfo:
    """A ZIP entry dated now (an entry opened for writing by name would be dated 1980)."""
    info = zipfile.ZipInfo(name, date_time=utcnow().astimezone(local_zone()).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _write_csv(archive: zipfile.ZipFile, name: str, fields: list[str], rows) -> None:
    with archive.open(_entry(name), "w") as raw:
        write_csv(raw, itertools.chain([fields], ([row.get(f) for f in fields] for row in rows)))


def _comment_csv_rows(session: Session, parts: _Parts) -> Iterator[dict[str, Any]]:
    for comment in _comments(session, parts.draft, parts.labels, parts.publication_id):
        decision = comment.pop("decision") or {}
        comment.update(decision)
        comment["channel_label"] = channel_label(comment["channel"])
        comment["outcome_label"] = outcome_label(comment["outcome"]) if comment.get("outcome") else None
        yield comment


def _field_docs() -> list[tuple[str, list[tuple[str, str]]]]:
    """(file, [(field, Chinese description)]) for the README."""
    return [
        (
            "draft.csv",
            [
                ("slug", _("草案标识")),
                ("title", _("草案标题")),
                ("status", _("状态，concluded 表示%(label)s", label=draft_status_label("concluded"))),
                ("opens_at / closes_at", _("征求意见的开始、截止时间")),
                ("published_at", _("草案公布时间")),
                ("feedback_published_at", _("首次发布采纳情况反馈的时间")),
            ],
        ),
        (
            "versions.csv",
            [
                ("number", _("版本号，从 1 起")),
                ("label", _("版本名称，如 征求意见稿、修改稿")),
                ("published_at", _("该版本公布时间")),
                ("article_count", _("条文数")),
            ],
        ),
        (
            "articles.csv",
            [
                ("version_number", _("版本号")),
                ("article_id", _("条文编号，在各版本之间保持不变")),
                ("order", _("在该版本中的顺序")),
                ("label", _("条文序号，如 第三条")),
                ("chapter / section", _("所在章、节（没有时为空）")),
                ("text", _("条文内容，各款之间以换行分隔")),
                ("explanation", _("条文释义：工作人员对该条在该版本中的通俗说明（没有时为空）")),
            ],
        ),
        (
            "comments.csv",
            [
                ("id", _("意见编号")),
                ("article_id", _("针对的条文编号；为空表示对草案整体的意见")),
                ("article_label", _("该条文在最新版本中的序号（已删除的条文为其最后的序号）")),
                ("channel", _("渠道：%(values)s", values=codes_and_labels(vocabulary.CHANNELS))),
                ("channel_label", _("渠道的中文名称")),
                ("submitted_at", _("提交或录入时间")),
                ("received_at", _("线下意见送达立法机关的时间（网站意见为空）")),
                ("body", _("公开的意见内容；以脱敏稿公开的意见只有脱敏稿；草案设置为不公开显示意见时为空")),
                (
                    "outcome",
                    _("处理结果：%(values)s；为空表示未作处理", values=codes_and_labels(vocabulary.OUTCOMES)),
                ),
                ("outcome_label", _("处理结果的中文名称")),
                ("reason", _("处理理由")),
                ("decided_at", _("处理时间")),
            ],
        ),
        (
            "publications.csv",
            [
                ("number", _("发布次序，1 为首次发布")),
                ("published_at", _("发布时间")),
                ("revision_note", _("修订说明（首次发布为空）")),
            ],
        ),
    ]


def readme_text(slug: str) -> str:
    """README.txt of the ZIP: what each file and field holds, in Chinese."""
    lines = [
        _("本压缩包是法规草案征求意见的开放数据，草案标识：%(slug)s。", slug=slug),
        _("只包含已公开的意见，不含任何个人信息：没有联系方式、姓名、地址、回执码。"),
        _("处理结果以最近一次发布的采纳情况反馈为准。"),
        "",
        _("通用说明："),
        _("- CSV 文件为 UTF-8 编码（带 BOM），逗号分隔，第一行为字段名。"),
        _("- 时间为 ISO 8601 格式的协调世界时（UTC），如 2026-11-27T02:00:00+00:00 即北京时间 10:00。"),
        _(
            "- 以 %(chars)s、制表符或回车开头的单元格前加了一个单引号，防止电子表格软件把文字当作公式执行；"
            "JSON 保留原文。",
            chars=" ".join(c for c in FORMULA_START if c.isprintable()),
        ),
        _("- %(name)s 含以上全部内容（意见的处理情况在 decision 字段中）。", name=f"{slug}.json"),
    ]
    for filename, fields in _field_docs():
        lines += ["", filename]
        lines += [f"  {name}: {description}" for name, description in fields]
    return "\r\n".join(lines) + "\r\n"


def build_zip(session: Session, slug: str) -> Package:
    """The package as a ZIP of CSV files, the JSON and a README (NotFound unless concluded)."""
    parts = _parts(session, slug)
    out = SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES)  # noqa: SIM115  handed to the response
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_entry("README.txt"), text_file(readme_text(slug)))
        _write_csv(archive, "draft.csv", DRAFT_FIELDS, [parts.header["draft"]])
        version_rows = [{**v, "article_count": len(v["articles"])} for v in parts.versions]
        _write_csv(archive, "versions.csv", VERSION_FIELDS, version_rows)
        article_rows = (
            {**a, "article_id": a["id"], "version_number": v["number"]}
            for v in parts.versions
            for a in v["articles"]
        )
        _write_csv(archive, "articles.csv", ARTICLE_FIELDS, article_rows)
        _write_csv(archive, "comments.csv", COMMENT_FIELDS, _comment_csv_rows(session, parts))
        _write_csv(archive, "publications.csv", PUBLICATION_FIELDS, parts.header["publications"])
        with archive.open(_entry(f"{slug}.json"), "w") as raw:
            _write_json(raw, session, parts)
    return _finish(out, f"{slug}-open-data.zip", "application/zip")
