"""The intake workspace: upload → preview → confirm → batch page, refusals on the form, tokens, downloads."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from consult.clock import utcnow
from consult.db import end_read, write_transaction
from consult.errors import NotFound
from consult.extensions import db
from consult.intake import raw_table, uploads
from consult.models import Comment, Decision, IntakeBatch
from consult.receipts import display
from tests.conftest import csrf_token_from

HEADER = ["条款", "意见内容", "提出人", "联系方式"]
GOOD = [
    ["第三条", "建议主管部门每季度公布一次工作情况，方便群众监督。", "王某", "13800138000"],
    ["总体意见", "建议条例对志愿者参与示例管理作出规定，写明激励措施。", "李某", "zhang@example.com"],
]
BAD = ["第九条", "建议第九条增加对违法行为的处罚规定。", "赵某", "0571-88886666"]
MEETING = {
    "meeting_date": "2026-11-20",
    "meeting_place": "街道办事处三楼会议室",
    "method": "forum",
    "participants": "12",
    "collector": "联系点信息员",
}


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.data, "html.parser")


def xlsx(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    """A workbook as a contact point keeps it, every cell stored as text."""
    workbook = Workbook()
    sheet = workbook.active
    for number, values in enumerate([header, *rows], start=1):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=number, column=column, value=value)
            cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(c, data: bytes | None, filename: str = "东关街道意见汇总.xlsx", **fields):
    """POST the upload form as a browser sends it."""
    token = csrf_token_from(c.get("/intake/upload").data)
    form: dict = {"csrf_token": token, **MEETING, **fields}
    if data is not None:
        form["file"] = (io.BytesIO(data), filename)
    return c.post("/intake/upload", data=form, content_type="multipart/form-data")


def token_of(page: BeautifulSoup) -> str:
    action = page.select_one("form[action$='/cancel']")["action"]
    return re.fullmatch(r"/intake/upload/([^/]+)/cancel", action).group(1)


def post(c, url: str, **fields):
    token = csrf_token_from(c.get("/intake/").data)
    return c.post(url, data={"csrf_token": token, **fields})


def counts() -> tuple[int, int]:
    """(comments, batches) in the database."""
    end_read()
    result = (
        db.session.scalar(select(func.count(Comment.id))),
        db.session.scalar(select(func.count(IntakeBatch.id))),
    )
    end_read()
    return result


def kept_files(app) -> list[str]:
    folder = Path(app.instance_path) / uploads.FOLDER
    return sorted(p.name for p in folder.glob("*")) if folder.exists() else []


def state_of(page: BeautifulSoup, row: int) -> str:
    return page.select_one(f"tr[data-row='{row}'] td.state").get_text(" ", strip=True)


@pytest.fixture
def point(factory):
    return factory.contact_point("dongguan-jiedao", "东关街道基层立法联系点")


@pytest.fixture
def draft(factory):
    return factory.draft(slug="shili-tiaoli")


@pytest.fixture
def operator(login_as, point):
    return login_as("contact_point", point=point.slug)


# Upload → preview → confirm → batch page


def test_upload_preview_confirm_and_the_batch_page(app, operator, draft, point):
    form = soup(operator.get("/intake/upload"))
    assert form.select_one("select#contact_point") is None  # an operator uploads for their own point
    assert "东关街道基层立法联系点" in form.select_one(".own-point").get_text()
    assert [o["value"] for o in form.select("select#draft option")] == ["", draft.slug]
    assert form.select_one("input#file")["accept"] == ".xlsx,.csv"

    resp = upload(operator, xlsx([*GOOD, BAD]), draft=draft.slug)
    assert resp.status_code == 200
    page = soup(resp)
    assert page.select_one("h1").get_text() == "核对导入内容"
    assert page.select_one(".filename").get_text() == "东关街道意见汇总.xlsx"
    assert page.select_one(".header-at").get_text() == "第1行"
    assert page.select_one(".columns").get_text() == "条款、意见内容、提出人、联系方式"
    tally = {li["class"][0]: li.select_one(".n").get_text() for li in page.select(".intake-counts li")}
    assert tally == {"total": "3", "new": "2", "already": "0", "invalid": "1"}
    # Every row, numbered as the spreadsheet shows it; the bad one marked with its message.
    assert [tr["data-row"] for tr in page.select("tbody tr")] == ["2", "3", "4"]
    assert page.select("tr.row-error") == [page.select_one("tr[data-row='4']")]
    assert "没有第九条" in state_of(page, 4) and "第一条至第四条" in state_of(page, 4)
    assert state_of(page, 2) == "将导入"
    assert page.select_one("tr[data-row='2'] td.ref").get_text() == "第三条"
    assert page.select_one("tr[data-row='3'] td.ref").get_text() == "整体意见"
    assert page.select_one("tr[data-row='2'] td.contact").get_text() == "138****8000"
    assert page.select_one("#confirm").get_text() == "确认导入2条意见"
    assert page.select_one("#error-report")
    assert counts() == (0, 0)  # a preview writes nothing
    token = token_of(page)
    assert kept_files(app) == [f"{token}.bin", f"{token}.json"]

    resp = post(operator, f"/intake/upload/{token}/confirm")
    assert resp.status_code == 303
    batch_url = resp.headers["Location"]
    assert re.fullmatch(r"/intake/batches/\d+", batch_url)
    assert kept_files(app) == []  # removed once imported
    page = soup(operator.get(batch_url))
    assert page.select_one(".flash").get_text(strip=True) == "已导入2条意见"
    assert draft.title in page.select_one("h1").get_text()
    tally = {li["class"][0]: li.select_one(".n").get_text() for li in page.select(".intake-counts li")}
    assert tally == {"imported": "2", "invalid": "1", "already": "0"}
    end_read()
    comments = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    assert [c.channel for c in comments] == ["contact_point", "contact_point"]
    shown = [code.get_text() for code in page.select(".batch-opinions .receipt-cell code")]
    assert shown == [display(c.receipt_code) for c in comments]
    assert all(re.fullmatch(r"\d{4}-\d{3}-\d{3}-\d{3}", code) for code in shown)
    assert [td.get_text() for td in page.select(".batch-opinions td.ref")] == ["第三条", "整体意见"]
    assert [td.get_text(strip=True) for td in page.select(".batch-opinions td.status")] == ["待审核"] * 2
    assert "第4行" not in page.get_text() and page.select_one("#batch-error-report")

    dashboard = soup(operator.get("/intake/"))
    row = dashboard.select_one("tr[data-id]")
    assert row.select_one(".filename").get_text() == "东关街道意见汇总.xlsx"
    assert (row.select_one(".imported").get_text(), row.select_one(".invalid").get_text()) == ("2", "1")
    assert row.select_one("a")["href"] == batch_url
    assert dashboard.select_one("th.point, td.point") is None  # an operator's own list has no point column


def test_the_batch_page_shows_what_became_of_each_opinion(operator, draft):
    page = soup(upload(operator, xlsx(GOOD), draft=draft.slug))
    batch_url = post(operator, f"/intake/upload/{token_of(page)}/confirm").headers["Location"]
    end_read()
    first, second = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    end_read()
    with write_transaction() as session:
        session.get(Comment, first.id).status = "published"
        session.add(
            Decision(comment_id=first.id, outcome="not_adopted", reason="已有规定。", decided_at=utcnow())
        )
        rejected = session.get(Comment, second.id)
        rejected.status, rejected.moderation_reason = "rejected", "与本草案无关"
    page = soup(operator.get(batch_url))
    rows = page.select(".batch-opinions tbody tr")
    assert rows[0].select_one(".status").get_text(strip=True) == "已公开"
    assert rows[0].select_one(".outcome").get_text() == "未采纳"
    assert rows[0].select_one(".decision-cell .reason").get_text() == "已有规定。"
    assert rows[1].select_one(".status").get_text(" ", strip=True) == "不予公开 与本草案无关"
    assert "正式反馈发布前请勿对外公布" in page.select_one(".notice").get_text()
    outcomes = {li["class"][0]: li.select_one(".n").get_text() for li in page.select(".intake-outcomes li")}
    assert outcomes == {"pending": "0", "published": "1", "rejected": "1", "decided": "1"}


def test_the_receipt_list_downloads_as_csv(operator, draft):
    page = soup(upload(operator, xlsx(GOOD), draft=draft.slug))
    batch_url = post(operator, f"/intake/upload/{token_of(page)}/confirm").headers["Location"]
    resp = operator.get(batch_url + "/receipts.csv")
    assert resp.status_code == 200
    lines = resp.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "回执码,条款,提出人,联系方式,审核状态"
    assert lines[1].split(",")[1:] == ["第三条", "王某", "138****8000", "待审核"]


def test_an_empty_dashboard_says_what_to_do(operator):
    page = soup(operator.get("/intake/"))
    assert "还没有导入过意见" in page.select_one(".intake-empty").get_text()
    links = {a["href"] for a in page.select("a")}
    assert {"/intake/upload", "/intake/templates/opinions-template.xlsx"} <= links


# Who may see and do what


def test_another_points_batch_is_forbidden_and_a_missing_one_not_found(login_as, operator, draft, factory):
    page = soup(upload(operator, xlsx([*GOOD, BAD]), draft=draft.slug))
    batch_url = post(operator, f"/intake/upload/{token_of(page)}/confirm").headers["Location"]
    other = login_as("contact_point", point=factory.contact_point("yunhe-shequ").slug)
    assert other.get(batch_url).status_code == 403
    assert other.get(batch_url + "/errors.xlsx").status_code == 403
    assert other.get(batch_url + "/receipts.csv").status_code == 403
    assert other.get("/intake/batches/999999").status_code == 404
    assert soup(other.get("/intake/")).select("tr[data-id]") == []  # not on the other point's list
    assert login_as("staff").get(batch_url).status_code == 200


def test_an_operator_cannot_upload_for_another_point(operator, draft, factory):
    factory.contact_point("yunhe-shequ")
    resp = upload(operator, xlsx(GOOD), draft=draft.slug, contact_point="yunhe-shequ")
    assert resp.status_code == 403
    page = soup(resp)
    assert page.select_one("#contact_point-error").get_text() == "只能为本联系点上传意见"
    assert page.select_one("#meeting_place")["value"] == MEETING["meeting_place"]  # input kept
    assert counts() == (0, 0)


def test_staff_must_choose_a_point_and_the_file_is_kept_meanwhile(app, login_as, draft, point):
    staff = login_as("staff")
    resp = upload(staff, xlsx(GOOD), draft=draft.slug)
    assert resp.status_code == 400
    page = soup(resp)
    assert page.select_one("#contact_point-error").get_text() == "请选择联系点"
    assert page.select_one("#contact_point")["aria-invalid"] == "true"
    assert page.select_one("#draft option[selected]")["value"] == draft.slug
    assert page.select_one("#meeting_place")["value"] == MEETING["meeting_place"]
    assert page.select_one("input[name=method][checked]")["value"] == "forum"
    # The file already sent is kept: choosing the point is enough.
    kept = page.select_one("input[name=kept]")["value"]
    assert "东关街道意见汇总.xlsx" in page.select_one(".kept-file").get_text()
    assert page.select_one("#file-again") is None  # nothing to choose again
    resp = upload(staff, None, draft=draft.slug, contact_point=point.slug, kept=kept)
    assert resp.status_code == 200
    preview = soup(resp)
    assert preview.select_one("#confirm").get_text() == "确认导入2条意见"
    assert kept_files(app) == [f"{token_of(preview)}.bin", f"{token_of(preview)}.json"]  # the old one went
    assert counts() == (0, 0)


def test_staff_see_every_batch_with_its_point_and_can_filter(login_as, operator, draft, point, factory):
    page = soup(upload(operator, xlsx(GOOD), draft=draft.slug))
    post(operator, f"/intake/upload/{token_of(page)}/confirm")
    staff = login_as("staff")
    other = factory.contact_point("yunhe-shequ", "运河社区基层立法联系点")
    page = soup(upload(staff, xlsx(GOOD[:1]), draft=draft.slug, contact_point=other.slug))
    post(staff, f"/intake/upload/{token_of(page)}/confirm")
    listing = soup(staff.get("/intake/"))
    assert [td.get_text() for td in listing.select("td.point")] == [
        "运河社区基层立法联系点",
        "东关街道基层立法联系点",
    ]
    filtered = soup(staff.get("/intake/?point=dongguan-jiedao"))
    assert [td.get_text() for td in filtered.select("td.point")] == ["东关街道基层立法联系点"]
    assert [o["value"] for o in filtered.select("select[name=point] option")] == ["", point.slug, other.slug]


# Bad input: a message on the form, nothing written


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
XLS = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 1024


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (PNG, "意见汇总.xlsx", "文件"),
        (XLS, "意见汇总.xls", ".xlsx"),
        ("条款,意见内容\r\n".encode() + b"\x80\xff,\xfe\xfd\r\n" * 20, "意见汇总.csv", "编码"),
        (b"", "意见汇总.csv", "未选择文件"),
    ],
    ids=["png-named-xlsx", "old-xls", "garbage-csv", "empty"],
)
def test_a_bad_file_is_refused_on_the_form(app, operator, draft, data, filename, expected):
    resp = upload(operator, data, filename=filename, draft=draft.slug)
    assert resp.status_code == 400
    page = soup(resp)
    message = page.select_one("#file-error").get_text()
    assert expected in message and re.search(r"[\u4e00-\u9fff]", message)
    assert page.select_one("#file")["aria-invalid"] == "true"
    assert page.select_one("input[name=kept]") is None  # a refused file is not kept
    assert page.select_one("#meeting_place")["value"] == MEETING["meeting_place"]
    assert counts() == (0, 0) and kept_files(app) == []


def test_a_file_with_no_opinion_column_names_the_columns_found(operator, draft):
    resp = upload(operator, xlsx([["第三条", "王某"]], header=["条款", "姓名"]), draft=draft.slug)
    assert resp.status_code == 400
    assert "条款" in soup(resp).select_one("#file-error").get_text()


def test_a_file_over_the_upload_limit_is_413_on_the_form(operator, draft):
    big = b"a" * (raw_table.MAX_UPLOAD_BYTES + 1)
    resp = upload(operator, big, filename="big.csv", draft=draft.slug)
    assert resp.status_code == 413
    page = soup(resp)
    assert page.select_one("#file-error").get_text() == "文件过大"
    assert "10MB" in page.select_one("#error-summary").get_text()
    assert counts() == (0, 0)


def test_a_body_over_max_content_length_is_413_on_the_form(make_app, factory, draft):
    app = make_app(MAX_CONTENT_LENGTH=200_000)
    user, password = factory.user("contact_point")
    c = sign_in(app, user.username, password)
    resp = upload(c, b"a" * 300_000, filename="big.csv", draft=draft.slug)
    assert resp.status_code == 413
    page = soup(resp)
    assert "文件不能超过" in page.select_one("#file-error").get_text()
    assert page.select_one("form[enctype='multipart/form-data']")
    assert "都未能读取" in page.select_one("#file-again").get_text()  # honest: nothing could be kept
    anonymous = app.test_client()
    resp = anonymous.post("/intake/upload", data={"file": (io.BytesIO(b"a" * 300_000), "big.csv")})
    assert resp.status_code == 413 and soup(resp).select_one("input#file") is None


def test_meeting_errors_are_shown_next_to_their_field(operator, draft):
    resp = upload(operator, xlsx(GOOD), draft=draft.slug, meeting_date="2026-12-31", participants="很多")
    assert resp.status_code == 400
    page = soup(resp)
    errors = [p.get_text() for p in page.select(".field-error")]
    assert "座谈或走访的日期不能晚于今天" in errors
    assert page.select_one("#participants")["value"] == "很多"


# Tokens


def test_an_unknown_or_expired_token_is_404(app, operator, draft):
    unknown = "A" * 24
    for resp in (
        operator.get(f"/intake/upload/{unknown}"),
        operator.get(f"/intake/upload/{unknown}/errors.xlsx"),
        post(operator, f"/intake/upload/{unknown}/confirm"),
        post(operator, f"/intake/upload/{unknown}/cancel"),
        operator.get("/intake/upload/not-a-token!"),
    ):
        assert resp.status_code == 404
        page = soup(resp)
        assert "请重新上传" in page.select_one(".error-message").get_text()
        assert page.select_one("a[href='/intake/upload']")
    token = token_of(soup(upload(operator, xlsx(GOOD), draft=draft.slug)))
    uploads.discard(token)
    assert post(operator, f"/intake/upload/{token}/confirm").status_code == 404
    assert counts() == (0, 0)


def test_uploads_expire_by_the_injected_clock_not_the_file_times(app, operator, draft, clock):
    """Age is read from the one clock: a frozen clock far from the real date neither keeps nor drops files.

    The test clock stands at 2026-11-27 whatever the real date is; comparing it with the files'
    modification times made this fail once the real date passed the frozen one."""
    token = token_of(soup(upload(operator, xlsx(GOOD), draft=draft.slug)))
    user_id = operator.user.id
    clock.advance(seconds=uploads.KEEP_SECONDS - 60)
    assert uploads.sweep() == 0
    assert uploads.load(token, user_id)[0].draft == draft.slug
    clock.advance(seconds=120)
    with pytest.raises(NotFound):
        uploads.load(token, user_id)
    assert kept_files(app) == []

    kept = token_of(soup(upload(operator, xlsx(GOOD), draft=draft.slug)))
    clock.advance(seconds=uploads.KEEP_SECONDS + 1)
    assert uploads.sweep() == 1
    assert kept_files(app) == [] and kept


def test_confirm_by_another_user_is_forbidden(app, login_as, operator, draft, point):
    token = token_of(soup(upload(operator, xlsx(GOOD), draft=draft.slug)))
    colleague = login_as("contact_point", point=point.slug)  # same point, another operator
    assert post(colleague, f"/intake/upload/{token}/confirm").status_code == 403
    assert colleague.get(f"/intake/upload/{token}").status_code == 403
    assert post(login_as("staff"), f"/intake/upload/{token}/cancel").status_code == 403
    assert counts() == (0, 0) and len(kept_files(app)) == 2


def test_cancel_forgets_the_upload(app, operator, draft):
    token = token_of(soup(upload(operator, xlsx(GOOD), draft=draft.slug)))
    resp = post(operator, f"/intake/upload/{token}/cancel")
    assert resp.status_code == 303 and resp.headers["Location"] == "/intake/"
    assert kept_files(app) == [] and counts() == (0, 0)
    assert "已取消" in soup(operator.get("/intake/")).select_one(".flash").get_text()


def test_the_same_file_again_imports_nothing_and_confirm_is_409(operator, draft):
    data = xlsx(GOOD)
    post(operator, f"/intake/upload/{token_of(soup(upload(operator, data, draft=draft.slug)))}/confirm")
    assert counts() == (2, 1)
    page = soup(upload(operator, data, draft=draft.slug))
    assert page.select_one("#confirm") is None
    assert "此前都已导入" in page.select_one(".nothing-to-import").get_text()
    assert [state_of(page, n) for n in (2, 3)] == ["此前已导入", "此前已导入"]
    resp = post(operator, f"/intake/upload/{token_of(page)}/confirm")
    assert resp.status_code == 409
    assert "此前都已导入" in soup(resp).select_one("#form-message").get_text()
    assert counts() == (2, 1)


def test_the_confirmation_works_on_another_worker(make_app, app, operator, draft):
    token = token_of(soup(upload(operator, xlsx(GOOD), draft=draft.slug)))
    # Another app instance on the same database and instance folder: another gunicorn worker.
    worker = make_app()
    assert worker is not app and worker.instance_path == app.instance_path
    c = worker.test_client()
    c.set_cookie("session", operator.get_cookie("session").value)
    resp = c.post(
        f"/intake/upload/{token}/confirm", data={"csrf_token": csrf_token_from(c.get("/intake/").data)}
    )
    assert resp.status_code == 303
    assert counts() == (2, 1)
    assert soup(c.get(resp.headers["Location"])).select_one(".flash").get_text(strip=True) == "已导入2条意见"


# Downloads


def test_the_error_report_downloads_with_the_original_cells_and_a_message_column(operator, draft):
    page = soup(upload(operator, xlsx([*GOOD, BAD]), draft=draft.slug))
    token = token_of(page)
    resp = operator.get(f"/intake/upload/{token}/errors.xlsx")
    assert resp.status_code == 200
    disposition = resp.headers["Content-Disposition"]
    assert (
        disposition.startswith("attachment; filename=")
        and resp.headers["Cache-Control"] == "private, no-store"
    )
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == "东关街道意见汇总-需修改的行.xlsx"
    sheet = load_workbook(io.BytesIO(resp.data), read_only=True).active
    rows = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == [*HEADER, "错误说明"]
    assert rows[1][:4] == BAD and "没有第九条" in rows[1][4]
    assert len(rows) == 2
    # After the import, the batch page offers the same report from what the batch kept.
    batch_url = post(operator, f"/intake/upload/{token}/confirm").headers["Location"]
    resp = operator.get(batch_url + "/errors.xlsx")
    sheet = load_workbook(io.BytesIO(resp.data), read_only=True).active
    assert [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)] == rows


def test_a_batch_without_errors_has_no_error_report(operator, draft):
    page = soup(upload(operator, xlsx(GOOD), draft=draft.slug))
    assert page.select_one("#error-report") is None
    batch_url = post(operator, f"/intake/upload/{token_of(page)}/confirm").headers["Location"]
    assert soup(operator.get(batch_url)).select_one("#batch-error-report") is None
    assert operator.get(batch_url + "/errors.xlsx").status_code == 404


@pytest.mark.parametrize("name", ["opinions-template.xlsx", "opinions-template.csv"])
def test_the_templates_download_and_upload_again_cleanly(operator, draft, name):
    resp = operator.get(f"/intake/templates/{name}")
    assert resp.status_code == 200
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert (
        unquote(disposition.split("filename*=UTF-8''", 1)[1])
        == "意见建议汇总表（模板）." + name.rsplit(".", 1)[1]
    )
    page = soup(upload(operator, resp.data, filename=name, draft=draft.slug))
    # Read cleanly: every template column is used, and the example row is reported as the example.
    assert page.select_one(".ignored").get_text() == "无"
    assert "意见内容" in page.select_one(".columns").get_text()
    assert [tr["data-row"] for tr in page.select("tbody tr")] == ["2"]
    assert "这是模板中的示例行，请删除后再上传" in state_of(page, 2)
    assert page.select_one("#confirm") is None
    assert operator.get("/intake/templates/other.xlsx").status_code == 404


def test_a_big_preview_is_paginated_and_can_show_the_errors_only(operator, draft):
    rows = [["第一条", f"第{n}号意见：建议进一步明确示例管理的范围。", "", ""] for n in range(449)]
    rows.append(BAD)
    page = soup(upload(operator, xlsx(rows), draft=draft.slug))
    assert len(page.select("tbody tr")) == 200
    assert page.select_one("#confirm").get_text() == "确认导入449条意见"
    token = token_of(page)
    last = soup(operator.get(f"/intake/upload/{token}?page=3"))
    assert [tr["data-row"] for tr in last.select("tbody tr")][-1] == "451"
    assert len(last.select("tbody tr")) == 50
    errors = soup(operator.get(f"/intake/upload/{token}?show=errors"))
    assert [tr["data-row"] for tr in errors.select("tbody tr")] == ["451"]
    assert soup(operator.get(f"/intake/upload/{token}?page=99")).select_one("tbody tr")["data-row"] == "402"


def sign_in(app, username: str, password: str):
    c = app.test_client()
    token = csrf_token_from(c.get("/login").data)
    resp = c.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert resp.status_code == 303
    return c


# A refused upload says everything at once and keeps what can be kept


def test_every_missing_field_is_reported_at_once_and_the_choices_are_kept(login_as, draft, point):
    staff = login_as("staff")
    token = csrf_token_from(staff.get("/intake/upload").data)
    form = {
        "csrf_token": token,
        "meeting_date": "2026-13-40",
        "meeting_place": "街道办事处",
        "method": "visit",
    }
    resp = staff.post("/intake/upload", data=form, content_type="multipart/form-data")
    assert resp.status_code == 400
    page = soup(resp)
    # One summary naming every field, each a link to its field; the page is titled as refused.
    summary = page.select_one("#error-summary")
    assert summary["role"] == "alert" and "4" in summary.select_one("p").get_text()
    links = {a["href"]: a.get_text() for a in summary.select("a")}
    assert list(links) == ["#draft", "#contact_point", "#meeting_date", "#file"]
    assert "请选择草案" in links["#draft"] and "未选择文件" in links["#file"]
    assert page.select_one("title").get_text().startswith("错误：")
    assert page.select_one("form#upload-form")["action"] == "/intake/upload#upload-form"
    for field in ("draft", "contact_point", "meeting_date", "file"):
        assert page.select_one(f"#{field}")["aria-invalid"] == "true", field
    # What was typed stays; the file must be chosen again, and the page says why.
    assert page.select_one("#meeting_place")["value"] == "街道办事处"
    assert page.select_one("input[name=method][checked]")["value"] == "visit"
    assert "浏览器" in page.select_one("#file-again").get_text()
    assert "file-again" in page.select_one("#file")["aria-describedby"]


def test_the_chosen_draft_and_meeting_are_kept_when_only_the_file_is_wrong(operator, draft):
    resp = upload(operator, b"", draft=draft.slug, participants="30")
    page = soup(resp)
    assert page.select_one("#draft option[selected]")["value"] == draft.slug
    assert page.select_one("#participants")["value"] == "30"
    assert page.select_one("#meeting_date")["value"] == MEETING["meeting_date"]
    assert page.select_one("#error-summary").get_text(strip=True) == "请选择要上传的文件"
    assert page.select_one("#file-again") is not None


def test_the_preview_operation_names_every_missing_field(app, factory, draft):
    from consult.errors import ValidationError
    from consult.intake.importing import BatchRequest, preview_batch

    staff, _ = factory.user("staff")
    end_read()
    with pytest.raises(ValidationError) as caught:
        preview_batch(staff, BatchRequest(None, "", b"", participants="-3"))
    assert set(caught.value.fields) == {"draft", "contact_point", "participants", "file"}
    assert "4" in caught.value.message
