"""The quality bar on the labelled set (fixtures/labelled.json): pairwise precision and recall.

A pair counts as grouped when both comments end in one group of the same article; as labelled when
both belong to one campaign. Hard negatives and singletons are labelled alone.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from consult.groups import similarity
from consult.groups.clustering import partition
from consult.groups.similarity import Text, band_keys, candidate_buckets, candidate_pairs, similar_pairs

LABELLED = json.loads((Path(__file__).parent / "fixtures" / "labelled.json").read_text(encoding="utf-8"))
PRECISION_MIN = 0.95
RECALL_MIN = 0.90


def _by_article() -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for row in LABELLED:
        found.setdefault(row["article"], []).append(row)
    return found


def _pairwise() -> tuple[int, int, int]:
    true_pos = false_pos = false_neg = 0
    for rows in _by_article().values():
        texts = {row["id"]: Text.of(row["body"]) for row in rows}
        grouped = {}
        buckets = candidate_buckets({key: band_keys(text) for key, text in texts.items()})
        result = partition(texts, buckets, lambda a, b, t=texts: similarity.verify(t[a], t[b]), {}, {})
        for index, (_group, members) in enumerate(result.components):
            grouped.update(dict.fromkeys(members, index))
        label = {row["id"]: row["cluster"] for row in rows}
        for a, b in itertools.combinations(sorted(texts), 2):
            predicted = a in grouped and grouped.get(a) == grouped.get(b)
            actual = label[a] is not None and label[a] == label[b]
            true_pos += predicted and actual
            false_pos += predicted and not actual
            false_neg += actual and not predicted
    return true_pos, false_pos, false_neg


def test_the_set_is_big_enough():
    campaigns = {row["cluster"] for row in LABELLED if row["cluster"]}
    in_campaigns = sum(1 for row in LABELLED if row["cluster"])
    alone = sum(1 for row in LABELLED if row["cluster"] is None)
    assert len(LABELLED) >= 150 and len(campaigns) >= 20 and in_campaigns >= 150 and alone >= 30


def test_pairwise_precision_and_recall_meet_the_bar(capsys):
    true_pos, false_pos, false_neg = _pairwise()
    precision = true_pos / (true_pos + false_pos)
    recall = true_pos / (true_pos + false_neg)
    with capsys.disabled():
        print(
            f"\ngrouping on {len(LABELLED)} labelled comments: pairwise precision {precision:.3f}, "
            f"recall {recall:.3f} ({true_pos} pairs right, {false_pos} wrong, {false_neg} missed)"
        )
    assert precision >= PRECISION_MIN
    assert recall >= RECALL_MIN


def test_candidates_come_from_the_lsh_not_from_all_pairs(monkeypatch):
    checked = []
    real = similarity.verify
    monkeypatch.setattr(similarity, "verify", lambda a, b: checked.append(1) or real(a, b))
    rows = LABELLED
    texts = {row["id"]: Text.of(row["body"]) for row in rows}
    pairs = similar_pairs(texts)
    all_pairs = len(texts) * (len(texts) - 1) // 2
    assert pairs and len(checked) < all_pairs / 4


@pytest.mark.parametrize(
    "a, b",
    [
        ("图书馆晚上八点就关门", "延长到晚上十点"),
        (
            "建议城市书房开放时间延长到晚上十点，方便上班族。",
            "建议城市书房开放时间延长到晚上八点，方便上班族。",
        ),
        ("我支持禁止电动车进入小区楼道充电，太危险了。", "我反对禁止电动车进入小区楼道充电，太危险了。"),
        ("建议开放时间延长到晚上十点，方便看书。", "不建议开放时间延长到晚上十点，方便看书。"),
        ("建议把扬尘罚款提高到五万元，加大处罚力度。", "建议把扬尘罚款降低到五万元，加大处罚力度。"),
    ],
)
def test_opposite_opinions_are_never_near_duplicates(a, b):
    assert similarity.verify(Text.of(a), Text.of(b)) is None


@pytest.mark.parametrize(
    "a, b",
    [
        (
            "建议城市书房开放时间延长到晚上十点，方便上班族。",
            "建议城市书房开放时间延长到晚上10点,方便上班族!望采纳",
        ),
        (
            "我是阳光花园的居民，建议书房开放时间延长到晚上10点。",
            "我是幸福家园的居民，建议书房开放时间延长到晚上１０点。谢谢",
        ),
        ("建议开放到22:00，方便上班族下班后去看书。", "建议开放到22点，方便上班族下班后去看书！"),
    ],
)
def test_small_edits_keep_a_near_duplicate(a, b):
    assert similarity.verify(Text.of(a), Text.of(b)) is not None


def test_the_stored_band_keys_give_the_candidates_of_datasketchs_lsh():
    texts = {row["id"]: Text.of(row["body"]) for row in LABELLED}
    buckets = candidate_buckets({key: band_keys(text) for key, text in texts.items()})
    from_keys = {(a, b) for bucket in buckets for a in bucket for b in bucket if a < b}
    assert from_keys == set(candidate_pairs(texts))


def test_signatures_are_datasketchs_own_whatever_the_process_hashed_before():
    """The signature is datasketch's MinHash of the shingles with its own hash (the process remembers
    the hashes of recent shingles): stored band keys stay valid across processes and releases."""
    from datasketch import MinHash

    for row in LABELLED[:40] * 2:  # the second time, every shingle's hash is remembered
        text = Text.of(row["body"])
        plain = MinHash(num_perm=similarity.NUM_PERM, seed=similarity.SEED)
        plain.update_batch([s.encode() for s in sorted(text.shingles)])
        assert list(text.minhash.hashvalues) == list(plain.hashvalues)
