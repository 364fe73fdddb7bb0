"""Search quality on the hand-judged set in tests/search/quality: recall@10 and MRR on both backends.

Every comment is indexed as a public Doc, every query searched with per_page=10. recall@10 is the
share of a query's relevant comments among its first ten hits, averaged over the queries; MRR is
the mean of 1/rank of the first relevant hit (0 when none is in the first ten). Both figures are
printed per backend (and per query kind) and must reach RECALL_MIN and MRR_MIN.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from consult.search.base import Doc, Query
from tests.conftest import skip_or_fail

QUALITY_DIR = Path(__file__).resolve().parent / "quality"
RECALL_MIN = 0.95
MRR_MIN = 0.8
K = 10


def load_set() -> tuple[list[dict], list[dict]]:
    comments_file, queries_file = QUALITY_DIR / "comments.json", QUALITY_DIR / "queries.json"
    if not (comments_file.exists() and queries_file.exists()):
        skip_or_fail(f"the quality set is missing: {comments_file} and {queries_file}")
    comments = json.loads(comments_file.read_text(encoding="utf-8"))
    queries = json.loads(queries_file.read_text(encoding="utf-8"))
    return comments, queries


def as_docs(comments: list[dict]) -> tuple[list[Doc], dict[int, str]]:
    """Public comment Docs numbered 1…n, and the quality-set id of each number."""
    drafts = {slug: n for n, slug in enumerate(sorted({c["draft"] for c in comments}), start=1)}
    docs, names = [], {}
    for number, item in enumerate(comments, start=1):
        names[number] = item["id"]
        docs.append(
            Doc(
                kind="comment",
                id=number,
                draft_id=drafts[item["draft"]],
                text=item["body"],
                public=True,
                article_id=item.get("article"),
                status="published",
                channel="web",
            )
        )
    return docs, names


def measure(backend, queries: list[dict], names: dict[int, str]) -> dict:
    """recall@10 and MRR over all queries and per kind, and the queries that fall short."""
    recalls, ranks, by_kind, misses = [], [], defaultdict(list), []
    for item in queries:
        hits = backend.search(Query(item["q"], per_page=K)).hits
        found = [names[h.id] for h in hits]
        relevant = set(item["relevant"])
        recall = len(relevant & set(found)) / len(relevant) if relevant else 1.0
        first = next((i for i, name in enumerate(found, start=1) if name in relevant), None)
        reciprocal = 1.0 / first if first else 0.0
        recalls.append(recall)
        ranks.append(reciprocal)
        by_kind[item.get("kind", "?")].append((recall, reciprocal))
        if recall < 1.0 or reciprocal < 1.0:
            misses.append(f"{item['q']!r}: recall {recall:.2f}, first relevant at {first}")
    return {
        "recall": sum(recalls) / len(recalls),
        "mrr": sum(ranks) / len(ranks),
        "kinds": {
            kind: (sum(r for r, _ in pairs) / len(pairs), sum(m for _, m in pairs) / len(pairs), len(pairs))
            for kind, pairs in sorted(by_kind.items())
        },
        "misses": misses,
    }


def report(name: str, figures: dict, count: int) -> str:
    lines = [
        f"search quality [{name}]: recall@{K} = {figures['recall']:.3f}, MRR = {figures['mrr']:.3f} "
        f"over {count} queries"
    ]
    lines += [
        f"  {kind:<9} recall {r:.3f}  MRR {m:.3f}  ({n})" for kind, (r, m, n) in figures["kinds"].items()
    ]
    lines += [f"  short: {miss}" for miss in figures["misses"]]
    return "\n".join(lines)


def test_recall_and_mrr_on_the_quality_set(make_backend, capsys):
    comments, queries = load_set()
    docs, names = as_docs(comments)
    backend = make_backend()
    assert backend.index(docs) == len(docs)
    figures = measure(backend, queries, names)
    text = report(make_backend.name, figures, len(queries))
    with capsys.disabled():
        print("\n" + text)
    assert figures["recall"] >= RECALL_MIN, text
    assert figures["mrr"] >= MRR_MIN, text


def test_the_quality_set_is_usable():
    comments, queries = load_set()
    ids = [c["id"] for c in comments]
    assert len(ids) == len(set(ids)) >= 300
    assert len(queries) >= 40
    unknown = {r for q in queries for r in q["relevant"]} - set(ids)
    assert unknown == set()


@pytest.mark.parametrize("kind", ["word", "two_char", "phrase", "mixed"])
def test_every_kind_of_query_is_represented(kind):
    _, queries = load_set()
    assert sum(q.get("kind") == kind for q in queries) >= 8
