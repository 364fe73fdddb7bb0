"""The summary of opinions (意见汇总表) exported as XLSX, CSV and DOCX, read back with openpyxl, csv and
python-docx: grouping order, Chinese text, formula-looking cells kept as text, renumbered and removed
articles, the audit row, and the staff HTML door."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from urllib.parse import unquote

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from sqlalchemy import select

from consult.clock import utcnow
from consult.comments.decisions import decide
from consult.context import CLI
from consult.db import end_read
from consult.drafts.operations import add_version
from consult.extensions import db
from consult.feedback.exports import export_summary
from consult.models import AuditLog, Comment
from tests.factories import SAMPLE_TEXT

FORMULAS = ['=HYPERLINK("http://evil.example","点我")', "+1", "-1", "@x", "\t=1+1", "\r=1+1", "=1+1"]
CHINESE = "罚款<5000元 & 以上，建议改为“责令改正”。\n第二段：联系电话另附。"

# Article 2 removed, a new article inserted before article 1: 第一条 becomes 第二条, 第三条 becomes 第四条.
REVISED = SAMPLE_TEXT.replace(
    "第一条　为了规范示例管理，制定本条例。",
    "第一条　数据开放平台应当每季度更新名录。\n\n第二条　为了规范示例管理，制定本条例。",
).replace("第二条　本条例适用于本市行政区域内的示例管理活动。\n\n", "")


@pytest.fixture
def staff(factory):
    user, _password = factory.user("staff", username="export-staff")
    return user


@pytest.fixture
def summary_draft(factory, staff):
    """A closed draft: comments on articles 1 and 3 and general ones, several channels, decisions,
    formula-looking bodies, a pending and a rejected comment."""
    draft = factory.draft("closed", title="本市示例管理条例（草案）")
    point = factory.contact_point("dongguan", "东关街道基层立法联系点")
    ids = {}
    ids["general"] = factory.comment(draft, "总体上赞成。", status="published", article_index=None).id
    ids["a3"] = factory.comment(
        draft, CHINESE, status="published", article_index=2, author_name="张三", contact="13800138000"
    ).id
    ids["a1_point"] = factory.comment(
        draft,
        "联系点座谈会意见：建议明确主管部门。",
        status="published",
        article_index=0,
        channel="contact_point",
        contact_point_id=point.id,
        received_at=utcnow() - timedelta(days=20),
        author_name="赵某",  # heard at a forum; did not agree to be named in public
    ).id
    ids["formulas"] = [
        factory.comment(draft, body, status="published", article_index=0, author_name=body[:10]).id
        for body in FORMULAS
    ]
    ids["letter"] = factory.comment(
        draft, "来信建议。", status="published", article_index=2, channel="letter", author_name="李四"
    ).id
    ids["pending"] = factory.comment(draft, "尚未审核的意见。", article_index=1).id
    ids["rejected"] = factory.comment(draft, "不予公开的意见。", status="rejected", article_index=1).id
    end_read()
    decide(staff, CLI, [ids["a3"]], "partially_adopted", "部分采纳：=SUM(A1) 已写入第三条。")
    decide(staff, CLI, [ids["a1_point"]], "adopted", "")
    decide(staff, CLI, ids["formulas"], "not_adopted", "@理由：与上位法不一致。")
    end_read()
    return draft, ids


def exported(staff, draft, fmt, include=None):
    result = export_summary(staff, CLI, draft.slug, fmt, include)
    data = result.data.read()
    result.data.close()
    return result, data


def xlsx_rows(data: bytes):
    wb = load_workbook(io.BytesIO(data))
    return wb, list(wb.worksheets[0].iter_rows())


def test_xlsx_table_reads_back_with_every_cell_text(app, staff, summary_draft):
    draft, ids = summary_draft
    result, data = exported(staff, draft, "xlsx")
    assert data[:4] == b"PK\x03\x04" and result.rows == 11
    wb, rows = xlsx_rows(data)
    sheet = wb.worksheets[0]
    assert sheet.title == "意见汇总表" and sheet.freeze_panes == "A3"
    assert rows[0][0].value == "《本市示例管理条例（草案）》意见汇总表"
    assert "A1:P1" in {str(r) for r in sheet.merged_cells.ranges}
    header = [c.value for c in rows[1]]
    assert header[:4] == ["序号", "条款", "条款内容", "意见内容"] and "理由" in header
    assert rows[1][0].font.b and rows[1][0].fill.fgColor.rgb.endswith("8B1A1A")
    assert sheet.auto_filter.ref == "A2:P13"
    assert sheet.column_dimensions["D"].width == 60
    data_rows = rows[2:]
    assert len(data_rows) == 11
    # Every written cell is text: a formula never runs.
    assert {c.data_type for r in rows for c in r if c.value is not None} == {"s"}
    assert all(c.alignment.wrap_text for c in data_rows[0])
    table = [[c.value for c in r] for r in data_rows]
    col = {name: header.index(name) for name in header}
    by_id = {int(r[col["意见编号"]]): r for r in table}
    # Grouping: article 1 (contact point first, oldest first), then article 3, general last.
    labels = [r[col["条款"]] for r in table]
    assert labels == ["第一条"] * 8 + ["第三条"] * 2 + ["总体意见"]
    assert [r[col["序号"]] for r in table] == [str(n) for n in range(1, 12)]
    for comment_id, body in zip(ids["formulas"], FORMULAS, strict=True):
        assert by_id[comment_id][col["意见内容"]] == body  # tab and carriage return kept too
        assert by_id[comment_id][col["理由"]] == "@理由：与上位法不一致。"
    a3 = by_id[ids["a3"]]
    assert a3[col["意见内容"]] == CHINESE
    assert a3[col["条款内容"]].startswith("主管部门应当依照本条例第一条")
    assert (a3[col["提出人"]], a3[col["联系方式"]], a3[col["渠道"]]) == ("张三", "13800138000", "网站")
    assert (a3[col["处理结果"]], a3[col["理由"]]) == ("部分采纳", "部分采纳：=SUM(A1) 已写入第三条。")
    point = by_id[ids["a1_point"]]
    assert (point[col["渠道"]], point[col["联系点"]], point[col["处理结果"]]) == (
        "基层立法联系点",
        "东关街道基层立法联系点",
        "采纳",
    )
    # Staff see every name, and whether the public does.
    assert (point[col["提出人"]], point[col["姓名公开"]]) == ("赵某", "否（未同意公开，公开时显示为匿名）")
    assert a3[col["姓名公开"]] == "是" and by_id[ids["general"]][col["姓名公开"]] is None  # no name
    # Local time (Asia/Shanghai), and the date an offline opinion was received.
    assert point[col["提交/收到时间"]] == "2026-11-07 10:00"
    assert by_id[ids["general"]][col["处理结果"]] == "尚未处理"
    assert by_id[ids["letter"]][col["渠道"]] == "来信"
    assert ids["pending"] not in by_id and ids["rejected"] not in by_id


def test_xlsx_figures_sheet(app, staff, summary_draft):
    draft, _ids = summary_draft
    _result, data = exported(staff, draft, "xlsx")
    wb = load_workbook(io.BytesIO(data))
    sheet = wb.worksheets[1]
    assert sheet.title == "统计"
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0][0] == "《本市示例管理条例（草案）》意见统计"
    assert any(str(v[0]).startswith("征求意见时间：") for v in values if v)
    figures = {(r[0], r[1]): r[2] for r in values if len(r) >= 3 and isinstance(r[2], int)}
    assert figures[("总计", "意见总数")] == 11
    assert figures[("总计", "基层立法联系点数")] == 1
    assert figures[("渠道", "网站")] == 9 and figures[("渠道", "来信")] == 1
    assert figures[("处理结果", "未采纳")] == 7 and figures[("处理结果", "尚未处理")] == 2
    assert figures[("处理结果", "采纳")] == 1 and figures[("处理结果", "部分采纳")] == 1


def test_csv_has_bom_and_quotes_formula_cells(app, staff, summary_draft):
    draft, ids = summary_draft
    result, data = exported(staff, draft, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header, table = rows[0], rows[1:]
    assert header[1] == "条款" and len(table) == result.rows == 11
    col = {name: header.index(name) for name in header}
    by_id = {int(r[col["意见编号"]]): r for r in table}
    for comment_id, body in zip(ids["formulas"], FORMULAS, strict=True):
        assert by_id[comment_id][col["意见内容"]] == "'" + body
        assert by_id[comment_id][col["提出人"]] == "'" + body[:10]
        assert by_id[comment_id][col["理由"]] == "'@理由：与上位法不一致。"
    assert by_id[ids["a3"]][col["意见内容"]] == CHINESE  # line break and & < kept as typed
    assert [r[col["条款"]] for r in table] == ["第一条"] * 8 + ["第三条"] * 2 + ["总体意见"]
    # Nothing a spreadsheet would evaluate starts a cell.
    assert not [c for r in table for c in r if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_docx_is_an_official_looking_summary(app, staff, summary_draft):
    draft, _ids = summary_draft
    result, data = exported(staff, draft, "docx")
    assert result.rows == 11
    doc = Document(io.BytesIO(data))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "《本市示例管理条例（草案）》意见汇总表"
    assert any(t.startswith("征求意见时间：") and "至" in t for t in texts)
    assert "共收到意见11条" in "".join(texts)
    # Chapter headings, then the general opinions last.
    headings = [t for t in texts if t in ("第一章　总则", "第二章　管理", "总体意见")]
    assert headings == ["第一章　总则", "第二章　管理", "总体意见"]
    figures, *tables = doc.tables
    assert [c.text for c in figures.rows[0].cells] == ["类别", "项目", "条数"]
    assert len(tables) == 3
    for table in tables:
        assert [c.text for c in table.rows[0].cells] == ["条款", "意见内容", "来源", "处理结果", "理由"]
    chapter_one = tables[0]
    assert len(chapter_one.rows) == 1 + 8
    first = chapter_one.rows[1].cells
    assert first[0].text.startswith("第一条") and "为了规范示例管理" in first[0].text
    assert first[1].text == "联系点座谈会意见：建议明确主管部门。"
    assert "东关街道基层立法联系点" in first[2].text and first[3].text == "采纳"
    bodies = [r.cells[1].text for r in chapter_one.rows[2:]]
    assert '=HYPERLINK("http://evil.example","点我")' in bodies and "@x" in bodies
    # The article cell is merged down over its comments.
    merges = [tc.tcPr.find(qn("w:vMerge")) for tc in chapter_one._tbl.xpath("./w:tr/w:tc[1]")]
    assert merges[1].get(qn("w:val")) == "restart" and merges[2].get(qn("w:val")) is None
    chapter_two = tables[1]
    body_cell = chapter_two.rows[1].cells[1]
    assert body_cell.text == CHINESE  # the line break survives as <w:br/>
    assert chapter_two.rows[1].cells[4].text == "部分采纳：=SUM(A1) 已写入第三条。"
    assert tables[2].rows[1].cells[1].text == "总体上赞成。" and tables[2].rows[1].cells[3].text == "尚未处理"
    # CJK fonts for East Asian text, page numbers in the footer.
    normal = doc.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal.get(qn("w:eastAsia")) == "仿宋"
    footer_xml = doc.sections[0].footer._element.xml
    assert 'w:instr="PAGE"' in footer_xml
    assert doc.sections[0].page_width > doc.sections[0].page_height  # landscape


def test_status_all_lists_unpublished_comments_with_their_status(app, staff, summary_draft):
    draft, ids = summary_draft
    result, data = exported(staff, draft, "csv", "all")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header, table = rows[0], rows[1:]
    col = {name: header.index(name) for name in header}
    by_id = {int(r[col["意见编号"]]): r for r in table}
    assert result.rows == 13
    assert by_id[ids["pending"]][col["审核状态"]] == "待审核"
    assert by_id[ids["rejected"]][col["审核状态"]] == "不予公开"
    assert by_id[ids["a3"]][col["审核状态"]] == "已公开"
    _result, docx_data = exported(staff, draft, "docx", "all")
    doc_text = "\n".join(
        c.text for t in Document(io.BytesIO(docx_data)).tables for r in t.rows for c in r.cells
    )
    assert "（待审核）" in doc_text and "尚未审核的意见。" in doc_text


def test_renumbered_and_removed_articles_keep_their_comments(app, factory, staff):
    draft = factory.draft("open")
    on_first = factory.comment(draft, "关于原第一条。", status="published", article_index=0).id
    on_second = factory.comment(draft, "关于被删除的第二条。", status="published", article_index=1).id
    end_read()
    add_version(staff, CLI, draft.slug, REVISED, "（修改稿）")
    end_read()
    _result, data = exported(staff, draft, "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header, table = rows[0], rows[1:]
    col = {name: header.index(name) for name in header}
    by_id = {int(r[col["意见编号"]]): r for r in table}
    assert by_id[on_first][col["条款"]] == "第二条（原第一条）"
    assert by_id[on_first][col["条款内容"]] == "为了规范示例管理，制定本条例。"
    assert by_id[on_second][col["条款"]] == "第二条（修改稿中已删除）"
    assert [int(r[col["意见编号"]]) for r in table] == [on_first, on_second]  # current articles first
    _result, docx_data = exported(staff, draft, "docx")
    doc = Document(io.BytesIO(docx_data))
    assert "修改稿中已删除的条款" in [p.text for p in doc.paragraphs]
    assert doc.tables[-1].rows[1].cells[0].text.startswith("第二条（已删除）")
    assert doc.tables[1].rows[1].cells[1].text.startswith("（针对第一条）")


def test_every_export_is_audited(app, staff, summary_draft):
    draft, _ids = summary_draft
    for fmt in ("xlsx", "csv", "docx"):
        exported(staff, draft, fmt)
    exported(staff, draft, "csv", "all")
    end_read()
    rows = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "export.summary").order_by(AuditLog.id)
    ).all()
    assert [(r.details["format"], r.details["rows"], r.details["status"]) for r in rows] == [
        ("xlsx", 11, "published"),
        ("csv", 11, "published"),
        ("docx", 11, "published"),
        ("csv", 13, "all"),
    ]
    assert {(r.actor_name, r.target_type, r.target_id) for r in rows} == {
        ("export-staff", "draft", str(draft.id))
    }


def test_an_empty_draft_exports_headers_only(app, factory, staff):
    draft = factory.draft("open")
    for fmt in ("xlsx", "csv", "docx"):
        result, data = exported(staff, draft, fmt)
        assert result.rows == 0 and data
    _wb, rows = xlsx_rows(exported(staff, draft, "xlsx")[1])
    assert len(rows) == 2
    assert "暂无意见。" in [
        p.text for p in Document(io.BytesIO(exported(staff, draft, "docx")[1])).paragraphs
    ]


def test_control_characters_do_not_break_the_files(app, factory, staff):
    draft = factory.draft("open")
    factory.comment(draft, "含控制字符\x01\x0b的意见", status="published")
    end_read()
    _wb, rows = xlsx_rows(exported(staff, draft, "xlsx")[1])
    assert rows[2][3].value == "含控制字符的意见"
    doc = Document(io.BytesIO(exported(staff, draft, "docx")[1]))
    assert doc.tables[1].rows[1].cells[1].text == "含控制字符的意见"


# ---- the staff HTML door -------------------------------------------------------------------------------


def test_staff_downloads_from_the_workspace(app, login_as, summary_draft):
    draft, _ids = summary_draft
    client = login_as("staff")
    resp = client.get(f"/admin/drafts/{draft.slug}/export.xlsx")
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == "本市示例管理条例（草案）意见汇总表.xlsx"
    assert "no-store" in resp.headers["Cache-Control"]
    assert int(resp.headers["Content-Length"]) == len(resp.data)
    _wb, rows = xlsx_rows(resp.data)
    assert len(rows) == 13
    csv_resp = client.get(f"/admin/drafts/{draft.slug}/export.csv?status=all")
    assert csv_resp.status_code == 200 and csv_resp.data.startswith(b"\xef\xbb\xbf")
    assert csv_resp.mimetype == "text/csv"
    docx_resp = client.get(f"/admin/drafts/{draft.slug}/export.docx")
    assert docx_resp.status_code == 200 and Document(io.BytesIO(docx_resp.data)).tables
    end_read()
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "export.summary")).all()
    assert [a.details["format"] for a in audit] == ["xlsx", "csv", "docx"]
    assert all(a.address_hash for a in audit)


def test_html_door_errors_are_chinese_pages(app, login_as, summary_draft):
    draft, _ids = summary_draft
    client = login_as("staff")
    resp = client.get(f"/admin/drafts/{draft.slug}/export.pdf")
    assert resp.status_code == 400 and "不支持的导出格式" in resp.get_data(as_text=True)
    resp = client.get(f"/admin/drafts/{draft.slug}/export.csv?status=hidden")
    assert resp.status_code == 400 and "status" in resp.get_data(as_text=True)
    resp = client.get("/admin/drafts/no-such-draft/export.csv")
    assert resp.status_code == 404 and "草案不存在" in resp.get_data(as_text=True)
    assert login_as("contact_point").get(f"/admin/drafts/{draft.slug}/export.csv").status_code == 403
    anonymous = app.test_client().get(f"/admin/drafts/{draft.slug}/export.csv")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    end_read()
    assert not db.session.scalars(select(AuditLog).where(AuditLog.action == "export.summary")).all()


def test_the_partial_offers_the_three_downloads(app, summary_draft):
    from bs4 import BeautifulSoup
    from flask import render_template

    draft, _ids = summary_draft
    with app.test_request_context():
        html = render_template("admin/review/_exports.html", draft=draft)
    links = [a["href"] for a in BeautifulSoup(html, "html.parser").select("a[download]")]
    assert links[:3] == [f"/admin/drafts/{draft.slug}/export.{fmt}" for fmt in ("xlsx", "csv", "docx")]
    assert links[3] == f"/admin/drafts/{draft.slug}/export.xlsx?status=all"


def test_many_comments_export_in_chunks(app, factory, staff):
    """2,500 comments across the articles: every row once, in article order, through every format."""
    draft = factory.draft("open")
    end_read()
    version = draft.current_version
    articles = [t.article_id for t in version.texts]
    end_read()
    rows = [
        {
            "draft_id": draft.id,
            "version_id": version.id,
            "article_id": articles[n % len(articles)] if n % 7 else None,
            "body": f"第{n}条批量意见。",
            "status": "published",
            "channel": "web",
            "receipt_code": f"R{n:010d}",
            "submitted_at": utcnow() - timedelta(minutes=n),
        }
        for n in range(2500)
    ]
    db.session.execute(Comment.__table__.insert(), rows)
    db.session.commit()
    for fmt in ("xlsx", "csv", "docx"):
        result, _data = exported(staff, draft, fmt)
        assert result.rows == 2500, fmt
    table = list(csv.reader(io.StringIO(exported(staff, draft, "csv")[1].decode("utf-8-sig"), newline="")))[
        1:
    ]
    labels = [r[1] for r in table]
    order = ["第一条", "第二条", "第三条", "第四条", "总体意见"]
    assert [order.index(label) for label in labels] == sorted(order.index(label) for label in labels)


# ---- bounded exports (issue 15, point 5) ---------------------------------------------------------------


def test_xlsx_goes_on_in_further_sheets_past_the_row_limit(app, staff, summary_draft, monkeypatch):
    """With the limit patched to 5 rows (title, header and 3 comments), 11 comments take four sheets,
    each with the title and header, numbered on from the sheet before; the figures sheet comes last."""
    from consult.feedback import exports_xlsx

    monkeypatch.setattr(exports_xlsx, "SHEET_MAX_ROWS", 5)
    draft, _ids = summary_draft
    result, data = exported(staff, draft, "xlsx")
    assert result.rows == 11
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["意见汇总表", "意见汇总表（2）", "意见汇总表（3）", "意见汇总表（4）", "统计"]
    numbers = []
    for n, sheet in enumerate(wb.worksheets[:4], start=1):
        rows = [[c.value for c in r] for r in sheet.iter_rows()]
        assert len(rows) <= 5
        assert rows[0][0].startswith("《本市示例管理条例（草案）》意见汇总表")
        assert rows[1][:4] == ["序号", "条款", "条款内容", "意见内容"]
        assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref == f"A2:P{len(rows)}"
        assert (n > 1) == ("续" in rows[0][0])
        numbers += [int(r[0]) for r in rows[2:]]
    assert numbers == list(range(1, 12))  # every comment once, in order, across the sheets


def test_xlsx_keeps_no_object_per_row(app, factory, staff, monkeypatch):
    """Each row's height is dropped once the row is written: the workbook's row dimensions stay at the
    title row's whatever the number of rows (kept, a million of them took hundreds of megabytes)."""
    from consult.feedback import exports_xlsx

    seen = []
    start = exports_xlsx._end_table_sheet

    def spy(ws, columns, rows):
        seen.append((rows, len(ws.row_dimensions)))
        start(ws, columns, rows)

    monkeypatch.setattr(exports_xlsx, "_end_table_sheet", spy)
    draft = factory.draft("open")
    for n in range(30):
        factory.comment(draft, f"第{n}条意见。", status="published")
    end_read()
    assert exported(staff, draft, "xlsx")[0].rows == 30
    assert seen == [(30, 1)]


