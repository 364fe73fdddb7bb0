"""QR codes of drafts and articles (issue 17, point 3): decoded back to the page's public address."""

from __future__ import annotations

import io

import pytest
import segno

from consult.db import end_read
from consult.drafts.queries import current_articles
from tests.qr_images import decode, png_pixels, svg_pixels

BASE = "https://yijian.example.gov.cn"


@pytest.fixture
def app(make_app):
    app = make_app(PUBLIC_BASE_URL=BASE)
    with app.app_context():
        yield app


def test_the_draft_qr_code_decodes_to_the_draft_page_under_the_public_address(app, client, factory):
    draft = factory.draft(slug="chengshi-shufang")
    resp = client.get(f"/drafts/{draft.slug}/qr.svg")
    assert resp.status_code == 200
    assert resp.mimetype == "image/svg+xml"
    assert decode(svg_pixels(resp.data)) == [f"{BASE}/drafts/chengshi-shufang"]
    # The same data rendered by segno as a PNG reads the same (a second, independent drawing).
    out = io.BytesIO()
    segno.make(f"{BASE}/drafts/chengshi-shufang", error="m", micro=False).save(out, kind="png", scale=6)
    assert decode(png_pixels(out.getvalue())) == [f"{BASE}/drafts/chengshi-shufang"]


def test_an_article_qr_code_decodes_to_the_article_page(app, client, factory):
    draft = factory.draft()
    article_id = current_articles(draft)[1].article_id
    end_read()
    resp = client.get(f"/drafts/{draft.slug}/articles/{article_id}/qr.svg")
    assert resp.status_code == 200
    assert decode(svg_pixels(resp.data)) == [f"{BASE}/drafts/{draft.slug}/articles/{article_id}"]


def test_a_qr_code_has_a_title_and_no_script_or_style(app, client, factory):
    draft = factory.draft()
    svg = client.get(f"/drafts/{draft.slug}/qr.svg").data
    assert b"<title>" in svg
    assert b"<script" not in svg and b"<style" not in svg


def test_qr_codes_are_cacheable_and_answer_304_to_a_reader_who_has_them(app, client, factory):
    draft = factory.draft()
    first = client.get(f"/drafts/{draft.slug}/qr.svg")
    assert first.headers["ETag"]
    cache_control = first.headers["Cache-Control"]
    assert "public" in cache_control and "max-age=" in cache_control and "no-store" not in cache_control
    again = client.get(f"/drafts/{draft.slug}/qr.svg", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


def test_no_qr_code_for_an_unknown_or_unpublished_draft_or_an_unknown_article(app, client, factory):
    hidden = factory.draft(status="draft")
    draft = factory.draft()
    other = factory.draft()
    foreign = current_articles(other)[0].article_id
    end_read()
    assert client.get("/drafts/no-such-draft/qr.svg").status_code == 404
    assert client.get(f"/drafts/{hidden.slug}/qr.svg").status_code == 404
    assert client.get(f"/drafts/{hidden.slug}/articles/1/qr.svg").status_code == 404
    assert client.get(f"/drafts/{draft.slug}/articles/{foreign}/qr.svg").status_code == 404
    assert client.get(f"/drafts/{draft.slug}/articles/999999/qr.svg").status_code == 404
