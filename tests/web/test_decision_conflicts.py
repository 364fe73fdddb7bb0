"""Two staff members deciding the same comment: the second is told, never silently overwritten."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.db import end_read
from consult.extensions import db
from consult.models import Decision
from tests.conftest import csrf_token_from
from tests.web.test_admin_review import decision_of, setup, soup

_ = setup


def _seen_fields(page, form_selector: str) -> dict[str, str]:
    return {i["name"]: i["value"] for i in page.select(f"{form_selector} input[name^=seen-]")}


def test_the_second_of_two_staff_deciding_the_same_comment_is_told(login_as, setup):
    draft, first, _third, on_first, *_ = setup
    alice, bob = login_as("staff", username="alice"), login_as("staff", username="bob")
    url = f"/admin/review/{draft.slug}/articles/{first}"
    target = on_first[1]
    # Both open the page while the comment is undecided.
    resp_a, resp_b = alice.get(url), bob.get(url)
    form = f"#c{target.id} form.decision-form"
    assert _seen_fields(soup(resp_b), form) == {f"seen-{target.id}": "0"}
    token_a, token_b = csrf_token_from(resp_a.data), csrf_token_from(resp_b.data)
    fields = {"ids": str(target.id), f"seen-{target.id}": "0"}
    resp = alice.post(url, data={"csrf_token": token_a, **fields, "outcome": "adopted", "reason": ""})
    assert resp.status_code == 303
    resp = bob.post(
        url, data={"csrf_token": token_b, **fields, "outcome": "not_adopted", "reason": "不符合上位法。"}
    )
    assert resp.status_code == 409
    message = soup(resp).select_one(f"#error-{target.id}").get_text()
    assert f"#{target.id}" in message and "其他工作人员" in message
    # Bob's input is kept for him to look at, and Alice's decision stands.
    assert "不符合上位法。" in soup(resp).select_one(f"#reason-{target.id}").get_text()
    decision = decision_of(target.id)
    assert (decision.outcome, decision.decided_by_id) == ("adopted", alice.user.id)
    # After reloading, Bob sees the new version and can change it on purpose.
    fresh_resp = bob.get(url)
    fresh = soup(fresh_resp)
    assert _seen_fields(fresh, form) == {f"seen-{target.id}": str(decision.version)}
    resp = bob.post(
        url,
        data={
            "csrf_token": csrf_token_from(fresh_resp.data),
            "ids": str(target.id),
            f"seen-{target.id}": str(decision.version),
            "outcome": "not_adopted",
            "reason": "不符合上位法。",
        },
    )
    assert resp.status_code == 303
    assert decision_of(target.id).outcome == "not_adopted"


def test_a_selection_is_refused_whole_when_one_of_them_changed_meanwhile(login_as, setup):
    draft, _first, _third, _on_first, _on_third, general = setup
    alice, bob = login_as("staff", username="alice"), login_as("staff", username="bob")
    url = f"/admin/review/{draft.slug}/general"
    resp_b = bob.get(url)
    page_b = soup(resp_b)
    # The bulk form's hidden fields sit in each item, tied to it by form="bulk".
    seen = {i["name"]: i["value"] for i in page_b.select("input[form=bulk][name^=seen-]")}
    assert seen == {f"seen-{c.id}": "0" for c in general}
    resp = alice.post(
        url,
        data={
            "csrf_token": csrf_token_from(alice.get(url).data),
            "ids": str(general[1].id),
            f"seen-{general[1].id}": "0",
            "outcome": "adopted",
        },
    )
    assert resp.status_code == 303
    resp = bob.post(
        url,
        data={
            "csrf_token": csrf_token_from(resp_b.data),
            "scope": "bulk",
            "ids": [str(c.id) for c in general],
            **seen,
            "outcome": "out_of_scope",
            "reason": "不属于本条例调整范围。",
        },
    )
    assert resp.status_code == 409
    assert f"#{general[1].id}" in soup(resp).select_one("form#bulk .field-error").get_text()
    # Nothing of the selection was written: not even the comment nobody else touched.
    assert decision_of(general[0].id) is None
    assert decision_of(general[1].id).outcome == "adopted"


def test_the_api_refuses_a_stale_decision_version(login_as, setup):
    draft, _first, _third, on_first, *_ = setup
    staff = login_as("staff")
    token = csrf_token_from(staff.get("/admin/").data)
    headers = {"X-CSRFToken": token}
    target = on_first[0]  # decided "adopted" by the fixture, version 1
    url = f"/api/v1/admin/comments/{target.id}/decision"
    resp = staff.post(
        url, json={"outcome": "not_adopted", "reason": "甲", "decision_version": 0}, headers=headers
    )
    assert resp.status_code == 409 and resp.json["error"]["code"] == "conflict"
    assert decision_of(target.id).outcome == "adopted"
    listed = staff.get(f"/api/v1/admin/comments?draft={draft.slug}&status=published").json["comments"]
    version = next(c["decision"]["version"] for c in listed if c["id"] == target.id)
    assert version == 1
    resp = staff.post(
        url, json={"outcome": "not_adopted", "reason": "甲", "decision_version": version}, headers=headers
    )
    assert resp.status_code == 200 and resp.json["decision"]["version"] == 2
    # Without decision_version the API keeps its old behaviour: the last write wins.
    resp = staff.post(url, json={"outcome": "adopted"}, headers=headers)
    assert resp.status_code == 200 and resp.json["decision"]["outcome"] == "adopted"
    # A negative or non-integer version is a field error, not a 500.
    for bad in (-1, "1", 1.5):
        resp = staff.post(url, json={"outcome": "adopted", "decision_version": bad}, headers=headers)
        assert resp.status_code == 400, bad
        assert "decision_version" in resp.json["error"]["fields"]


def test_two_inserts_at_the_same_moment_become_a_conflict(app, login_as, setup, monkeypatch):
    """When the other decision lands between our read and our write, the unique constraint answers."""
    import consult.comments.decisions as decisions

    draft, first, _third, on_first, *_ = setup
    staff = login_as("staff")
    target = on_first[2]
    real_check = decisions._check_seen

    def someone_else_decides_now(comments, seen):
        real_check(comments, seen)
        # Another worker's insert, committed on its own connection while ours is open.
        engine = db.engine
        with engine.begin() as conn:
            conn.execute(
                Decision.__table__.insert().values(
                    comment_id=target.id,
                    outcome="adopted",
                    reason="",
                    decided_at=comments[0].submitted_at,
                    version=1,
                )
            )

    if db.engine.dialect.name == "sqlite":
        pytest.skip(
            "SQLite serialises writers (BEGIN IMMEDIATE): the race cannot happen there, the "
            "version check guards it; this runs in the PostgreSQL pass"
        )
    monkeypatch.setattr(decisions, "_check_seen", someone_else_decides_now)
    url = f"/admin/review/{draft.slug}/articles/{first}"
    resp = decide_post(staff, url, target.id)
    assert resp.status_code == 409
    end_read()
    rows = db.session.scalars(select(Decision).where(Decision.comment_id == target.id)).all()
    assert len(rows) == 1 and rows[0].outcome == "adopted"


def decide_post(c, url, comment_id):
    token = csrf_token_from(c.get(url).data)
    return c.post(
        url, data={"csrf_token": token, "ids": str(comment_id), "outcome": "not_adopted", "reason": "乙"}
    )
