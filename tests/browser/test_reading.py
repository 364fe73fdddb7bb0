"""Reading on a phone and with large text (issue 12, point 7), in a real Chromium.

The draft page on a phone: the drafting note folded, contents that reach every article, a way
back to the contents after each chapter; home page cards tappable as a whole. Text follows the
size the reader set in the browser. Measured figures (page heights in screens and the like) are
written to screenshots/reading-figures.json.

Large text is set the way a reader sets it: Chromium's default font size (Settings → Appearance →
Font size, the profile's webkit.webprefs.default_font_size), which the DevTools protocol sets per
page with Page.setFontSizes. That is the setting itself, not a style sheet laid over the site's:
a site that pins its root to pixels ignores it, as it would ignore the reader.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, check_axe
from tests.live import LiveServer

pytestmark = [pytest.mark.once, pytest.mark.browser]

PASSWORD = "Reading-browser-pass-1"
OPEN = "chengshi-shufang-tiaoli"  # open for comments, six chapters, 32 articles
CONCLUDED = "hedao-guanli-tiaoli"
SCREEN = PHONE["viewport"]["height"]
FIGURES = SCREENSHOTS / "reading-figures.json"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("reading-live"))
    live.start()
    result = live.flask(
        "users", "create", "readingadmin", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert result.returncode == 0, result.stderr
    yield live
    live.stop()


@pytest.fixture
def open_page(browser):
    """A page in a fresh zh-CN context (a phone unless told otherwise), closed after the test.

    text_size: the browser's default font size in px (16 is Chromium's default, 32 is 200 %).
    """
    contexts = []

    def open_(options: dict = PHONE, text_size: int | None = None, **extra):
        context = browser.new_context(locale="zh-CN", **options, **extra)
        contexts.append(context)
        page = context.new_page()
        if text_size:
            # Monospace keeps Chromium's default proportion (13 px to 16 px).
            sizes = {"standard": text_size, "fixed": round(text_size * 13 / 16)}
            context.new_cdp_session(page).send("Page.setFontSizes", {"fontSizes": sizes})
        return page

    yield open_
    for context in contexts:
        context.close()


def record(name: str, value) -> None:
    """Keep a measured figure for the report (screenshots/ is not in git)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    figures = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    figures[name] = value
    FIGURES.write_text(json.dumps(figures, ensure_ascii=False, indent=2))


def screens(page, name: str, count: int = 2, start: float = 0) -> None:
    """Save what the phone shows, screen by screen from `start` (CSS px down the page).

    Not a full-page screenshot: Chromium's full-page capture resizes the view, which drops the
    font-size setting (the picture would show the page at the default size).
    """
    for i in range(count):
        page.evaluate(f"window.scrollTo(0, {start + i * SCREEN})")
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{i + 1}.png"))


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


def top_of(locator) -> float:
    """Distance from the top of the document, in CSS pixels."""
    return locator.evaluate("e => e.getBoundingClientRect().top + window.scrollY")


def link_at(page, x: float, y: float) -> str | None:
    """The address of the link a tap at (x, y) in the viewport would follow."""
    return page.evaluate(
        "([x, y]) => { const e = document.elementFromPoint(x, y); const a = e && e.closest('a');"
        " return a && a.getAttribute('href'); }",
        [x, y],
    )


