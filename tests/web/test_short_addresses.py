"""Short addresses of drafts (/d/<code>, issue 17 point 4): drawn once, unique, kept, and a 302."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from consult.clock import utcnow
from consult.context import RequestContext
from consult.db import end_read
from consult.drafts import short_codes
from consult.drafts.operations import add_version, update_draft
from consult.extensions import db
from consult.models import Draft
from tests.conftest import is_postgres
from tests.factories import SAMPLE_TEXT

CLI = RequestContext(user_agent="tests")


def test_every_draft_gets_a_short_code_of_six_unambiguous_characters(app, factory):
    codes = {factory.draft().short_code for _ in range(5)}
    assert len(codes) == 5
    for code in codes:
        assert short_codes.is_well_formed(code)
        assert not set(code) & set("01ilo")


def test_the_short_address_redirects_to_the_draft_page_with_a_302(app, client, factory):
    draft = factory.draft()
    resp = client.get(f"/d/{draft.short_code}")
    assert resp.status_code == 302
    assert resp.headers["Location"] == f"/drafts/{draft.slug}"
    assert "max-age=" in resp.headers["Cache-Control"]


def test_a_short_code_is_forgiven_its_case_spaces_and_dashes(app, client, factory):
    draft = factory.draft()
    code = draft.short_code
    typed = f"{code[:3].upper()}-{code[3:]}"
    assert client.get(f"/d/{typed}").headers["Location"] == f"/drafts/{draft.slug}"


def test_unknown_malformed_or_unpublished_short_codes_are_404(app, client, factory):
    hidden = factory.draft(status="draft")
    assert client.get(f"/d/{hidden.short_code}").status_code == 404
    assert client.get("/d/zzzzzz").status_code == 404
    assert client.get("/d/not-a-code-at-all").status_code == 404
    page = client.get("/d/zzzzzz").get_data(as_text=True)
    assert "短网址不存在" in page


def test_the_short_code_stays_what_it_was_through_edits_and_new_versions(app, client, factory):
    # Slugs cannot be changed (consult/drafts/operations.UPDATABLE): the code is tested for stability.
    draft = factory.draft()
    code = draft.short_code
    end_read()
    update_draft(None, CLI, draft.slug, {"title": "本市城市书房条例（修改稿）", "closes_at": utcnow()})
    add_version(None, CLI, draft.slug, SAMPLE_TEXT + "\n第五条　新增的一条。", label="修改稿")
    end_read()
    db.session.expire_all()
    assert db.session.get(Draft, draft.id).short_code == code
    assert client.get(f"/d/{code}").headers["Location"] == f"/drafts/{draft.slug}"


def test_a_draw_that_hits_a_taken_code_draws_again(app, factory, monkeypatch):
    taken = factory.draft().short_code
    draws = iter([taken, taken, "23456a"])
    monkeypatch.setattr(short_codes, "new_code", lambda: next(draws))
    assert factory.draft().short_code == "23456a"


def test_the_unique_index_refuses_a_second_draft_with_the_same_code(app, factory):
    first, second = factory.draft(), factory.draft()
    end_read()
    with pytest.raises(IntegrityError):
        with db.engine.begin() as conn:
            conn.execute(
                text("UPDATE draft SET short_code = :c WHERE id = :i"),
                {"c": first.short_code, "i": second.id},
            )


@pytest.mark.skipif(
    is_postgres(), reason="the upgrade's backfill is the same SQL on both; run once, on SQLite"
)
def test_the_migration_gives_every_existing_draft_its_own_code(make_app, factory, tmp_path):
    app = make_app()
    with app.app_context():
        ids = [factory.draft().id for _ in range(4)]
        end_read()
        db.session.remove()
        downgrade(revision="f2b4d6e8a0c1")  # before the short codes
        upgrade()
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        with engine.connect() as conn:
            codes = dict(conn.execute(text("SELECT id, short_code FROM draft")).all())
        engine.dispose()
    assert sorted(codes) == sorted(ids)
    assert len(set(codes.values())) == 4
    assert all(short_codes.is_well_formed(c) for c in codes.values())
