"""Article explanations (条文释义) are searchable: an article is found by words that appear only in its
explanation, on both backends, and through the outbox as staff edit it (the search page and JSON)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from consult.context import CLI
from consult.db import end_read
from consult.drafts.explanations import explain_article
from consult.drafts.operations import add_version
from consult.extensions import db
from consult.search.background import wait_for_background
from consult.search.base import Query
from consult.search.documents import article_docs
from consult.search.drain import drain
from tests.conftest import is_postgres
from tests.factories import SAMPLE_TEXT

# Words in no article of SAMPLE_TEXT: only the explanation holds them.
ONLY_IN_EXPLANATION = "盲文图书"
EXPLANATION = f"这一条的意思是：示例管理也包括{ONLY_IN_EXPLANATION}的借阅服务。"


@pytest.fixture
def app(make_app):
    # Search follows commits here; the PostgreSQL pass runs with the postgres backend, the SQLite pass
    # with Whoosh (the first test indexes into each backend itself, whichever the app's).
    app = make_app(SEARCH_DRAIN_INLINE=True, SEARCH_BACKEND="postgres" if is_postgres() else "whoosh")
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def explained(factory):
    """A published draft whose third article has an explanation; returns (draft, its article ids)."""
    draft = factory.draft("open")
    ids = [t.article_id for t in draft.current_version.texts]
    end_read()
    explain_article(None, CLI, draft.slug, ids[2], EXPLANATION)
    end_read()
    return draft, ids


def test_both_backends_find_an_article_by_its_explanation(app, backend, explained):
    draft, ids = explained
    assert ONLY_IN_EXPLANATION not in SAMPLE_TEXT
    backend.index(list(article_docs()))
    found = backend.search(Query(text=ONLY_IN_EXPLANATION))
    assert [(hit.kind, hit.id, hit.draft_id) for hit in found.hits] == [("article", ids[2], draft.id)]
    assert f"<mark>{ONLY_IN_EXPLANATION}</mark>" in found.hits[0].snippet
    # The article's own words still find it, and an article without an explanation is as it was.
    assert ids[2] in {h.id for h in backend.search(Query(text="每年公布工作情况")).hits}
    assert ids[1] in {h.id for h in backend.search(Query(text="行政区域")).hits}
    # Removed: the words no longer find it once the article is indexed again.
    explain_article(None, CLI, draft.slug, ids[2], "")
    end_read()
    backend.index(list(article_docs()))
    assert backend.search(Query(text=ONLY_IN_EXPLANATION)).hits == []


def settle() -> None:
    """The search work the edits queued is done (inline drains hand some to a background thread)."""
    assert wait_for_background(timeout=60)
    drain(wait=True)


def article_hits(client, q: str) -> list[tuple[str, int]]:
    found = client.get("/api/v1/search", query_string={"q": q}).get_json()["results"]
    return [(r["kind"], r["id"]) for r in found]


def test_a_staff_edit_reaches_the_search_page_and_json(app, factory):
    draft = factory.draft("open")
    ids = [t.article_id for t in draft.current_version.texts]
    end_read()
    settle()
    client = app.test_client()
    assert article_hits(client, ONLY_IN_EXPLANATION) == []
    explain_article(None, CLI, draft.slug, ids[2], EXPLANATION)
    settle()
    assert article_hits(client, ONLY_IN_EXPLANATION) == [("article", ids[2])]
    page = BeautifulSoup(client.get("/search", query_string={"q": ONLY_IN_EXPLANATION}).data, "html.parser")
    hits = page.select("li.search-hit-article")
    assert len(hits) == 1 and "第三条" in hits[0].get_text()
    assert hits[0].select_one("mark").get_text() == ONLY_IN_EXPLANATION
    assert f"/drafts/{draft.slug}/articles/{ids[2]}" in str(hits[0])
    # A revised version carries the explanation, and the search still finds the article.
    end_read()
    add_version(
        None, CLI, draft.slug, SAMPLE_TEXT.replace("第四条　本条例自", "第四条　新增。\n\n第五条　本条例自")
    )
    settle()
    assert article_hits(client, ONLY_IN_EXPLANATION) == [("article", ids[2])]
    explain_article(None, CLI, draft.slug, ids[2], None)
    settle()
    assert article_hits(client, ONLY_IN_EXPLANATION) == []