def test_docx_summarises_each_article_and_caps_its_quotations(app, staff, summary_draft, monkeypatch):
    """At most QUOTES_PER_ARTICLE comments quoted per article (oldest first), then a row saying how many
    more; the article's cell counts its comments by outcome; the audit still counts every comment."""
    from consult.feedback import exports_docx

    monkeypatch.setattr(exports_docx, "QUOTES_PER_ARTICLE", 3)
    draft, _ids = summary_draft
    result, data = exported(staff, draft, "docx")
    assert result.rows == 11
    _figures, chapter_one, chapter_two, general = Document(io.BytesIO(data)).tables
    assert len(chapter_one.rows) == 1 + 3 + 1
    first = chapter_one.rows[1].cells[0].text
    assert first.startswith("第一条") and first.endswith("共收到意见8条：采纳1条，未采纳7条")
    assert chapter_one.rows[1].cells[1].text == "联系点座谈会意见：建议明确主管部门。"  # oldest first
    assert chapter_one.rows[4].cells[1].text.startswith("另有5条意见未在本表列出")
    # An article within the cap is quoted in full, with no such row.
    assert len(chapter_two.rows) == 1 + 2
    assert chapter_two.rows[1].cells[0].text.endswith("共收到意见2条：部分采纳1条，尚未处理1条")
    assert "另有" not in "".join(c.text for r in chapter_two.rows for c in r.cells)
    assert [r.cells[1].text for r in general.rows[1:]] == ["总体上赞成。"]


