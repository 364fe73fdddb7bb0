"""Staff's recomputation of themes as a background job: queued (once per draft while it waits or runs), its
progress read back, its result the same as the computation at once, staff's work kept, a failure shown in
Chinese, and the themes page showing each state."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import delete, func, select

from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.models import AuditLog, OpinionSummary, Theme, ThemeAnchor, ThemeJob, ThemeMember
from consult.themes import build
from consult.themes.jobs import latest_job, request_rebuild, run_jobs
from consult.themes.operations import rebuild_themes, rename_theme
from consult.themes.queries import themes_of_draft
from tests.conftest import csrf_token_from

SLUG = "themed-draft"
THEMES = f"/admin/review/{SLUG}/themes"


@pytest.fixture
def staff(factory):
    return factory.user("staff")[0]


@pytest.fixture(autouse=True)
def by_the_worker(app):
    """Jobs run when a test runs them (the worker's way), not in a thread of the test's process."""
    app.config["THEME_JOBS_INLINE"] = False


def job_row(job_id: int) -> ThemeJob:
    end_read()
    job = db.session.get(ThemeJob, job_id)
    db.session.expunge(job)
    end_read()
    return job


def snapshot(draft_id: int) -> list[tuple]:
    """The draft's themes without their ids: (article, label, keywords, comments), sorted."""
    end_read()
    found = sorted(
        (t.article_id or 0, t.label, tuple(t.keywords), tuple(sorted(t.comment_ids)))
        for t in themes_of_draft(draft_id)
    )
    end_read()
    return found


def forget_themes(draft_id: int) -> None:
    with write_transaction() as session:
        for model in (ThemeMember, ThemeAnchor, Theme):
            session.execute(delete(model).where(model.draft_id == draft_id))


def test_a_press_queues_one_job_and_a_second_press_the_same(themed, staff):
    _draft, _ids = themed
    job, created = request_rebuild(staff, CLI, SLUG)
    again, created_again = request_rebuild(staff, CLI, SLUG)
    assert created and not created_again and again.id == job.id
    end_read()
    assert db.session.scalar(select(func.count()).select_from(ThemeJob)) == 1
    queued = db.session.scalars(select(AuditLog.details).where(AuditLog.action == "theme.queue")).all()
    assert queued == [{"job": job.id}]
    end_read()
    assert job_row(job.id).state == "queued"
    assert run_jobs() == 1
    assert job_row(job.id).state == "done"
    third, created_third = request_rebuild(staff, CLI, SLUG)  # done: a new press queues a new job
    assert created_third and third.id != job.id


def test_one_waiting_job_per_draft_is_a_unique_index(themed, staff):
    """The rule holds in the database too (two presses at the same moment in two processes)."""
    from sqlalchemy.exc import IntegrityError

    draft, _ids = themed
    request_rebuild(staff, CLI, SLUG)
    with pytest.raises(IntegrityError), write_transaction() as session:
        session.add(ThemeJob(draft_id=draft.id, state="running"))
    end_read()


def test_the_job_gives_what_the_computation_at_once_gives(themed, staff, factory):
    draft, _ids = themed
    factory.comment(draft, "借书押金可以降低到五十元。", status="published", article_index=0)
    forget_themes(draft.id)
    job, _ = request_rebuild(staff, CLI, SLUG)
    assert snapshot(draft.id) == []  # queued: nothing computed in the request
    run_jobs()
    by_job = snapshot(draft.id)
    done = job_row(job.id)
    assert (done.state, done.scopes_done, done.scopes_total, done.percent) == ("done", 2, 2, 100)
    assert done.themes == len(by_job) and done.changed is True and done.finished_at is not None
    forget_themes(draft.id)
    result = rebuild_themes(None, CLI, SLUG)
    assert snapshot(draft.id) == by_job and result.themes == done.themes
    assert sum(len(t[3]) for t in by_job) == 10


def test_progress_is_written_as_each_article_is_computed(themed, staff, monkeypatch):
    _draft, _ids = themed
    job, _ = request_rebuild(staff, CLI, SLUG)
    seen = []
    computed = build.scope_clusters

    def watched(draft_id, key, df):
        row = job_row(job.id)  # read back as the page reads it, while the job runs
        seen.append((row.state, row.scopes_done, row.scopes_total))
        return computed(draft_id, key, df)

    monkeypatch.setattr(build, "scope_clusters", watched)
    run_jobs()
    assert seen == [("running", 0, 0), ("running", 1, 2)]


def test_staff_renames_survive_the_job(themed, staff):
    draft, ids = themed
    theme = next(t for t in themes_of_draft(draft.id) if ids["hours"][0] in t.comment_ids)
    end_read()
    rename_theme(staff, CLI, SLUG, theme.id, "开放时间")
    request_rebuild(staff, CLI, SLUG)
    run_jobs()
    end_read()
    kept = next(t for t in themes_of_draft(draft.id) if ids["hours"][0] in t.comment_ids)
    assert (kept.id, kept.label) == (theme.id, "开放时间")
    end_read()


def test_a_failure_is_recorded_in_chinese_and_the_old_themes_stay(themed, staff, monkeypatch):
    draft, _ids = themed
    before = snapshot(draft.id)
    built = db.session.get(OpinionSummary, draft.id).themes_built_at
    end_read()

    def broken(*_args):
        raise MemoryError

    monkeypatch.setattr(build, "scope_clusters", broken)
    job, _ = request_rebuild(staff, CLI, SLUG)
    run_jobs()
    failed = job_row(job.id)
    assert failed.state == "failed"
    assert "重新计算意见主题失败" in failed.error and "MemoryError" in failed.error
    assert snapshot(draft.id) == before
    assert db.session.get(OpinionSummary, draft.id).themes_built_at == built
    end_read()
    again, created = request_rebuild(staff, CLI, SLUG)  # failed: the button queues a new one
    assert created and again.id != job.id


def test_a_job_left_running_by_a_dead_writer_runs_again(themed, staff):
    job, _ = request_rebuild(staff, CLI, SLUG)
    with write_transaction() as session:
        session.get(ThemeJob, job.id).state = "running"
    assert run_jobs() == 1
    assert job_row(job.id).state == "done"


# ---- the page -----------------------------------------------------------------------------------------


def is_poller(src: str | None) -> bool:
    return bool(src) and "theme-job.js" in src


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.data, "html.parser")


