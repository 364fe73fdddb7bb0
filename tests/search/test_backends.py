"""The same tests on both search backends (Whoosh and PostgreSQL): the interface of base.py."""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from consult.search.base import Doc, Query, SearchBusy, fingerprint

BEIJING = timezone(timedelta(hours=8))
AT = datetime(2026, 11, 27, 10, 0, tzinfo=BEIJING)


def comment(id_, text, *, public=True, draft=1, article=None, status=None, channel="web", point=None):
    status = status or ("published" if public else "pending")
    return Doc(
        kind="comment",
        id=id_,
        draft_id=draft,
        text=text,
        public=public,
        article_id=article,
        status=status,
        channel=channel,
        contact_point_id=point,
        submitted_at=AT,
    )


def article(id_, text, *, draft=1, public=True):
    return Doc(kind="article", id=id_, draft_id=draft, text=text, public=public, article_id=id_)


CORPUS = [
    comment(1, "建议延长城市书房的开放时间，晚上开放到十点。", article=10),
    comment(2, "书房开放的时间太短，周末经常关门。", article=10),
    comment(3, "对乱扔垃圾的行为应当处以罚款，罚款金额可以提高到500元。", article=11, draft=2),
    comment(4, "罚没的物品如何处理，条文没有说清楚。", article=11, draft=2),
    comment(5, "希望增加盲文图书和有声读物，方便视障读者。", article=12, channel="contact_point", point=7),
    comment(6, "图书馆的盲文阅览区太小，图书也旧。", article=12, channel="deputy"),
    comment(7, "工地扬尘导致PM2.5浓度超标，建议2027年前全部安装在线监测。", draft=2, channel="expert"),
    comment(8, "第十条规定的开放时间应当包括法定节假日。", article=10),
    comment(9, "书房应提供免费Wi-Fi和充电插座。", article=13),
    comment(10, "尚未公开的意见：开放时间应当再延长。", public=False, article=10),
    comment(11, "已被驳回的意见：开放时间无所谓。", public=False, status="rejected", article=10),
    article(10, "第十条 城市书房每日开放时间不少于十小时。"),
    article(11, "第十一条 违反本条例规定乱扔垃圾的，处五十元以上二百元以下罚款。", draft=2),
    article(12, "第十二条 城市书房应当配置盲文图书和有声读物。"),
]


@contextlib.contextmanager
def writer_lock_held(backend):
    """Hold the backend's writer lock from outside, as another process would."""
    if type(backend).__name__ == "WhooshBackend":
        from consult.search.whoosh_storage import LOCK_FILE

        os.makedirs(backend.index_dir, exist_ok=True)
        fd = os.open(os.path.join(backend.index_dir, LOCK_FILE), os.O_RDWR | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
    else:
        from consult.search.postgres_table import LOCK_KEY

        with backend.engine.connect() as conn:
            conn.execute(text(f"SELECT pg_advisory_lock({LOCK_KEY})"))
            try:
                yield
            finally:
                conn.execute(text(f"SELECT pg_advisory_unlock({LOCK_KEY})"))
                conn.commit()


def keys_of(results) -> list[str]:
    return [f"{h.kind}:{h.id}" for h in results.hits]


@pytest.fixture
def filled(backend):
    assert backend.index(CORPUS) == len(CORPUS)
    return backend


def test_an_empty_index_finds_nothing(backend):
    assert backend.search(Query("开放时间")).total == 0
    assert backend.keys() == {}


def test_index_search_remove_and_keys(filled):
    found = filled.search(Query("开放时间"))
    assert set(keys_of(found)) == {"comment:1", "comment:8", "article:10"}
    assert found.total == 3
    assert filled.keys() == {doc.key: fingerprint(doc) for doc in CORPUS}
    assert filled.remove(["comment:1", "comment:999"]) == 2  # an unknown key is no error
    assert set(keys_of(filled.search(Query("开放时间")))) == {"comment:8", "article:10"}
    assert "comment:1" not in set(filled.keys())


def test_public_only_hides_unpublished_comments(filled):
    public = keys_of(filled.search(Query("开放时间", per_page=50)))
    staff = keys_of(filled.search(Query("开放时间", public_only=False, per_page=50)))
    assert "comment:10" not in public and "comment:11" not in public
    assert {"comment:10", "comment:11"} <= set(staff)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"draft_id": 2}, {"comment:3", "article:11"}),
        ({"kind": "article"}, {"article:11"}),
        ({"kind": "comment", "draft_id": 2}, {"comment:3"}),
        ({"article_id": 11, "kind": "comment"}, {"comment:3"}),
        ({"status": "published", "draft_id": 2}, {"comment:3"}),
        ({"channel": "web"}, {"comment:3"}),
        ({"channel": "expert"}, set()),
    ],
)
def test_filters_run_inside_the_index(filled, filters, expected):
    assert set(keys_of(filled.search(Query("罚款", **filters)))) == expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"channel": "contact_point"}, {"comment:5"}),
        ({"contact_point_id": 7}, {"comment:5"}),
        ({"channel": "deputy"}, set()),  # comment 6 has 盲文 and 图书 but not the phrase
        ({"status": "pending", "public_only": False}, set()),
    ],
)
def test_filters_on_channel_and_contact_point(filled, filters, expected):
    assert set(keys_of(filled.search(Query('"盲文图书"', **filters)))) == expected


