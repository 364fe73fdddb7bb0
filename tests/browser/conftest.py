"""Real-browser fixtures: Playwright driving Debian's Chromium against gunicorn on a random port.

Every page a browser test opens is checked with axe-core (WCAG 2.x A/AA and best practices): when
its context closes, when the test ends with it still open, and wherever a test calls
`check_axe(page)` after an important step. Any violation fails the test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail
from tests.live import LiveServer

CHROMIUM = os.environ.get("CONSULT_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium fonts-noto-cjk)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright package is not installed (requirements-dev.txt)")
    try:
        import axe_playwright_python  # noqa: F401
    except ImportError:
        skip_or_fail("the axe-playwright-python package is not installed (requirements-dev.txt)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


def axe_report(url: str, violations: list[dict]) -> str:
    """One line per violation and element: rule id, impact, selector, what is wrong."""
    lines = [f"axe found {len(violations)} violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def _axe_violations(page) -> list[dict]:
    # Imported here: the package is a dev requirement, and the browser fixture skips (or under
    # CI=true fails) with a clear message when it is missing.
    from axe_playwright_python.sync_playwright import Axe

    if page.evaluate("document.contentType") != "text/html":
        return []
    return Axe().run(page, options={"resultTypes": ["violations"]}).response["violations"]


def _scriptless_violations(page) -> list[dict]:
    """Check a page of a context made with java_script_enabled=False.

    Nothing can run there (axe's promise would never settle, even with scripts switched back on
    through the DevTools protocol), so its DOM is served at the same address to a twin page of
    the same size that runs scripts but blocks the site's own: axe sees what the visitor sees.
    """
    session = page.context.new_cdp_session(page)
    try:
        session.send("Emulation.setScriptExecutionDisabled", {"value": False})
        html = page.content()
        session.send("Emulation.setScriptExecutionDisabled", {"value": True})
    finally:
        session.detach()
    browser = page.context.browser
    # type(browser).new_context: the unwrapped method, so the twin is not tracked itself.
    twin_context = type(browser).new_context(browser, **page.context.twin_options)
    try:
        twin = twin_context.new_page()
        twin.route("**/*.js", lambda route: route.abort())
        address = page.url.split("#")[0]
        twin.route(
            lambda url: url.split("#")[0] == address,
            lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"),
        )
        twin.goto(page.url)
        return _axe_violations(twin)
    finally:
        twin_context.close()


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it stands (WCAG 2.x A/AA and best practices).

    Runs through the DevTools protocol, so the site's CSP (no inline script) does not block it.
    A page that is not an HTML document (a PDF, a download, about:blank) has nothing to check.
    """
    if page.is_closed() or not page.url.startswith("http"):
        return []
    page.wait_for_load_state()
    if getattr(page.context, "twin_options", None) is not None:
        return _scriptless_violations(page)
    return _axe_violations(page)


def check_axe(page) -> None:
    """Fail on any axe-core violation on the page as it stands; call it after important steps."""
    violations = axe_violations(page)
    if violations:
        raise AssertionError(axe_report(page.url, violations))


def _test_failed(node) -> bool:
    report = getattr(node, "rep_call", None)
    return report is not None and report.failed


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep the call phase's report on the item, so the axe teardown can stay quiet after a failure."""
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report


@pytest.fixture(autouse=True)
def axe_every_page(browser, request):
    """Track every page opened through the session browser and check it with axe before it closes.

    The browser is shared by the session, so its `new_context` and `new_page` are wrapped for this
    test only. A context's `close` checks its open pages first (tests close their contexts in the
    test body or in their own fixtures, which tear down before this one); pages still open when the
    test ends are checked here. After a failed test the check stays quiet: one failure is enough.
    """
    contexts: list = []
    original_new_context = browser.new_context

    def check_all(pages) -> None:
        if _test_failed(request.node):
            return
        errors = []
        for page in pages:
            try:
                check_axe(page)
            except AssertionError as exc:
                errors.append(str(exc))
        if errors:
            raise AssertionError("\n\n".join(errors))

    def new_context(*args, **kwargs):
        context = original_new_context(*args, **kwargs)
        contexts.append(context)
        if kwargs.get("java_script_enabled") is False:
            context.twin_options = {k: v for k, v in kwargs.items() if k != "java_script_enabled"}
        original_close = context.close

        def close(*close_args, **close_kwargs):
            try:
                check_all(list(context.pages))
            finally:
                original_close(*close_args, **close_kwargs)

        context.close = close
        return context

    def new_page(*args, **kwargs):
        # Browser.new_page makes a context of its own: route it through new_context so it is tracked.
        return new_context(*args, **kwargs).new_page()

    browser.new_context = new_context
    browser.new_page = new_page
    try:
        yield
        check_all([page for context in contexts for page in context.pages])
    finally:
        del browser.new_context
        del browser.new_page


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app as people meet it: gunicorn, 2 workers, demo data, SQLite in its own instance folder."""
    server = LiveServer(tmp_path_factory.mktemp("live-instance"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under tests/browser/screenshots/NAME.png."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
