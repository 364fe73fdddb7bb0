"""The pure part: words without boilerplate, TF-IDF keywords, clusters by shared keywords, labels."""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from pathlib import Path

from consult.themes.clustering import MIN_SUPPORT, cluster, label_of
from consult.themes.keywords import STOP_WORDS, DocumentFrequency, top_keywords, words

LABELLED = json.loads(
    (Path(__file__).parent.parent / "groups" / "fixtures" / "labelled.json").read_text(encoding="utf-8")
)
BOILERPLATE = ["本条例", "条例", "规定", "应当", "有关部门", "有关", "部门", "建议", "希望", "意见"]


def _items(texts: dict[int, str], df: DocumentFrequency | None = None):
    cut = {cid: words(text) for cid, text in texts.items()}
    if df is None:  # the comments given are the whole draft
        df = DocumentFrequency()
        for used in cut.values():
            df.add(used)
    return [(cid, top_keywords(used, df), set(used)) for cid, used in cut.items()]


def test_words_leave_out_legal_boilerplate_and_function_words():
    text = "建议本条例规定有关部门应当延长城市书房的开放时间，希望晚上开到十点。意见：第三条也要改。"
    found = words(text)
    assert not set(found) & set(BOILERPLATE)
    assert {"延长", "书房", "开放", "时间", "晚上"} <= set(found)
    assert "第三条" not in found  # an article's label is not a theme
    assert all(len(w) >= 2 for w in found)
    assert set(BOILERPLATE) <= STOP_WORDS


def test_full_width_and_half_width_are_one_word():
    assert words("罚款提高到５万元") == words("罚款提高到5万元")


def test_keywords_prefer_words_that_set_a_comment_apart():
    df = DocumentFrequency()
    corpus = ["城市书房开放时间太短"] * 8 + ["城市书房押金太高"]
    for text in corpus:
        df.add(words(text))
    best = top_keywords(words("城市书房押金太高"), df, k=1)
    assert best == ["押金"]  # 城市/书房 are in every comment: they weigh less


def test_comments_sharing_keywords_are_together_and_labelled_by_them():
    texts = {
        1: "城市书房开放时间太短，建议延长开放时间。",
        2: "希望延长开放时间，晚上也能看书。",
        3: "开放时间应当延长到晚上十点。",
        4: "借书押金太高，建议取消押金。",
        5: "取消借书押金，凭身份证借书。",
        6: "写得很好，支持。",
    }
    found = cluster(_items(texts))
    members = {frozenset(c.comment_ids) for c in found}
    assert frozenset({1, 2, 3}) in members
    assert frozenset({4, 5}) in members
    assert all(6 not in c.comment_ids for c in found)  # shares nothing: in no theme
    hours = next(c for c in found if 1 in c.comment_ids)
    assert "开放" in hours.keywords or "时间" in hours.keywords
    assert label_of(hours.keywords) == "、".join(hours.keywords)
    assert not set(hours.keywords) & STOP_WORDS


def test_clusters_are_the_same_whatever_the_order_of_the_comments():
    rows = [r for r in LABELLED if r["article"] == "dust-5"]
    texts = {r["id"]: r["body"] for r in rows}
    first = cluster(_items(texts))
    shuffled = list(texts.items())
    random.Random(7).shuffle(shuffled)
    assert cluster(_items(dict(shuffled))) == first


def test_themes_of_the_labelled_set_are_mostly_one_opinion_each():
    by_article = defaultdict(dict)
    label = {}
    df = DocumentFrequency()  # the set as one draft's comments, its places as articles
    for r in LABELLED:
        by_article[r["article"]][r["id"]] = r["body"]
        label[r["id"]] = r["cluster"]
        df.add(words(r["body"]))
    themes = pure = 0
    for texts in by_article.values():
        for found in cluster(_items(texts, df)):
            assert len(found.comment_ids) >= MIN_SUPPORT
            _top, n = Counter(label[c] for c in found.comment_ids).most_common(1)[0]
            themes += 1
            pure += n / len(found.comment_ids) >= 0.6
    assert themes >= 15
    assert pure / themes >= 0.9
