"""Charts (issue 16, point 4): the public draft page's charts per article and channel, the staff overview's
per-article figures, heat strip and arrivals chart; SVG valid, with the numbers of the counters."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup

from consult.clock import utcnow
from consult.comments import counts
from consult.comments.decisions import decide as decide_comments
from consult.comments.statistics import arrivals, published_by_channel
from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.feedback.publishing import publish_feedback
from consult.models import CommentGroup
from consult.models.counts import GENERAL
from consult.web import fragments
from consult.web.admin_stats import heat_level
from consult.web.chart_svg import SVG_POLICY

SVG = "{http://www.w3.org/2000/svg}"


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.data, "html.parser")


def svg_texts(data: bytes) -> list[str]:
    """Every text of the SVG, parsed as XML (a malformed SVG raises)."""
    root = ElementTree.fromstring(data)
    assert root.tag == f"{SVG}svg"
    return [t.text for t in root.iter(f"{SVG}text") if t.text]


def table(figure) -> dict[str, str]:
    return {tr.th.get_text(strip=True): tr.td.get_text(strip=True) for tr in figure.select("tbody tr")}


@pytest.fixture
def draft_with_comments(factory):
    """第一条: 3 published (web 2, letter 1); 第三条: 1 published (expert); general: 2 published (web);
    not public: a pending one and a rejected one."""
    draft = factory.draft()
    factory.comment(draft, body="一", status="published")
    factory.comment(draft, body="二", status="published")
    factory.comment(draft, body="三", status="published", channel="letter")
    factory.comment(draft, body="四", status="published", article_index=2, channel="expert")
    factory.comment(draft, body="五", status="published", article_index=None)
    factory.comment(draft, body="六", status="published", article_index=None)
    factory.comment(draft, body="待审核", status="pending")
    factory.comment(draft, body="不公开", status="rejected", article_index=2)
    end_read()
    return draft


@pytest.mark.parametrize("path", ["", "/statistics"])
def test_draft_page_shows_both_charts_with_tables_that_match_the_counters(
    app, client, draft_with_comments, path
):
    draft = draft_with_comments
    page = soup(client.get(f"/drafts/{draft.slug}{path}"))
    articles, channels = page.select_one("#chart-articles"), page.select_one("#chart-channels")
    assert articles.img["src"] == f"/drafts/{draft.slug}/charts/articles.svg" and articles.img["alt"]
    assert channels.img["src"] == f"/drafts/{draft.slug}/charts/channels.svg" and channels.img["alt"]
    assert articles.select_one("details.chart-data table")  # the figures beside the chart, without script
    assert table(articles) == {"第一条": "3", "第三条": "1", "对草案整体": "2"}
    assert table(channels) == {
        "网站": "4",
        "基层立法联系点": "0",
        "人大代表": "0",
        "立法专家顾问": "1",
        "来信": "1",
    }
    with app.test_request_context():
        stored = counts.published_by_article(draft.id)
        by_channel = published_by_channel(draft.id)
    assert sum(stored.values()) == 6 == sum(int(v) for v in table(articles).values())
    assert sum(by_channel.values()) == 6 == sum(int(v) for v in table(channels).values())
    # No inline style on the page: the charts are images of their own address.
    assert not page.select("[style]") and not page.select("style")


def test_chart_svgs_are_valid_with_the_numbers_their_policy_and_type(client, draft_with_comments):
    slug = draft_with_comments.slug
    for name, expected in (
        ("articles", {"第一条": "3", "第三条": "1", "对草案整体": "2"}),
        ("channels", {"网站": "4", "立法专家顾问": "1", "来信": "1"}),
    ):
        resp = client.get(f"/drafts/{slug}/charts/{name}.svg")
        assert resp.status_code == 200
        assert resp.mimetype == "image/svg+xml"
        assert resp.headers["Content-Security-Policy"] == SVG_POLICY
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        texts = svg_texts(resp.data)
        for label, n in expected.items():
            assert label in texts and n in texts, (name, label, texts)
        root = ElementTree.fromstring(resp.data)
        assert not list(root.iter(f"{SVG}script")), "no script is sent"
        assert "Noto Sans CJK SC" in root.find(f"{SVG}defs/{SVG}style").text


def test_svg_policy_allows_the_inline_style_only():
    directives = dict(d.strip().split(" ", 1) for d in SVG_POLICY.split(";"))
    assert directives["default-src"] == "'none'" and directives["style-src"] == "'unsafe-inline'"
    assert "script-src" not in directives  # falls back to default-src 'none'


def test_a_new_published_comment_changes_the_chart_and_table(app, client, factory, draft_with_comments):
    draft = draft_with_comments
    assert "5" not in svg_texts(client.get(f"/drafts/{draft.slug}/charts/channels.svg").data)
    factory.comment(draft, body="七", status="published")
    end_read()
    assert "5" in svg_texts(client.get(f"/drafts/{draft.slug}/charts/channels.svg").data)
    page = soup(client.get(f"/drafts/{draft.slug}/statistics"))
    assert table(page.select_one("#chart-articles"))["第一条"] == "4"


def test_charts_are_kept_under_the_change_counter(app, client, draft_with_comments):
    slug = draft_with_comments.slug
    client.get(f"/drafts/{slug}/charts/articles.svg")
    hits, misses = fragments.stats()[fragments.BY_GENERATION]
    client.get(f"/drafts/{slug}/charts/articles.svg")
    assert fragments.stats()[fragments.BY_GENERATION] == (hits + 3, misses)  # draft row, figures, svg


def test_empty_draft_says_so_and_its_charts_are_still_valid(client, factory):
    draft = factory.draft()
    factory.comment(draft, body="待审核", status="pending")
    end_read()
    page = soup(client.get(f"/drafts/{draft.slug}/statistics"))
    section = page.select_one("#figures")
    assert section is not None and not section.select("img")
    assert "暂无公开意见" in section.get_text()
    for name in ("articles", "channels"):
        resp = client.get(f"/drafts/{draft.slug}/charts/{name}.svg")
        assert resp.status_code == 200 and "暂无公开意见" in svg_texts(resp.data)


def test_charts_of_an_unpublished_or_unknown_draft_are_404(client, factory):
    hidden = factory.draft(status="draft")
    for slug in (hidden.slug, "no-such-draft"):
        for name in ("articles", "channels"):
            resp = client.get(f"/drafts/{slug}/charts/{name}.svg")
            assert resp.status_code == 404, (slug, name)


def test_heat_levels():
    assert [heat_level(n, 10) for n in (0, 1, 2, 5, 9, 10)] == [0, 1, 1, 3, 5, 5]
    assert heat_level(0, 0) == 0 and heat_level(3, 3) == 5


def test_staff_overview_has_counts_heat_strip_and_arrivals(app, login_as, factory, draft_with_comments):
    draft = draft_with_comments
    staff = login_as("staff")
    page = soup(staff.get(f"/admin/review/{draft.slug}"))
    rows = {tr["data-article"]: tr for tr in page.select("tr[data-article]")}
    first = rows[str(draft.current_version.texts[0].article_id)]
    assert first.select_one(".received").get_text(strip=True) == "4"  # 3 published + 1 pending
    assert first.select_one(".published").get_text(strip=True) == "3"
    assert first.select_one(".undecided").get_text(strip=True) == "3"
    third = rows[str(draft.current_version.texts[2].article_id)]
    assert third.select_one(".received").get_text(strip=True) == "2"  # 1 published + 1 rejected
    cells = page.select(".heat-strip a")
    assert len(cells) == len(draft.current_version.texts)
    assert cells[0]["class"] == ["heat-5"] and cells[0].get_text(strip=True).endswith("4")
    assert cells[1]["class"] == ["heat-0"] and cells[2]["class"] == ["heat-3"]
    figure = page.select_one("#statistics #chart-arrivals")  # back on the overview: read from counters
    assert figure.img["src"] == f"/admin/review/{draft.slug}/charts/arrivals.svg"
    head = [th.get_text(strip=True) for th in figure.select("thead th")]
    assert head == ["日期", "网站", "立法专家顾问", "来信", "合计"]
    body = [[td.get_text(strip=True) for td in tr.select("td")] for tr in figure.select("tbody tr")]
    assert body == [["6", "1", "1", "8"]]
    old_page = staff.get(f"/admin/review/{draft.slug}/arrivals")  # the page they had: a link kept working
    assert old_page.status_code == 301
    assert old_page.headers["Location"].endswith(f"/admin/review/{draft.slug}#chart-arrivals")
    resp = staff.get(f"/admin/review/{draft.slug}/charts/arrivals.svg")
    assert resp.mimetype == "image/svg+xml" and resp.headers["Content-Security-Policy"] == SVG_POLICY
    assert resp.headers["Cache-Control"] == "no-store"
    texts = svg_texts(resp.data)
    assert {"网站", "立法专家顾问", "来信"} <= set(texts)


def test_staff_arrivals_chart_needs_staff(client, draft_with_comments):
    resp = client.get(f"/admin/review/{draft_with_comments.slug}/charts/arrivals.svg")
    assert resp.status_code in (302, 303, 401, 403)


def test_arrivals_by_local_day_and_channel(app, factory):
    draft = factory.draft()
    now = utcnow().replace(hour=12, minute=0, second=0, microsecond=0)
    # 17:00 UTC is 01:00 the next day in Asia/Shanghai.
    factory.comment(draft, body="a", submitted_at=now - timedelta(days=2))
    factory.comment(
        draft, body="b", submitted_at=now - timedelta(days=2) + timedelta(hours=5), channel="letter"
    )
    factory.comment(draft, body="c", submitted_at=now, status="published")
    end_read()
    with app.test_request_context():
        found = arrivals(draft.id)
    day = (now - timedelta(days=2)).date()
    assert found.periods == [day, day + timedelta(days=1), day + timedelta(days=2)]
    assert found.series == {"web": [1, 0, 1], "letter": [0, 1, 0]}
    assert not found.weekly and found.total == 3


def test_arrivals_over_many_days_are_weekly(app, factory):
    draft = factory.draft()
    start = utcnow().replace(hour=4) - timedelta(days=100)
    for i in range(0, 100, 10):
        factory.comment(draft, body=f"第{i}天", submitted_at=start + timedelta(days=i))
    end_read()
    with app.test_request_context():
        found = arrivals(draft.id)
    assert found.weekly and all(p.weekday() == 0 for p in found.periods)
    assert found.total == 10 and sum(found.series["web"]) == 10


def test_staff_overview_of_a_draft_without_comments(login_as, factory):
    draft = factory.draft()
    staff = login_as("staff")
    page = soup(staff.get(f"/admin/review/{draft.slug}"))
    assert {a["class"][0] for a in page.select(".heat-strip a")} == {"heat-0"}
    assert "本草案尚未收到意见" in page.select_one("#chart-arrivals").get_text()
    assert not page.select("#chart-arrivals img")


def test_staff_overview_counts_groups_per_article(login_as, factory, draft_with_comments):
    draft = draft_with_comments
    first, third = (draft.current_version.texts[i].article_id for i in (0, 2))
    end_read()
    with write_transaction() as session:
        for article_key, size in ((first, 3), (first, 2), (first, 1), (third, 4), (GENERAL, 2)):
            session.add(CommentGroup(draft_id=draft.id, article_key=article_key, size=size))
    page = soup(login_as("staff").get(f"/admin/review/{draft.slug}"))
    cells = {
        tr["data-article"]: tr.select_one(".groups").get_text(strip=True)
        for tr in page.select("tr[data-article]")
    }
    assert cells[str(first)] == "2组（5条）"  # the group of one is no group
    assert cells[str(third)] == "1组（4条）"
    assert cells["general"] == "1组（2条）"
    assert cells[str(draft.current_version.texts[1].article_id)] == "0"


@pytest.fixture
def reported(factory):
    """A concluded draft whose feedback report is published: 第一条 2 (web 1, letter 1), general 1 (expert);
    a rejected comment is not in the report."""
    staff, _token = factory.user("staff")
    draft = factory.draft("closed")
    ids = [
        factory.comment(draft, body="一", status="published").id,
        factory.comment(draft, body="二", status="published", channel="letter").id,
        factory.comment(draft, body="三", status="published", channel="expert", article_index=None).id,
    ]
    factory.comment(draft, body="不公开", status="rejected")
    end_read()
    decide_comments(staff, CLI, ids, "adopted", "已采纳。")
    end_read()
    publish_feedback(None, CLI, draft.slug)
    end_read()
    return draft


def test_feedback_report_shows_its_charts_with_the_reports_figures(client, reported):
    slug = reported.slug
    page = soup(client.get(f"/drafts/{slug}/feedback"))
    articles, channels = page.select_one("#chart-articles"), page.select_one("#chart-channels")
    assert articles.img["src"] == f"/drafts/{slug}/feedback/charts/articles.svg" and articles.img["alt"]
    assert channels.img["src"] == f"/drafts/{slug}/feedback/charts/channels.svg"
    assert table(articles) == {"第一条": "2", "对草案整体": "1"}
    assert table(channels) == {
        "网站": "1",
        "基层立法联系点": "0",
        "人大代表": "0",
        "立法专家顾问": "1",
        "来信": "1",
    }
    total = page.select_one(".fb-figures dl div dd").get_text(strip=True)
    assert total == "3" == str(sum(int(v) for v in table(channels).values()))
    assert not page.select("[style]") and not page.select("style")
    for name, expected in (("articles", {"第一条", "2", "对草案整体"}), ("channels", {"网站", "来信", "1"})):
        resp = client.get(f"/drafts/{slug}/feedback/charts/{name}.svg")
        assert resp.status_code == 200 and resp.mimetype == "image/svg+xml"
        assert resp.headers["Content-Security-Policy"] == SVG_POLICY
        assert expected <= set(svg_texts(resp.data)), name


def test_report_charts_wait_for_the_report_and_the_staff_preview_has_none(client, login_as, factory):
    draft = factory.draft("closed")
    factory.comment(draft, body="一", status="published")
    end_read()
    for name in ("articles", "channels"):
        assert client.get(f"/drafts/{draft.slug}/feedback/charts/{name}.svg").status_code == 404
    preview = soup(login_as("staff").get(f"/admin/drafts/{draft.slug}/feedback"))
    assert preview.select_one(".fb-figures") is not None and preview.select_one("#chart-articles") is None
