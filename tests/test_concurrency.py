"""Many clients posting comments at once to a real gunicorn (2 workers), on SQLite and on PostgreSQL.

Every 201 must be a comment in the database, and no request may fail: SQLite's one writer at a time
must queue (BEGIN IMMEDIATE + busy timeout), never answer 500 with "database is locked".
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import bindparam, create_engine, text

from tests.live import LiveServer

SLUG = "chengshi-shufang-tiaoli"
CLIENTS = 20
POSTS = 200
# The quota would otherwise turn most of these posts into 429s: they all come from 127.0.0.1.
UNLIMITED = {"CONSULT_COMMENT_RATE_LIMIT": "100000 per minute"}


@dataclass
class Answer:
    """One POST's outcome: HTTP status (0 when the connection itself failed) and parsed body."""

    status: int
    body: dict | str


def _request(url: str, payload: dict | None = None) -> Answer:
    data = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    req = urllib.request.Request(url, data=data, method="GET" if data is None else "POST")
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read().decode()
            status = resp.status
    except urllib.error.HTTPError as err:
        raw, status = err.read().decode(errors="replace"), err.code
    except OSError as err:
        return Answer(0, repr(err))
    try:
        return Answer(status, json.loads(raw))
    except ValueError:
        return Answer(status, raw[:500])


def _post_all_at_once(server: LiveServer) -> list[Answer]:
    """CLIENTS threads, released together by a barrier, each posting its share of POSTS comments."""
    draft = _request(f"{server.url}/api/v1/drafts/{SLUG}")
    assert draft.status == 200, draft.body
    article_ids = [a["id"] for a in draft.body["articles"]]
    assert article_ids, "the demo draft has no articles"
    url = f"{server.url}/api/v1/drafts/{SLUG}/comments"
    start = threading.Barrier(CLIENTS)

    def client(k: int) -> list[Answer]:
        start.wait(timeout=30)
        answers = []
        for n in range(k, POSTS, CLIENTS):
            body = {
                "body": f"并发测试意见第{n}条，内容足够长。",
                "article_id": article_ids[n % len(article_ids)],
            }
            answers.append(_request(url, body))
        return answers

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        per_client = list(pool.map(client, range(CLIENTS)))
    return [a for answers in per_client for a in answers]


def _assert_every_201_is_stored(server: LiveServer, database_url: str) -> None:
    answers = _post_all_at_once(server)
    statuses = sorted({a.status for a in answers})
    failures = [a for a in answers if a.status != 201]
    assert not [a for a in answers if a.status >= 500 or a.status == 0], (
        failures[:5],
        server.log.read_text()[-3000:],
    )
    assert not failures, (statuses, failures[:5])
    assert len(answers) == POSTS

    codes = [a.body["receipt_code"] for a in answers]
    assert len(set(codes)) == POSTS, "two submissions were given the same receipt code"
    # Through the public door, as the commenter would check (in parallel too: 200 lookups one by one
    # would take a good part of the time budget on a busy machine)…
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        found = list(pool.map(lambda code: _request(f"{server.url}/api/v1/receipts/{code}"), codes))
    missing = [(code, f) for code, f in zip(codes, found, strict=True) if f.status != 200]
    assert not missing, missing[:5]
    assert {f.body["draft"] for f in found} == {SLUG}
    # …and in the database itself.
    normalised = [c.replace("-", "") for c in codes]
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(
                text(
                    "SELECT count(*) FROM comment WHERE channel = 'web' AND receipt_code IN :codes"
                ).bindparams(bindparam("codes", expanding=True)),
                {"codes": normalised},
            ).scalar_one()
    finally:
        engine.dispose()
    assert stored == sum(a.status == 201 for a in answers) == POSTS


@pytest.mark.once
def test_concurrent_posts_on_sqlite_all_land(tmp_path: Path):
    instance = tmp_path / "instance"
    server = LiveServer(instance, workers=2, env=UNLIMITED)
    try:
        server.start()
        _assert_every_201_is_stored(server, f"sqlite:///{instance / 'consult.sqlite'}")
    finally:
        server.stop()


@pytest.mark.once
@pytest.mark.postgres
def test_concurrent_posts_on_postgres_all_land(tmp_path: Path, scratch_postgres: str):
    server = LiveServer(tmp_path / "instance", database_url=scratch_postgres, workers=2, env=UNLIMITED)
    try:
        server.start()
        _assert_every_201_is_stored(server, scratch_postgres)
    finally:
        server.stop()
