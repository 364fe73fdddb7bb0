"""The open-data package of a concluded draft: JSON and a ZIP of CSV files, without personal data.

Publications are written directly here (a FeedbackPublication and a copy of the decisions), as the
publishing operation would; the package must show the decisions as the latest publication froze them.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.clock import utcnow
from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.drafts.explanations import explain_article
from consult.drafts.operations import add_version
from consult.models import Comment, Decision, Draft, FeedbackPublication, PublishedDecision

PHONE = "13912345678"
EMAIL = "zhangsan@example.com"
ORIGINAL = f"建议延长开放时间，有问题请打我电话{PHONE}。"
MASKED = "建议延长开放时间，有问题请打我电话139****5678。"
FORMULA = '=HYPERLINK("http://evil.example","点我")'
AUTHOR = "张小三"
REVISED = """本市示例管理条例（草案）

第一条　为了规范示例管理，制定本条例。

第二条　主管部门应当依照本条例第一条的规定做好示例管理工作。
主管部门应当每年公布工作情况。

第三条　本条例自2027年1月1日起施行。
"""


def decide(comment: Comment, outcome: str, reason: str) -> None:
    """Set (or change) the live decision on a comment."""
    end_read()
    with write_transaction() as session:
        decision = session.scalar(select(Decision).where(Decision.comment_id == comment.id))
        if decision is None:
            session.add(Decision(comment_id=comment.id, outcome=outcome, reason=reason, decided_at=utcnow()))
        else:
            decision.outcome, decision.reason = outcome, reason


def publish(draft: Draft, note: str = "") -> None:
    """Freeze the live decisions as the draft's next feedback publication."""
    end_read()
    with write_transaction() as session:
        d = session.get(Draft, draft.id)
        if d.feedback_published_at is None:
            d.feedback_published_at = utcnow()
        number = len(
            session.scalars(select(FeedbackPublication).where(FeedbackPublication.draft_id == d.id)).all()
        )
        publication = FeedbackPublication(draft_id=d.id, number=number + 1, revision_note=note)
        session.add(publication)
        session.flush()
        decisions = session.scalars(select(Decision).join(Comment).where(Comment.draft_id == d.id))
        for decision in decisions:
            session.add(
                PublishedDecision(
                    publication_id=publication.id,
                    comment_id=decision.comment_id,
                    outcome=decision.outcome,
                    reason=decision.reason,
                    decided_at=decision.decided_at,
                )
            )


@pytest.fixture
def concluded(factory):
    """A concluded draft: published comments (masked, formula, general, letter, undecided) and others."""
    draft = factory.draft(status="closed")
    masked = factory.comment(
        draft,
        ORIGINAL,
        status="published",
        masked_body=MASKED,
        contact=PHONE,
        author_name=AUTHOR,
        notify=True,
        address_hash="f" * 64,
    )
    formula = factory.comment(draft, FORMULA, status="published", article_index=None, contact=EMAIL)
    letter = factory.comment(
        draft,
        "来信建议：第三条应当写明公布的方式。",
        status="published",
        article_index=2,
        channel="letter",
        received_at=utcnow() - timedelta(days=20),
    )
    undecided = factory.comment(draft, "没有处理结果的公开意见。", status="published", article_index=1)
    pending = factory.comment(draft, "尚未审核的意见。")
    rejected = factory.comment(draft, "不予公开的意见。", status="rejected", moderation_reason="含有个人信息")
    decide(masked, "adopted", "已在修改稿中吸收。")
    decide(formula, "not_adopted", "与立法目的不符。")
    decide(letter, "partially_adopted", "部分吸收。")
    decide(rejected, "out_of_scope", "不公开的意见不应出现。")
    publish(draft)
    # Revised after publication: the second publication changes one outcome, with a note.
    decide(formula, "already_provided", "第二条已有规定。")
    publish(draft, "更正一条意见的处理结果。")
    # A later change not yet published must not show.
    decide(masked, "not_adopted", "尚未发布的改动。")
    end_read()
    return {
        "draft": draft,
        "masked": masked,
        "formula": formula,
        "letter": letter,
        "undecided": undecided,
        "pending": pending,
        "rejected": rejected,
    }


def open_zip(client, slug: str) -> zipfile.ZipFile:
    resp = client.get(f"/drafts/{slug}/open-data.zip")
    assert resp.status_code == 200
    assert resp.mimetype == "application/zip"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert int(resp.headers["Content-Length"]) == len(resp.data)
    return zipfile.ZipFile(io.BytesIO(resp.data))


