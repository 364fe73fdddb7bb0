"""Atom feeds (issue 17 point 4): drafts opened for comment and feedback published, valid Atom 1.0."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup

from consult.context import CLI
from consult.db import end_read
from consult.drafts.operations import update_draft
from consult.feedback.publishing import open_revision, publish_feedback
from consult.web import reach

A = "{http://www.w3.org/2005/Atom}"
BASE = "https://yijian.example.gov.cn"
# RFC 4287's compact RELAX NG schema, cut to what the feeds use: enough to catch a missing or misplaced
# required element (lxml reads the XML form, so it is written out here as XML).
RNG = Path(__file__).with_name("atom_subset.rng")


@pytest.fixture
def app(make_app):
    app = make_app(PUBLIC_BASE_URL=BASE)
    with app.app_context():
        yield app


def parse(resp) -> ElementTree.Element:
    """The feed parsed with the standard library, checked for what RFC 4287 requires of every feed."""
    assert resp.status_code == 200
    assert resp.mimetype == "application/atom+xml"
    root = ElementTree.fromstring(resp.data)
    assert root.tag == f"{A}feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{A}{name}")) == 1, name
    selfs = [link for link in root.findall(f"{A}link") if link.get("rel") == "self"]
    assert len(selfs) == 1 and selfs[0].get("href", "").startswith(BASE + "/feeds/")
    assert root.find(f"{A}author/{A}name") is not None
    for entry in root.findall(f"{A}entry"):
        for name in ("id", "title", "updated", "summary"):
            assert len(entry.findall(f"{A}{name}")) == 1, name
        assert entry.find(f"{A}link").get("href", "").startswith(BASE + "/")
        assert entry.findtext(f"{A}updated").endswith("Z")
    relax_ng(resp.data)
    return root


def relax_ng(data: bytes) -> None:
    """The RELAX NG check, where lxml is installed."""
    try:
        from lxml import etree
    except ImportError:  # pragma: no cover - lxml is not a requirement of the project
        return
    schema = etree.RelaxNG(etree.parse(str(RNG)))
    document = etree.fromstring(data)
    assert schema.validate(document), schema.error_log


def titles(root) -> list[str]:
    return [e.findtext(f"{A}title") for e in root.findall(f"{A}entry")]


def test_the_drafts_feed_lists_opened_drafts_newest_first_and_nothing_else(app, client, factory, clock):
    older = factory.draft(title="本市甲条例（草案）")
    clock.advance(hours=1)
    newer = factory.draft(title="本市乙条例（草案）")
    factory.draft(status="upcoming", title="本市丙条例（草案）")
    factory.draft(status="draft", title="本市丁条例（草案）")
    factory.comment(newer, body="一条不该出现在订阅里的意见", status="published")
    end_read()
    resp = client.get("/feeds/drafts.atom")
    root = parse(resp)
    assert titles(root) == ["本市乙条例（草案）", "本市甲条例（草案）"]
    links = [e.find(f"{A}link").get("href") for e in root.findall(f"{A}entry")]
    assert links == [f"{BASE}/drafts/{newer.slug}", f"{BASE}/drafts/{older.slug}"]
    assert "征求意见期" in root.find(f"{A}entry").findtext(f"{A}summary")
    assert "不该出现".encode() not in resp.data


def test_entry_ids_stay_the_same_when_a_draft_is_retitled(app, client, factory):
    draft = factory.draft()
    end_read()
    before = parse(client.get("/feeds/drafts.atom")).find(f"{A}entry").findtext(f"{A}id")
    update_draft(None, CLI, draft.slug, {"title": "本市改了名字的条例（草案）"})
    end_read()
    entry = parse(client.get("/feeds/drafts.atom")).find(f"{A}entry")
    assert entry.findtext(f"{A}title") == "本市改了名字的条例（草案）"
    assert entry.findtext(f"{A}id") == before
    assert before.startswith("tag:yijian.example.gov.cn,")


def test_the_drafts_feed_is_bounded(app, client, factory, monkeypatch):
    monkeypatch.setattr(reach.feeds, "FEED_MAX", 2)
    for _ in range(3):
        factory.draft()
    end_read()
    assert len(parse(client.get("/feeds/drafts.atom")).findall(f"{A}entry")) == 2


def test_the_feedback_feed_lists_publications_and_revisions(app, client, factory, clock):
    draft = factory.draft(status="closed", title="本市河道管理条例（修正草案）")
    factory.comment(draft, body="意见正文不进订阅", status="published")
    end_read()
    root = parse(client.get("/feeds/feedback.atom"))
    assert titles(root) == []
    publish_feedback(None, CLI, draft.slug)
    clock.advance(days=1)
    open_revision(None, CLI, draft.slug)
    publish_feedback(None, CLI, draft.slug, revision_note="更正了第三条的处理理由。")
    end_read()
    resp = client.get("/feeds/feedback.atom")
    root = parse(resp)
    assert titles(root) == [
        "本市河道管理条例（修正草案）：意见采纳情况反馈（第1次修订）",
        "本市河道管理条例（修正草案）：意见采纳情况反馈",
    ]
    entries = root.findall(f"{A}entry")
    assert entries[0].findtext(f"{A}summary") == "更正了第三条的处理理由。"
    assert entries[0].find(f"{A}link").get("href") == f"{BASE}/drafts/{draft.slug}/feedback"
    assert len({e.findtext(f"{A}id") for e in entries}) == 2
    assert "意见正文".encode() not in resp.data


def test_feeds_are_cacheable_with_validators(app, client, factory):
    factory.draft()
    end_read()
    for path in ("/feeds/drafts.atom", "/feeds/feedback.atom"):
        first = client.get(path)
        assert "public" in first.headers["Cache-Control"] and "max-age=" in first.headers["Cache-Control"]
        assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_a_draft_that_opens_later_enters_the_feed_when_it_opens(app, client, factory, clock):
    factory.draft(status="upcoming", title="本市稍后开始的条例（草案）")
    end_read()
    assert titles(parse(client.get("/feeds/drafts.atom"))) == []
    clock.advance(days=3, minutes=1)
    assert titles(parse(client.get("/feeds/drafts.atom"))) == ["本市稍后开始的条例（草案）"]


def test_home_and_draft_pages_link_both_feeds(app, client, factory):
    draft = factory.draft()
    end_read()
    for path in ("/", f"/drafts/{draft.slug}"):
        head = BeautifulSoup(client.get(path).data, "html.parser").head
        feeds = {link["href"] for link in head.select('link[rel=alternate][type="application/atom+xml"]')}
        assert feeds == {"/feeds/drafts.atom", "/feeds/feedback.atom"}, path


def test_an_empty_feed_is_still_valid(app, client):
    root = parse(client.get("/feeds/drafts.atom"))
    assert root.findall(f"{A}entry") == []
