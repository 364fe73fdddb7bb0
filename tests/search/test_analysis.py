"""Chinese analysis and the query parser (consult/search/analysis.py), and the snippet maker."""

from __future__ import annotations

import pytest

from consult.search.analysis import (
    MAX_CLAUSE_TOKENS,
    MAX_CLAUSES,
    MAX_TOKEN_CHARS,
    analyze,
    index_tokens,
    normalize,
    parse_query,
    query_tokens,
)
from consult.search.snippets import snippet


def positions(text: str) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for token in analyze(text):
        found.setdefault(token.text, set()).add(token.pos)
    return found


def occurs(query: str, text: str) -> bool:
    """Whether the query tokens sit at consecutive positions of the text, as a phrase query asks."""
    tokens, at = query_tokens(query), positions(text)
    return any(
        all(start + i in at.get(tok, ()) for i, tok in enumerate(tokens)) for start in at.get(tokens[0], ())
    )


def test_a_word_is_indexed_as_bigrams_unigrams_and_the_query_asks_for_its_bigrams():
    assert query_tokens("开放时间") == ["开放", "放时", "时间"]
    tokens = index_tokens("开放时间")
    assert {"开放", "放时", "时间", "开", "放", "时", "间"} <= set(tokens)
    assert positions("开放时间")["开放"] == {0} and positions("开放时间")["时间"] == {2}


def test_positions_are_token_order_not_character_offsets():
    at = positions("PM2.5超标，开放时间")
    assert at["pm2.5"] == {0} and at["超标"] == {1} and at["开放"] == {2}


def test_two_character_terms():
    assert query_tokens("罚款") == ["罚款"]
    assert occurs("罚款", "处以五千元罚款")
    assert not occurs("罚款", "罚没的物品")  # 罚 without 款


def test_a_quoted_phrase():
    parsed = parse_query('"盲文图书"')
    assert parsed.phrases == ["盲文图书"] and parsed.terms == []
    assert parsed.clauses[0].tokens == ("盲文", "文图", "图书")
    assert occurs("盲文图书", "增加盲文图书和有声读物")
    assert not occurs("盲文图书", "盲文阅览区的图书")


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("PM2.5", "工地扬尘导致PM2.5浓度超标"),
        ("pm2.5浓度", "工地扬尘导致PM2.5浓度超标"),
        ("2027年", "本条例自2027年1月1日起施行"),
        ("2027年", "2027年底前完成改造"),  # 年 begins the run 年底前完成改造
        ("2027", "2026-2027年度"),
        ("第十条", "第十条规定的开放时间"),
        ("第十条", "依照本条例第十条的规定"),
        ("24小时", "提供24小时自助借还服务"),
        ("wi-fi", "提供免费Wi-Fi"),
        ("wifi", "提供免费Wi-Fi"),
        ("wi-fi", "提供免费WiFi"),
        ("5000元", "罚款5000元以下"),
        ("app", "开发一个APP预约座位"),
    ],
)
def test_mixed_text_is_found(query, text):
    assert occurs(query, text)


def test_ascii_runs_are_kept_whole_and_lowercased():
    assert query_tokens("PM2.5") == ["pm2.5"]
    assert "pm2.5" in index_tokens("PM2.5浓度")
    assert "2.5" in index_tokens("2.5米") and "5" not in index_tokens("2.5米")  # a decimal stays whole
    assert query_tokens("2027年") == ["2027", "年"]


def test_full_width_text_is_folded_first():
    assert normalize("ＰＭ２．５　２０２７年")[0] == "pm2.5 2027年"
    assert query_tokens("ＰＭ２．５") == ["pm2.5"]
    assert index_tokens("ＡＰＰ") == index_tokens("app")
    # Offsets map back to the text as written, so snippets mark the full-width characters.
    assert snippet("超标的ＰＭ２．５", parse_query("pm2.5")) == "超标的<mark>ＰＭ２．５</mark>"


def test_white_space_inside_chinese_does_not_split_a_word():
    assert occurs("开放时间", "城市书房的开放时\n间不少于十小时")
    assert parse_query('"开放 时间"').clauses[0].tokens == ("开放", "放时", "时间")


def test_separate_terms_are_clauses_and_their_joined_phrase_boosts():
    parsed = parse_query("开放  时间")  # a stray double space
    assert parsed.terms == ["开放", "时间"]
    assert parsed.joined == ("开放", "放时", "时间")


def test_a_single_character_is_searchable():
    assert query_tokens("罚") == ["罚"]
    assert occurs("罚", "处罚") and occurs("罚", "罚款")


def test_a_character_left_out_still_finds_the_word_loosely():
    parsed = parse_query("无障设施")
    assert not occurs("无障设施", "建设无障碍设施")  # the strict query misses it …
    assert (
        {"无障", "设施"} <= set(parsed.loose) <= set(index_tokens("建设无障碍设施")) | {"障设"}
    )  # … the loose finds it


JUNK = ['"', "(((", ")", "AND", "OR NOT", "*", "?", "\\", "'", ":*", "&|!<->", "", "   ", "\x00", "😀"]


@pytest.mark.parametrize("text", JUNK)
def test_junk_never_raises(text):
    parsed = parse_query(text)
    for clause in parsed.clauses:
        assert clause.tokens and all(clause.tokens)
    index_tokens(text)


def test_operators_between_terms_are_dropped_but_alone_they_are_text():
    assert parse_query("开放 AND 时间").terms == ["开放", "时间"]
    assert parse_query("AND").terms == ["and"]
    assert parse_query("开放 OR").terms == ["开放"]


def test_punctuation_only_queries_are_empty():
    for text in ["(((", "*?", '"', "\\", ""]:
        assert parse_query(text).empty


def test_unbalanced_quotes_are_separators():
    parsed = parse_query('"开放 时间')
    assert parsed.terms == ["开放", "时间"] and parsed.phrases == []
    assert parse_query("开放\u201c时间").terms == ["开放", "时间"]


def test_quotes_have_no_loose_fallback():
    assert parse_query('"开时间"').loose == ()
    assert parse_query("开时间").loose == ("开时", "时间")


def test_very_long_input_is_capped():
    parsed = parse_query("开放时间" * 1000)
    assert len(parsed.clauses) == 1 and len(parsed.clauses[0].tokens) == MAX_CLAUSE_TOKENS
    parsed = parse_query(" ".join(f"词{i}" for i in range(100)))
    assert len(parsed.clauses) == MAX_CLAUSES
    assert all(len(t) <= MAX_TOKEN_CHARS for t in index_tokens("x" * 10_000))
    assert parse_query("x" * 10_000).clauses[0].tokens == ("x" * MAX_TOKEN_CHARS,)


def test_snippet_escapes_everything_but_the_marks():
    html = snippet("<b>罚款</b> & 开放时间", parse_query("开放时间"))
    assert html == "&lt;b&gt;罚款&lt;/b&gt; &amp; <mark>开放时间</mark>"


def test_snippet_without_a_match_shows_the_beginning():
    assert snippet("甲" * 200, parse_query("罚款")) == "甲" * 80 + "\u2026"