def read_csv(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    raw = archive.read(name)
    assert raw.startswith(b"\xef\xbb\xbf"), f"{name} has no BOM"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_the_json_package_has_versions_published_comments_frozen_decisions_and_publications(
    client, concluded
):
    draft = concluded["draft"]
    resp = client.get(f"/api/v1/drafts/{draft.slug}/open-data")
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    body = resp.json
    assert body["format"] == "consult-open-data" and body["format_version"] == 1
    assert body["draft"]["slug"] == draft.slug and body["draft"]["status"] == "concluded"
    assert [p["number"] for p in body["publications"]] == [1, 2]
    assert body["publications"][1]["revision_note"] == "更正一条意见的处理结果。"
    (version,) = body["versions"]
    assert version["number"] == 1
    assert [a["label"] for a in version["articles"]] == ["第一条", "第二条", "第三条", "第四条"]
    assert version["articles"][0]["chapter"] == "第一章　总则"
    comments = {c["id"]: c for c in body["comments"]}
    published = ("masked", "formula", "letter", "undecided")
    assert sorted(comments) == sorted(concluded[k].id for k in published)
    masked = comments[concluded["masked"].id]
    assert masked["body"] == MASKED
    assert masked["article_label"] == "第一条"
    assert masked["decision"]["outcome"] == "adopted"  # not the unpublished later change
    assert comments[concluded["formula"].id]["article_id"] is None
    assert comments[concluded["formula"].id]["body"] == FORMULA  # JSON keeps the text as written
    assert comments[concluded["formula"].id]["decision"] == {
        "outcome": "already_provided",
        "reason": "第二条已有规定。",
        "decided_at": comments[concluded["formula"].id]["decision"]["decided_at"],
    }
    letter = comments[concluded["letter"].id]
    assert letter["channel"] == "letter" and letter["received_at"] is not None
    assert comments[concluded["undecided"].id]["decision"] is None


def assert_no_personal_data(raw: bytes, concluded) -> None:
    text = raw.decode("utf-8-sig")
    for secret in (
        PHONE,
        EMAIL,
        ORIGINAL,
        AUTHOR,
        "f" * 64,
        "尚未审核的意见",
        "不予公开的意见",
        "含有个人信息",
    ):
        assert secret not in text, secret
    for key in ("masked", "formula", "letter", "undecided"):
        assert concluded[key].receipt_code not in text
    for field in ("contact", "author_name", "receipt_code", "address_hash", "notify"):
        assert f'"{field}"' not in text and f",{field}," not in text


def test_no_personal_data_in_the_json(client, concluded):
    raw = client.get(f"/api/v1/drafts/{concluded['draft'].slug}/open-data").data
    assert MASKED in raw.decode()
    assert_no_personal_data(raw, concluded)


def test_the_zip_holds_csv_files_with_a_bom_the_json_and_a_chinese_readme(client, concluded):
    slug = concluded["draft"].slug
    archive = open_zip(client, slug)
    assert sorted(archive.namelist()) == sorted(
        [
            "README.txt",
            "draft.csv",
            "versions.csv",
            "articles.csv",
            "comments.csv",
            "publications.csv",
            f"{slug}.json",
        ]
    )
    for name in archive.namelist():
        assert_no_personal_data(archive.read(name), concluded)
    readme = archive.read("README.txt").decode("utf-8-sig")
    assert "不含任何个人信息" in readme
    for field in ("article_label", "outcome", "revision_note", "version_number", "received_at"):
        assert f"  {field}" in readme
    comments = {int(r["id"]): r for r in read_csv(archive, "comments.csv")}
    masked = comments[concluded["masked"].id]
    assert masked["body"] == MASKED
    assert (masked["outcome"], masked["outcome_label"], masked["reason"]) == (
        "adopted",
        "采纳",
        "已在修改稿中吸收。",
    )
    assert masked["channel_label"] == "网站"
    formula = comments[concluded["formula"].id]
    assert formula["body"] == "'" + FORMULA  # a spreadsheet shows it as text
    assert formula["article_id"] == "" and formula["outcome"] == "already_provided"
    assert comments[concluded["undecided"].id]["outcome"] == ""
    assert [r["number"] for r in read_csv(archive, "publications.csv")] == ["1", "2"]
    articles = read_csv(archive, "articles.csv")
    assert [(r["version_number"], r["label"]) for r in articles][:2] == [("1", "第一条"), ("1", "第二条")]
    assert "主管部门应当每年公布工作情况" in articles[2]["text"]
    assert read_csv(archive, "versions.csv")[0]["article_count"] == "4"
    assert read_csv(archive, "draft.csv")[0]["slug"] == slug
    packaged = json.loads(archive.read(f"{slug}.json"))
    api = client.get(f"/api/v1/drafts/{slug}/open-data").json
    packaged.pop("generated_at"), api.pop("generated_at")
    assert packaged == api


def test_labels_follow_the_newest_version_and_a_removed_article_keeps_its_last_one(client, factory):
    draft = factory.draft(status="closed")
    on_removed = factory.comment(draft, "对第二条的意见。", status="published", article_index=1)
    on_renumbered = factory.comment(draft, "对第三条的意见。", status="published", article_index=2)
    end_read()
    add_version(None, CLI, draft.slug, REVISED, "修改稿")
    publish(draft)
    body = client.get(f"/api/v1/drafts/{draft.slug}/open-data").json
    labels = {c["id"]: c["article_label"] for c in body["comments"]}
    assert labels == {on_removed.id: "第二条", on_renumbered.id: "第二条"}
    assert [v["number"] for v in body["versions"]] == [1, 2]
    assert [a["label"] for a in body["versions"][1]["articles"]] == ["第一条", "第二条", "第三条"]


def test_each_version_keeps_its_own_article_explanations(client, factory):
    draft = factory.draft(status="closed")
    first = draft.current_version.texts[0].article_id
    end_read()
    explain_article(None, CLI, draft.slug, first, "=第一稿的释义，以等号开头。")
    add_version(None, CLI, draft.slug, REVISED, "修改稿")
    explain_article(None, CLI, draft.slug, first, "修改稿的释义。")
    publish(draft)
    body = client.get(f"/api/v1/drafts/{draft.slug}/open-data").json
    one, two = ([a["explanation"] for a in v["articles"]] for v in body["versions"])
    assert one == ["=第一稿的释义，以等号开头。", None, None, None]
    assert two == ["修改稿的释义。", None, None]
    archive = open_zip(client, draft.slug)
    rows = [(r["version_number"], r["label"], r["explanation"]) for r in read_csv(archive, "articles.csv")]
    assert rows[0] == ("1", "第一条", "'=第一稿的释义，以等号开头。")  # a spreadsheet shows it as text
    assert rows[1] == ("1", "第二条", "") and rows[4] == ("2", "第一条", "修改稿的释义。")
    assert "explanation" in archive.read("README.txt").decode("utf-8-sig")


def test_a_draft_that_hides_comments_publishes_no_bodies(client, factory):
    draft = factory.draft(status="closed", show_comments=False)
    comment = factory.comment(draft, "只给工作人员看的意见。", status="published")
    decide(comment, "adopted", "吸收。")
    publish(draft)
    body = client.get(f"/api/v1/drafts/{draft.slug}/open-data").json
    assert body["comments"][0]["body"] is None
    assert body["comments"][0]["decision"]["outcome"] == "adopted"
    archive = open_zip(client, draft.slug)
    assert "只给工作人员看的意见" not in archive.read("comments.csv").decode("utf-8-sig")


@pytest.mark.parametrize("status", ["open", "closed", "draft"])
def test_only_a_concluded_draft_has_open_data(client, factory, status):
    draft = factory.draft(status=status)
    resp = client.get(f"/api/v1/drafts/{draft.slug}/open-data")
    assert resp.status_code == 404
    assert resp.json["error"]["code"] == "not_found"
    assert client.get(f"/drafts/{draft.slug}/open-data.zip").status_code == 404
    assert client.get("/api/v1/drafts/no-such-draft/open-data").status_code == 404


def test_download_serves_the_json_as_a_file(client, concluded):
    slug = concluded["draft"].slug
    inline = client.get(f"/api/v1/drafts/{slug}/open-data").headers["Content-Disposition"]
    assert inline.startswith("inline")
    resp = client.get(f"/api/v1/drafts/{slug}/open-data?download=1")
    assert resp.headers["Content-Disposition"] == f"attachment; filename={slug}-open-data.json"


def test_many_comments_are_read_in_chunks_and_all_arrive_in_order(client, factory):
    draft = factory.draft(status="closed")
    end_read()
    with write_transaction() as session:
        d = session.get(Draft, draft.id)
        version = d.current_version
        session.add_all(
            Comment(
                draft_id=d.id,
                version_id=version.id,
                article_id=version.texts[n % 4].article_id,
                body=f"第{n}号意见",  # i18n: data
                status="published",
                receipt_code=f"R{n:012d}",
                contact=f"1380000{n:04d}",
            )
            for n in range(2500)
        )
    publish(draft)
    body = client.get(f"/api/v1/drafts/{draft.slug}/open-data").json
    assert len(body["comments"]) == 2500
    ids = [c["id"] for c in body["comments"]]
    assert ids == sorted(ids)
    rows = read_csv(open_zip(client, draft.slug), "comments.csv")
    assert len(rows) == 2500 and rows[-1]["body"] == "第2499号意见"
