"""How many SQL statements one more comment's grouping costs (issue 16, point 6: one more published
comment grouped in at most 50 ms): counted with SQLAlchemy's event listeners around the drain of its
outbox row, for a campaign copy joining a big group, a text of its own, and a copy joining a decided
group (its decision inherited). The count does not depend on the machine's load, as a time would."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from consult.context import CLI
from consult.db import end_read
from consult.extensions import db
from consult.groups.decisions import decide_group
from consult.groups.drain import drain
from consult.models import Comment
from tests.groups.test_grouping import CAMPAIGN, ESTATES, group_of

OWN = "建议在{estate}门口增设一个快递柜，方便老人取件，第{n}号意见。"


class Statements:
    """The statements the block sends to the database, but for transaction control (BEGIN on SQLite) and
    PostgreSQL's advisory lock of the single writer: so the count is the same on both databases."""

    def __init__(self):
        self.seen: list[str] = []

    def _count(self, _conn, _cursor, statement, *_args):
        if statement.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE") and "advisory_" not in statement:
            self.seen.append(statement)

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc):
        event.remove(db.engine, "before_cursor_execute", self._count)


@pytest.fixture
def campaign(app, factory):
    """A draft with a campaign of 24 published copies (one group) and 6 texts of their own, grouped."""
    draft = factory.draft("open", slug="statements-draft")
    copies = [
        factory.comment(
            draft, CAMPAIGN.format(n=10, estate=ESTATES[n % 8]) + "！" * (n // 8), status="published"
        ).id
        for n in range(24)
    ]
    for n in range(6):
        factory.comment(draft, OWN.format(estate=ESTATES[n], n=n), status="published")
    drain()
    end_read()
    return draft, copies


def drained(factory, draft, body: str) -> tuple[list[str], int]:
    """The statements of one more published comment's grouping (the drain of its outbox row), its id."""
    comment_id = factory.comment(draft, body, status="published").id
    end_read()
    with Statements() as counted:
        assert drain() == 1
    end_read()
    return counted.seen, comment_id


# Bounds, as measured. Before they were cut (inheritance.settle's ten statements ran for every comment,
# whether or not a decision was to inherit or drop, and ingest read the same group three times) a copy
# took 28 statements, a text of its own 20 and a copy joining a decided group 29; then 14, 8 and 18,
# until the candidates came with their member rows in one statement and the drain stopped looking for
# more rows after a batch that was not full.
COPY_MAX = 12
OWN_MAX = 7
DECIDED_COPY_MAX = 16


def test_one_more_comment_is_grouped_in_few_statements(factory, campaign):
    draft, copies = campaign
    seen, copy_id = drained(factory, draft, CAMPAIGN.format(n=10, estate="新村花园") + "望采纳")
    assert group_of(copy_id) == group_of(copies[0])
    assert len(seen) <= COPY_MAX, "\n".join(seen)
    seen, own_id = drained(factory, draft, "建议图书馆多买一些儿童绘本，孩子们都很喜欢看。")
    assert group_of(own_id) is None
    assert len(seen) <= OWN_MAX, "\n".join(seen)


def test_a_copy_joining_a_decided_group_inherits_its_decision_in_few_statements(factory, campaign):
    draft, copies = campaign
    group_id = group_of(copies[0])
    decide_group(factory.user("staff")[0], CLI, group_id, "adopted", "", 0)
    end_read()
    seen, copy_id = drained(factory, draft, CAMPAIGN.format(n=10, estate="新村花园") + "望采纳")
    assert group_of(copy_id) == group_id
    assert len(seen) <= DECIDED_COPY_MAX, "\n".join(seen)
    decision = db.session.get(Comment, copy_id).decision
    assert (decision.outcome, decision.inherited, decision.group_id) == ("adopted", True, group_id)
    end_read()


def test_a_group_grown_one_comment_at_a_time_is_what_a_refresh_makes_it(factory, clock):
    """ingest keeps a growing group's size, representative and burst flag from what is stored and the
    members that arrived near the new one; a refresh from every member gives the same, burst or not."""
    from consult.db import write_transaction
    from consult.groups.ingest import refresh
    from consult.models import CommentGroup

    draft = factory.draft("open", slug="grown-draft")
    first = None
    seen_burst = set()
    for n in range(20):
        clock.advance(minutes=150 if n < 7 else 7)  # slow at first, then a burst from two addresses
        body = CAMPAIGN.format(n=10, estate=ESTATES[n % 8]) + "！" * (n // 8)
        comment_id = factory.comment(draft, body, address_hash=f"addr{n % 2 if n >= 7 else n}").id
        drain()
        first = first or comment_id
        group_id = group_of(first)
        if group_id is None:
            continue
        kept = db.session.get(CommentGroup, group_id)
        stored = (kept.size, kept.representative_id, kept.burst)
        end_read()
        with write_transaction() as session:
            refresh(session, [group_id])
        fresh = db.session.get(CommentGroup, group_id)
        assert stored == (fresh.size, fresh.representative_id, fresh.burst), n
        seen_burst.add(fresh.burst)
        end_read()
    assert seen_burst == {False, True}
