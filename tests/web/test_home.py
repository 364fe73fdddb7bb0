"""The home page and the base layout, read as parsed HTML."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.factories import Factory


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.data, "html.parser")


def test_home_lists_drafts_by_stage_open_first(app, client, factory: Factory):
    factory.draft("closed", title="本市已截止条例（草案）")
    factory.draft("open", title="本市开放条例（草案）")
    factory.draft("upcoming", title="本市即将条例（草案）")
    factory.draft("draft", title="本市未发布条例（草案）")
    resp = client.get("/")
    assert resp.status_code == 200
    page = soup(resp)
    stages = [s["class"][1] for s in page.select("section.stage")]
    assert stages == ["stage-open", "stage-upcoming", "stage-closed", "stage-concluded"]
    titles = [t.get_text(strip=True) for t in page.select(".draft-title")]
    assert titles == ["本市开放条例（草案）", "本市即将条例（草案）", "本市已截止条例（草案）"]
    assert "本市未发布条例（草案）" not in page.get_text()
    open_card = page.select_one(".stage-open .draft-card")
    assert "剩余27天" in open_card.get_text()
    assert page.select_one(".stage-concluded .empty").get_text(strip=True) == "暂无已反馈采纳情况的法规草案。"


def test_home_counts_only_published_comments(app, client, factory: Factory):
    draft = factory.draft("open")
    factory.comment(draft, status="published")
    factory.comment(draft, status="pending")
    factory.comment(draft, status="spam")
    page = soup(client.get("/"))
    assert "已公开意见1条" in page.select_one(".stage-open .draft-card").get_text()


def test_home_when_there_is_nothing_yet(app, client):
    page = soup(client.get("/"))
    assert page.select_one(".stage-open .empty").get_text(strip=True) == "目前没有正在征求意见的法规草案。"


def test_base_layout_has_skip_link_csrf_meta_and_language(app, client):
    page = soup(client.get("/"))
    assert page.html["lang"] == "zh-CN"
    skip = page.select_one("a.skip-link")
    assert skip["href"] == "#main" and page.select_one("main#main") is not None
    assert page.select_one('meta[name="csrf-token"]')["content"]
    assert page.select_one("header .site-name").get_text(strip=True) == app.config["SITE_NAME"]


def test_footer_shows_the_configured_filing_numbers(make_app):
    app = make_app(ICP_NUMBER="京ICP备00000000号", GOV_SITE_CODE="1100000000", PUBLIC_SECURITY_FILING="")
    with app.app_context():
        footer = soup(app.test_client().get("/")).select_one("footer").get_text()
    assert "京ICP备00000000号" in footer
    assert "政府网站标识码：1100000000" in footer


def test_the_drafts_api_lists_public_drafts_with_status(app, client, factory: Factory):
    factory.draft("open", slug="open-one")
    factory.draft("draft", slug="hidden-one")
    data = client.get("/api/v1/drafts").get_json()
    assert [d["slug"] for d in data["drafts"]] == ["open-one"]
    item = data["drafts"][0]
    assert set(item) == {"slug", "title", "status", "opens_at", "closes_at", "comment_count"}
    assert item["status"] == "open"
    assert item["closes_at"].endswith("+00:00")


def test_dates_are_shown_in_beijing_time(app, client, factory: Factory, clock):
    from datetime import datetime

    from consult.i18n import localdate, localtime

    late_evening_utc = datetime.fromisoformat("2026-12-01T17:30:00+00:00")  # 01:30 on 2 December in Beijing
    with app.test_request_context("/"):
        assert localdate(late_evening_utc) == "2026年12月2日"
        assert localtime(late_evening_utc) == "2026年12月2日 01:30"


def test_the_kept_home_list_follows_the_clock_and_every_change(app, client, factory: Factory, clock):
    """The drafts and the rendered list are kept under the change counter; what the clock changes (a
    draft's stage, its days left) and what a write changes (a count, a new draft) shows at once."""
    draft = factory.draft("open", title="本市开放条例（草案）")
    card = lambda: soup(client.get("/")).select_one(".stage-open .draft-card").get_text()  # noqa: E731
    assert "剩余27天" in card() and "已公开意见0条" in card()  # the second one is kept
    clock.advance(days=1)
    assert "剩余26天" in card()
    factory.comment(draft, status="published")
    assert "已公开意见1条" in card()
    factory.draft("open", title="本市新开放条例（草案）")
    assert "本市新开放条例（草案）" in soup(client.get("/")).get_text()
    clock.advance(days=30)
    page = soup(client.get("/"))
    assert page.select_one(".stage-open .empty") is not None
    assert "本市开放条例（草案）" in page.select_one(".stage-closed").get_text()