def test_the_draft_page_on_a_phone(open_page, server, screenshot):
    page = open_page()
    page.goto(f"{server.url}/drafts/{OPEN}")
    height = page.evaluate("document.documentElement.scrollHeight")
    first_article = top_of(page.locator("article.article").first)
    record("draft page on a phone, screens", round(height / SCREEN, 1))
    record("draft page on a phone, screens before the first article", round(first_article / SCREEN, 1))

    # The drafting note is folded on a phone, and opens on a tap.
    note = page.locator("details.summary-note")
    assert note.evaluate("e => e.open") is False
    assert not note.locator(".rich").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "reading-draft-phone-top.png"))
    assert first_article <= 2 * SCREEN, f"the first article starts {first_article / SCREEN:.1f} screens down"

    # The contents: each chapter, then its articles as links to them, in order.
    chapters = page.locator("section.chapter")
    toc_chapters = page.locator(".toc .toc-chapter")
    assert chapters.count() == toc_chapters.count() == 6
    for i in range(chapters.count()):
        ids = chapters.nth(i).locator("article.article").evaluate_all("els => els.map(e => '#' + e.id)")
        item = toc_chapters.nth(i)
        assert (
            item.locator(".toc-chapter-link").get_attribute("href")
            == f"#{chapters.nth(i).get_attribute('id')}"
        )
        links = item.locator(".toc-articles a")
        assert links.evaluate_all("els => els.map(e => e.getAttribute('href'))") == ids
        labels = chapters.nth(i).locator(".article-label").all_inner_texts()
        assert links.all_inner_texts() == labels
        for box in (links.first.bounding_box(), links.last.bounding_box()):
            assert box["height"] >= 44 and box["width"] >= 44  # a thumb can hit it
    toc_box = page.locator(".toc").bounding_box()
    record("draft page on a phone, contents in screens", round(toc_box["height"] / SCREEN, 2))
    page.locator(".toc").screenshot(path=str(SCREENSHOTS / "reading-draft-phone-toc.png"))

    # A tap on 第二十条 brings it to the top of the screen.
    page.locator(".toc-articles a", has_text="第二十条").tap()
    target = page.locator("article.article", has=page.locator(".article-label", has_text="第二十条"))
    page.wait_for_function("() => location.hash.startsWith('#article-')")
    assert page.url.endswith("#" + target.get_attribute("id"))
    assert 0 <= target.evaluate("e => e.getBoundingClientRect().top") < 60
    page.screenshot(path=str(SCREENSHOTS / "reading-draft-phone-article-20.png"))

    # After each chapter, a way back to the contents.
    back = page.locator("section.chapter .to-toc a")
    assert back.count() == 6 and set(back.all_inner_texts()) == {"返回目录"}
    chapter_of_20 = page.locator("section.chapter", has=target)
    chapter_of_20.locator(".to-toc a").tap()
    page.wait_for_function("() => location.hash === '#toc'")
    assert abs(page.locator("#toc").evaluate("e => e.getBoundingClientRect().top")) < 60
    check_axe(page)
    screenshot(page, "reading-draft-phone")

    # Once opened, the note reads in full.
    note.locator("summary").tap()
    assert note.locator(".rich").is_visible()


def test_the_drafting_note_is_open_on_a_wide_screen(open_page, server):
    page = open_page(DESKTOP)
    page.goto(f"{server.url}/drafts/{OPEN}")
    assert page.locator("details.summary-note").evaluate("e => e.open") is True
    page.screenshot(path=str(SCREENSHOTS / "reading-draft-desktop-top.png"))
    page.locator(".toc").screenshot(path=str(SCREENSHOTS / "reading-draft-desktop-toc.png"))
    # Once comments are closed and answered, the note gives way to the feedback.
    page.goto(f"{server.url}/drafts/{CONCLUDED}")
    assert page.locator("details.summary-note").evaluate("e => e.open") is False


def test_the_drafting_note_without_javascript(open_page, server):
    """Folded everywhere, and a tap on its summary still opens it (a <details>, no script needed)."""
    page = open_page(java_script_enabled=False)
    page.goto(f"{server.url}/drafts/{OPEN}")
    note = page.locator("details.summary-note")
    note.locator("summary").tap()
    assert note.locator(".rich").is_visible()


