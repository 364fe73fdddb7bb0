"""One tap, one comment: the form's one-time id and the API's Idempotency-Key, on SQLite and PostgreSQL.

A repeat of the same submission answers with the first receipt and stores nothing; the same key with
something else is refused; two requests racing with one key store one comment between them.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consult.comments import submission_keys
from consult.db import end_read, write_transaction
from consult.extensions import db, limiter
from consult.models import Comment, Draft, SubmissionKey
from consult.receipts import display
from tests.conftest import csrf_token_from

BODY = {"body": "建议书房在周末延长开放时间。"}


@pytest.fixture
def site(make_app):
    app = make_app(COMMENT_RATE_LIMIT="1000 per minute")
    with app.app_context():
        limiter.reset()
        yield app


def comments() -> int:
    end_read()
    try:
        return db.session.scalar(select(func.count(Comment.id)))
    finally:
        end_read()


def api_post(client, slug, body, key=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(f"/api/v1/drafts/{slug}/comments", json=body, headers=headers)


def test_the_same_key_and_body_answers_200_with_the_first_answer(site, factory):
    draft = factory.draft()
    client = site.test_client()
    first = api_post(client, draft.slug, BODY, "retry-7f3a")
    again = api_post(client, draft.slug, BODY, "retry-7f3a")
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json() == first.get_json()
    assert comments() == 1


def test_the_same_key_with_another_body_is_422_in_the_error_shape(site, factory):
    draft = factory.draft()
    client = site.test_client()
    first = api_post(client, draft.slug, BODY, "k1").get_json()
    resp = api_post(client, draft.slug, {"body": "另一条完全不同的意见内容。"}, "k1")
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "idempotency_key_reused" and first["receipt_code"] in error["message"]
    assert comments() == 1


def test_without_a_key_every_post_is_a_comment_and_keys_do_not_cross_doors(site, factory):
    draft = factory.draft()
    client = site.test_client()
    api_post(client, draft.slug, BODY)
    api_post(client, draft.slug, BODY)
    assert comments() == 2
    assert api_post(client, draft.slug, BODY, "shared").status_code == 201
    assert api_post(site.test_client(), draft.slug, BODY, "other").status_code == 201
    assert comments() == 4


@pytest.mark.parametrize("key", ["", "x" * 65, "有中文", "has space", "tab\there"])
def test_a_malformed_key_is_400_naming_the_header(site, factory, key):
    draft = factory.draft()
    resp = api_post(site.test_client(), draft.slug, BODY, key)
    assert resp.status_code == 400
    assert "idempotency_key" in resp.get_json()["error"]["fields"]
    assert comments() == 0


def test_a_key_is_kept_24_hours(site, factory, clock):
    draft = factory.draft()
    client = site.test_client()
    api_post(client, draft.slug, BODY, "day-key")
    clock.advance(hours=23, minutes=59)
    assert api_post(client, draft.slug, BODY, "day-key").status_code == 200
    clock.advance(minutes=2)
    assert api_post(client, draft.slug, BODY, "day-key").status_code == 201  # a new submission now
    assert comments() == 2
    end_read()
    # Expired keys are cleared as new ones are written.
    assert db.session.scalar(select(func.count(SubmissionKey.id))) == 1
    end_read()


def test_a_repeat_is_answered_even_after_the_quota_or_the_deadline(make_app, factory, clock):
    app = make_app(COMMENT_RATE_LIMIT="1 per minute")
    with app.app_context():
        limiter.reset()
        draft = factory.draft()
        end_read()
        with write_transaction() as session:
            session.get(Draft, draft.id).closes_at = clock() + timedelta(minutes=5)
        client = app.test_client()
        assert api_post(client, draft.slug, BODY, "q").status_code == 201
        assert api_post(client, draft.slug, BODY, "q").status_code == 200  # not 429: nothing is stored
        clock.advance(minutes=10)
        assert api_post(client, draft.slug, BODY, "q").status_code == 200  # not 409: it was received


def test_two_requests_racing_with_one_key_store_one_comment(site, factory, monkeypatch):
    """Both pass the first look-up before either writes: the unique key decides (PostgreSQL waits on it)."""
    draft = factory.draft()
    barrier = threading.Barrier(2, timeout=10)
    looked = threading.local()
    real = submission_keys.answered

    def answered_then_wait(stored, fingerprint):
        result = real(stored, fingerprint)
        if not getattr(looked, "once", False):
            looked.once = True
            barrier.wait()  # the second request reaches this point before the first writes
        return result

    monkeypatch.setattr(submission_keys, "answered", answered_then_wait)
    answers = []

    def post():
        answers.append(api_post(site.test_client(), draft.slug, BODY, "race"))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(a.status_code for a in answers) == [200, 201]
    assert answers[0].get_json()["receipt_code"] == answers[1].get_json()["receipt_code"]
    assert comments() == 1


# The HTML form: a one-time submission id per page served


def form_fields(client, url):
    page = client.get(url).data
    from bs4 import BeautifulSoup

    form = BeautifulSoup(page, "html.parser").select_one("form.comment-form")
    return {
        "csrf_token": csrf_token_from(page),
        "submission_id": form.select_one("input[name=submission_id]")["value"],
        "body": BODY["body"],
        "author_name": "",
        "contact": "",
        "website": "",
    }


def test_two_posts_of_one_page_store_one_comment_and_both_land_on_its_receipt(site, factory):
    draft = factory.draft()
    client = site.test_client()
    fields = form_fields(client, f"/drafts/{draft.slug}")
    first = client.post(f"/drafts/{draft.slug}/comments", data=fields)
    second = client.post(f"/drafts/{draft.slug}/comments", data=fields)  # a double tap, or Back + submit
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert comments() == 1


def test_each_page_served_has_its_own_id_even_from_the_page_cache(make_app, factory):
    app = make_app(PAGE_CACHE_SECONDS=60)
    with app.app_context():
        draft = factory.draft()
        client = app.test_client()
        ids = {form_fields(client, f"/drafts/{draft.slug}")["submission_id"] for _ in range(3)}
        assert len(ids) == 3 and "__consult" not in "".join(ids)


def test_back_edit_and_submit_again_is_not_a_silent_duplicate(site, factory):
    draft = factory.draft()
    client = site.test_client()
    fields = form_fields(client, f"/drafts/{draft.slug}")
    first = client.post(f"/drafts/{draft.slug}/comments", data=fields)
    code = first.headers["Location"].split("/receipts/")[1].split("?")[0]
    edited = client.post(f"/drafts/{draft.slug}/comments", data={**fields, "body": "改过的另一条意见内容。"})
    assert edited.status_code == 422
    text = edited.get_data(as_text=True)
    assert code in text and "改过的另一条意见内容" in text  # the first code named, the new text kept
    assert comments() == 1
    # The page it shows carries a fresh id: submitting it again is a new comment.
    from bs4 import BeautifulSoup

    page = BeautifulSoup(edited.data, "html.parser")
    fresh = page.select_one("input[name=submission_id]")["value"]
    assert fresh != fields["submission_id"]
    again = client.post(
        f"/drafts/{draft.slug}/comments",
        data={**fields, "submission_id": fresh, "body": "改过的另一条意见内容。"},
    )
    assert again.status_code == 303 and comments() == 2
    assert display(code.replace("-", "")) == code
