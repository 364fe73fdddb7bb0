"""Care mode (长辈模式) in a real Chromium on a phone: switched on by the header link (no script needed),
large text that follows the reader's own setting, tall targets, one column, AAA contrast (axe's
color-contrast-enhanced), the optional fields folded, and 朗读 through the browser's own speech synthesis.
"""

from __future__ import annotations

import sqlite3

import pytest

from tests.browser.conftest import DESKTOP, PHONE, axe_report
from tests.live import LiveServer

pytestmark = [pytest.mark.once, pytest.mark.browser]

OPEN = "chengshi-shufang-tiaoli"
CONCLUDED = "hedao-guanli-tiaoli"
# A stand-in for window.speechSynthesis that records what it was asked to say (headless Chromium has
# no voices, so the real one would fall silent at once).
FAKE_SPEECH = """
window.__spoken = [];
const fake = {
  speaking: false,
  getVoices: () => [{ name: "Test zh", lang: "zh-CN" }, { name: "Test en", lang: "en-US" }],
  speak(u) {
    window.__spoken.push({ text: u.text, lang: u.lang, voice: u.voice && u.voice.name });
    this.speaking = true;
  },
  cancel() { window.__spoken.push("cancel"); this.speaking = false; },
};
Object.defineProperty(window, "speechSynthesis", { value: fake, configurable: true });
// A real utterance accepts only the browser's own voices: a plain one takes the fake's.
window.SpeechSynthesisUtterance = function (text) { this.text = text; this.lang = ""; this.voice = null; };
"""
NO_SPEECH = "delete window.speechSynthesis; delete Window.prototype.speechSynthesis;"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("care-live"))
    live.start()
    yield live
    live.stop()


@pytest.fixture
def open_page(browser):
    """A page in a fresh zh-CN context (a phone unless told otherwise), care mode on when asked."""
    contexts = []

    def open_(server, options: dict = PHONE, care: bool = True, init: str | None = None, **extra):
        context = browser.new_context(locale="zh-CN", **options, **extra)
        contexts.append(context)
        if care:
            context.add_cookies([{"name": "consult_care", "value": "on", "url": server.url}])
        if init:
            context.add_init_script(init)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


def receipt_code(server, slug: str) -> str:
    database = next(server.instance.glob("*.sqlite"))
    with sqlite3.connect(database) as conn:
        row = conn.execute(
            "SELECT c.receipt_code FROM comment c JOIN draft d ON d.id = c.draft_id "
            "WHERE d.slug = ? AND c.status = 'published' ORDER BY c.id LIMIT 1",
            (slug,),
        ).fetchone()
    assert row is not None
    return row[0]


def first_article(server) -> str:
    database = next(server.instance.glob("*.sqlite"))
    with sqlite3.connect(database) as conn:
        row = conn.execute(
            "SELECT a.id FROM article a JOIN draft d ON d.id = a.draft_id WHERE d.slug = ? ORDER BY a.id",
            (OPEN,),
        ).fetchone()
    return str(row[0])