def test_docx_of_many_comments_stays_short(app, factory, staff):
    """2,000 comments on one article: the document quotes QUOTES_PER_ARTICLE of them, not 2,000."""
    from consult.feedback.exports_docx import QUOTES_PER_ARTICLE

    draft = factory.draft("open")
    end_read()
    version = draft.current_version
    article = version.texts[0].article_id
    rows = [
        {
            "draft_id": draft.id,
            "version_id": version.id,
            "article_id": article,
            "body": f"第{n}条批量意见。",
            "status": "published",
            "channel": "web",
            "receipt_code": f"D{n:010d}",
            "submitted_at": utcnow() - timedelta(minutes=2000 - n),
        }
        for n in range(2000)
    ]
    end_read()
    db.session.execute(Comment.__table__.insert(), rows)
    db.session.commit()
    result, data = exported(staff, draft, "docx")
    assert result.rows == 2000
    table = Document(io.BytesIO(data)).tables[1]
    assert len(table.rows) == 1 + QUOTES_PER_ARTICLE + 1
    assert [r.cells[1].text for r in table.rows[1:4]] == [
        "第0条批量意见。",
        "第1条批量意见。",
        "第2条批量意见。",
    ]
    assert table.rows[-1].cells[1].text.startswith(f"另有{2000 - QUOTES_PER_ARTICLE}条意见未在本表列出")
