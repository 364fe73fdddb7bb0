"""GET /preferences: care mode and the language kept in cookies, and a redirect that stays on the site."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from consult.web import preferences


def set_cookies(resp) -> dict[str, str]:
    """Each Set-Cookie header of the answer by cookie name."""
    return {h.split("=", 1)[0]: h for h in resp.headers.getlist("Set-Cookie")}


def html_of(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.data, "html.parser")


def test_care_on_is_remembered_for_a_year_and_answers_303_to_next(client):
    resp = client.get("/preferences?care=on&next=/drafts/x%3Fpage%3D2")
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/drafts/x?page=2"
    cookie = set_cookies(resp)[preferences.CARE_COOKIE]
    assert cookie.startswith("consult_care=on;")
    assert "Max-Age=31536000" in cookie
    assert "SameSite=Lax" in cookie
    assert "HttpOnly" in cookie
    assert "Secure" not in cookie  # the test app is plain HTTP, as its session cookie
    assert resp.headers["Cache-Control"] == "no-store"  # an answer that sets a cookie is never stored


def test_care_off_forgets_it(client):
    client.get("/preferences?care=on&next=/")
    assert client.get_cookie(preferences.CARE_COOKIE).value == "on"
    resp = client.get("/preferences?care=off&next=/")
    assert resp.status_code == 303
    assert "Max-Age=0" in set_cookies(resp)[preferences.CARE_COOKIE]
    assert client.get_cookie(preferences.CARE_COOKIE) is None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_language_is_remembered(client, lang):
    resp = client.get(f"/preferences?lang={lang}&next=/")
    cookie = set_cookies(resp)[preferences.LANG_COOKIE]
    assert cookie.startswith(f"consult_lang={lang};")
    assert "Max-Age=31536000" in cookie and "SameSite=Lax" in cookie
    assert preferences.CARE_COOKIE not in set_cookies(resp)  # care mode untouched


def test_unknown_values_change_nothing(client):
    resp = client.get("/preferences?care=yes&lang=fr&next=/")
    assert resp.status_code == 303
    assert set_cookies(resp) == {}


def test_cookies_are_secure_where_the_session_cookie_is(make_app):
    app = make_app()
    app.config["SESSION_COOKIE_SECURE"] = True  # what PRODUCTION=true sets (consult/config.py)
    resp = app.test_client().get("/preferences?care=on&lang=en&next=/")
    cookies = set_cookies(resp)
    assert "Secure" in cookies[preferences.CARE_COOKIE]
    assert "Secure" in cookies[preferences.LANG_COOKIE]


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "http:evil.example",
        "//evil.example/path",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/%0a/evil.example".replace("%0a", "\n"),
        "javascript:alert(1)",
        "evil.example",
        "drafts/x",
        "",
        "/" + "a" * 3000,
    ],
)
def test_next_elsewhere_is_refused_for_the_home_page(client, target):
    resp = client.get("/preferences", query_string={"care": "on", "next": target})
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/"
    # The choice still counts.
    assert set_cookies(resp)[preferences.CARE_COOKIE].startswith("consult_care=on;")


def test_no_next_goes_home(client):
    assert client.get("/preferences?care=on").headers["Location"] == "/"


def test_the_redirect_body_does_not_repeat_the_address(client):
    # A receipt page's address is as good as its receipt code: it must not be copied into a page.
    resp = client.get("/preferences?care=on&next=/receipts/ABCD-EFGH-JKLM")
    assert resp.headers["Location"] == "/receipts/ABCD-EFGH-JKLM"
    assert b"ABCD" not in resp.data


def test_care_mode_marks_html_and_the_header_link_switches_back(client, factory):
    draft = factory.draft()
    page = html_of(client.get(f"/drafts/{draft.slug}?page=1"))
    assert page.html.get("data-mode") is None
    link = page.select_one("header .mode-link")
    assert link.get_text(strip=True) == "长辈模式"
    assert link["href"] == "/preferences?care=on&next=/drafts/" + draft.slug + "?page%3D1"

    client.get(link["href"])
    page = html_of(client.get(f"/drafts/{draft.slug}?page=1"))
    assert page.html["data-mode"] == "care"
    assert any("care.css" in tag["href"] for tag in page.select("link[rel=stylesheet]"))
    link = page.select_one("header .mode-link")
    assert link.get_text(strip=True) == "标准模式"
    assert "care=off" in link["href"]


def test_every_page_carries_the_mode_staff_pages_too(client, login_as):
    client.set_cookie(preferences.CARE_COOKIE, "on")
    for path in ("/", "/receipts", "/search?q=x", "/login", "/drafts/no-such-draft"):
        assert html_of(client.get(path)).html.get("data-mode") == "care", path
    staff = login_as("staff")
    staff.set_cookie(preferences.CARE_COOKIE, "on")
    assert html_of(staff.get("/admin/")).html.get("data-mode") == "care"


def test_care_mode_folds_the_optional_fields_of_the_comment_form(client, factory):
    draft = factory.draft()
    form = html_of(client.get(f"/drafts/{draft.slug}")).select_one("form.comment-form")
    assert form.select_one("details.optional-fields") is None
    assert form.select_one("button[type=submit]").get_text(strip=True) == "提交意见"

    client.set_cookie(preferences.CARE_COOKIE, "on")
    form = html_of(client.get(f"/drafts/{draft.slug}")).select_one("form.comment-form")
    folded = form.select_one("details.optional-fields")
    assert folded.select_one("summary").get_text(strip=True) == "更多（可不填）"
    assert folded.get("open") is None
    assert {f["name"] for f in folded.select("input")} == {"author_name", "contact", "notify"}
    # The comment itself and the honeypot stay outside; the button says it plainly.
    assert form.select_one("textarea[name=body]").find_parent("details") is None
    assert form.select_one("button[type=submit]").get_text(strip=True) == "写好了，提交"


def test_a_refused_contact_opens_the_folded_fields(client, factory):
    from tests.conftest import csrf_token_from

    draft = factory.draft()
    client.set_cookie(preferences.CARE_COOKIE, "on")
    token = csrf_token_from(client.get(f"/drafts/{draft.slug}").data)
    resp = client.post(
        f"/drafts/{draft.slug}/comments",
        data={"csrf_token": token, "body": "这是一条足够长的测试意见，写明了理由。", "contact": "不是"},
    )
    assert resp.status_code == 400
    folded = html_of(resp).select_one("form.comment-form details.optional-fields")
    assert folded.has_attr("open")
    assert folded.select_one("#contact")["aria-invalid"] == "true"


def test_articles_and_the_receipt_are_marked_for_reading_aloud(client, factory):
    draft = factory.draft()
    comment = factory.comment(draft)
    article_id = draft.current_version.texts[0].article_id
    for path in (f"/drafts/{draft.slug}", f"/drafts/{draft.slug}/articles/{article_id}"):
        page = html_of(client.get(path))
        assert page.select(".article-text[data-read-aloud]"), path
        script = page.select_one("script[src$='js/read_aloud.js']")
        assert script["data-read-label"] == "朗读" and script["data-stop-label"] == "停止朗读"
    page = html_of(client.get(f"/receipts/{comment.receipt_code}"))
    marked = page.select_one("[data-read-aloud]")
    assert marked is not None and page.select(marked["data-read-aloud"])
    assert page.select_one("script[src$='js/read_aloud.js']") is not None
    # No button in the HTML itself: read_aloud.js inserts it only where the browser can speak.
    assert "朗读" not in page.select_one("main").get_text()


def test_answers_vary_by_cookie(client, factory):
    draft = factory.draft()
    for path in ("/", f"/drafts/{draft.slug}"):
        vary = {v.strip().lower() for v in client.get(path).headers.get("Vary", "").split(",")}
        assert "cookie" in vary, path