def check_axe_aaa(page) -> None:
    """axe with its AAA contrast rule (off by default) as well as the usual rules."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"resultTypes": ["violations"], "rules": {"color-contrast-enhanced": {"enabled": True}}}
    violations = Axe().run(page, options=options).response["violations"]
    if violations:
        raise AssertionError(axe_report(page.url, violations))


# Every element with text of its own that a reader sees, and its computed size and line height.
TEXT_SIZES = """
() => Array.from(document.querySelectorAll('main *, header *, footer *')).filter(e => {
  const own = Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
  const box = e.getBoundingClientRect();
  return own && box.width > 1 && box.height > 1 && !e.closest('svg, .visually-hidden, .honeypot, [hidden]');
}).map(e => {
  const s = getComputedStyle(e);
  const size = parseFloat(s.fontSize);
  const line = s.lineHeight === 'normal' ? size * 1.2 : parseFloat(s.lineHeight);
  const heading = !!e.closest('h1, h2, h3, h4');
  return { tag: e.tagName, cls: e.className, text: e.textContent.trim().slice(0, 20), size, line, heading };
})
"""
# Every control and every link that stands alone (not a link inside a sentence), with its height.
TARGETS = """
() => Array.from(document.querySelectorAll('a, button, input, select, textarea, summary')).filter(e => {
  const box = e.getBoundingClientRect();
  if (box.width < 1 || box.height < 1 || e.closest('.honeypot, svg') || e.type === 'hidden') return false;
  if (e.type === 'checkbox' || e.type === 'radio') return false;  // their label is the target
  const inline = getComputedStyle(e).display === 'inline';
  const parent = e.parentElement;
  const alone = parent && parent.textContent.trim() === e.textContent.trim();
  return !(e.tagName === 'A' && inline && !alone);
}).map(e => {
  // A home page card's title link stretches over the whole card (site.css): the card is its target.
  const target = e.closest('.draft-card .draft-title') ? e.closest('.draft-card') : e;
  return { tag: e.tagName, text: (e.textContent || e.name || '').trim().slice(0, 20),
           height: target.getBoundingClientRect().height,
           label: e.closest('label') ? e.closest('label').getBoundingClientRect().height : 0 };
})
"""


def care_layout_problems(page, default_px: float = 16) -> list[str]:
    """Text ≥ 1.25 × the reader's setting and line height ≥ 1.8; targets ≥ 3.75 × it; no sideways scroll."""
    problems = []
    if page.evaluate("document.documentElement.dataset.mode") != "care":
        problems.append(f"{page.url}: not in care mode")
    texts = page.evaluate(TEXT_SIZES)
    small = [t for t in texts if t["size"] < 1.25 * default_px - 0.01]
    if small:
        problems.append(f"{page.url}: text under {1.25 * default_px}px: {small[:5]}")
    cramped = [t for t in texts if not t["heading"] and t["line"] < 1.8 * t["size"] - 0.5]
    if cramped:
        problems.append(f"{page.url}: line height under 1.8: {cramped[:5]}")
    low = [t for t in page.evaluate(TARGETS) if max(t["height"], t["label"]) < 3.75 * default_px - 0.5]
    if low:
        problems.append(f"{page.url}: targets under {3.75 * default_px}px: {low[:8]}")
    if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
        problems.append(f"{page.url}: scrolls sideways")
    return problems


def assert_care_layout(page, default_px: float = 16) -> None:
    problems = care_layout_problems(page, default_px)
    assert problems == [], "\n".join(problems)


def test_the_header_link_turns_care_mode_on_and_off_without_javascript(open_page, server, screenshot):
    page = open_page(server, care=False, java_script_enabled=False)
    page.goto(f"{server.url}/drafts/{OPEN}")
    assert page.evaluate("document.documentElement.dataset.mode") is None
    page.get_by_role("link", name="长辈模式").click()
    page.wait_for_url(f"{server.url}/drafts/{OPEN}")
    assert page.evaluate("document.documentElement.dataset.mode") == "care"
    cookie = next(c for c in page.context.cookies() if c["name"] == "consult_care")
    assert cookie["value"] == "on" and cookie["sameSite"] == "Lax" and cookie["httpOnly"]
    screenshot(page, "care-draft-phone-nojs")
    # Remembered: another page is in care mode too, and the link now goes back.
    page.goto(server.url + "/")
    assert page.evaluate("document.documentElement.dataset.mode") == "care"
    page.get_by_role("link", name="标准模式").click()
    page.wait_for_url(server.url + "/")
    assert page.evaluate("document.documentElement.dataset.mode") is None


@pytest.mark.parametrize("default_px", [16, 24])
def test_care_pages_on_a_phone(open_page, server, screenshot, default_px):
    """Sizes follow the reader's own setting: at 24 px the body text is 30 px and targets 90 px."""
    code = receipt_code(server, CONCLUDED)
    paths = {
        "home": "/",
        "draft": f"/drafts/{OPEN}",
        "article": f"/drafts/{OPEN}/articles/{first_article(server)}",
        "receipt": f"/receipts/{code}",
        "lookup": "/receipts",
        "search": "/search?q=开放时间",
        "feedback": f"/drafts/{CONCLUDED}/feedback",
        "compare": f"/drafts/{CONCLUDED}/compare",
        "subscribe": "/subscribe",
    }
    page = open_page(server)
    if default_px != 16:
        sizes = {"standard": default_px, "fixed": round(default_px * 13 / 16)}
        page.context.new_cdp_session(page).send("Page.setFontSizes", {"fontSizes": sizes})
    problems = []
    for name, path in paths.items():
        page.goto(server.url + path)
        problems += care_layout_problems(page, default_px)
        try:
            check_axe_aaa(page)
        except AssertionError as error:
            problems.append(str(error))
        if default_px == 16:
            screenshot(page, f"care-{name}-phone")
    assert problems == [], "\n".join(problems)


LEFTS = "els => els.map(e => Math.round(e.getBoundingClientRect().left))"


