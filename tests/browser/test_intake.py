"""A contact point's operator in a real Chromium: signs in, uploads an XLSX with one bad row, sees the
preview with the bad row marked, downloads the error report, confirms, and gets the receipt codes."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import Workbook, load_workbook

from tests.browser.conftest import DESKTOP, PHONE
from tests.live import LiveServer

pytestmark = [pytest.mark.once, pytest.mark.browser]
PASSWORD = "Intake-browser-pass-1"
SLUG = "chengshi-shufang-tiaoli"
POINT = "dongguan-jiedao"
FILENAME = "东关街道城市书房座谈会意见.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["序号", "条款", "意见建议", "理由", "提出人", "联系电话"]
ROWS = [
    ["1", "第三条", "建议城市书房晚上开放到九点，方便上班族下班后去看书。", "", "王某", "13800138000"],
    ["2", "总体意见", "建议条例写明志愿者参与城市书房管理的激励措施。", "目前志愿者流失较多。", "李某", ""],
    ["3", "第九十九条", "建议增加对损坏图书行为的处罚规定。", "", "赵某", "0571-88886666"],
    ["4", "第 十 条", "建议城市书房配备无障碍设施，照顾老年人和残疾人。", "", "", "zhang@example.com"],
]
BAD_ROW = 5  # the spreadsheet's row of 第九十九条 (the header is row 2, under a title row)


def workbook() -> bytes:
    """The table as a contact point keeps it: a merged title row above the header, one bad row."""
    book = Workbook()
    sheet = book.active
    sheet.append(["城市书房条例（草案）座谈会意见汇总表"])
    sheet.merge_cells("A1:F1")
    for values in (HEADER, *ROWS):
        sheet.append(values)
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def intake_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("intake-live"), workers=2)
    server.start()
    result = server.flask(
        "users",
        "create",
        "dongguan-op",
        "--role",
        "contact_point",
        "--contact-point",
        POINT,
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert result.returncode == 0, result.stderr
    yield server
    server.stop()


def test_an_operator_uploads_checks_the_preview_and_imports(browser, intake_server, screenshot, tmp_path):
    server = intake_server
    context = browser.new_context(locale="zh-CN", accept_downloads=True, **DESKTOP)
    page = context.new_page()
    page.goto(server.url + "/login?next=/intake/")
    page.get_by_label("用户名").fill("dongguan-op")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/intake/")
    assert page.locator("h1").inner_text() == "意见导入"
    screenshot(page, "intake-1-dashboard")

    page.get_by_role("link", name="上传意见表格").first.click()
    page.wait_for_url("**/intake/upload")
    assert "东关街道基层立法联系点" in page.locator(".own-point").inner_text()
    page.get_by_label("草案").select_option(SLUG)
    page.get_by_label("日期").fill((date.today() - timedelta(days=3)).isoformat())
    page.get_by_label("地点").fill("东关街道党群服务中心二楼会议室")
    page.get_by_label("走访").check()
    page.get_by_label("参加人数").fill("15")
    page.get_by_label("收集人").fill("联系点信息员小刘")
    page.get_by_label("意见表格文件").set_input_files(
        files=[{"name": FILENAME, "mimeType": XLSX, "buffer": workbook()}]
    )
    screenshot(page, "intake-2-form")
    with page.expect_navigation():
        page.get_by_role("button", name="上传并预览").click()

    # The preview: how the file was read, every row, the bad one marked with its message.
    assert page.locator("h1").inner_text() == "核对导入内容"
    assert page.locator(".header-at").inner_text() == "第2行"
    assert "序号" in page.locator(".ignored").inner_text()
    assert page.locator("tbody tr").count() == 4
    bad = page.locator("tr.row-error")
    assert bad.count() == 1 and bad.get_attribute("data-row") == str(BAD_ROW)
    assert "没有第九十九条" in bad.locator("td.state").inner_text()
    assert bad.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    assert page.locator("tr[data-row='6'] td.ref").inner_text() == "第十条"
    assert page.locator("tr[data-row='3'] td.contact").inner_text() == "138****8000"
    confirm = page.get_by_role("button", name="确认导入3条意见")
    assert confirm.is_visible()
    screenshot(page, "intake-3-preview")

    with page.expect_download() as info:
        page.get_by_role("link", name="下载错误报告（XLSX）").click()
    download = info.value
    assert download.suggested_filename == "东关街道城市书房座谈会意见-需修改的行.xlsx"
    saved = tmp_path / "errors.xlsx"
    download.save_as(saved)
    rows = list(load_workbook(saved, read_only=True).active.iter_rows(values_only=True))
    assert list(rows[0]) == [*HEADER, "错误说明"]
    assert [cell or "" for cell in rows[1][:6]] == ROWS[2] and "没有第九十九条" in rows[1][6]
    assert len(rows) == 2

    with page.expect_navigation():
        confirm.click()
    assert re.search(r"/intake/batches/\d+$", page.url)
    assert page.locator(".flash").inner_text() == "已导入3条意见"
    codes = page.locator(".batch-opinions .receipt-cell code").all_inner_texts()
    assert len(codes) == 3 and all(re.fullmatch(r"\d{4}-\d{3}-\d{3}-\d{3}", c) for c in codes)
    assert page.locator(".batch-opinions td.ref").all_inner_texts() == ["第三条", "整体意见", "第十条"]
    assert page.locator(".intake-counts .invalid .n").inner_text() == "1"
    assert page.locator("#batch-error-report").is_visible()
    screenshot(page, "intake-4-batch")

    page.get_by_role("link", name="导入记录").first.click()
    page.wait_for_url("**/intake/")
    newest = page.locator("tr[data-id]").first
    assert newest.locator(".filename").inner_text() == FILENAME
    assert newest.locator(".imported").inner_text() == "3"
    screenshot(page, "intake-5-dashboard")
    context.close()


def test_the_preview_reads_on_a_phone(browser, intake_server, screenshot):
    server = intake_server
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    page.goto(server.url + "/login?next=/intake/upload")
    page.get_by_label("用户名").fill("dongguan-op")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/intake/upload")
    page.get_by_label("草案").select_option(SLUG)
    page.get_by_label("意见表格文件").set_input_files(
        files=[{"name": FILENAME, "mimeType": XLSX, "buffer": workbook()}]
    )
    screenshot(page, "intake-6-form-phone")
    with page.expect_navigation():
        page.get_by_role("button", name="上传并预览").click()
    assert page.locator("tr.row-error").get_attribute("data-row") == str(BAD_ROW)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    screenshot(page, "intake-7-preview-phone")
    with page.expect_navigation():
        page.get_by_role("button", name="取消").click()
    assert page.url.endswith("/intake/") and "已取消" in page.locator(".flash").inner_text()
    context.close()
