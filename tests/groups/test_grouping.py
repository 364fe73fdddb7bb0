"""Grouping in the database: through the outbox as comments arrive, equal to a rebuild from scratch;
ids stable as members join; what staff split, merged or confirmed survives a rebuild; the burst flag."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.groups.drain import drain
from consult.groups.operations import confirm_group, merge_groups, rebuild_draft, split_member
from consult.intake.importing import BatchRequest, import_batch
from consult.models import AuditLog, Comment, CommentBand, CommentGroup, Draft, GroupMember, OutboxEvent
from tests.factories import Factory

LABELLED = json.loads((Path(__file__).parent / "fixtures" / "labelled.json").read_text(encoding="utf-8"))
# Four of the set's articles, on the sample draft's first three articles and the draft as a whole.
PLACES = {"study-7": 0, "dust-5": 1, "market-4": 2, "park-2": None}
CAMPAIGN = "建议城市书房开放时间延长到晚上{n}点，方便上班族下班后去看书，{estate}居民都很需要。"
OTHER = "建筑工地扬尘污染严重，{estate}周边每天灰尘很大，建议把罚款提高到5万元，加大处罚力度。"
ESTATES = ["阳光花园", "幸福家园", "锦绣华庭", "运河名都", "翠湖小区", "东关新村", "梅岭苑", "文昌花园"]


def partition_now() -> set[frozenset[int]]:
    """The groups of two or more, as sets of comment ids."""
    end_read()
    found: dict[int, set[int]] = {}
    for comment_id, group_id in db.session.execute(select(GroupMember.comment_id, GroupMember.group_id)):
        if group_id is not None:
            found.setdefault(group_id, set()).add(comment_id)
    end_read()
    return {frozenset(members) for members in found.values() if len(members) >= 2}


def group_of(comment_id: int) -> int | None:
    end_read()
    value = db.session.scalar(select(GroupMember.group_id).where(GroupMember.comment_id == comment_id))
    end_read()
    return value


def set_status(comment_id: int, status: str) -> None:
    end_read()
    with write_transaction() as session:
        session.get(Comment, comment_id).status = status


@pytest.fixture
def draft(factory):
    return factory.draft("open", slug="grouped-draft")


def test_incremental_grouping_equals_a_rebuild_from_scratch(factory, draft):
    rows = [row for row in LABELLED if row["article"] in PLACES]
    ids: dict[int, int] = {}
    for n, row in enumerate(rows):
        status = "published" if n % 3 else "pending"
        ids[row["id"]] = factory.comment(
            draft, row["body"], status=status, article_index=PLACES[row["article"]]
        ).id
        if n % 7 == 0:
            drain()  # comments arrive between drains, and drains see several at once
    campaign = [ids[row["id"]] for row in rows if row["cluster"] == "hours-10"]
    set_status(campaign[1], "spam")  # a member leaves: its scope is recomputed
    drain()
    incremental = partition_now()
    assert incremental and all(campaign[1] not in members for members in incremental)
    assert any(set(campaign) - {campaign[1]} <= members for members in incremental)

    end_read()
    with write_transaction() as session:  # forget everything the outbox built
        session.execute(delete(GroupMember))
        session.execute(delete(CommentBand))
        session.execute(delete(CommentGroup))
    rebuild_draft("grouped-draft")
    assert partition_now() == incremental


def test_a_group_keeps_its_id_as_members_arrive_and_through_a_rebuild(factory, draft):
    first = [factory.comment(draft, CAMPAIGN.format(n=10, estate=e)).id for e in ESTATES[:2]]
    drain()
    group_id = group_of(first[0])
    assert group_id is not None and group_of(first[1]) == group_id
    later = [factory.comment(draft, CAMPAIGN.format(n="十", estate=e) + "望采纳！").id for e in ESTATES[2:5]]
    drain()
    assert [group_of(c) for c in later] == [group_id] * 3
    rebuild_draft("grouped-draft")
    assert [group_of(c) for c in first + later] == [group_id] * 5


def test_opposite_opinions_and_other_articles_stay_apart(factory, draft):
    ten = [factory.comment(draft, CAMPAIGN.format(n=10, estate=e)).id for e in ESTATES[:3]]
    eight = [factory.comment(draft, CAMPAIGN.format(n=8, estate=e)).id for e in ESTATES[3:6]]
    elsewhere = factory.comment(draft, CAMPAIGN.format(n=10, estate="梅岭苑"), article_index=1).id
    drain()
    assert partition_now() == {frozenset(ten), frozenset(eight)}
    assert group_of(elsewhere) is None


def test_spam_is_never_grouped(factory, draft):
    ids = [factory.comment(draft, CAMPAIGN.format(n=10, estate=e)).id for e in ESTATES[:2]]
    spam = factory.comment(draft, CAMPAIGN.format(n=10, estate="梅岭苑"), status="spam").id
    drain()
    assert partition_now() == {frozenset(ids)} and group_of(spam) is None


def test_what_staff_did_survives_a_rebuild_and_new_arrivals(factory, draft, app):
    staff, _ = factory.user("staff")
    ten = [factory.comment(draft, CAMPAIGN.format(n=10, estate=e)).id for e in ESTATES[:4]]
    dust = [factory.comment(draft, OTHER.format(estate=e)).id for e in ESTATES[:3]]
    drain()
    ten_group, dust_group = group_of(ten[0]), group_of(dust[0])
    assert ten_group != dust_group

    left = split_member(staff, CLI, ten_group, ten[3])
    assert left == ten_group and group_of(ten[3]) is None
    merged = merge_groups(staff, CLI, [dust_group, ten_group])
    assert merged == min(ten_group, dust_group)
    other = factory.comment(draft, OTHER.format(estate="翠湖小区"), article_index=1).id
    other2 = factory.comment(draft, OTHER.format(estate="东关新村"), article_index=1).id
    drain()
    confirmed = confirm_group(staff, CLI, group_of(other))
    expected = {frozenset(ten[:3] + dust), frozenset({other, other2})}
    assert partition_now() == expected

    rebuild_draft("grouped-draft")
    assert partition_now() == expected
    assert group_of(ten[3]) is None  # split out, and it stays out
    end_read()
    assert db.session.get(CommentGroup, confirmed).confirmed

    # A new copy of the campaign joins the merged group; the one split out still stays out.
    newcomer = factory.comment(draft, CAMPAIGN.format(n=10, estate="梅岭苑")).id
    drain()
    assert group_of(newcomer) == merged and group_of(ten[3]) is None
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("group.%"))).all()
    assert sorted(actions) == ["group.confirm", "group.merge", "group.split"]


def test_many_copies_from_few_addresses_in_a_short_time_are_a_burst(factory, draft, clock):
    burst_ids = []
    for n in range(6):
        clock.advance(minutes=3)
        burst_ids.append(
            factory.comment(draft, CAMPAIGN.format(n=10, estate=ESTATES[n]), address_hash=f"addr{n % 2}").id
        )
    slow_ids = []
    for n in range(6):
        clock.advance(hours=5)
        slow_ids.append(
            factory.comment(draft, OTHER.format(estate=ESTATES[n]), address_hash=f"addr{n % 2}").id
        )
    drain()
    end_read()
    burst_group = db.session.get(CommentGroup, group_of(burst_ids[0]))
    slow_group = db.session.get(CommentGroup, group_of(slow_ids[0]))
    assert burst_group.size == 6 and burst_group.burst
    assert slow_group.size == 6 and not slow_group.burst


def test_a_comment_moved_to_another_article_leaves_its_group(factory, draft):
    ids = [factory.comment(draft, CAMPAIGN.format(n=10, estate=e)).id for e in ESTATES[:3]]
    elsewhere = factory.comment(draft, "无关意见。", article_index=1).id
    drain()
    end_read()
    with write_transaction() as session:
        session.get(Comment, ids[2]).article_id = session.get(Comment, elsewhere).article_id
    drain()
    assert partition_now() == {frozenset(ids[:2])}


def test_a_comment_that_bridges_two_groups_makes_them_one(factory, draft):
    x, y, z = (
        "城市书房应当提供免费无线网络和充电插座",
        "现在很多人用手机和电脑学习很不方便",
        "建议书房增设安静的自习区域和儿童阅读角",
    )
    first = [factory.comment(draft, f"{x}，{y}").id, factory.comment(draft, f"{x}，{y}！望采纳").id]
    second = [factory.comment(draft, f"{y}，{z}").id, factory.comment(draft, f"{y}。{z}，谢谢").id]
    drain()
    assert partition_now() == {frozenset(first), frozenset(second)}
    kept = group_of(first[0])
    bridge = factory.comment(draft, f"{x}，{y}，{z}").id
    drain()
    assert partition_now() == {frozenset([*first, *second, bridge])}
    assert group_of(bridge) == kept  # the older of two groups of one size keeps its id


def test_an_imported_batch_is_grouped_through_the_outbox(factory, draft):
    factory.contact_point("dongguan")
    staff, _ = factory.user("staff")
    web = factory.comment(draft, CAMPAIGN.format(n=10, estate="阳光花园")).id
    rows = "".join(
        f"{n},第一条,{CAMPAIGN.format(n='十', estate=e)},,,\n" for n, e in enumerate(ESTATES[1:4], 1)
    )
    data = ("序号,条款,意见内容,理由,提出人,联系电话\n" + rows).encode()
    request = BatchRequest(
        draft=draft.slug,
        filename="意见.csv",
        data=data,
        contact_point="dongguan",
        meeting_date="2026-11-20",
        method="座谈会",
    )
    assert import_batch(staff, CLI, request).rows_imported == 3
    drain()
    end_read()
    imported = db.session.scalars(select(Comment.id).where(Comment.batch_id.is_not(None))).all()
    assert partition_now() == {frozenset([web, *imported])}


def test_the_rebuild_command(factory, draft, runner):
    ids = [factory.comment(draft, CAMPAIGN.format(n=10, estate=e)).id for e in ESTATES[:3]]
    # No drain: comments stored before grouping existed are grouped by the command.
    result = runner.invoke(args=["groups", "rebuild", "grouped-draft"])
    assert result.exit_code == 0 and "已重新计算" in result.output
    assert partition_now() == {frozenset(ids)}
    missing = runner.invoke(args=["groups", "rebuild", "no-such-draft"])
    assert missing.exit_code == 2 and "草案不存在" in missing.output


def test_under_make_run_comments_are_grouped_after_each_commit(make_app):
    app = make_app(GROUPS_DRAIN_INLINE=True)
    with app.app_context():
        factory = Factory(app)
        inline_draft = factory.draft("open", slug="inline-draft")
        ids = [factory.comment(inline_draft, CAMPAIGN.format(n=10, estate=e)).id for e in ESTATES[:3]]
        assert partition_now() == {frozenset(ids)}  # no drain called: each commit drained its rows


def test_a_row_that_fails_does_not_hold_the_others_back(factory, draft, monkeypatch):
    from consult.groups import drain as drain_module

    ids = [factory.comment(draft, CAMPAIGN.format(n=10, estate=e)).id for e in ESTATES[:3]]
    real = drain_module.update_comment

    def failing(session, comment_id, was=None):
        if comment_id == ids[0]:
            raise RuntimeError("boom")
        real(session, comment_id, was)

    monkeypatch.setattr(drain_module, "update_comment", failing)
    drain()
    assert partition_now() == {frozenset(ids[1:])}
    end_read()
    failed = db.session.scalars(select(OutboxEvent).where(OutboxEvent.processed_at.is_(None))).all()
    assert [(e.target_id, e.attempts, e.last_error) for e in failed if e.kind == "groups.update"] == [
        (ids[0], drain_module.MAX_ATTEMPTS, "boom")
    ]
    monkeypatch.setattr(drain_module, "update_comment", real)
    rebuild_draft("grouped-draft")  # a rebuild sets it right
    assert partition_now() == {frozenset(ids)}


def test_a_drain_goes_on_past_a_full_batch(factory, draft, monkeypatch):
    """The drain stops looking for rows after a batch that was not full; a full one is followed by the
    next, so more rows than a batch holds are drained by one call."""
    from consult.groups import drain as drain_module

    monkeypatch.setattr(drain_module, "BATCH", 2)
    ids = [factory.comment(draft, CAMPAIGN.format(n=10, estate=e)).id for e in ESTATES[:5]]
    assert drain() == 5
    assert partition_now() == {frozenset(ids)}
    assert drain() == 0


def test_a_rebuild_stores_every_comments_band_keys_as_ingest_does(factory, draft):
    """The rebuild writes a scope's band keys in bulk (COPY on PostgreSQL): the same rows as one
    comment's ingest writes, so comments arriving later find the same candidates."""
    from consult.groups.similarity import Text, band_keys

    ids = [factory.comment(draft, CAMPAIGN.format(n=10, estate=e)).id for e in ESTATES[:3]]
    ids.append(factory.comment(draft, OTHER.format(estate=ESTATES[0]), article_index=None).id)
    drain()
    end_read()

    def stored() -> dict[int, list[tuple[int, int]]]:
        found: dict[int, list[tuple[int, int]]] = {}
        for cid, band, key in db.session.execute(
            select(CommentBand.comment_id, CommentBand.band, CommentBand.key).where(
                CommentBand.comment_id.in_(ids)
            )
        ):
            found.setdefault(cid, []).append((band, key))
        end_read()
        return {cid: sorted(rows) for cid, rows in found.items()}

    ingested = stored()
    assert rebuild_draft(draft.slug) >= 2
    rebuilt = stored()
    assert rebuilt == ingested and set(rebuilt) == set(ids)
    body = db.session.get(Comment, ids[0]).body
    assert [key for _band, key in rebuilt[ids[0]]] == band_keys(Text.of(body))
    end_read()