def test_two_character_terms_do_not_match_single_characters(filled):
    assert set(keys_of(filled.search(Query("罚款")))) == {"comment:3", "article:11"}  # not 罚没


def test_phrases_need_the_words_together(filled):
    assert set(keys_of(filled.search(Query('"盲文图书"')))) == {"comment:5", "article:12"}
    assert set(keys_of(filled.search(Query("“盲文图书”")))) == {"comment:5", "article:12"}
    both_words = set(keys_of(filled.search(Query("盲文 图书"))))
    assert both_words == {"comment:5", "comment:6", "article:12"}


def test_separate_terms_rank_the_adjacent_ones_first(filled):
    found = keys_of(filled.search(Query("开放 时间")))
    assert set(found[:3]) == {"comment:1", "comment:8", "article:10"}
    assert found[3:] == ["comment:2"]  # 开放的时间: both words, apart


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PM2.5", {"comment:7"}),
        ("pm2.5 浓度", {"comment:7"}),
        ("ＰＭ２．５", {"comment:7"}),  # full width
        ("2027年", {"comment:7"}),
        ("2027", {"comment:7"}),
        ("第十条", {"comment:8", "article:10"}),
        ("wi-fi", {"comment:9"}),
        ("WiFi", {"comment:9"}),
        ("500元", {"comment:3"}),
    ],
)
def test_mixed_text(filled, text, expected):
    assert set(keys_of(filled.search(Query(text)))) == expected


JUNK = [
    '"',
    '""',
    '"开放',
    '开放"时间',
    "(",
    "((()))",
    "AND",
    "开放 AND",
    "OR NOT",
    "*",
    "?",
    "开放*",
    "\\",
    "开放\\",
    "'",
    "o'neil",
    ":*",
    "& | ! <-> :",
    "a:b",
    "title:开放",
    "开放^2",
    "~",
    "[1 TO 9]",
    "{x}",
    "--",
    "\x00",
    "%",
    "😀",
    "　",  # ideographic space
    "",
    " ",
    "开放时间" * 200,
    "x" * 5000,
    " ".join(["开放"] * 300),
    "'); DROP TABLE search_doc; --",
]


@pytest.mark.parametrize("text", JUNK, ids=range(len(JUNK)))
def test_junk_is_searched_as_text_without_an_exception(filled, text):
    results = filled.search(Query(text, public_only=False))
    assert results.total >= len(results.hits) >= 0
    assert filled.search(Query("罚款")).total == 2  # and nothing was harmed


def test_snippets_are_escaped_and_only_marks_are_markup(backend):
    backend.index([comment(1, "<script>alert(1)</script> 罚款 & 开放时间 <b>要长</b>")])
    hit = backend.search(Query("开放时间")).hits[0]
    assert "<script>" not in hit.snippet and "<b>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet and "&amp;" in hit.snippet
    assert "<mark>开放时间</mark>" in hit.snippet
    stripped = hit.snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped and ">" not in stripped


def test_a_snippet_is_a_window_around_the_first_match(backend):
    body = "前言" * 100 + "城市书房的开放时间太短。" + "结尾" * 100
    backend.index([comment(1, body)])
    snippet = backend.search(Query("开放时间")).hits[0].snippet
    assert "<mark>开放时间</mark>" in snippet
    assert snippet.startswith("\u2026") and snippet.endswith("\u2026")
    assert len(snippet.replace("<mark>", "").replace("</mark>", "")) <= 84


def test_pagination_and_total(backend):
    backend.index([comment(i, f"第{i}号意见：希望延长开放时间。") for i in range(1, 26)])
    seen = []
    for page in (1, 2, 3):
        results = backend.search(Query("开放时间", page=page, per_page=10))
        assert results.total == 25
        seen.extend(keys_of(results))
    assert len(seen) == 25 and len(set(seen)) == 25
    beyond = backend.search(Query("开放时间", page=4, per_page=10))
    assert beyond.hits == [] and beyond.total == 25


