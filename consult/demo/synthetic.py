"""Synthetic comments for benchmarks: `seed-demo --comments N`, inserted in bulk (no ORM objects)."""

from __future__ import annotations

import hashlib
import random
import time
from datetime import timedelta

from sqlalchemy import insert, select

from consult.clock import utcnow
from consult.db import end_read, write_transaction
from consult.demo.seed import STAGES, refuse_in_production
from consult.errors import NotFound
from consult.extensions import db
from consult.i18n import _
from consult.models import Comment, Draft
from consult.planner_stats import refresh_statistics
from consult.receipts import new_code
from consult.search.events import queue as queue_search

BULK_CHUNK = 2000

# Fragments for synthetic comments: varied enough that search and duplicate detection have work.
_OPENERS = [
    "建议",
    "希望",
    "我认为",
    "关于本条，",
    "作为一名市民，",
    "从基层工作实际看，",
    "我们社区居民普遍认为，",
]
_TOPICS = [
    "开放时间",
    "罚款数额",
    "监管职责",
    "公众参与",
    "信息公开",
    "无障碍设施",
    "执法程序",
    "资金保障",
    "志愿服务",
    "举报奖励",
    "数据共享",
    "噪声扰民",
    "夜间开放",
    "老年人服务",
    "未成年人保护",
]
_ASKS = [
    "应当进一步明确",
    "需要细化具体标准",
    "可以借鉴外地经验",
    "要加强监督检查",
    "要防止形式主义",
    "应当向社会公开",
    "建议增加相应条款",
    "需要和相关法规衔接",
]
_TAILS = ["。", "，便于执行。", "，否则难以落实。", "，请立法机关考虑。", "，这关系到群众切身利益。"]


def add_synthetic_comments(
    n: int, status: str = "published", draft_slug: str | None = None
) -> tuple[int, float]:
    """Insert n synthetic comments with bulk inserts; returns (count, seconds)."""
    refuse_in_production()
    started = time.perf_counter()
    end_read()
    query = select(Draft)
    query = query.where(Draft.slug == draft_slug) if draft_slug else query.where(Draft.slug.in_(list(STAGES)))
    drafts = db.session.scalars(query.order_by(Draft.id)).all()
    if not drafts:
        raise NotFound(_("草案 %(slug)s 不存在", slug=draft_slug) if draft_slug else _("请先加载演示草案"))
    now = utcnow()
    targets = []
    for d in drafts:
        # Comments arrive while the consultation runs, on the text that was out for comment then.
        opens_at = d.opens_at or now
        end = max(opens_at, min(d.closes_at or now, now))
        version = next(
            (v for v in reversed(d.versions) if v.published_at and v.published_at <= end), d.current_version
        )
        targets.append((d.id, version.id, [t.article_id for t in version.texts], opens_at, end))
    end_read()
    rng = random.Random(n)
    moderated = status != "pending"
    written = 0
    with write_transaction() as session:
        while written < n:
            rows = []
            for i in range(written, min(n, written + BULK_CHUNK)):
                draft_id, version_id, articles, opens_at, end = targets[i % len(targets)]
                article_id = None if rng.random() < 0.2 else rng.choice(articles)
                body = (
                    rng.choice(_OPENERS)
                    + rng.choice(_TOPICS)
                    + rng.choice(_ASKS)
                    + rng.choice(_TAILS)
                    + f"（第{i + 1}号意见）"
                )
                submitted = opens_at + (end - opens_at) * rng.uniform(0, 1)
                rows.append(
                    {
                        "draft_id": draft_id,
                        "version_id": version_id,
                        "article_id": article_id,
                        "body": body,
                        "channel": "web",
                        "status": status,
                        "receipt_code": new_code(),
                        "submitted_at": submitted,
                        "address_hash": hashlib.sha256(f"synthetic-{i}".encode()).hexdigest()[:32],
                        "notify": False,
                        "moderated_at": min(submitted + timedelta(hours=1), now) if moderated else None,
                        "version": 1,
                    }
                )
            session.execute(insert(Comment), rows)
            written += len(rows)
        for draft_id in {target[0] for target in targets}:
            queue_search(session, "draft", draft_id)  # bulk statements pass the search events by
    refresh_statistics(Comment.__tablename__)  # a million new rows: plan with their statistics
    return written, time.perf_counter() - started
