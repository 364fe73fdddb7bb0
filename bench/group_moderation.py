"""Benchmark: moderating a big group of similar comments at once (issue 16, point 2, at volume).

    .venv/bin/python bench/group_moderation.py [--members 5000] [--rounds 3] [--database-url URL]

Loads the demo data (SQLite in a temporary folder unless --database-url names an empty scratch
database), then, in each round, makes two groups of N pending members on the demo's open draft (bulk
inserts) and publishes each at once: one with the previous implementation (every member changed through
the ORM: one versioned UPDATE per comment, its outbox rows and counter moves by the session events), the
other with consult.groups.moderation.moderate_group (set-based: a fixed number of statements), in turns
(the order alternates between rounds, so a noisy machine weighs on both alike). It prints every round's
wall time and statement count of each, and checks afterwards that both comment counters equal a fresh
count.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.draft_page import load_average  # noqa: E402
from bench.groups import SLUG, demo_instance  # noqa: E402

BODY = "关于第{n}条：建议把{estate}附近的公共停车场夜间开放，方便居民停车，第{m}号。"


def old_moderate_group(actor, ctx, group_id: int, action: str, reason=None, confirm_personal_data=False):
    """The implementation before the set-based one (kept here to measure against), refusals left out."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from consult import audit, personal_data
    from consult.comments.moderation import apply_status, checked
    from consult.db import write_transaction
    from consult.groups.moderation import AUDIT_ACTIONS, FLAGGED_NAMED, _group
    from consult.models import Comment, GroupMember

    new_status, reason = checked(action, reason)
    with write_transaction() as session:
        group = _group(session, group_id)
        comments = session.scalars(
            select(Comment)
            .join(GroupMember, GroupMember.comment_id == Comment.id)
            .where(GroupMember.group_id == group.id, Comment.status == "pending")
            .order_by(Comment.id)
            .options(selectinload(Comment.decision))
        ).all()
        flagged = [c.id for c in comments if personal_data.find(c.body)] if new_status == "published" else []
        apply_status(comments, new_status, reason, actor)
        session.flush()
        details = {
            "count": len(comments),
            "to": new_status,
            "reason": reason,
            "personal_data_confirmed": bool(flagged),
            "flagged": len(flagged),
            "flagged_ids": flagged[:FLAGGED_NAMED],
        }
        audit.record(session, actor, ctx, AUDIT_ACTIONS[action], group, details)
        session.flush()
        return len(comments)


def make_group(members: int, round_no: int, which: str) -> int:
    """A group of ``members`` pending comments on one article of SLUG, written with bulk inserts."""
    from sqlalchemy import insert, select

    from consult.clock import utcnow
    from consult.db import end_read, write_transaction
    from consult.models import Comment, CommentGroup, Draft, GroupMember
    from consult.receipts import new_code

    with write_transaction() as session:
        draft = session.scalar(select(Draft).where(Draft.slug == SLUG))
        version = draft.current_version
        article_id = version.texts[0].article_id
        now = utcnow()
        rows = [
            {
                "draft_id": draft.id,
                "version_id": version.id,
                "article_id": article_id,
                "body": BODY.format(n=round_no, estate=which, m=m),
                "status": "pending",
                "channel": "web",
                "receipt_code": new_code(),
                "submitted_at": now,
            }
            for m in range(members)
        ]
        session.execute(insert(Comment), rows)
        codes = [row["receipt_code"] for row in rows]
        ids = session.scalars(
            select(Comment.id).where(Comment.receipt_code.in_(codes)).order_by(Comment.id)
        ).all()
        group = CommentGroup(
            draft_id=draft.id, article_key=article_id, size=len(ids), representative_id=ids[0]
        )
        session.add(group)
        session.flush()
        session.execute(
            insert(GroupMember),
            [
                {"comment_id": c, "group_id": group.id, "draft_id": draft.id, "article_key": article_id}
                for c in ids
            ],
        )
        group_id = group.id
    end_read()
    return group_id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-group-moderation-") as tmp:
        demo_instance(Path(tmp) / "instance", args.database_url)

        from sqlalchemy import event, select

        from consult import create_app
        from consult.comments import counts
        from consult.context import CLI
        from consult.db import end_read, write_transaction
        from consult.extensions import db
        from consult.groups.moderation import moderate_group
        from consult.models import User

        app = create_app()
        with app.app_context():
            with write_transaction() as session:
                session.add(
                    User(username="bench-staff", role="staff", password_hash="-", display_name="bench")
                )
            staff_id = db.session.scalar(select(User.id).where(User.username == "bench-staff"))
            end_read()
            print(
                f"database: {args.database_url or 'SQLite'}; groups of {args.members} pending members, "
                f"published at once; load {load_average()}",
                flush=True,
            )
            runs = {"old": old_moderate_group, "new": moderate_group}
            seen: dict[str, list[str]] = {"old": [], "new": []}
            for round_no in range(1, args.rounds + 1):
                order = ("old", "new") if round_no % 2 else ("new", "old")
                groups = {name: make_group(args.members, round_no, name) for name in order}
                figures = []
                for name in order:
                    actor = db.session.get(User, staff_id)
                    assert actor.username
                    db.session.expunge(actor)
                    end_read()
                    statements = []

                    def count(*a, statements=statements):
                        statements.append(1)

                    event.listen(db.engine, "before_cursor_execute", count)
                    started = time.perf_counter()
                    runs[name](actor, CLI, groups[name], "publish", confirm_personal_data=True)
                    seconds = time.perf_counter() - started
                    event.remove(db.engine, "before_cursor_execute", count)
                    seen[name].append(f"{seconds:.2f}")
                    figures.append(f"{name} {seconds:.2f} s ({len(statements)} statements)")
                print(f"round {round_no}: " + ", ".join(figures) + f"; load {load_average()}", flush=True)
            print("old (ORM, one member at a time): " + " / ".join(seen["old"]) + " s")
            print("new (set-based):                 " + " / ".join(seen["new"]) + " s")
            found = counts.check()
            print("counters equal a fresh count:", "yes" if not found else f"NO: {found[:5]}")
            end_read()
            db.session.remove()
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