def test_the_total_counts_phrase_matches_only(backend):
    backend.index(
        [comment(i, f"第{i}条意见：开放时间太短。") for i in range(1, 4)]
        + [comment(i, "书房开放了，放时间表在门口。") for i in range(4, 7)]  # every bigram, not the phrase
    )
    results = backend.search(Query("开放时间", per_page=1))
    assert results.total == 3 and len(results.hits) == 1


def test_reindexing_a_document_replaces_it(filled):
    changed = comment(3, "改过的意见：不再提罚款，只谈开放时间。", article=11, draft=2)
    filled.index([changed])
    filled.index([changed])
    assert filled.search(Query("乱扔垃圾", kind="comment")).total == 0
    found = keys_of(filled.search(Query("开放时间", per_page=50)))
    assert found.count("comment:3") == 1
    assert filled.keys()["comment:3"] == fingerprint(changed)
    assert len(filled.keys()) == len(CORPUS)


def test_the_same_key_twice_in_one_batch_keeps_the_last(backend):
    backend.index([comment(1, "第一稿：开放时间"), comment(1, "第二稿：罚款")])
    assert backend.search(Query("开放时间")).total == 0
    assert keys_of(backend.search(Query("罚款"))) == ["comment:1"]
    assert len(backend.keys()) == 1


def test_rebuild_replaces_everything(filled):
    fresh = [comment(100, "重建后的唯一意见：开放时间。")]
    assert filled.rebuild(fresh) == 1
    assert filled.keys() == {"comment:100": fingerprint(fresh[0])}
    assert keys_of(filled.search(Query("开放时间"))) == ["comment:100"]
    assert filled.search(Query("罚款")).total == 0


def test_another_instance_sees_writes_and_rebuilds(make_backend):
    writer, reader = make_backend(), make_backend()
    assert reader.search(Query("罚款")).total == 0
    writer.index(CORPUS)
    assert reader.search(Query("罚款")).total == 2
    writer.rebuild(CORPUS[:3])
    assert reader.search(Query("罚款")).total == 1
    writer.remove(["comment:3"])
    assert reader.search(Query("罚款")).total == 0


def test_readers_never_fail_while_another_instance_rebuilds(make_backend):
    writer, reader = make_backend(), make_backend()
    writer.index(CORPUS)
    errors, totals = [], set()
    stop = threading.Event()

    def read():
        while not stop.is_set():
            try:
                totals.add(reader.search(Query("开放时间")).total)
                reader.keys()
            except Exception as exc:  # pragma: no cover - the failure being tested for
                errors.append(exc)

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for round_ in range(6):
            extra = [comment(200 + round_, "重建中的意见：开放时间。")]
            writer.rebuild(CORPUS + extra)
            time.sleep(0.02)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert errors == []
    assert totals <= {3, 4}  # the old index or a complete new one, never a half one
    assert writer.search(Query("开放时间")).total == 4


def test_a_second_writer_waits_then_gives_up_cleanly(make_backend):
    backend = make_backend(lock_timeout=0.3)
    backend.index(CORPUS[:1])
    with writer_lock_held(backend):
        started = time.monotonic()
        with pytest.raises(SearchBusy):
            backend.index(CORPUS)
        assert time.monotonic() - started >= 0.25
        with pytest.raises(SearchBusy):
            backend.rebuild(CORPUS)
        with pytest.raises(SearchBusy):
            backend.remove(["comment:1"])
        assert backend.search(Query("开放时间")).total == 1  # readers are not blocked
    assert set(backend.keys()) == {"comment:1"}  # nothing half written
    assert backend.index(CORPUS) == len(CORPUS)  # and the retry succeeds


def test_a_waiting_writer_proceeds_when_the_lock_is_released(make_backend):
    backend = make_backend(lock_timeout=10)
    done = []
    with writer_lock_held(backend):
        thread = threading.Thread(target=lambda: done.append(backend.index(CORPUS)))
        thread.start()
        time.sleep(0.3)
        assert done == []
    thread.join(timeout=30)
    assert done == [len(CORPUS)]


def test_a_typo_falls_back_to_the_closest_documents(filled):
    found = filled.search(Query("开时间"))  # a character left out: no exact match
    assert found.total > 0
    assert {"comment:1", "comment:8", "article:10"} <= set(keys_of(found)[:4])


def test_a_very_long_text_is_indexed_from_its_start(backend):
    long_text = "开放时间" + "很长的意见内容。" * 20_000 + "罚款"  # 160,000 characters
    assert backend.index([comment(1, long_text)]) == 1
    assert keys_of(backend.search(Query("开放时间"))) == ["comment:1"]


def test_the_fingerprint_follows_the_document(filled):
    before = filled.keys()["comment:5"]
    filled.index([comment(5, CORPUS[4].text, article=12, channel="web", point=None)])
    assert filled.keys()["comment:5"] != before


