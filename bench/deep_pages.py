"""Benchmark: the newest, a deep and the oldest page of a draft's published comments (issue 15, point 2).

    .venv/bin/python bench/deep_pages.py [--database-url URL] [--comments 100000] [--repeat 7]

Without ``--database-url`` it makes a temporary instance folder with an SQLite file, runs
``db upgrade`` and ``seed-demo --comments N --draft SLUG`` in it; with one, it reads that database as it
is (seed it first: ``flask --app consult seed-demo --comments 950000 --draft SLUG``). Then, in-process and
without the page cache, it times each request ``--repeat`` times and prints the median: the article
page and the draft page (general comments) at their newest page, at a page about 90 % of the way down
reached by its ``before=`` cursor, at the oldest page (``after=0-0``, the 最早 link), and the public API
at its first page (which counts ``total``) and at the deep cursor. Deep pages should cost what the first
does. A page number past PUBLIC_PAGE_MAX is checked to read as the first page (HTML) and a 400 (API).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from consult import create_app  # noqa: E402
from consult.extensions import db  # noqa: E402
from consult.models import Comment  # noqa: E402
from consult.paging import OLDEST, PUBLIC_PAGE_MAX, encode_cursor  # noqa: E402

SLUG = "dayunhe-wenhua-yichan-baohu-tiaoli"
FLASK = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "consult"]


def seed(folder: str, comments: int) -> str:
    url = f"sqlite:///{folder}/bench.db"
    env = {**os.environ, "CONSULT_SQLALCHEMY_DATABASE_URI": url, "CONSULT_INSTANCE_PATH": folder}
    subprocess.run([*FLASK, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*FLASK, "seed-demo", "--comments", str(comments), "--draft", SLUG],
        env=env,
        check=True,
        capture_output=True,
    )
    return url


def deep_cursor(*where) -> str | None:
    """The cursor of the comment about 90 % of the way down a listing (found once, by OFFSET)."""
    n = db.session.scalar(select(func.count(Comment.id)).where(*where)) or 0
    row = db.session.execute(
        select(Comment.submitted_at, Comment.id)
        .where(*where)
        .order_by(Comment.submitted_at.desc(), Comment.id.desc())
        .offset(n * 9 // 10)
        .limit(1)
    ).first()
    return encode_cursor(*row) if row else None


def timed(client, url: str, repeat: int, status: int = 200) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        resp = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert resp.status_code == status, (url, resp.status_code)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="consult-deep-pages-")
    url = args.database_url or seed(folder, args.comments)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": folder, "PAGE_CACHE_SECONDS": 0})
    logging.getLogger("consult.request").setLevel(logging.WARNING)  # one line per request: not here
    with app.app_context():
        draft_id = db.session.scalar(text("SELECT id FROM draft WHERE slug = :s"), {"s": SLUG})
        article_id = db.session.scalar(
            text(
                "SELECT article_id FROM comment WHERE draft_id = :d AND status = 'published' "
                "AND article_id IS NOT NULL GROUP BY article_id ORDER BY count(*) DESC LIMIT 1"
            ),
            {"d": draft_id},
        )
        published = Comment.status == "published"
        on_article = deep_cursor(Comment.article_id == article_id, published)
        general = deep_cursor(Comment.draft_id == draft_id, published, Comment.article_id.is_(None))
        total = db.session.scalar(text("SELECT count(*) FROM comment WHERE draft_id = :d"), {"d": draft_id})
        db.session.remove()
    client = app.test_client()
    article = f"/drafts/{SLUG}/articles/{article_id}"
    draft = f"/drafts/{SLUG}"
    api = f"/api/v1/drafts/{SLUG}/comments"
    print(f"{total} comments on {SLUG}; median of {args.repeat} requests each, in ms")
    rows = [
        ("article page, newest", article, 200),
        ("article page, 90 % down (before=)", f"{article}?before={on_article}", 200),
        ("article page, oldest (after=0-0)", f"{article}?after={OLDEST}", 200),
        (
            f"article page, ?page={PUBLIC_PAGE_MAX + 1} (reads as newest)",
            f"{article}?page={PUBLIC_PAGE_MAX + 1}",
            200,
        ),
        ("draft page, newest", draft, 200),
        ("draft page, 90 % down (before=)", f"{draft}?before={general}", 200),
        ("draft page, oldest (after=0-0)", f"{draft}?after={OLDEST}", 200),
        ("API, first page (counts total)", api, 200),
        ("API, 90 % down (before=)", f"{api}?article_id={article_id}&before={on_article}", 200),
        (f"API, ?page={PUBLIC_PAGE_MAX + 1} (refused)", f"{api}?page={PUBLIC_PAGE_MAX + 1}", 400),
    ]
    for label, path, status in rows:
        print(f"  {label:48s} {timed(client, path, args.repeat, status):8.1f}")


if __name__ == "__main__":
    main()