def press(client):
    token = csrf_token_from(client.get(THEMES).data)
    return client.post(f"{THEMES}/rebuild", data={"csrf_token": token})


def test_the_page_queues_shows_progress_and_the_result(login_as, themed, factory, monkeypatch):
    draft, _ids = themed
    client = login_as("staff")
    factory.comment(draft, "借书押金可以降低到五十元。", status="published", article_index=0)
    resp = press(client)
    assert resp.status_code == 303
    page = soup(client.get(THEMES))
    assert "已开始在后台重新计算意见主题" in page.get_text()
    assert page.find(id="theme-job")["data-state"] == "queued"
    assert page.find(id="theme-job")["data-poll"] == "5" and page.find("script", src=is_poller)
    assert page.find("form", action=f"{THEMES}/rebuild").button.has_attr("disabled")
    assert sum(t.size for t in themes_of_draft(draft.id)) == 9  # not yet computed
    end_read()
    assert press(client).status_code == 303  # a second press (a stale page): nothing more queued
    assert "无需重复提交" in soup(client.get(THEMES)).get_text()
    end_read()
    assert db.session.scalar(select(func.count()).select_from(ThemeJob)) == 1
    end_read()

    computed = build.scope_clusters
    pages = []

    def watched(draft_id, key, df):
        pages.append(soup(client.get(THEMES)))
        return computed(draft_id, key, df)

    monkeypatch.setattr(build, "scope_clusters", watched)
    run_jobs()
    running = pages[-1].find(id="theme-job")
    assert running["data-state"] == "running"
    assert running.progress["value"] == "50" and "已计算1个条款，共2个" in running.get_text()
    page = soup(client.get(THEMES))
    done = page.find(id="theme-job")
    assert done["data-state"] == "done" and "上次重新计算完成于" in done.get_text()
    assert not page.find(id="theme-job").has_attr("data-poll") and not page.find("script", src=is_poller)
    assert not page.find("form", action=f"{THEMES}/rebuild").button.has_attr("disabled")
    end_read()
    assert sum(t.size for t in themes_of_draft(draft.id)) == 10
    end_read()


def test_the_page_shows_a_failure(login_as, themed, monkeypatch):
    client = login_as("staff")

    def broken(*_args):
        raise RuntimeError("boom")

    monkeypatch.setattr(build, "scope_clusters", broken)
    press(client)
    run_jobs()
    page = soup(client.get(THEMES))
    alert = page.find(id="theme-job").find(role="alert")
    assert "重新计算意见主题失败" in alert.get_text() and "RuntimeError" in alert.get_text()
    assert latest_job(themed[0].id).state == "failed"
    end_read()


def test_the_button_runs_the_job_in_a_background_thread(app, login_as, themed):
    from consult.search.background import wait_for_background

    app.config["THEME_JOBS_INLINE"] = True
    client = login_as("staff")
    press(client)
    assert wait_for_background(timeout=60)
    assert latest_job(themed[0].id).state == "done"
    end_read()