def test_home_page_cards_are_tappable_as_a_whole(open_page, server, screenshot):
    page = open_page()
    page.goto(server.url + "/")
    cards = page.locator(".draft-card")
    assert cards.count() >= 6
    for i in range(cards.count()):
        card = cards.nth(i)
        title_link = card.locator(".draft-title a")
        href = title_link.get_attribute("href")
        # One link to the draft: the title, whose name is the title alone.
        assert card.locator(f'a[href="{href}"]').count() == 1
        assert title_link.evaluate("e => e.textContent.trim()") == card.locator(".draft-title").inner_text()
        card.scroll_into_view_if_needed()
        box = card.bounding_box()  # in the viewport, as elementFromPoint wants it
        for x, y in (
            (box["x"] + box["width"] - 8, box["y"] + box["height"] - 8),
            (box["x"] + 8, box["y"] + 8),
        ):
            assert link_at(page, x, y) == href, (
                f"a tap at the corner of card {i + 1} does not reach its draft"
            )
        # Another link in a card (the feedback of a concluded draft) keeps its own target.
        for other in card.locator("a:not(.draft-title a)").all():
            other_box = other.bounding_box()
            x, y = other_box["x"] + other_box["width"] / 2, other_box["y"] + other_box["height"] / 2
            assert link_at(page, x, y) == other.get_attribute("href")
    screenshot(page, "reading-home-phone")

    # A tap in the empty corner of the first card opens that draft.
    first = cards.first
    href = first.locator(".draft-title a").get_attribute("href")
    first.scroll_into_view_if_needed()
    box = first.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] - 10, box["y"] + box["height"] - 10)
    page.wait_for_url(f"**{href}")


FONT_SIZES = (
    "() => [...document.querySelectorAll('body *')].map(e => parseFloat(getComputedStyle(e).fontSize))"
)
PIXEL_FONT_RULES = """() => {
    const found = [];
    const walk = (rules) => {
        for (const rule of rules) {
            if (rule.cssRules) {
                if (!(rule.media && [...rule.media].includes('print'))) walk(rule.cssRules);
            } else if (rule.style && /\\d(px|pt)/.test(rule.style.fontSize + ' ' + rule.style.font)) {
                found.push(rule.cssText);
            }
        }
    };
    for (const sheet of document.styleSheets) walk(sheet.cssRules);
    return found;
}"""


@pytest.mark.parametrize(
    "path", ["/", f"/drafts/{OPEN}", f"/drafts/{CONCLUDED}/feedback", f"/drafts/{CONCLUDED}/compare"]
)
def test_text_follows_the_browsers_font_size_setting(open_page, server, screenshot, path):
    normal = open_page()
    normal.goto(server.url + path)
    large = open_page(text_size=32)
    large.goto(server.url + path)
    # 17 px at the default, and twice that for someone who doubled the browser's text size.
    assert normal.evaluate("getComputedStyle(document.documentElement).fontSize") == "17px"
    assert large.evaluate("getComputedStyle(document.documentElement).fontSize") == "34px"
    # Every element on the page grows in proportion (the same page, element by element).
    before, after = normal.evaluate(FONT_SIZES), large.evaluate(FONT_SIZES)
    assert len(before) == len(after)
    stuck = [(i, b, a) for i, (b, a) in enumerate(zip(before, after, strict=True)) if abs(a - 2 * b) > 1]
    assert not stuck, (
        f"elements whose text does not follow the setting (index, px, px at 200 %): {stuck[:10]}"
    )
    # No screen style sizes text in pixels or points (print styles may: paper has no setting).
    assert normal.evaluate(PIXEL_FONT_RULES) == []
    name = path.strip("/").replace("/", "-") or "home"
    large.screenshot(path=str(SCREENSHOTS / f"reading-200-{name}-top.png"))


WIDER_THAN_SCREEN = """() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')].filter(e => {
        const r = e.getBoundingClientRect();
        return r.width && r.right > width + 0.5 && getComputedStyle(e).visibility !== 'hidden';
    }).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).replace(/ /g, '.') : ''));
}"""
CODE_LINES = """e => {
    // The code's text, line by line as laid out.
    const text = e.firstChild, lines = [];
    let top = null;
    for (let i = 0; i < text.length; i++) {
        const r = document.createRange();
        r.setStart(text, i);
        r.setEnd(text, i + 1);
        const t = Math.round(r.getBoundingClientRect().top);
        if (t !== top) { lines.push(''); top = t; }
        lines[lines.length - 1] += text.data[i];
    }
    return lines;
}"""