def test_a_rebuild_moves_the_band_keys_of_a_comment_whose_move_is_still_queued(factory, draft):
    """A comment moved to another article before its update was drained still has its band keys stored
    under its old article: the rebuild stores them under the new one (no duplicate key, no stale row),
    and groups it there."""
    # from a later article to an earlier one: the scope it moved to is rebuilt first
    ids = [factory.comment(draft, CAMPAIGN.format(n=10, estate=e), article_index=1).id for e in ESTATES[:3]]
    there = [factory.comment(draft, CAMPAIGN.format(n=10, estate=e)).id for e in ESTATES[3:5]]
    drain()
    end_read()
    with write_transaction() as session:
        moved = session.get(Comment, ids[2])
        moved.article_id = session.get(Comment, there[0]).article_id
        new_key = moved.article_id
        session.execute(delete(OutboxEvent))  # its update is not drained before the rebuild
    rebuild_draft(draft.slug)
    end_read()
    places = set(
        db.session.execute(
            select(CommentBand.draft_id, CommentBand.article_key).where(CommentBand.comment_id == ids[2])
        )
    )
    assert places == {(draft.id, new_key)}
    assert partition_now() == {frozenset(ids[:2]), frozenset([*there, ids[2]])}


def test_a_drafts_band_keys_go_with_its_comments(factory, draft):
    """comment_band has no foreign key to draft of its own: deleting a draft still leaves no band row of
    its comments (they go with the comments, which go with the draft)."""
    ids = [factory.comment(draft, CAMPAIGN.format(n=10, estate=e)).id for e in ESTATES[:3]]
    drain()
    end_read()
    assert db.session.scalar(select(func.count()).where(CommentBand.comment_id.in_(ids)))
    end_read()
    with write_transaction() as session:
        session.execute(delete(Draft).where(Draft.id == draft.id))
    assert db.session.scalar(select(func.count()).select_from(CommentBand)) == 0
    end_read()
