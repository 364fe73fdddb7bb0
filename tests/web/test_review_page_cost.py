"""The staff review page translates its fixed words once per render, not once per comment (issue 15)."""

from __future__ import annotations

import flask_babel
import pytest
from bs4 import BeautifulSoup

from consult.clock import utcnow
from consult.db import end_read, write_transaction
from consult.generation_cache import cache_for
from consult.models import Decision
from consult.web import review_cache


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


def translations_asked(app, monkeypatch, client, url: str) -> tuple[int, BeautifulSoup]:
    """How many times rendering the page asked flask_babel for a translation (templates, gettext, labels)."""
    client.get(url)  # once before counting: nothing per process is counted
    with app.app_context():  # rendered afresh, not served from the copy kept per change counter
        cache_for(review_cache.CACHE).clear()
        cache_for(review_cache.CHROME).clear()
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


def test_the_review_page_does_not_translate_a_fixed_word_per_comment(
    app, login_as, two_articles, monkeypatch
):
    draft, few_id, many_id = two_articles
    staff = login_as("staff")
    base = f"/admin/review/{draft.slug}/articles"
    few, few_page = translations_asked(app, monkeypatch, staff, f"{base}/{few_id}")
    many, many_page = translations_asked(app, monkeypatch, staff, f"{base}/{many_id}")
    # The pages really show what was counted: 5 and 40 comments, decided and undecided, each with its forms.
    assert len(few_page.select("li.review-item")) == 5 and len(many_page.select("li.review-item")) == 40
    assert len(many_page.select("form.decision-form")) == 40
    assert len(many_page.select(".current-decision .outcome")) == 20
    assert len(many_page.select(".badge-undecided")) == 20
    assert few > 0
    assert many == few, (few, many)


def test_the_list_is_rendered_once_per_change_and_each_visitor_gets_their_own_token(
    app, login_as, two_articles
):
    """The page's list is kept per change counter (consult/web/review_cache.py): asked again it is not
    rendered again; a note, an assignment, a decision or a renamed colleague renders it anew."""
    from flask import template_rendered

    from consult.auth import operations as ops
    from consult.context import CLI

    draft, few_id, _many_id = two_articles
    alice, bob = login_as("staff", username="alice"), login_as("staff", username="bob")
    url = f"/admin/review/{draft.slug}/articles/{few_id}"
    rendered: list[str] = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    def lists() -> int:
        return rendered.count("admin/review/_place.html")

    def page(client) -> BeautifulSoup:
        resp = client.get(url)
        assert resp.status_code == 200
        html = BeautifulSoup(resp.data, "html.parser")
        token = html.select_one("meta[name=csrf-token]")["content"]
        # Every form carries this visitor's own token, never a placeholder or another person's.
        assert {i["value"] for i in html.select("input[name=csrf_token]")} == {token}
        assert "__consult_" not in resp.get_data(as_text=True)
        return html

    with template_rendered.connected_to(record, app):
        first = page(alice)
        page(alice)
        seen_by_bob = page(bob)
        assert lists() == 1
        # The page around the list is each person's own.
        assert (
            first.select_one(".who").get_text() == "alice"
            and seen_by_bob.select_one(".who").get_text() == "bob"
        )
        token_a = first.select_one("meta[name=csrf-token]")["content"]
        assert seen_by_bob.select_one("meta[name=csrf-token]")["content"] != token_a
        target = int(first.select("li.review-item")[1]["data-id"])
        base = f"/admin/review/{draft.slug}/comments/{target}"

        resp = alice.post(f"{base}/notes", data={"csrf_token": token_a, "body": "已电话联系提出人"})
        assert resp.status_code == 303
        after_note = page(alice)
        assert "已电话联系提出人" in after_note.select_one(f"#c{target} .internal-notes").get_text()
        assert "已添加内部备注" in after_note.select_one(".flash").get_text()  # the message, once
        assert page(alice).select_one(".flash") is None
        assert lists() == 2

        resp = alice.post(f"{base}/assign", data={"csrf_token": token_a, "assignee": str(bob.user.id)})
        assert resp.status_code == 303
        assert "bob" in page(alice).select_one(f"#c{target} .comment-work .assigned").get_text()
        assert lists() == 3

        resp = alice.post(
            url, data={"csrf_token": token_a, "ids": str(target), "outcome": "adopted", "reason": ""}
        )
        assert resp.status_code == 303
        assert page(alice).select_one(f"#c{target} .current-decision .outcome").get_text() == "采纳"
        assert lists() == 4

        end_read()
        ops.update_user(None, CLI, bob.user.id, "鲍勃", "staff")
        options = [o.get_text() for o in page(alice).select("#work select[name=assignee] option")]
        assert "鲍勃（bob）" in options
        assert lists() == 5


