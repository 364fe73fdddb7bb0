"""Campaigns in the demo (issue 16, point 5): forwarded copies with small edits and a contact point's forum
retelling them, grouped as soon as seed-demo ends (nothing left to drain first), and on a concluded draft
one decision for the campaign's group, shown once in the published feedback report."""

from __future__ import annotations

from sqlalchemy import select

from consult.demo.campaigns import CAMPAIGNS, copies
from consult.extensions import db
from consult.groups.queries import PER_PAGE_MAX, groups_of_draft
from consult.models import Comment, CommentGroup, Decision, GroupMember
from tests.test_seed import _seeded

OPEN, CONCLUDED = "dayunhe-wenhua-yichan-baohu-tiaoli", "hedao-guanli-tiaoli"


def _members(group_id: int) -> list[Comment]:
    return db.session.scalars(
        select(Comment)
        .join(GroupMember, GroupMember.comment_id == Comment.id)
        .where(GroupMember.group_id == group_id)
    ).all()


def test_copies_carry_small_edits_and_are_the_same_every_time():
    for slug in CAMPAIGNS:
        made = copies(slug)
        assert made == copies(slug)  # deterministic
        assert len(set(made)) == len(made) == CAMPAIGNS[slug].copies
    bodies = copies(CONCLUDED)
    assert any("10点" in b for b in bodies) and any("十点" in b for b in bodies)
    assert any("望采纳" in b for b in bodies) and any("," in b for b in bodies)


def test_the_open_demo_draft_shows_its_campaign_and_forum_as_groups(app, runner, client):
    drafts = _seeded(runner)
    listed = client.get("/api/v1/drafts").get_json()["drafts"]
    assert next(d["slug"] for d in listed if d["status"] == "open") == OPEN  # the draft the contract checks
    draft = drafts[OPEN]
    campaign = set(copies(OPEN))
    groups = groups_of_draft(draft.id, min_size=2, per_page=PER_PAGE_MAX).groups
    by_channel = {}
    for group in groups:
        members = _members(group.id)
        by_channel.setdefault(frozenset(m.channel for m in members), []).append((group, members))
    (web_group, web), *_ = by_channel[frozenset({"web"})] and sorted(
        by_channel[frozenset({"web"})], key=lambda gm: -len(gm[1])
    )
    assert {m.body for m in web} == campaign  # every copy, whatever its edits, in one group
    assert web_group.burst  # forwarded within two hours from a few addresses
    assert {m.status for m in web} == {"published", "pending"}  # still arriving
    forum = [members for _g, members in by_channel[frozenset({"contact_point"})] if len(members) >= 3]
    assert forum and len({m.batch_id for m in forum[0]}) == 1  # one forum's intake batch, retelling it


def test_the_concluded_campaign_was_decided_as_a_group_and_the_report_shows_it_once(app, runner, client):
    drafts = _seeded(runner)
    draft = drafts[CONCLUDED]
    outcome, reason = CAMPAIGNS[CONCLUDED].decision
    group = db.session.scalar(
        select(CommentGroup).where(CommentGroup.draft_id == draft.id, CommentGroup.outcome.is_not(None))
    )
    assert (group.outcome, group.reason, group.confirmed) == (outcome, reason, True)
    assert draft.closes_at < group.decided_at < draft.feedback_published_at
    members = _members(group.id)
    assert {m.body for m in members} == set(copies(CONCLUDED))
    decisions = db.session.scalars(
        select(Decision).where(Decision.comment_id.in_([m.id for m in members]))
    ).all()
    assert len(decisions) == len(members)
    assert all(d.inherited and d.group_id == group.id and d.outcome == outcome for d in decisions)
    report = client.get(f"/api/v1/drafts/{draft.slug}/feedback").get_json()
    shown = [i for place in report["articles"] for i in place["items"] if i["reason"] == reason]
    assert [(i["group_size"], i["outcome"]) for i in shown] == [(len(members), outcome)]  # once, for all ten


def test_grouping_runs_without_the_instance_path_setting(app):
    """Under `make run` INSTANCE_PATH is not among the settings (only app.instance_path): seed-demo's
    grouping took its lock file from the setting and stopped make run with a KeyError."""
    from consult.groups.drain import writer_lock

    kept = app.config.pop("INSTANCE_PATH")
    try:
        with writer_lock(wait=True) as taken:
            assert taken
    finally:
        app.config["INSTANCE_PATH"] = kept
