"""The staff review page translates its fixed words once per render, not once per comment (issue 15)."""

from __future__ import annotations

import flask_babel
import pytest
from bs4 import BeautifulSoup

from consult.clock import utcnow
from consult.db import end_read, write_transaction
from consult.models import Decision


@pytest.fixture
def two_articles(factory):
    """Article 1 with 5 published comments, article 2 with 40; on each, every other one decided."""
    draft = factory.draft()
    texts = draft.current_version.texts
    few = [factory.comment(draft, body=f"少{i}", status="published", article_index=0) for i in range(5)]
    many = [factory.comment(draft, body=f"多{i}", status="published", article_index=1) for i in range(40)]
    end_read()
    with write_transaction() as session:
        for c in (*few[::2], *many[::2]):
            session.add(Decision(comment_id=c.id, outcome="not_adopted", reason="理由", decided_at=utcnow()))
    return draft, texts[0].article_id, texts[1].article_id


def translations_asked(monkeypatch, client, url: str) -> tuple[int, BeautifulSoup]:
    """How many times the page asked flask_babel for a translation (templates, gettext and lazy labels)."""
    client.get(url)  # once before counting: nothing per process is counted
    calls = 0
    original = flask_babel.Domain.get_translations

    def counting(self):
        nonlocal calls
        calls += 1
        return original(self)

    with monkeypatch.context() as patch:
        patch.setattr(flask_babel.Domain, "get_translations", counting)
        resp = client.get(url)
    assert resp.status_code == 200
    return calls, BeautifulSoup(resp.data, "html.parser")


def test_the_review_page_does_not_translate_a_fixed_word_per_comment(login_as, two_articles, monkeypatch):
    draft, few_id, many_id = two_articles
    staff = login_as("staff")
    few, few_page = translations_asked(monkeypatch, staff, f"/admin/review/{draft.slug}/articles/{few_id}")
    many, many_page = translations_asked(monkeypatch, staff, f"/admin/review/{draft.slug}/articles/{many_id}")
    # The pages really show what was counted: 5 and 40 comments, decided and undecided, each with its forms.
    assert len(few_page.select("li.review-item")) == 5 and len(many_page.select("li.review-item")) == 40
    assert len(many_page.select("form.decision-form")) == 40
    assert len(many_page.select(".current-decision .outcome")) == 20
    assert len(many_page.select(".badge-undecided")) == 20
    assert few > 0
    assert many == few, (few, many)
