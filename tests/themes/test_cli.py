"""`flask themes rebuild SLUG`."""

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