def test_one_column_on_a_wide_screen(open_page, server, screenshot):
    page = open_page(server, DESKTOP)
    page.goto(server.url + "/")
    lefts = page.locator(".draft-card").evaluate_all(LEFTS)
    assert len(lefts) >= 2 and len(set(lefts)) == 1
    check_axe_aaa(page)
    screenshot(page, "care-home-desktop")
    # The feedback report's figures and the draft page's charts: one under another too.
    page.goto(f"{server.url}/drafts/{CONCLUDED}/feedback")
    assert len(set(page.locator(".figures > div").evaluate_all(LEFTS))) == 1
    check_axe_aaa(page)
    page.goto(f"{server.url}/drafts/{OPEN}")
    assert len(set(page.locator(".chart-grid > *").evaluate_all(LEFTS))) == 1
    check_axe_aaa(page)
    # The standard site keeps its two columns there.
    standard = open_page(server, DESKTOP, care=False)
    standard.goto(server.url + "/")
    lefts = standard.locator(".draft-card").evaluate_all(LEFTS)
    assert len(set(lefts)) == 2


def test_the_comment_form_shows_fewer_fields_and_still_sends(open_page, server, screenshot):
    page = open_page(server)
    page.goto(f"{server.url}/drafts/{OPEN}/articles/{first_article(server)}")
    form = page.locator("form.comment-form")
    folded = form.locator("details.optional-fields")
    assert folded.evaluate("e => e.open") is False
    assert not form.locator("#contact").is_visible() and not form.locator("#author_name").is_visible()
    form.locator("textarea").scroll_into_view_if_needed()
    screenshot(page, "care-article-form-phone")
    folded.locator("summary").click()
    assert form.locator("#contact").is_visible()
    form.locator("textarea").fill("建议把开放时间延长到晚上九点，方便上班的人来看书。")
    with page.expect_response(lambda r: r.request.method == "POST", timeout=90_000) as posted:
        form.get_by_role("button", name="写好了，提交").click(no_wait_after=True)
    assert posted.value.status == 303
    page.wait_for_url("**/receipts/**", timeout=90_000)
    assert page.evaluate("document.documentElement.dataset.mode") == "care"
    assert page.get_by_role("button", name="朗读").count() == 1
    assert_care_layout(page)
    check_axe_aaa(page)
    screenshot(page, "care-receipt-new-phone")


def test_read_aloud_uses_the_browser_s_own_voice(open_page, server, screenshot):
    page = open_page(server, init=FAKE_SPEECH)
    page.goto(f"{server.url}/drafts/{OPEN}/articles/{first_article(server)}")
    button = page.get_by_role("button", name="朗读")
    assert button.count() == 1
    article_text = page.locator(".article-text").inner_text()
    button.click()
    spoken = page.evaluate("window.__spoken")
    said = [s for s in spoken if s != "cancel"]
    assert said == [{"text": article_text.strip(), "lang": "zh-CN", "voice": "Test zh"}]
    assert page.get_by_role("button", name="停止朗读").count() == 1
    check_axe_aaa(page)
    screenshot(page, "care-article-reading-phone")
    page.get_by_role("button", name="停止朗读").click()
    assert page.evaluate("window.__spoken").count("cancel") == 2  # once before speaking, once to stop
    assert page.get_by_role("button", name="朗读").count() == 1

    # Every article of the draft page has its own button; the receipt reads its heading, code and facts.
    page.goto(f"{server.url}/drafts/{OPEN}")
    assert page.get_by_role("button", name="朗读").count() == page.locator("article.article").count() > 1
    page.goto(f"{server.url}/receipts/{receipt_code(server, CONCLUDED)}")
    page.get_by_role("button", name="朗读").click()
    text = [s for s in page.evaluate("window.__spoken") if s != "cancel"][-1]["text"]
    code = page.locator("#receipt-code").inner_text()
    assert code in text and "处理情况" in text and "复制" not in text


def test_no_read_aloud_button_without_speech_or_without_javascript(open_page, server):
    path = f"{server.url}/drafts/{OPEN}/articles/{first_article(server)}"
    without_speech = open_page(server, init=NO_SPEECH)
    without_speech.goto(path)
    assert without_speech.evaluate("'speechSynthesis' in window") is False
    assert without_speech.locator(".read-aloud").count() == 0
    scriptless = open_page(server, java_script_enabled=False)
    scriptless.goto(path)
    assert scriptless.locator(".read-aloud").count() == 0
    # The standard site has the button too (with speech), at its usual size.
    standard = open_page(server, care=False, init=FAKE_SPEECH)
    standard.goto(path)
    assert standard.get_by_role("button", name="朗读").count() == 1
