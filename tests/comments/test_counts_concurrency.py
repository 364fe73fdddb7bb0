"""Comment counts stay exact when many submissions, moderations and decisions run at once on PostgreSQL
(issue 15, point 1): each moves its counters in its own transaction, under the same locks as the rows."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from flask_migrate import upgrade
from sqlalchemy import select

from consult.comments import counts
from consult.comments.decisions import decide
from consult.comments.moderation import moderate_comment
from consult.comments.operations import CommentInput, submit_comment
from consult.context import CLI, RequestContext
from consult.db import end_read
from consult.extensions import db
from consult.models import Comment, User
from tests.conftest import scratch_postgres_database
from tests.factories import Factory

THREADS = 8
EACH = 15


def test_concurrent_writes_on_postgres_keep_the_counts_exact(make_app):
    with scratch_postgres_database("consult_counts") as url:
        app = make_app(SQLALCHEMY_DATABASE_URI=url, COMMENT_RATE_LIMIT="100000 per minute")
        with app.app_context():
            upgrade()
            factory = Factory(app)
            staff_id = factory.user("staff")[0].id
            draft = factory.draft()
            slug, articles = draft.slug, [t.article_id for t in draft.current_version.texts]
            end_read()
        start = threading.Barrier(THREADS)

        def work(k: int) -> list[str]:
            ctx = RequestContext(address_hash=f"{k:032d}", user_agent="pytest", address=f"203.0.113.{k + 1}")
            codes = []
            with app.app_context():
                staff = db.session.get(User, staff_id)
                end_read()
                start.wait(timeout=30)
                for n in range(EACH):
                    # All on two articles and the general opinions: the same counter rows, from every thread.
                    article = None if n % 3 == 0 else articles[n % 2]
                    body = f"并发计数测试意见：第{k}组第{n}条。"
                    codes.append(
                        submit_comment(ctx, slug, CommentInput(body=body, article_id=article)).receipt_code
                    )
                    end_read()
                    if n % 2 == 0:  # publish one's own earlier comment while others keep submitting
                        comment_id = db.session.scalar(
                            select(Comment.id).where(Comment.receipt_code == codes[-1])
                        )
                        end_read()
                        moderate_comment(staff, CLI, comment_id, "publish")
                        end_read()
                        if n % 4 == 0:
                            decide(staff, CLI, [comment_id], "adopted", "已采纳。")
                            end_read()
            return codes

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            codes = [c for batch in pool.map(work, range(THREADS)) for c in batch]
        with app.app_context():
            connection = db.session.connection()
            kept, fresh = counts.stored(connection), counts.fresh(connection)
            assert len(codes) == THREADS * EACH == sum(fresh.values())
            assert kept == fresh
            published = sum(n for (_d, _a, status, _o), n in kept.items() if status == "published")
            adopted = sum(n for (_d, _a, _s, outcome), n in kept.items() if outcome == "adopted")
            assert published == THREADS * len(range(0, EACH, 2)) and adopted == THREADS * len(
                range(0, EACH, 4)
            )
            db.session.remove()
            db.engine.dispose()
