"""Themes in the database: built from pending and published comments only; what staff renamed,
merged and moved survives a recomputation; each change makes the summary a draft again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.errors import NotFound, ValidationError
from consult.extensions import db
from consult.models import AuditLog, Comment, ThemeMember
from consult.themes.operations import merge_themes, move_comment, rebuild_themes, rename_theme
from consult.themes.queries import themes_of_draft

SLUG = "themed-draft"


def themes(draft_id):
    end_read()
    found = themes_of_draft(draft_id)
    end_read()
    return found


def theme_of(draft_id, comment_id):
    return next((t for t in themes(draft_id) if comment_id in t.comment_ids), None)


def set_status(comment_id, status):
    end_read()
    with write_transaction() as session:
        session.get(Comment, comment_id).status = status


def test_comments_raising_the_same_keywords_share_a_theme(themed):
    draft, ids = themed
    found = themes(draft.id)
    by_members = {frozenset(t.comment_ids): t for t in found}
    assert frozenset(ids["hours"]) in by_members
    assert frozenset(ids["deposit"]) in by_members
    assert frozenset(ids["kids"]) in by_members
    assert all(ids["other"][0] not in t.comment_ids for t in found)
    deposit = by_members[frozenset(ids["deposit"])]
    assert "押金" in deposit.keywords and deposit.label.startswith(deposit.keywords[0])
    assert not deposit.named and deposit.size == 3
    assert {t.article_id for t in found} == {draft.current_version.texts[0].article_id}


def test_only_pending_and_published_comments_count(themed):
    draft, ids = themed
    spam, rejected = ids["deposit"][0], ids["deposit"][1]
    set_status(spam, "spam")
    set_status(rejected, "rejected")
    rebuild_themes(None, CLI, SLUG)
    members = {cid for t in themes(draft.id) for cid in t.comment_ids}
    assert spam not in members and rejected not in members
    assert db.session.get(ThemeMember, spam) is None


def test_a_rename_survives_a_rebuild_and_an_empty_name_gives_the_keywords_back(themed, factory):
    draft, ids = themed
    theme = theme_of(draft.id, ids["hours"][0])
    rename_theme(None, CLI, SLUG, theme.id, "开放时间延长")
    factory.comment(draft, "开放时间再延长一点，晚上十点关门。", status="published", article_index=0)
    rebuild_themes(None, CLI, SLUG)
    again = theme_of(draft.id, ids["hours"][0])
    assert again.id == theme.id and again.label == "开放时间延长" and again.named
    assert again.size == 5  # the new comment joined the renamed theme
    rename_theme(None, CLI, SLUG, theme.id, "  ")
    assert theme_of(draft.id, ids["hours"][0]).label == theme.label
    with pytest.raises(ValidationError):
        rename_theme(None, CLI, SLUG, theme.id, "长" * 61)


def test_a_merge_survives_a_rebuild_and_new_comments_of_either_join_it(themed, factory):
    draft, ids = themed
    deposit = theme_of(draft.id, ids["deposit"][0])
    kids = theme_of(draft.id, ids["kids"][0])
    merge_themes(None, CLI, SLUG, deposit.id, [kids.id])
    factory.comment(draft, "儿童阅读区要扩大，儿童座位太少。", status="published", article_index=0)
    rebuild_themes(None, CLI, SLUG)
    merged = theme_of(draft.id, ids["kids"][0])
    assert merged.id == deposit.id
    assert set(ids["deposit"] + ids["kids"]) < set(merged.comment_ids) and merged.size == 6
    assert all(t.id != kids.id for t in themes(draft.id))
    actions = db.session.scalars(select(AuditLog.action)).all()
    assert "theme.merge" in actions and "theme.rebuild" in actions


def test_a_merge_across_articles_is_refused(themed, factory):
    draft, ids = themed
    for text in ("第二条的适用范围太窄，应当包括乡镇书房。", "适用范围要包括乡镇书房。"):
        factory.comment(draft, text, status="published", article_index=1)
    rebuild_themes(None, CLI, SLUG)
    second = next(t for t in themes(draft.id) if t.article_id == draft.current_version.texts[1].article_id)
    with pytest.raises(ValidationError):
        merge_themes(None, CLI, SLUG, theme_of(draft.id, ids["hours"][0]).id, [second.id])


def test_a_moved_comment_stays_where_staff_put_it(themed):
    draft, ids = themed
    moved = ids["hours"][0]
    deposit = theme_of(draft.id, ids["deposit"][0])
    move_comment(None, CLI, SLUG, moved, deposit.id)
    out = ids["kids"][0]
    move_comment(None, CLI, SLUG, out, None)  # out of every theme
    rebuild_themes(None, CLI, SLUG)
    assert theme_of(draft.id, moved).id == deposit.id
    assert theme_of(draft.id, out) is None
    assert theme_of(draft.id, ids["deposit"][0]).size == 4
    other = ids["other"][0]  # a comment in no theme may be moved into one
    move_comment(None, CLI, SLUG, other, deposit.id)
    assert theme_of(draft.id, other).id == deposit.id


def test_a_move_to_another_article_or_draft_is_refused(themed, factory):
    draft, ids = themed
    general = ids["general"][0]
    with pytest.raises(ValidationError):
        move_comment(None, CLI, SLUG, general, theme_of(draft.id, ids["hours"][0]).id)
    other_draft = factory.draft("open", slug="another")
    stranger = factory.comment(other_draft, "另一部草案的意见。", status="published").id
    with pytest.raises(ValidationError):
        move_comment(None, CLI, SLUG, stranger, None)
    with pytest.raises(NotFound):
        hours = theme_of(draft.id, ids["hours"][0]).id
        move_comment(None, CLI, "another", factory.comment(other_draft, "x").id, hours)  # not its theme


def test_a_pinned_comment_that_turns_spam_leaves_its_theme(themed):
    draft, ids = themed
    deposit = theme_of(draft.id, ids["deposit"][0])
    moved = ids["hours"][1]
    move_comment(None, CLI, SLUG, moved, deposit.id)
    set_status(moved, "spam")
    rebuild_themes(None, CLI, SLUG)
    assert theme_of(draft.id, moved) is None
