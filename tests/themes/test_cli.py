"""`flask themes rebuild SLUG` (at once) and `flask themes worker` (the queued recomputations)."""

from __future__ import annotations

from consult.db import end_read
from consult.themes.queries import themes_of_draft
from tests.themes.conftest import DEPOSIT, HOURS


def test_rebuild_computes_a_drafts_themes(runner, factory):
    draft = factory.draft("open", slug="cli-draft")
    for text in HOURS + DEPOSIT:
        factory.comment(draft, text, status="published")
    result = runner.invoke(args=["themes", "rebuild", "cli-draft"])
    assert result.exit_code == 0, result.output
    assert "已重新计算1个条款" in result.output and "共2个主题" in result.output
    end_read()
    assert len(themes_of_draft(draft.id)) == 2


def test_rebuild_of_an_unknown_draft_says_so(runner):
    result = runner.invoke(args=["themes", "rebuild", "no-such-draft"])
    assert result.exit_code == 2 and "草案不存在" in result.output


def test_rebuild_still_computes_at_once_with_a_job_waiting(app, runner, factory):
    """The command does not queue: it computes, even while staff's job for the draft waits."""
    from consult.context import CLI
    from consult.themes.jobs import latest_job, request_rebuild

    app.config["THEME_JOBS_INLINE"] = False
    draft = factory.draft("open", slug="cli-draft")
    for text in HOURS + DEPOSIT:
        factory.comment(draft, text, status="published")
    request_rebuild(factory.user("staff")[0], CLI, "cli-draft")
    result = runner.invoke(args=["themes", "rebuild", "cli-draft"])
    assert result.exit_code == 0, result.output
    end_read()
    assert len(themes_of_draft(draft.id)) == 2 and latest_job(draft.id).state == "queued"
    end_read()


def test_the_worker_runs_the_queued_jobs(app, runner, factory):
    from consult.context import CLI
    from consult.themes.jobs import latest_job, request_rebuild

    app.config["THEME_JOBS_INLINE"] = False
    draft = factory.draft("open", slug="cli-draft")
    for text in HOURS + DEPOSIT:
        factory.comment(draft, text, status="published")
    request_rebuild(factory.user("staff")[0], CLI, "cli-draft")
    result = runner.invoke(args=["themes", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "已完成1个意见主题重新计算任务" in result.output
    end_read()
    assert len(themes_of_draft(draft.id)) == 2 and latest_job(draft.id).state == "done"
    end_read()
