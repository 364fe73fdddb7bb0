"""The comparison table (修改对照表) in a real Chromium: desktop, phone, print emulation and a printed PDF.

The demo river-management draft (hedao-guanli-tiaoli) has a consultation text and a revised one: an
article inserted, one deleted, one moved, one modified, the rest renumbered.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS

pytestmark = [pytest.mark.once, pytest.mark.browser]

SLUG = "hedao-guanli-tiaoli"
SUMMARY = re.compile(r"^修改\d+条、新增\d+条、删除\d+条、未修改\d+条$")


@pytest.fixture
def new_page(browser):
    contexts = []

    def open_page(options: dict):
        context = browser.new_context(locale="zh-CN", **options)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def no_sideways_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


def test_the_table_on_a_desktop_reads_in_two_columns(new_page, live_server, screenshot):
    page = new_page(DESKTOP)
    page.goto(f"{live_server.url}/drafts/{SLUG}/compare")
    assert SUMMARY.match(page.locator(".compare-summary").inner_text())
    assert page.locator(".compare-table thead th").all_inner_texts()[0].startswith("修改前")
    modified = page.locator("tr.row-modified").first
    old_box = modified.locator("td").nth(0).bounding_box()
    new_box = modified.locator("td").nth(1).bounding_box()
    assert abs(old_box["y"] - new_box["y"]) < 2 and new_box["x"] > old_box["x"] + old_box["width"] - 2
    assert modified.locator("td.new ins").count() >= 1
    # The marks are visible: a coloured background behind inserted characters.
    background = modified.locator("td.new ins").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    assert page.locator("tr.row-removed").count() == 1
    assert page.locator("tr.row-added").count() == 1
    no_sideways_scroll(page)
    screenshot(page, "compare-desktop")
    page.screenshot(path=str(SCREENSHOTS / "compare-desktop-top.png"))

    # Hiding the unchanged articles through the form, without JavaScript.
    page.locator("input[name=changed]").check()
    page.get_by_role("button", name="对照").click()
    page.wait_for_url(re.compile(r"changed=1"))
    assert page.locator("tr.row-unchanged").count() == 0
    assert page.locator("tr.change").count() == 3
    screenshot(page, "compare-desktop-changed-only")


def test_the_table_on_a_phone_stacks_old_above_new(new_page, live_server, screenshot):
    page = new_page(PHONE)
    page.goto(f"{live_server.url}/drafts/{SLUG}/compare")
    no_sideways_scroll(page)
    modified = page.locator("tr.row-modified").first
    old_box = modified.locator("td").nth(0).bounding_box()
    new_box = modified.locator("td").nth(1).bounding_box()
    assert new_box["y"] >= old_box["y"] + old_box["height"] - 2, "the columns should stack on a phone"
    label = modified.locator("td.old").evaluate("e => getComputedStyle(e, '::before').content")
    assert "修改前" in label
    screenshot(page, "compare-phone")
    page.screenshot(path=str(SCREENSHOTS / "compare-phone-top.png"))  # what the phone shows first
    page.locator("tr.row-modified").first.evaluate("e => e.scrollIntoView()")
    page.screenshot(path=str(SCREENSHOTS / "compare-phone-modified.png"))


def test_printing_drops_the_navigation_and_repeats_the_header(new_page, live_server, screenshot, tmp_path):
    page = new_page(DESKTOP)
    page.goto(f"{live_server.url}/drafts/{SLUG}/compare")
    page.emulate_media(media="print")
    for hidden in (".site-header", ".compare-controls", ".site-footer", ".breadcrumb"):
        assert not page.locator(hidden).is_visible(), hidden
    assert page.locator(".compare-table thead").evaluate("e => getComputedStyle(e).display") == (
        "table-header-group"
    )
    border = page.locator(".compare-table td").first.evaluate("e => getComputedStyle(e).borderTopStyle")
    assert border == "solid"
    screenshot(page, "compare-print")
    page.screenshot(path=str(SCREENSHOTS / "compare-print-top.png"))
    pdf = tmp_path / "compare.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=False)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    assert pages >= 2, f"the demo table should fill more than one A4 page, got {pages}"


def test_the_open_data_package_downloads(new_page, live_server):
    page = new_page(DESKTOP)
    resp = page.request.get(f"{live_server.url}/drafts/{SLUG}/open-data.zip")
    assert resp.status == 200
    archive = zipfile.ZipFile(io.BytesIO(resp.body()))
    assert {"README.txt", "comments.csv", f"{SLUG}.json"} <= set(archive.namelist())
    assert (
        page.request.get(f"{live_server.url}/api/v1/drafts/{SLUG}/open-data").json()["draft"]["slug"] == SLUG
    )