def article_id(server, slug: str) -> int:
    database = next(server.instance.glob("*.sqlite"))
    with sqlite3.connect(database) as conn:
        row = conn.execute(
            "SELECT a.id FROM article a JOIN draft d ON d.id = a.draft_id "
            "WHERE d.slug = ? ORDER BY a.id LIMIT 1",
            (slug,),
        ).fetchone()
    assert row is not None
    return row[0]


def public_pages(server) -> list[str]:
    """A page of each kind a citizen reads."""
    return [
        "/",
        f"/drafts/{OPEN}",
        f"/drafts/{OPEN}/articles/{article_id(server, OPEN)}",
        f"/drafts/{CONCLUDED}",
        f"/drafts/{CONCLUDED}/feedback",
        f"/drafts/{CONCLUDED}/compare",
        f"/receipts/{receipt_code(server, OPEN)}?new=1",
        f"/receipts/{receipt_code(server, CONCLUDED)}",
        "/receipts",
        "/search?q=开放时间",
        "/login",
    ]


@pytest.mark.parametrize("text_size", [None, 32], ids=["normal-text", "200-percent-text"])
def test_nothing_sticks_out_on_a_phone(open_page, server, text_size):
    """On a 390 px phone, at the usual size and at 200 % text, nothing scrolls sideways or sticks out."""
    page = open_page(text_size=text_size)
    problems = {}
    for path in public_pages(server):
        page.goto(server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        wider = page.evaluate(WIDER_THAN_SCREEN)
        if width > PHONE["viewport"]["width"] or wider:
            problems[path] = (width, wider[:8])
        check_axe(page)
    assert not problems, problems


def test_the_receipt_code_at_large_text(open_page, server):
    """The code stays inside its box, and when it must wrap it breaks after a dash, never in a group."""
    code = receipt_code(server, OPEN)
    for text_size, name in ((None, "normal"), (32, "200")):
        page = open_page(text_size=text_size)
        page.goto(f"{server.url}/receipts/{code}?new=1")
        box = page.locator(".receipt-code")
        shown = page.locator("#receipt-code")
        shown_code = shown.inner_text()
        assert shown_code.replace("-", "") == code.replace("-", "") and shown_code.count("-") == 3
        box_rect, code_rect = box.bounding_box(), shown.bounding_box()
        inside = box_rect["x"] <= code_rect["x"] and (
            code_rect["x"] + code_rect["width"] <= box_rect["x"] + box_rect["width"]
        )
        assert inside, f"the code ({code_rect}) sticks out of its box ({box_rect})"
        holder = page.locator(".receipt-code .code")
        assert holder.evaluate("e => e.scrollWidth <= e.clientWidth"), "the code overflows its line"
        lines = shown.evaluate(CODE_LINES)
        assert "".join(lines) == shown_code
        assert all(line.endswith("-") for line in lines[:-1]), lines
        if text_size is None:
            assert len(lines) == 1, lines  # one line at the usual size, as before
        record(f"receipt code lines on a phone, text {name}", lines)
        box.screenshot(path=str(SCREENSHOTS / f"reading-receipt-code-{name}.png"))
        screens(page, f"reading-receipt-{name}-phone")


def test_the_contents_ranges_at_large_text(open_page, server):
    page = open_page(text_size=32)
    page.goto(f"{server.url}/drafts/{OPEN}")
    toc = page.locator(".toc")
    right = toc.evaluate(
        "e => e.getBoundingClientRect().right - parseFloat(getComputedStyle(e).paddingRight)"
    )
    for item in page.locator(".toc-range, .toc-chapter-link, .toc-articles a").all():
        assert item.evaluate("e => e.getBoundingClientRect().right") <= right + 0.5, item.inner_text()
    # A range that wraps does so at its dash: 第十九条 and 第二十五条 stay whole.
    for label in page.locator(".toc-range span").all():
        assert label.evaluate(LINES) == 1, label.inner_text()
    screens(page, "reading-200-toc", count=3, start=top_of(toc))


LINES = """e => {
    const r = document.createRange();
    r.selectNodeContents(e);
    return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size;
}"""


# For every control a keyboard reaches: focus it, find what draws its focus indicator (the control,
# or the label around a radio button or check box, or the card around a stretched link), and
# compare the indicator's outline colour with what lies just outside it on each of its four sides
# (document.elementsFromPoint, so a skip link over the red header is measured against the red).
FOCUS_CONTRAST = """() => {
    const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
        const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const ratio = (a, b) => {
        const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
        return (x + 0.05) / (y + 0.05);
    };
    const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
        (e.className && typeof e.className === 'string' ? '.' + e.className.trim().replace(/ +/g, '.') : '') +
        ' "' + (e.innerText || e.value || e.getAttribute('aria-label') || '').trim().slice(0, 20) + '"';
    const behind = (indicator, x, y) => {
        for (const e of document.elementsFromPoint(x, y)) {
            if (indicator.contains(e)) continue;
            const c = rgb(getComputedStyle(e).backgroundColor);
            if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
        }
        return [255, 255, 255];
    };
    const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]';
    const results = [];
    for (const el of document.querySelectorAll(selector)) {
        const box = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        const out = !box.width || style.visibility === 'hidden' || el.closest('[hidden], [aria-hidden=true]');
        if (out || el.tabIndex < 0) continue;
        el.focus();
        if (document.activeElement !== el) continue;
        el.scrollIntoView({block: 'center'});
        let indicator = el;
        while (indicator && getComputedStyle(indicator).outlineStyle === 'none') {
            indicator = indicator.parentElement;
        }
        if (!indicator || indicator === document.body || indicator === document.documentElement) {
            results.push({element: name(el), problem: 'no focus indicator'});
            continue;
        }
        const s = getComputedStyle(indicator);
        const width = parseFloat(s.outlineWidth), offset = parseFloat(s.outlineOffset);
        const colour = rgb(s.outlineColor).slice(0, 3);
        const r = indicator.getBoundingClientRect(), d = offset + width + 2;
        const sides = [[r.left - d, r.top + r.height / 2], [r.right + d, r.top + r.height / 2],
                       [r.left + r.width / 2, r.top - d], [r.left + r.width / 2, r.bottom + d]]
            .filter(([x, y]) => x >= 0 && y >= 0 && x < innerWidth && y < innerHeight);
        const worst = Math.min(...sides.map(([x, y]) => ratio(colour, behind(indicator, x, y))));
        results.push({element: name(el), indicator: name(indicator), type: el.type || '',
                      width, colour: s.outlineColor, worst: Math.round(worst * 100) / 100});
    }
    document.activeElement.blur();
    return results;
}"""


def focus_pages(server) -> list[str]:
    return [
        "/",
        f"/drafts/{OPEN}",
        f"/drafts/{OPEN}/articles/{article_id(server, OPEN)}",
        f"/receipts/{receipt_code(server, CONCLUDED)}",  # rating radios
        f"/drafts/{CONCLUDED}/feedback",
        f"/drafts/{CONCLUDED}/compare",  # a check box and selects
        "/receipts",
        "/admin/",  # signed in: the staff navigation and the sign-out button in the red header
    ]


def sign_in(page, server) -> None:
    page.goto(server.url + "/login")
    page.get_by_label("用户名").fill("readingadmin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/admin/")


def test_the_focus_indicator_stands_out_everywhere(open_page, server, screenshot):
    """WCAG 1.4.11: at least 3:1 against whatever is beside it; around the whole label of a choice."""
    page = open_page()
    sign_in(page, server)
    failures, checked, worst = [], 0, 21.0
    for path in focus_pages(server):
        page.goto(server.url + path)
        for result in page.evaluate(FOCUS_CONTRAST):
            checked += 1
            if "problem" in result:
                failures.append((path, result))
                continue
            worst = min(worst, result["worst"])
            if result["worst"] < 3 or result["width"] < 2:
                failures.append((path, result))
            if result["type"] in ("radio", "checkbox") and not result["indicator"].startswith("label"):
                failures.append((path, "the ring should go round the label", result))
    record("focus indicator: controls checked", checked)
    record("focus indicator: lowest contrast against its surroundings", worst)
    assert checked > 100
    assert not failures, "\n".join(map(str, failures[:15])) + f"\n({len(failures)} in all)"


@pytest.mark.parametrize(
    ("path", "target", "name"),
    [
        ("/", ".site-nav a", "header"),
        ("/", ".draft-card .draft-title a", "card"),
        (f"/drafts/{OPEN}", ".toc-articles a", "toc"),
        (f"/drafts/{OPEN}", "#general button[type=submit]", "primary-button"),
        (f"/drafts/{OPEN}", "#general input[type=checkbox]", "checkbox"),
        ("/receipts/{code}", ".satisfaction .score input", "radio"),
    ],
)
def test_the_focus_indicator_as_seen(open_page, server, path, target, name):
    """Pictures of the ring reached with the keyboard, for a person to look at."""
    page = open_page()
    page.goto(server.url + path.format(code=receipt_code(server, CONCLUDED)))
    element = page.locator(target).first
    element.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # arrived by keyboard, as :focus-visible would want
    assert element.evaluate("e => e === document.activeElement")
    element.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.screenshot(path=str(SCREENSHOTS / f"reading-focus-{name}.png"))


def test_the_staff_overview_and_header_fit_a_phone(open_page, server, screenshot):
    page = open_page()
    sign_in(page, server)
    for text_size, name in ((None, "normal"), (32, "200")):
        page = open_page(text_size=text_size)
        sign_in(page, server)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
        assert page.evaluate(WIDER_THAN_SCREEN) == []
        # The header: every link and the sign-out button on the screen, none cut off.
        header = page.locator(".site-header")
        assert header.evaluate("e => e.scrollWidth <= e.clientWidth")
        for item in page.locator(".site-nav > *").all():
            box = item.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["viewport"]["width"], item.inner_text()
        assert page.get_by_role("button", name="退出").is_visible()
        # Each draft reads as a card: its title on a line or two, not one character per line.
        rows = page.locator(".overview-table tbody tr")
        assert rows.count() >= 6
        for row in rows.all():
            title = row.locator("th")
            assert title.evaluate(LINES) <= (2 if text_size is None else 5), title.inner_text()
            assert title.bounding_box()["width"] > 0.8 * row.bounding_box()["width"] - 40
        pending = rows.first.locator("td.num").first
        assert pending.evaluate("e => getComputedStyle(e, '::before').content") == '"待审核"'
        check_axe(page)
        screens(page, f"reading-admin-{name}-phone", count=2)
    screenshot(page, "reading-admin-phone")


def test_the_sources_table_on_a_phone(open_page, server):
    """意见来源: a channel and its count per row on a phone, each name on one line; still a table."""
    for text_size, name in ((None, "normal"), (32, "200")):
        page = open_page(text_size=text_size)
        page.goto(f"{server.url}/drafts/{CONCLUDED}/feedback")
        table = page.get_by_role("table", name="意见来源")
        headers = table.get_by_role("columnheader")
        assert headers.count() == 5
        cells = table.locator("td")
        for i in range(5):
            header = headers.nth(i)
            assert header.evaluate(LINES) == 1, header.inner_text()
            h, c = header.bounding_box(), cells.nth(i).bounding_box()
            assert abs(h["y"] - c["y"]) < 2 and c["x"] >= h["x"] + h["width"] - 1, (header.inner_text(), h, c)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
        table.evaluate("e => e.scrollIntoView({block: 'center'})")
        page.screenshot(path=str(SCREENSHOTS / f"reading-sources-{name}-phone.png"))
