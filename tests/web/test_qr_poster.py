"""The printable poster of a draft (issue 17 point 3) and its links from the contact points' dashboard."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from consult.db import end_read

BASE = "https://yijian.example.gov.cn"


@pytest.fixture
def app(make_app):
    app = make_app(PUBLIC_BASE_URL=BASE)
    with app.app_context():
        yield app


def soup(resp) -> BeautifulSoup:
    assert resp.status_code == 200, resp.status_code
    return BeautifulSoup(resp.data, "html.parser")


def test_the_poster_shows_title_deadline_qr_code_short_address_and_three_steps(app, client, factory):
    draft = factory.draft(title="本市城市书房条例（草案）")
    end_read()
    page = soup(client.get(f"/drafts/{draft.slug}/poster"))
    poster = page.select_one("article.poster")
    assert poster.h1.get_text(strip=True) == "本市城市书房条例（草案）"
    assert "意见截止日期" in poster.select_one(".poster-deadline").get_text()
    qr = poster.select_one("img.poster-qr")
    assert qr["src"] == f"/drafts/{draft.slug}/qr.svg" and qr["alt"]
    short = poster.select_one(".poster-short a")
    assert short["href"] == f"{BASE}/d/{draft.short_code}"
    assert short.get_text(strip=True) == f"yijian.example.gov.cn/d/{draft.short_code}"
    assert len(poster.select("ol.poster-steps li")) == 3
    assert page.head.select_one('link[href$="css/poster.css"]') is not None


def test_a_closed_draft_s_poster_says_the_consultation_ended(app, client, factory):
    draft = factory.draft(status="closed")
    end_read()
    assert (
        "已经结束"
        in soup(client.get(f"/drafts/{draft.slug}/poster")).select_one(".poster-deadline").get_text()
    )


def test_no_poster_for_an_unknown_or_unpublished_draft(app, client, factory):
    hidden = factory.draft(status="draft")
    end_read()
    assert client.get("/drafts/nothing-here/poster").status_code == 404
    assert client.get(f"/drafts/{hidden.slug}/poster").status_code == 404


def test_the_contact_point_dashboard_links_the_posters_of_open_drafts(app, factory, login_as):
    open_draft = factory.draft(title="本市正在征求意见的条例（草案）")
    factory.draft(status="closed", title="本市已经结束的条例（草案）")
    factory.draft(status="upcoming", title="本市还没开始的条例（草案）")
    end_read()
    operator = login_as("contact_point")
    page = soup(operator.get("/intake/"))
    section = page.select_one("section.poster-drafts")
    links = [a["href"] for a in section.select("a")]
    assert links == [f"/drafts/{open_draft.slug}/poster"]
    assert "本市已经结束的条例" not in section.get_text()
