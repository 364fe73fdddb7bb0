"""Groups counted once (issue 16, point 2): the feedback report (HTML and JSON, with `group_size`) and the
CSV, XLSX and DOCX exports show a group's members with the same decision as one entry, "共N条相同或相似
意见" with the earliest one's text; the figures still count every comment; every member's receipt shows
the group's decision."""

from __future__ import annotations

import csv
import io

import pytest
from bs4 import BeautifulSoup
from docx import Document
from openpyxl import load_workbook

from consult.comments.decisions import decide
from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.feedback.exports import export_summary
from consult.feedback.publishing import publish_feedback
from consult.groups.decisions import decide_group
from consult.groups.drain import drain
from consult.groups.queries import group_ids_of
from consult.models import Comment
from consult.receipts import display

CAMPAIGN = "建议城市书房开放时间延长到晚上十点，方便上班族下班后去看书，{estate}居民都很需要。"
ESTATES = ["阳光花园", "幸福家园", "锦绣华庭", "运河名都", "翠湖小区"]
REASON = "开放时间已在第五条规定，由各书房根据实际情况确定。"
ALONE = "建议书房提供盲文图书和有声读物，方便视障读者。"
SAME = "共4条相同或相似意见"


@pytest.fixture
def staff(factory):
    return factory.user("staff")[0]


@pytest.fixture
def grouped_report(factory, staff):
    """Five copies of a campaign on one article: one decided on its own (采纳), the group's decision
    for the other four; and a comment alone, decided on its own."""
    draft = factory.draft("closed")
    comments = [factory.comment(draft, CAMPAIGN.format(estate=e), status="published") for e in ESTATES]
    alone = factory.comment(draft, ALONE, status="published")
    drain()
    end_read()
    group_id = group_ids_of([comments[0].id])[comments[0].id]
    end_read()
    decide(staff, CLI, [comments[0].id], "adopted", "")
    decide(staff, CLI, [alone.id], "not_adopted", "与本条例无关。")
    assert decide_group(staff, CLI, group_id, "not_adopted", REASON)[1] == 4
    end_read()
    return draft, comments, alone, group_id


def test_the_published_report_shows_a_group_once(client, grouped_report, staff):
    draft, comments, alone, _group_id = grouped_report
    publish_feedback(staff, CLI, draft.slug)
    report = client.get(f"/api/v1/drafts/{draft.slug}/feedback").json
    assert report["totals"]["comments"] == 6 and report["totals"]["not_adopted"] == 5  # every comment counted
    place = next(a for a in report["articles"] if a["comment_count"])
    items = place["items"]
    assert len(items) == 3
    standing = [i for i in items if i["group_size"]]
    assert [(i["comment_id"], i["group_size"], i["outcome"], i["reason"]) for i in standing] == [
        (comments[1].id, 4, "not_adopted", REASON)
    ]
    assert standing[0]["body"] == CAMPAIGN.format(estate=ESTATES[1])
    own = {i["comment_id"]: i["group_size"] for i in items if not i["group_size"]}
    assert own == {comments[0].id: None, alone.id: None}  # a member's own decision is an entry of its own

    # The place's own page of items (JSON) and the HTML page say the same.
    page = client.get(f"/api/v1/drafts/{draft.slug}/feedback/articles/{place['article_id']}").json
    assert [i["group_size"] for i in page["items"]] == [i["group_size"] for i in items]
    html = client.get(f"/drafts/{draft.slug}/feedback/articles/{place['article_id']}")
    soup = BeautifulSoup(html.data, "html.parser")
    entries = soup.select("li.fb-item")
    assert len(entries) == 3
    assert [p.get_text(strip=True) for p in soup.select("li.fb-item .fb-group")] == [SAME]


def test_a_stand_in_taken_down_after_publication_gives_its_place_to_the_next(client, grouped_report, staff):
    draft, comments, _alone, _group_id = grouped_report
    publish_feedback(staff, CLI, draft.slug)
    end_read()
    with write_transaction() as session:  # taken down, as moderation would
        session.get(Comment, comments[1].id).status = "rejected"
    report = client.get(f"/api/v1/drafts/{draft.slug}/feedback").json
    items = next(a for a in report["articles"] if a["comment_count"])["items"]
    assert [(i["comment_id"], i["group_size"]) for i in items if i["group_size"]] == [(comments[2].id, 3)]
    assert report["totals"]["comments"] == 5


def test_every_member_s_receipt_shows_the_group_s_decision(client, grouped_report, staff):
    draft, comments, _alone, _group_id = grouped_report
    publish_feedback(staff, CLI, draft.slug)
    for comment in comments[1:]:
        page = client.get(f"/receipts/{display(comment.receipt_code)}")
        decision = BeautifulSoup(page.data, "html.parser").select_one("#decision").get_text()
        assert "未采纳" in decision and REASON in decision
    page = client.get(f"/receipts/{display(comments[0].receipt_code)}")
    assert "采纳" in BeautifulSoup(page.data, "html.parser").select_one("#decision").get_text()


def exported(staff, draft, fmt) -> tuple[int, bytes]:
    result = export_summary(staff, CLI, draft.slug, fmt)
    data = result.data.read()
    result.data.close()
    return result.rows, data


def test_the_csv_and_xlsx_exports_have_one_row_for_a_group(grouped_report, staff):
    draft, comments, alone, _group_id = grouped_report
    count, data = exported(staff, draft, "csv")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header, rows = table[0], table[1:]
    assert count == len(rows) == 3
    column, body, number = header.index("相同或相似意见"), header.index("意见内容"), header.index("意见编号")
    by_id = {int(r[number]): r for r in rows}
    assert set(by_id) == {comments[0].id, comments[1].id, alone.id}
    assert by_id[comments[1].id][column] == SAME and by_id[comments[1].id][body] == CAMPAIGN.format(
        estate=ESTATES[1]
    )
    assert by_id[comments[0].id][column] == "" and by_id[alone.id][column] == ""

    count, data = exported(staff, draft, "xlsx")
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    header, rows = values[0], values[1:]
    assert count == len(rows) == 3
    assert [r[header.index("相同或相似意见")] for r in rows].count(SAME) == 1
    figures = load_workbook(io.BytesIO(data)).worksheets[-1]
    totals = {r[1].value: r[2].value for r in figures.iter_rows() if len(r) > 2}
    assert totals.get("意见总数") in (6, "6")  # the figures count every comment


def test_the_docx_export_quotes_a_group_once(grouped_report, staff):
    draft, _comments, _alone, _group_id = grouped_report
    count, data = exported(staff, draft, "docx")
    document = Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    quoted = [text for text in cells if text.startswith("建议城市书房开放时间")]
    assert len(quoted) == 2  # the member decided on its own, and the group once
    assert sum(SAME in text for text in quoted) == 1
    assert count == 6 and not any("另有" in text for text in cells)  # all six comments are covered
