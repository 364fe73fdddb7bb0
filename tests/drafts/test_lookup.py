"""The one lookup of a draft by slug, and the draft rules usable in Python and SQL (hybrid properties)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.clock import utcnow
from consult.db import write_transaction
from consult.drafts.queries import by_slug
from consult.errors import NotFound
from consult.extensions import db
from consult.models import Draft


def set_fields(draft_id: int, **values) -> None:
    with write_transaction() as session:
        draft = session.get(Draft, draft_id)
        for key, value in values.items():
            setattr(draft, key, value)


def test_by_slug_finds_any_draft_or_only_a_published_one(app, factory):
    published, unpublished = factory.draft(), factory.draft("draft")
    assert by_slug(published.slug, public=True).id == published.id
    assert by_slug(unpublished.slug).id == unpublished.id
    with pytest.raises(NotFound) as err:
        by_slug(unpublished.slug, public=True)
    assert err.value.message == "草案不存在或尚未公布"
    for slug in ("no-such-draft", "", None):
        with pytest.raises(NotFound):
            by_slug(slug)


@pytest.mark.parametrize(
    ("feedback", "revising", "frozen"), [(False, False, False), (True, False, True), (True, True, False)]
)
def test_decisions_frozen_and_offline_opinions_agree_in_python_and_sql(
    app, factory, feedback, revising, frozen
):
    draft = factory.draft("closed")
    now = utcnow()
    set_fields(
        draft.id,
        feedback_published_at=now if feedback else None,
        feedback_revising_at=now if revising else None,
    )
    db.session.expire_all()
    loaded = db.session.get(Draft, draft.id)
    assert loaded.decisions_frozen is frozen and loaded.accepts_offline_opinions is (not frozen)
    in_sql = db.session.scalar(select(Draft.id).where(Draft.id == draft.id, Draft.decisions_frozen))
    assert (in_sql is not None) is frozen
    open_sql = db.session.scalar(select(Draft.id).where(Draft.id == draft.id, Draft.accepts_offline_opinions))
    assert (open_sql is not None) is (not frozen)
    assert db.session.scalar(select(Draft.id).where(Draft.id == draft.id, Draft.is_public)) is not None


def test_staff_entry_and_intake_follow_one_rule_for_a_revision(app, factory, login_as):
    """A concluded draft whose feedback is being revised accepts offline opinions at both doors."""
    from consult.intake.importing import _draft_for

    draft = factory.draft("closed")
    now = utcnow()
    set_fields(draft.id, feedback_published_at=now)
    with pytest.raises(Exception) as refused:
        _draft_for(draft.slug)
    assert "已发布" in str(refused.value)
    set_fields(draft.id, feedback_revising_at=now)
    db.session.expire_all()
    assert _draft_for(draft.slug).id == draft.id  # before: intake refused it while staff could enter letters
