"""One decision for a group (issue 16, point 2): it fans out to every published member without a decision
of its own, in a few statements whatever the size; a member's own decision wins; members that join or
are published later inherit it, one split out loses it; frozen after publication; the version check;
one audit row naming the group and the count; comment_count stays true."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from consult.comments.counts import differences
from consult.comments.decisions import decide
from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.errors import Conflict, ValidationError
from consult.extensions import db
from consult.feedback.publishing import publish_feedback
from consult.groups.decisions import decide_group
from consult.groups.drain import drain
from consult.groups.operations import merge_groups, split_member
from consult.groups.queries import group_ids_of, group_view
from consult.models import AuditLog, Comment, Decision

CAMPAIGN = "建议城市书房开放时间延长到晚上十点，方便上班族下班后去看书，{estate}居民都很需要。"
ESTATES = ["阳光花园", "幸福家园", "锦绣华庭", "运河名都", "翠湖小区", "东关新村", "梅岭苑", "文昌花园"]
REASON = "开放时间已在第五条规定，由各书房根据实际情况确定。"
SEATS = "城市书房的座位太少了，{estate}附近的书房周末经常找不到位子，建议增加座位和自习桌。"


@pytest.fixture
def staff(factory):
    return factory.user("staff")[0]


@pytest.fixture
def campaign(factory):
    """A closed draft, five published copies of a campaign text and one still pending; grouped."""
    draft = factory.draft("closed")
    published = [
        factory.comment(draft, CAMPAIGN.format(estate=e), status="published").id for e in ESTATES[:5]
    ]
    pending = factory.comment(draft, CAMPAIGN.format(estate=ESTATES[5])).id
    drain()
    end_read()
    group_id = group_ids_of([published[0]])[published[0]]
    end_read()
    return draft, group_id, published, pending


def decisions(ids) -> dict[int, tuple[str, str, bool, int | None]]:
    """comment id → (outcome, reason, inherited, group id) of its decision."""
    end_read()
    rows = db.session.execute(
        select(
            Decision.comment_id, Decision.outcome, Decision.reason, Decision.inherited, Decision.group_id
        ).where(Decision.comment_id.in_(list(ids)))
    ).all()
    end_read()
    return {cid: (o, r, i, g) for cid, o, r, i, g in rows}


def counts_true() -> bool:
    end_read()
    found = differences(db.session.connection())
    end_read()
    return not found


def test_a_group_decision_fans_out_to_every_published_member(campaign, staff):
    _draft, group_id, published, pending = campaign
    group, decided = decide_group(staff, CLI, group_id, "not_adopted", REASON)
    assert (group, decided) == (group_id, 5)
    found = decisions([*published, pending])
    assert set(found) == set(published)  # a pending comment is decided once it is published
    assert set(found.values()) == {("not_adopted", REASON, True, group_id)}
    assert counts_true()
    view = group_view(group_id)
    assert view.decision["outcome"] == "not_adopted" and view.decision["version"] == 1
    assert view.confirmed  # deciding confirms: no recomputation moves members from under the decision


def test_a_member_s_own_decision_wins(campaign, staff):
    _draft, group_id, published, _pending = campaign
    decide(staff, CLI, [published[0]], "adopted", "")
    assert decide_group(staff, CLI, group_id, "not_adopted", REASON)[1] == 4
    assert decide_group(staff, CLI, group_id, "partially_adopted", "部分采纳。", expected_version=1)[1] == 4
    found = decisions(published)
    assert found[published[0]] == ("adopted", "", False, None)
    assert {found[c] for c in published[1:]} == {("partially_adopted", "部分采纳。", True, group_id)}
    # Deciding a member on its own afterwards takes it out of the group's decision for good.
    decide(staff, CLI, [published[1]], "already_provided", "已有规定。")
    decide_group(staff, CLI, group_id, "out_of_scope", "不属于本条例调整范围。", expected_version=2)
    found = decisions(published)
    assert found[published[1]] == ("already_provided", "已有规定。", False, None)
    assert {found[c][0] for c in published[2:]} == {"out_of_scope"}
    assert counts_true()


def test_members_that_join_or_are_published_later_inherit_it(campaign, staff, factory):
    draft, group_id, _published, pending = campaign
    decide_group(staff, CLI, group_id, "not_adopted", REASON)
    later = factory.comment(draft, CAMPAIGN.format(estate=ESTATES[6]), status="published").id
    drain()
    end_read()
    assert group_ids_of([later]) == {later: group_id}
    assert decisions([later])[later] == ("not_adopted", REASON, True, group_id)
    assert pending not in decisions([pending])
    end_read()
    with write_transaction() as session:  # published as moderation would
        session.get(Comment, pending).status = "published"
    drain()
    assert decisions([pending])[pending] == ("not_adopted", REASON, True, group_id)
    end_read()
    assert group_view(group_id).size == 7
    assert counts_true()


def test_a_member_split_out_leaves_the_inherited_decision_with_the_group(campaign, staff):
    _draft, group_id, published, _pending = campaign
    decide(staff, CLI, [published[1]], "adopted", "")
    decide_group(staff, CLI, group_id, "not_adopted", REASON)
    split_member(staff, CLI, group_id, published[0])  # inherited: it leaves with the group
    split_member(staff, CLI, group_id, published[1])  # its own: it stays
    found = decisions(published)
    assert published[0] not in found
    assert found[published[1]] == ("adopted", "", False, None)
    assert {found[c] for c in published[2:]} == {("not_adopted", REASON, True, group_id)}
    assert counts_true()


def test_merged_groups_keep_the_decision_made_for_one_of_them(campaign, staff, factory):
    draft, group_id, published, _pending = campaign
    seats = [factory.comment(draft, SEATS.format(estate=e), status="published").id for e in ESTATES[:3]]
    drain()
    end_read()
    other = group_ids_of([seats[0]])[seats[0]]
    end_read()
    assert other > group_id  # the older group is the one they become
    decide_group(staff, CLI, other, "already_provided", "已有规定。")
    merged = merge_groups(staff, CLI, [group_id, other])
    assert merged == group_id
    found = decisions([*published, *seats])
    assert set(found.values()) == {("already_provided", "已有规定。", True, group_id)}
    assert len(found) == 8
    assert counts_true()


def test_frozen_after_publication_and_the_version_check(campaign, staff):
    draft, group_id, published, _pending = campaign
    decide_group(staff, CLI, group_id, "not_adopted", REASON)
    with pytest.raises(Conflict, match="刚刚已被其他工作人员修改"):
        decide_group(staff, CLI, group_id, "adopted", "", expected_version=0)
    with pytest.raises(ValidationError, match="必须附公开的理由"):
        decide_group(staff, CLI, group_id, "not_adopted", "  ")
    end_read()
    publish_feedback(staff, CLI, draft.slug)
    with pytest.raises(Conflict, match="采纳情况反馈已发布"):
        decide_group(staff, CLI, group_id, "adopted", "")
    assert {d[0] for d in decisions(published).values()} == {"not_adopted"}


def test_one_audit_row_names_the_group_and_the_count(campaign, staff):
    _draft, group_id, _published, _pending = campaign
    end_read()
    before = db.session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) or 0
    end_read()
    decide_group(staff, CLI, group_id, "not_adopted", REASON)
    end_read()
    rows = db.session.scalars(select(AuditLog).where(AuditLog.id > before)).all()
    assert [r.action for r in rows] == ["group.decide"]
    assert rows[0].details["group"] == group_id and rows[0].details["count"] == 5
    assert rows[0].target_type == "comment_group" and rows[0].target_id == str(group_id)
    end_read()


def test_the_fan_out_is_a_few_statements_whatever_the_group_s_size(factory, staff, app):
    """No statement per member: a group of 12 and one of 120 cost the same number of statements."""

    def statements_for(n: int) -> int:
        draft = factory.draft("closed")
        ids = [
            factory.comment(draft, CAMPAIGN.format(estate=f"第{i}小区"), status="published").id
            for i in range(n)
        ]
        drain()
        end_read()
        group_id = group_ids_of([ids[0]])[ids[0]]
        end_read()
        seen = []

        def count(*_args):
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert decide_group(staff, CLI, group_id, "not_adopted", REASON)[1] == n
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    assert statements_for(120) == statements_for(12)
    assert counts_true()