def test_the_draft_overview_is_kept_per_change_and_its_export_jobs_are_always_current(
    make_app, factory, clock
):
    """The review overview (counts, heat strip, arrivals, groups, export jobs) is rendered once per
    change counter and person (review_cache.kept_overview): a new export job and its progress move the
    ``exports`` counter; the stage badge's days left, a message and each person's own header are current
    on every request."""
    from flask import template_rendered

    from consult.context import CLI
    from consult.feedback import export_jobs
    from tests.conftest import csrf_token_from

    # Two published comments: exports are jobs. The test moves the job itself, as the export worker
    # would: a job run in the web process's background thread would move the counter between requests.
    site = make_app(EXPORT_INLINE_MAX_ROWS=1, EXPORT_JOBS_INLINE=False)
    with site.app_context():
        draft = factory.draft()
        factory.comment(draft, body="第一条的意见", status="published", article_index=0)
        factory.comment(draft, body="第二条的意见", status="published", article_index=1)
        clients = {}
        for name in ("alice", "bob"):
            user, password = factory.user("staff", username=name)
            client = site.test_client()
            token = csrf_token_from(client.get("/login").data)
            client.post("/login", data={"csrf_token": token, "username": name, "password": password})
            clients[name] = (client, user)
    url = f"/admin/review/{draft.slug}"
    rendered: list[str] = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    def page(name: str) -> BeautifulSoup:
        resp = clients[name][0].get(url)
        assert resp.status_code == 200
        assert "__consult_" not in resp.get_data(as_text=True)
        html = BeautifulSoup(resp.data, "html.parser")
        token = html.select_one("meta[name=csrf-token]")["content"]
        assert {i["value"] for i in html.select("input[name=csrf_token]")} == {token}
        return html

    def renders() -> int:
        return rendered.count("admin/review/draft.html")

    with template_rendered.connected_to(record, site):
        first = page("alice")
        assert page("alice").select_one(".who").get_text() == "alice"
        assert renders() == 1  # the second one was kept
        assert first.select_one(".export-jobs") is None
        assert page("bob").select_one(".who").get_text() == "bob"  # each person's own page
        assert renders() == 2

        with site.app_context():
            job = export_jobs.request_export(clients["alice"][1], CLI, draft.slug, "xlsx").job
        jobs = page("alice").select_one(".export-jobs")
        assert jobs is not None and "xlsx" in jobs.get_text().lower()
        assert renders() == 3  # a new job moved the exports counter
        with site.app_context():
            end_read()
            with write_transaction() as session:
                session.get(export_jobs.ExportJob, job.id).state = "running"
        assert "0%" in page("alice").select_one(".export-jobs").get_text()
        assert renders() == 4
        with site.app_context():
            export_jobs._progress(job.id, 1, 2)  # written on a connection of its own, as the worker does
        assert "50%" in page("alice").select_one(".export-jobs").get_text()
        assert renders() == 5  # the progress moved the counter too
        page("alice")
        assert renders() == 5

        factory.comment(draft, body="第二条的又一条意见", status="published", article_index=1)
        assert "已公开意见3条" in page("alice").select_one(".meta").get_text()
        assert renders() == 6

        assert "剩余27天" in page("alice").select_one(".badge").get_text()
        clock.advance(days=1)
        assert "剩余26天" in page("alice").select_one(".badge").get_text()

        with clients["alice"][0].session_transaction() as session:
            session["_flashes"] = [("message", "已导出。")]
        assert "已导出。" in page("alice").select_one(".flash").get_text()
        assert page("alice").select_one(".flash") is None
