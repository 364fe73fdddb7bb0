"""axe-core on every kind of page the site has, on a phone and on a desktop.

The other browser tests check the pages they happen to end on (see conftest.axe_every_page); this
one walks through each page a citizen or a member of staff can open, so a violation on a page no
journey test ends on is still found. All violations of a run are reported together.
"""

from __future__ import annotations

import sqlite3

import pytest

from tests.browser.conftest import DESKTOP, PHONE, axe_report, axe_violations
from tests.live import LiveServer

pytestmark = [pytest.mark.once, pytest.mark.browser]

PASSWORD = "Axe-browser-pass-1"
OPEN = "chengshi-shufang-tiaoli"
CLOSED = "nongmao-shichang-guanli-tiaoli"
CONCLUDED = "hedao-guanli-tiaoli"
SIZES = pytest.mark.parametrize(("size", "options"), [("phone", PHONE), ("desktop", DESKTOP)])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("axe-live"))
    live.start()
    result = live.flask(
        "users", "create", "axeadmin", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert result.returncode == 0, result.stderr
    yield live
    live.stop()


def _one(server, sql: str, *params) -> str:
    database = next(server.instance.glob("*.sqlite"))
    with sqlite3.connect(database) as conn:
        row = conn.execute(sql, params).fetchone()
    assert row is not None, sql
    return str(row[0])


def public_paths(server) -> list[str]:
    code = _one(
        server,
        "SELECT c.receipt_code FROM comment c JOIN draft d ON d.id = c.draft_id "
        "JOIN published_decision p ON p.comment_id = c.id WHERE d.slug = ? ORDER BY c.id LIMIT 1",
        CONCLUDED,
    )
    article = _one(
        server,
        "SELECT a.id FROM article a JOIN draft d ON d.id = a.draft_id WHERE d.slug = ? ORDER BY a.id LIMIT 1",
        OPEN,
    )
    reported = _one(
        server,
        "SELECT c.article_id FROM comment c JOIN draft d ON d.id = c.draft_id "
        "JOIN published_decision p ON p.comment_id = c.id WHERE d.slug = ? AND c.article_id IS NOT NULL "
        "ORDER BY c.id LIMIT 1",
        CONCLUDED,
    )
    return [
        "/",
        f"/drafts/{OPEN}",
        f"/drafts/{CLOSED}",
        f"/drafts/{CONCLUDED}",
        f"/drafts/{OPEN}/articles/{article}",
        f"/drafts/{CONCLUDED}/compare",
        f"/drafts/{CONCLUDED}/feedback",
        f"/drafts/{CONCLUDED}/feedback/articles/{reported}",
        f"/drafts/{CONCLUDED}/feedback/general",
        "/receipts",
        f"/receipts/{code}",
        "/search?q=开放时间",
        "/search?q=开放时间&draft=" + OPEN,
        "/login",
        "/drafts/no-such-draft",
    ]


def staff_paths(server) -> list[str]:
    article = _one(
        server,
        "SELECT a.id FROM article a JOIN draft d ON d.id = a.draft_id WHERE d.slug = ? ORDER BY a.id LIMIT 1",
        OPEN,
    )
    return [
        "/admin/",
        "/admin/moderation",
        "/admin/review",
        f"/admin/review/{OPEN}",
        f"/admin/review/{OPEN}/articles/{article}",
        f"/admin/review/{OPEN}/general",
        "/admin/mine",
        "/admin/enter",
        "/admin/drafts",
        "/admin/drafts/new",
        f"/admin/drafts/{OPEN}",
        f"/admin/drafts/{CONCLUDED}/versions/new",
        f"/admin/drafts/{CONCLUDED}/feedback",
        f"/admin/drafts/{CONCLUDED}/feedback/general",
        "/admin/audit",
        "/admin/users",
        "/admin/users/new",
        "/admin/contact-points",
        "/intake/",
        "/intake/upload",
    ]


def sweep(page, base: str, paths: list[str]) -> list[str]:
    """Open each path, run axe; the reports of the pages with violations.

    A script, style or image the Content-Security-Policy refused (Chromium says so on the console) is
    reported too: the page would look or behave differently from what the templates meant.
    """
    reports = []
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    for path in paths:
        refused.clear()
        response = page.goto(base + path)
        assert response is not None and response.status in (200, 404), (path, response and response.status)
        assert "default-src 'self'" in response.headers.get("content-security-policy", ""), path
        violations = axe_violations(page)
        if violations:
            reports.append(axe_report(path, violations))
        if refused:
            reports.append(f"the Content-Security-Policy refused something on {path}:\n" + "\n".join(refused))
    return reports


@SIZES
def test_every_public_page_passes_axe(browser, server, size, options):
    context = browser.new_context(locale="zh-CN", **options)
    page = context.new_page()
    reports = sweep(page, server.url, public_paths(server))
    context.close()
    assert not reports, "\n\n".join(reports)


@SIZES
def test_every_staff_page_passes_axe(browser, server, size, options):
    context = browser.new_context(locale="zh-CN", **options)
    page = context.new_page()
    page.goto(server.url + "/login")
    page.get_by_label("用户名").fill("axeadmin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/admin/")
    reports = sweep(page, server.url, staff_paths(server))
    context.close()
    assert not reports, "\n\n".join(reports)


def test_public_pages_without_javascript_pass_axe(browser, server):
    """What a phone without JavaScript shows (no counters, no copy button) is checked as well."""
    context = browser.new_context(locale="zh-CN", java_script_enabled=False, **PHONE)
    page = context.new_page()
    reports = sweep(page, server.url, public_paths(server))
    context.close()
    assert not reports, "\n\n".join(reports)