def test_above_the_candidate_cap_the_total_is_estimated_and_every_page_still_reachable(backend, monkeypatch):
    module = __import__(type(backend).__module__, fromlist=["CANDIDATES"])
    monkeypatch.setattr(module, "CANDIDATES", 10)
    backend.index([comment(i, f"第{i}号意见：希望延长开放时间。") for i in range(1, 26)])
    first = backend.search(Query("开放时间", per_page=5))
    assert len(first.hits) == 5 and first.total >= 10  # only the first 10 matches ranked, total estimated
    last = backend.search(Query("开放时间", page=3, per_page=10))  # the cap grows to reach the page
    assert last.total == 25 and len(last.hits) == 5


def test_the_loose_fallback_first_asks_for_all_tokens_but_one(filled):
    filled.index([comment(20, "运输车辆应当密闭。"), comment(21, "渣土运输车辆应当密闭。")])
    found = filled.search(Query("渣土运车辆"))  # 渣土 土运 运车 车辆: 21 has three, 20 only 车辆
    assert keys_of(found) == ["comment:21"]


def test_two_term_totals_are_the_true_count_whatever_the_page_size(backend):
    """Regression: no collector may prune matches it thinks cannot reach the page (Whoosh's block
    quality skipping did: totals came out short). Several commits (segments), replaced documents and
    a filter, all below the candidate cap: every total must be the exact count."""
    fillers = ["", "开放时间", "罚款罚款罚款", "书房", "晚上开放到十点，罚款也要公示"]
    docs = []
    for i in range(1, 241):
        text = f"第{i}号意见。" + fillers[i % 5] * (1 + i % 7)
        if i % 3 == 0:
            text += "建议延长开放时间" + "，" * (i % 11)
        if i % 4 == 0:
            text += "对违规者处以罚款"
        docs.append(comment(i, text, public=i % 2 == 0, draft=1 + (i // 7) % 3))
    for start in range(0, len(docs), 60):  # four commits: four segments in Whoosh
        backend.index(docs[start : start + 60])
    replaced = [
        comment(d.id, d.text.replace("罚款", "处理"), public=d.public, draft=d.draft_id) for d in docs[:40]
    ]
    backend.index(replaced)  # the old versions are deleted inside earlier segments
    current = {d.id: d for d in docs} | {d.id: d for d in replaced}

    def expected(public_only=True, draft=None, terms=("开放时间", "罚款")):
        return sum(
            all(t in d.text for t in terms)
            and (d.public or not public_only)
            and (draft is None or d.draft_id == draft)
            for d in current.values()
        )

    for public_only, draft in [(True, None), (False, None), (True, 2), (False, 3)]:
        want = expected(public_only, draft)
        assert want > 10
        for per_page in (1, 3, 100):
            found = backend.search(
                Query("开放时间 罚款", public_only=public_only, draft_id=draft, per_page=per_page)
            )
            assert found.total == want, (public_only, draft, per_page)
            assert not found.partial
    loose = backend.search(Query("开放时间 罚没", public_only=False, per_page=2))  # no 罚没: the loose passes
    assert loose.partial and loose.total == sum("开放时间" in d.text for d in current.values())


def test_the_whoosh_patches_refuse_another_whoosh_version(monkeypatch):
    """The patches read Whoosh 2.7.4's private fields: another version must be looked at, not patched."""
    import importlib

    import whoosh

    from consult.search import whoosh_patches

    monkeypatch.setattr(whoosh, "__version__", (2, 7, 5))
    with pytest.raises(RuntimeError, match=r"2\.7\.4"):
        importlib.reload(whoosh_patches)
    monkeypatch.undo()
    importlib.reload(whoosh_patches)


def test_the_whoosh_index_names_its_tokenizer_by_the_path_existing_indexes_hold(tmp_path):
    """Whoosh pickles the schema into every index, the tokenizer by its import path: indexes already
    deployed name consult.search.whoosh_backend.ConsultTokenizer, so new ones must name (and the code
    must keep) that same path, or every deployed index would need a rebuild."""
    from consult.search.whoosh_backend import WhooshBackend

    backend = WhooshBackend(str(tmp_path / "index"))
    backend.index([comment(1, "建议延长城市书房的开放时间。")])
    backend.close()
    (toc,) = (tmp_path / "index").glob("gen-*/_MAIN_*.toc")
    assert b"cconsult.search.whoosh_backend\nConsultTokenizer\n" in toc.read_bytes()
    reopened = WhooshBackend(str(tmp_path / "index"))
    try:
        assert keys_of(reopened.search(Query("开放时间"))) == ["comment:1"]
    finally:
        reopened.close()
