"""Satisfaction (满意度测评): bounds, one per receipt code, before publication, on the receipt page."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from consult.context import CLI
from consult.db import end_read
from consult.extensions import db
from consult.feedback.publishing import publish_feedback
from consult.models import Satisfaction
from consult.receipts import display
from tests.conftest import csrf_token_from


@pytest.fixture
def rated_draft(factory):
    draft = factory.draft("closed")
    comments = [factory.comment(draft, f"意见{i}", status="published") for i in range(3)]
    return draft, comments


def _publish(draft) -> None:
    end_read()
    publish_feedback(None, CLI, draft.slug)


def _rate(client, slug, code, score, **kw):
    return client.post(
        f"/api/v1/drafts/{slug}/satisfaction", json={"receipt_code": code, "score": score, **kw}
    )


def test_rating_waits_for_the_feedback(client, rated_draft):
    draft, comments = rated_draft
    resp = _rate(client, draft.slug, comments[0].receipt_code, 5)
    assert resp.status_code == 409 and "反馈公布后" in resp.json["error"]["message"]


@pytest.mark.parametrize("score", [0, 6, -1, "abc", True, 3.5, None, "", [5]])
def test_scores_outside_one_to_five_are_refused(client, rated_draft, score):
    draft, comments = rated_draft
    _publish(draft)
    resp = _rate(client, draft.slug, comments[0].receipt_code, score)
    assert resp.status_code == 400
    assert "score" in resp.json["error"]["fields"]
    end_read()
    assert db.session.scalars(select(Satisfaction)).all() == []


def test_one_rating_per_receipt_code_a_second_replaces_it(client, rated_draft):
    draft, comments = rated_draft
    _publish(draft)
    code = display(comments[0].receipt_code)
    first = _rate(client, draft.slug, code, 2, comment="理由说得不够清楚。")
    assert first.status_code == 201 and first.json["score"] == 2
    second = _rate(client, draft.slug, code.lower().replace("-", " "), "4")
    assert second.status_code == 200 and second.json["score"] == 4 and second.json["comment"] == ""
    assert _rate(client, draft.slug, comments[1].receipt_code, 5).status_code == 201
    end_read()
    rows = db.session.scalars(select(Satisfaction).order_by(Satisfaction.comment_id)).all()
    assert [(r.comment_id, r.score) for r in rows] == [(comments[0].id, 4), (comments[1].id, 5)]
    report = client.get(f"/api/v1/drafts/{draft.slug}/feedback").json
    assert report["satisfaction"] == {"count": 2, "average": 4.5}


def test_unknown_codes_and_codes_of_other_drafts_are_404(client, factory, rated_draft):
    draft, comments = rated_draft
    other = factory.draft("closed")
    _publish(draft)
    assert _rate(client, draft.slug, "1234-5678-9012-3", 3).status_code in (400, 404)
    other_comment = factory.comment(other, "另一草案的意见", status="published")
    assert _rate(client, draft.slug, other_comment.receipt_code, 3).status_code == 404
    assert _rate(client, draft.slug, "", 3).status_code == 400
    long = _rate(client, draft.slug, comments[0].receipt_code, 3, comment="长" * 1001)
    assert long.status_code == 400 and "comment" in long.json["error"]["fields"]
    assert client.post(f"/api/v1/drafts/{draft.slug}/satisfaction", data="score=3").status_code == 415


def test_the_receipt_page_offers_the_rating_after_publication(client, rated_draft):
    draft, comments = rated_draft
    code = display(comments[0].receipt_code)
    assert (
        BeautifulSoup(client.get(f"/receipts/{code}").data, "html.parser").select_one(".satisfaction") is None
    )
    _publish(draft)
    page = client.get(f"/receipts/{code}")
    html = BeautifulSoup(page.data, "html.parser")
    form = html.select_one(".satisfaction form")
    assert form is not None and len(form.select("input[name=score]")) == 5
    token = csrf_token_from(page.data)
    missing = client.post(form["action"], data={"csrf_token": token})
    assert missing.status_code == 400
    assert "1到5" in BeautifulSoup(missing.data, "html.parser").select_one(".satisfaction").get_text()
    done = client.post(form["action"], data={"csrf_token": token, "score": "5", "comment": "说明很清楚"})
    assert done.status_code == 303
    again = BeautifulSoup(client.get(done.headers["Location"]).data, "html.parser")
    assert "5分" in again.select_one(".satisfaction").get_text()
    assert again.select_one("input[name=score][value='5']").has_attr("checked")


def test_spam_receipts_get_no_rating_form_and_a_refused_rating_keeps_the_input(client, factory, rated_draft):
    draft, comments = rated_draft
    spam = factory.comment(draft, "广告", status="spam")
    _publish(draft)
    spam_page = BeautifulSoup(client.get(f"/receipts/{display(spam.receipt_code)}").data, "html.parser")
    assert spam_page.select_one(".satisfaction") is None
    code = display(comments[0].receipt_code)
    page = client.get(f"/receipts/{code}")
    token = csrf_token_from(page.data)
    refused = client.post(
        f"/receipts/{code}/satisfaction", data={"csrf_token": token, "score": "3", "comment": "长" * 1001}
    )
    assert refused.status_code == 400
    html = BeautifulSoup(refused.data, "html.parser")
    assert html.select_one("input[name=score][value='3']").has_attr("checked")
    assert html.select_one("#satisfaction-comment").get_text() == "长" * 1001
    assert "不能超过" in html.select_one(".satisfaction .form-error").get_text()
