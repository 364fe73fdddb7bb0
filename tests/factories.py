"""Factories that make test data through the real operations (and plain inserts where none exists yet)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from consult.auth.operations import create_contact_point, create_user
from consult.clock import utcnow
from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.drafts.operations import DraftInput, create_draft
from consult.models import Comment, Draft
from consult.receipts import new_code

SAMPLE_TEXT = """本市示例管理条例（草案）
（征求意见稿）

第一章　总则

第一条　为了规范示例管理，制定本条例。

第二条　本条例适用于本市行政区域内的示例管理活动。

第二章　管理

第三条　主管部门应当依照本条例第一条的规定做好示例管理工作。
主管部门应当每年公布工作情况。

第四条　本条例自2027年1月1日起施行。
"""

_seq = itertools.count(1)


class Factory:
    """Create users, contact points, drafts and comments for a test."""

    def __init__(self, app):
        self.app = app

    def contact_point(self, slug: str | None = None, name: str | None = None):
        """A contact point."""
        end_read()
        n = next(_seq)
        return create_contact_point(None, CLI, slug or f"point-{n:03d}", name or f"示例街道基层立法联系点{n}")

    def user(
        self,
        role: str,
        username: str | None = None,
        point: str | None = None,
        password: str = "correct-horse-battery",
        display_name: str | None = None,
        email: str | None = None,
    ):
        """A user of the role (a contact point is made for operators; a deputy or an expert gets a name
        and an e-mail address); returns (user, password)."""
        if role == "contact_point" and point is None:
            point = self.contact_point().slug
        username = username or f"{role}-{next(_seq)}"
        if role in ("deputy", "expert"):
            display_name = display_name or {"deputy": "张代表", "expert": "李专家"}[role]
            email = email or f"{username}@example.gov.cn"
        end_read()
        user = create_user(None, CLI, username, password, role, point, display_name, email)
        return user, password

    def draft(self, status: str = "open", text: str = SAMPLE_TEXT, slug: str | None = None, **kw) -> Draft:
        """A published draft at the given stage (open, upcoming, closed; unpublished with 'draft')."""
        now = utcnow()
        opens, closes = {
            "open": (now - timedelta(days=3), now + timedelta(days=27)),
            "upcoming": (now + timedelta(days=3), now + timedelta(days=33)),
            "closed": (now - timedelta(days=40), now - timedelta(days=10)),
            "draft": (now - timedelta(days=3), now + timedelta(days=27)),
        }[status]
        end_read()
        data = DraftInput(
            title=kw.pop("title", f"本市示例管理条例（草案）{next(_seq)}"),
            text=text,
            slug=slug or f"draft-{next(_seq)}",
            opens_at=opens,
            closes_at=closes,
            publish=status != "draft",
            summary=kw.pop("summary", "起草说明。"),
            **kw,
        )
        return create_draft(None, CLI, data)

    def comment(
        self,
        draft: Draft,
        body: str = "这是一条测试意见。",
        status: str = "pending",
        article_index: int | None = 0,
        **kw,
    ) -> Comment:
        """A comment inserted directly (the submission operation comes with the citizen's path)."""
        end_read()
        with write_transaction() as session:
            d = session.get(Draft, draft.id)
            version = d.current_version
            article_id = version.texts[article_index].article_id if article_index is not None else None
            comment = Comment(
                draft_id=d.id,
                version_id=version.id,
                article_id=article_id,
                body=body,
                status=status,
                receipt_code=new_code(),
                **kw,
            )
            session.add(comment)
        return comment

    def published_in_ties(
        self, draft: Draft, n: int, *, ties: int, article_index: int | None, start: datetime
    ) -> list[int]:
        """n published comments, `ties` at a time sharing one submitted_at from `start` (for keyset
        paging with equal times); their ids newest first, the order the public lists show."""
        made = [
            self.comment(
                draft,
                body=f"第{i:02d}条公开意见",
                status="published",
                article_index=article_index,
                submitted_at=start + timedelta(minutes=i // ties),
            )
            for i in range(n)
        ]
        return [c.id for c in sorted(made, key=lambda c: (c.submitted_at, c.id), reverse=True)]
