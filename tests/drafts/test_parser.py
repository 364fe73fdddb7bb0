"""Tests for the draft-text parser (chapters, sections, articles and numbering errors)."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consult.drafts.numerals import to_chinese
from consult.drafts.parser import ParsedArticle, ParsedDraft, ParseIssue, parse_draft

# A realistic draft; line numbers in the tests are positions in this list (1-based).
BOOK_LINES = [
    "本市城市书房条例（草案）",  # 1
    "（征求意见稿）",  # 2
    "",  # 3
    "第一章　总　　则",  # 4
    "",  # 5
    "第一条　为了推进城市书房建设，完善公共文化服务体系，保障公民基本文化权益，"
    "根据《中华人民共和国公共图书馆法》等法律、行政法规，结合本市实际，制定本条例。",  # 6
    "第二条　本条例适用于本市行政区域内城市书房的设立、建设、运营、服务及其监督管理。",  # 7
    "本条例所称城市书房，是指由政府主导设立，向公众免费开放的小型公共阅读空间。",  # 8
    "第三条　市、区人民政府应当将城市书房建设纳入公共文化服务体系建设规划。",  # 9
    "第二章　设立与建设",  # 10
    "第四条　设立城市书房，应当具备下列条件：",  # 11
    "（一）有固定的场所，面积不少于一百平方米；",  # 12
    "（二）有符合要求的图书、报刊和数字阅读设备；",  # 13
    "（三）有必要的管理人员。",  # 14
    "第五条　社会力量可以依照本条例第四条的规定参与城市书房建设。",  # 15
    "第三章　运营与服务",  # 16
    "第一节　开放服务",  # 17
    "第六条　城市书房每周开放时间不少于五十六小时。",  # 18
    "第七条　城市书房应当提供图书借阅、阅读推广等服务。",  # 19
    "第二节　安全管理",  # 20
    "第八条　运营单位应当建立安全管理制度，但有",  # 21
    "第十条规定的情形除外。",  # 22
    "第四章　法律责任",  # 23
    "第九条　违反本条例第七条规定的，由文化主管部门责令改正。",  # 24
    "第十条",  # 25
    "违反本条例第八条规定，造成读者人身伤害的，依法承担赔偿责任。",  # 26
    "第五章　附　　则",  # 27
    "第十一条　本条例自2025年1月1日起施行。",  # 28
]
BOOK = "\n".join(BOOK_LINES)


def messages(draft: ParsedDraft) -> list[str]:
    """The error messages of a draft, in order."""
    return [issue.message for issue in draft.errors]


def article_lines(count: int, start: int = 1) -> list[str]:
    """Lines 第一条 … for ``count`` articles with a short body each."""
    return [f"第{to_chinese(n)}条　第{n}号条文内容。" for n in range(start, start + count)]


# -- title and version ------------------------------------------------------------------------


def test_title_and_version_label() -> None:
    draft = parse_draft(BOOK)
    assert draft.title == "本市城市书房条例（草案）"
    assert draft.version_label == "征求意见稿"


@pytest.mark.parametrize(
    ("line", "label"),
    [
        ("（征求意见稿）", "征求意见稿"),
        ("(征求意见稿)", "征求意见稿"),
        ("（修改稿）", "修改稿"),
        ("（草案修改稿）", "草案修改稿"),
        ("( 送审稿 )", "送审稿"),
        ("（草案）", "草案"),
    ],
)
def test_version_label_forms(line: str, label: str) -> None:
    draft = parse_draft(f"本市城市书房条例\n{line}\n第一条　内容。")
    assert draft.title == "本市城市书房条例"
    assert draft.version_label == label
    assert draft.ok


def test_bracketed_line_that_is_not_a_version_is_ignored() -> None:
    draft = parse_draft("本市城市书房条例（草案）\n（2024年5月10日）\n第一条　内容。")
    assert draft.title == "本市城市书房条例（草案）"
    assert draft.version_label is None
    assert draft.ok


def test_version_label_only_right_after_title() -> None:
    draft = parse_draft("本市城市书房条例\n说明：本稿供讨论。\n（征求意见稿）\n第一条　内容。")
    assert draft.version_label is None
    assert draft.ok


def test_no_title_when_draft_starts_with_an_article() -> None:
    draft = parse_draft("第一条　内容。\n第二条　内容。")
    assert draft.title is None
    assert draft.version_label is None
    assert [a.number for a in draft.articles] == [1, 2]


def test_no_title_when_draft_starts_with_a_chapter() -> None:
    draft = parse_draft("第一章　总则\n第一条　内容。")
    assert draft.title is None
    assert draft.chapters[0]["heading"] == "第一章　总则"


def test_version_line_first_gives_no_title() -> None:
    draft = parse_draft("（征求意见稿）\n第一条　内容。")
    assert draft.title is None
    assert draft.version_label == "征求意见稿"


def test_preamble_before_first_article_is_ignored() -> None:
    text = "本市城市书房条例\n（征求意见稿）\n市人大常委会法制工作委员会\n2024年5月\n第一条　内容。"
    draft = parse_draft(text)
    assert draft.ok
    assert len(draft.articles) == 1
    assert draft.articles[0].text == "内容。"


# -- structure of the sample draft --------------------------------------------------------------


def test_book_parses_without_errors() -> None:
    draft = parse_draft(BOOK)
    assert draft.errors == []
    assert draft.ok
    assert [a.number for a in draft.articles] == list(range(1, 12))
    assert [a.order for a in draft.articles] == list(range(11))
    assert [a.label for a in draft.articles][-2:] == ["第十条", "第十一条"]
    assert draft.notices == []  # a chapter heading followed by its first article is no contents


def test_chapters_and_sections() -> None:
    draft = parse_draft(BOOK)
    assert draft.chapters == [
        {"heading": "第一章　总则", "number": 1, "line": 4, "sections": []},
        {"heading": "第二章　设立与建设", "number": 2, "line": 10, "sections": []},
        {
            "heading": "第三章　运营与服务",
            "number": 3,
            "line": 16,
            "sections": ["第一节　开放服务", "第二节　安全管理"],
        },
        {"heading": "第四章　法律责任", "number": 4, "line": 23, "sections": []},
        {"heading": "第五章　附则", "number": 5, "line": 27, "sections": []},
    ]


def test_articles_know_their_chapter_and_section() -> None:
    by_number = {a.number: a for a in parse_draft(BOOK).articles}
    assert by_number[1].chapter == "第一章　总则"
    assert by_number[1].section is None
    assert by_number[6].chapter == "第三章　运营与服务"
    assert by_number[6].section == "第一节　开放服务"
    assert by_number[8].section == "第二节　安全管理"
    assert by_number[9].chapter == "第四章　法律责任"
    assert by_number[9].section is None  # sections reset at a new chapter
    assert by_number[11].chapter == "第五章　附则"


def test_article_line_numbers() -> None:
    lines = [a.line for a in parse_draft(BOOK).articles]
    assert lines == [6, 7, 9, 11, 15, 18, 19, 21, 24, 25, 28]


def test_paragraphs_stay_in_their_article() -> None:
    article = parse_draft(BOOK).articles[1]
    assert article.label == "第二条"
    assert article.text == (
        "本条例适用于本市行政区域内城市书房的设立、建设、运营、服务及其监督管理。\n"
        "本条例所称城市书房，是指由政府主导设立，向公众免费开放的小型公共阅读空间。"
    )


def test_items_stay_in_their_article() -> None:
    article = parse_draft(BOOK).articles[3]
    assert article.label == "第四条"
    assert article.text.split("\n") == [
        "设立城市书房，应当具备下列条件：",
        "（一）有固定的场所，面积不少于一百平方米；",
        "（二）有符合要求的图书、报刊和数字阅读设备；",
        "（三）有必要的管理人员。",
    ]


def test_ascii_bracket_items_stay_in_their_article() -> None:
    draft = parse_draft("第一条　城市书房应当：\n(一)免费开放；\n(二) 提供阅读服务。\n第二条　内容。")
    assert draft.articles[0].text == "城市书房应当：\n(一)免费开放；\n(二) 提供阅读服务。"
    assert len(draft.articles) == 2


def test_cross_reference_at_line_start_is_text() -> None:
    article = parse_draft(BOOK).articles[7]
    assert article.label == "第八条"
    assert article.text == "运营单位应当建立安全管理制度，但有\n第十条规定的情形除外。"


def test_cross_reference_mid_line_is_text() -> None:
    by_number = {a.number: a for a in parse_draft(BOOK).articles}
    assert by_number[5].text == "社会力量可以依照本条例第四条的规定参与城市书房建设。"
    assert by_number[9].text == "违反本条例第七条规定的，由文化主管部门责令改正。"


@pytest.mark.parametrize(
    "line",
    [
        "第十条规定的情形除外。",
        "第十条、第十一条规定的情形除外。",
        "第十条第二款规定的情形除外。",
        "第二章规定的设施除外。",
        "第一节所列事项。",
        "第三方机构参与运营的，从其约定。",
    ],
)
def test_line_starting_with_reference_continues_article(line: str) -> None:
    draft = parse_draft(f"第一条　有下列情形之一的，不适用本条例，但\n{line}\n第二条　内容。")
    assert draft.ok
    assert draft.articles[0].text.endswith("\n" + line)
    assert draft.chapters == []


def test_label_alone_on_its_line() -> None:
    article = parse_draft(BOOK).articles[9]
    assert article.label == "第十条"
    assert article.line == 25
    assert article.text == "违反本条例第八条规定，造成读者人身伤害的，依法承担赔偿责任。"


def test_label_alone_with_trailing_spaces() -> None:
    draft = parse_draft("第一条\u3000 \n\n  为了规范城市书房，制定本条例。\n第二条\t\n内容。")
    assert draft.ok
    assert [a.text for a in draft.articles] == ["为了规范城市书房，制定本条例。", "内容。"]


def test_heading_without_chapters_is_none() -> None:
    draft = parse_draft("第一条　内容。\n第二条　内容。")
    assert draft.chapters == []
    assert all(a.chapter is None and a.section is None for a in draft.articles)


def test_bare_fuze_heading_is_text_of_current_article() -> None:
    draft = parse_draft("第一条　内容。\n附　　则\n第二条　本条例自公布之日起施行。")
    assert draft.ok
    assert draft.articles[0].text == "内容。\n附　　则"
    assert draft.chapters == []


def test_sections_without_chapters() -> None:
    draft = parse_draft("第一节　一般规定\n第一条　内容。\n第二节　特别规定\n第二条　内容。")
    assert draft.ok
    assert draft.chapters == []
    assert [a.section for a in draft.articles] == ["第一节　一般规定", "第二节　特别规定"]


def test_section_numbers_restart_in_each_chapter() -> None:
    text = "\n".join(
        [
            *("第一章　总则", "第一节　甲", "第一条　内容。", "第二节　乙", "第二条　内容。"),
            *("第二章　运营", "第一节　丙", "第三条　内容。"),
        ]
    )
    draft = parse_draft(text)
    assert draft.ok
    assert draft.chapters[1]["sections"] == ["第一节　丙"]


def test_heading_title_on_next_line() -> None:
    draft = parse_draft("第一章\n总则\n第一节\n一般规定\n第一条　内容。")
    assert draft.ok
    assert draft.chapters == [
        {"heading": "第一章　总则", "number": 1, "line": 1, "sections": ["第一节　一般规定"]}
    ]
    assert draft.articles[0].chapter == "第一章　总则"
    assert draft.articles[0].section == "第一节　一般规定"


def test_heading_without_title() -> None:
    draft = parse_draft("第一章\n第一条　内容。")
    assert draft.ok
    assert draft.chapters[0]["heading"] == "第一章"
    assert draft.articles[0].chapter == "第一章"


def test_chapter_title_spaces_are_normalised() -> None:
    draft = parse_draft("第一章 \t总　　则\n第一条　内容。\n第二章  设立 与 建设\n第二条　内容。")
    assert [c["heading"] for c in draft.chapters] == ["第一章　总则", "第二章　设立与建设"]


def test_chapter_heading_keeps_printed_numeral() -> None:
    draft = parse_draft("第1章 总则\n第1条 内容。")
    assert draft.chapters[0]["heading"] == "第1章　总则"
    assert draft.chapters[0]["number"] == 1


# -- white space, blank lines and line endings ---------------------------------------------------


@pytest.mark.parametrize("space", [" ", "\u3000", "\t", "  ", "\u3000\u3000", " \u3000\t", "\xa0"])
def test_any_white_space_after_label(space: str) -> None:
    draft = parse_draft(f"第一章{space}总则\n第一条{space}为了规范管理。\n第二条{space}内容。")
    assert draft.ok
    assert draft.chapters[0]["heading"] == "第一章　总则"
    assert [(a.label, a.text) for a in draft.articles] == [("第一条", "为了规范管理。"), ("第二条", "内容。")]


def test_blank_lines_and_stray_spaces_are_tolerated() -> None:
    text = (
        "\n\n   本市城市书房条例  \n\n\u3000（征求意见稿）\u3000\n\n"
        "\t第一章　总则  \n\n\n  第一条　内容。 \n\n\xa0第二款。\xa0\n"
    )
    draft = parse_draft(text)
    assert draft.ok
    assert draft.title == "本市城市书房条例"
    assert draft.version_label == "征求意见稿"
    assert draft.articles[0].text == "内容。\n第二款。"
    assert draft.articles[0].line == 10
    assert draft.chapters[0]["line"] == 7


def test_whitespace_only_lines_are_blank() -> None:
    draft = parse_draft("第一条　内容。\n \u3000\t\xa0\n第二条　内容。")
    assert draft.ok
    assert draft.articles[0].text == "内容。"
    assert draft.articles[1].line == 3


def test_crlf_line_endings() -> None:
    lf = parse_draft(BOOK)
    crlf = parse_draft(BOOK.replace("\n", "\r\n"))
    assert crlf.to_dict() == lf.to_dict()
    assert all("\r" not in a.text for a in crlf.articles)


def test_old_mac_line_endings_and_bom() -> None:
    draft = parse_draft("\ufeff本市城市书房条例\r第一条　内容。\r第二条　内容。\r")
    assert draft.ok
    assert draft.title == "本市城市书房条例"
    assert [a.line for a in draft.articles] == [2, 3]


def test_spaces_inside_label_are_dropped() -> None:
    draft = parse_draft("第 1 条 内容。\n第 2 条 内容。")
    assert draft.ok
    assert [a.label for a in draft.articles] == ["第1条", "第2条"]


def test_arabic_and_full_width_digit_labels() -> None:
    draft = parse_draft("第1条 内容。\n第２条　内容。\n第3条\t内容。")
    assert draft.ok
    assert [(a.label, a.number) for a in draft.articles] == [("第1条", 1), ("第２条", 2), ("第3条", 3)]


def test_numeral_variants_in_labels() -> None:
    draft = parse_draft("第一条　甲。\n第二条　乙。\n第三条　丙。\n第肆条　丁。")
    assert draft.ok
    assert draft.articles[3].number == 4


# -- table of contents ---------------------------------------------------------------------------

TOC_LINES = [
    "本市城市书房条例（草案）",  # 1
    "（征求意见稿）",  # 2
    "目　　录",  # 3
    "第一章　总则",  # 4
    "第二章　运营与服务",  # 5
    "　第一节　开放服务",  # 6
    "　第二节　安全管理",  # 7
    "第三章　附则",  # 8
    "",  # 9
    "第一章　总则",  # 10
    "第一条　为了推进城市书房建设，制定本条例。",  # 11
    "第二章　运营与服务",  # 12
    "第一节　开放服务",  # 13
    "第二条　城市书房应当免费开放。",  # 14
    "第二节　安全管理",  # 15
    "第三条　运营单位应当建立安全管理制度。",  # 16
    "第三章　附则",  # 17
    "第四条　本条例自2025年1月1日起施行。",  # 18
]


# The shortest contents without a 目录 line: two chapters, then the body repeats them.
UNMARKED_TOC = "第一章　总则\n第二章　附则"
UNMARKED_BODY = "第一章　总则\n第一条　内容。\n第二章　附则\n第二条　内容。"
UNMARKED_CONTENTS = f"{UNMARKED_TOC}\n{UNMARKED_BODY}"


def test_table_of_contents_is_skipped() -> None:
    draft = parse_draft("\n".join(TOC_LINES))
    assert draft.errors == []
    assert draft.title == "本市城市书房条例（草案）"
    assert draft.version_label == "征求意见稿"
    assert [(c["heading"], c["line"]) for c in draft.chapters] == [
        ("第一章　总则", 10),
        ("第二章　运营与服务", 12),
        ("第三章　附则", 17),
    ]
    assert draft.chapters[1]["sections"] == ["第一节　开放服务", "第二节　安全管理"]
    assert [a.number for a in draft.articles] == [1, 2, 3, 4]
    assert draft.notices == [ParseIssue(3, "已识别第3行至第8行为目录，未作为正文。")]


@pytest.mark.parametrize("heading", ["目录", "目 录", "目　录", " 目\u3000\u3000录 ", "目　次"])
def test_table_of_contents_heading_forms(heading: str) -> None:
    lines = [*TOC_LINES]
    lines[2] = heading
    draft = parse_draft("\n".join(lines))
    assert draft.ok
    assert draft.title == "本市城市书房条例（草案）"
    assert len(draft.chapters) == 3
    assert draft.notices == [ParseIssue(3, "已识别第3行至第8行为目录，未作为正文。")]


def test_table_of_contents_with_page_numbers_and_fuze_entry() -> None:
    text = "\n".join(
        [
            *("目录", "第一章　总则……………………1", "第二章　运营……………………3", "附　　则……………………5"),
            *("第一章　总则", "第一条　内容。", "第二章　运营", "第二条　内容。"),
        ]
    )
    draft = parse_draft(text)
    assert draft.ok
    assert draft.title is None
    assert [c["line"] for c in draft.chapters] == [5, 7]


def test_table_of_contents_of_draft_without_chapters() -> None:
    draft = parse_draft("目录\n一、总体要求\n二、附则\n第一条　内容。\n第二条　内容。")
    assert draft.ok
    assert [a.line for a in draft.articles] == [4, 5]


def test_table_of_contents_without_body_reports_no_article() -> None:
    draft = parse_draft("目录\n第一章　总则\n第二章　附则")
    assert draft.articles == []
    assert draft.chapters == []
    assert [(e.line, e.message) for e in draft.errors] == [
        (None, "未找到任何条文：每一条应另起一行，以“第一条”这样的编号开头，编号后空一格。")
    ]


def test_table_of_contents_without_heading_is_skipped() -> None:
    lines = [*TOC_LINES]
    lines[2] = ""  # the same contents (with sections), but no 目录 line
    draft = parse_draft("\n".join(lines))
    assert draft.errors == []
    assert draft.title == "本市城市书房条例（草案）"
    assert draft.version_label == "征求意见稿"
    assert [(c["heading"], c["line"]) for c in draft.chapters] == [
        ("第一章　总则", 10),
        ("第二章　运营与服务", 12),
        ("第三章　附则", 17),
    ]
    assert draft.chapters[1]["sections"] == ["第一节　开放服务", "第二节　安全管理"]
    assert [(a.number, a.chapter, a.section) for a in draft.articles] == [
        (1, "第一章　总则", None),
        (2, "第二章　运营与服务", "第一节　开放服务"),
        (3, "第二章　运营与服务", "第二节　安全管理"),
        (4, "第三章　附则", None),
    ]
    assert draft.notices == [ParseIssue(4, "已识别第4行至第8行为目录，未作为正文。")]


def test_table_of_contents_without_heading_or_title() -> None:
    draft = parse_draft(f"{UNMARKED_TOC}\n\n{UNMARKED_BODY}")
    assert draft.errors == []
    assert draft.title is None
    assert [c["line"] for c in draft.chapters] == [4, 6]
    assert [a.line for a in draft.articles] == [5, 7]
    assert draft.notices == [ParseIssue(1, "已识别第1行至第2行为目录，未作为正文。")]


@pytest.mark.parametrize(
    "entries",
    [
        ("第一章　总则……………………1", "第二章　运营……………………3", "第三章　附则……………………5"),
        ("第一章　总则.............1", "第二章　运营.............3", "第三章　附则.............5"),
        ("第一章　总则　　1", "第二章　运营　　3", "第三章　附则　　5"),
        ("第一章　总则\t1", "第二章　运营\t3", "第三章　附则\t5"),
        ("第1章　总则 ··· 1", "第2章　运营 ··· 3", "第3章　附则 ··· 5"),
    ],
)
def test_table_of_contents_without_heading_with_page_numbers(entries: tuple[str, ...]) -> None:
    body = ["第一章　总则", "第一条　内容。", "第二章　运营", "第二条　内容。"]
    body += ["第三章　附则", "第三条　内容。"]
    draft = parse_draft("\n".join(["本市城市书房条例（草案）", *entries, *body]))
    assert draft.errors == []
    assert draft.title == "本市城市书房条例（草案）"
    assert [(c["heading"], c["line"]) for c in draft.chapters] == [
        ("第一章　总则", 5),
        ("第二章　运营", 7),
        ("第三章　附则", 9),
    ]
    assert [a.number for a in draft.articles] == [1, 2, 3]
    assert draft.notices == [ParseIssue(2, "已识别第2行至第4行为目录，未作为正文。")]


def test_table_of_contents_without_heading_with_sections_and_a_bare_fuze_entry() -> None:
    toc = ("第一章　总则……1", "　第一节　一般规定……1", "　第二节　职责……2", "第二章　运营……3", "附　　则……5")
    body = ("第一章　总则", "第一节　一般规定", "第一条　内容。", "第二节　职责", "第二条　内容。")
    body += ("第二章　运营", "第三条　内容。", "附　　则", "本条例自2025年1月1日起施行。")
    draft = parse_draft("\n".join([*toc, *body]))
    assert draft.errors == []
    assert [c["line"] for c in draft.chapters] == [6, 11]
    assert draft.chapters[0]["sections"] == ["第一节　一般规定", "第二节　职责"]
    assert draft.articles[-1].text == "内容。\n附　　则\n本条例自2025年1月1日起施行。"
    assert draft.notices == [ParseIssue(1, "已识别第1行至第5行为目录，未作为正文。")]


def test_table_of_contents_entries_with_titles_on_their_own_lines() -> None:
    draft = parse_draft(f"第一章\n总则\n第二章\n附则\n{UNMARKED_BODY}")
    assert draft.errors == []
    assert [c["heading"] for c in draft.chapters] == ["第一章　总则", "第二章　附则"]
    assert draft.notices == [ParseIssue(1, "已识别第1行至第4行为目录，未作为正文。")]


def test_chapter_without_articles_is_not_taken_for_contents() -> None:
    # 第一章 is followed by 第二章 as in a contents, but nothing repeats below: a real empty chapter.
    draft = parse_draft("第一章　总则\n第二章　管理\n第一条　内容。\n第三章　附则\n第二条　内容。")
    assert [(e.line, e.message) for e in draft.errors] == [(1, "第1行：第一章　总则下没有任何条文。")]
    assert draft.notices == []
    assert [c["line"] for c in draft.chapters] == [1, 2, 4]


def test_run_of_empty_chapters_is_not_taken_for_contents() -> None:
    draft = parse_draft("第一章　总则\n第二章　管理\n第三章　附则\n第一条　内容。")
    assert [e.line for e in draft.errors] == [1, 2]
    assert draft.notices == []


def test_a_repeated_heading_line_is_not_taken_for_contents() -> None:
    draft = parse_draft("第一章　总则\n第一章　总则\n第一条　内容。")
    assert [(e.line, e.message) for e in draft.errors] == [
        (1, "第1行：第一章　总则下没有任何条文。"),
        (2, "第2行：第一章重复，第1行已有第一章。"),
    ]
    assert draft.notices == []


def test_contents_whose_chapters_are_not_all_repeated_is_not_skipped() -> None:
    # 第二章 appears only before the first article, so it is a chapter without articles.
    draft = parse_draft("第一章　总则\n第二章　空章\n第一章　总则\n第一条　甲。\n第三章　附则\n第二条　乙。")
    assert draft.notices == []
    assert (2, "第2行：第二章　空章下没有任何条文。") in [(e.line, e.message) for e in draft.errors]


def test_empty_first_chapter_after_a_marked_contents_is_reported() -> None:
    draft = parse_draft("目录\n第一章　总则\n第二章　管理\n第一章　总则\n第二章　管理\n第一条　内容。")
    assert [(e.line, e.message) for e in draft.errors] == [(4, "第4行：第一章　总则下没有任何条文。")]
    assert draft.notices == [ParseIssue(1, "已识别第1行至第3行为目录，未作为正文。")]


def test_a_lone_contents_heading_is_noticed() -> None:
    draft = parse_draft("目录\n第一章　总则\n第一条　内容。")
    assert draft.ok
    assert draft.notices == [ParseIssue(1, "已识别第1行为目录，未作为正文。")]


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["本市城市书房条例\n为了推进城市书房建设。", "第十条规定的情形除外。"])
def test_error_no_article(text: str) -> None:
    draft = parse_draft(text)
    assert not draft.ok
    assert draft.articles == []
    assert [(e.line, e.message) for e in draft.errors] == [
        (None, "未找到任何条文：每一条应另起一行，以“第一条”这样的编号开头，编号后空一格。")
    ]


@pytest.mark.parametrize("text", ["", "\n\n", " \u3000\r\n\t"])
def test_error_empty_draft(text: str) -> None:
    draft = parse_draft(text)
    assert [(e.line, e.message) for e in draft.errors] == [(None, "草案内容为空。")]
    assert draft.title is None


def test_label_glued_to_text_is_not_an_article() -> None:
    draft = parse_draft("第一条为了规范管理，制定本条例。")
    assert draft.articles == []
    assert draft.errors[0].line is None


def test_error_skipped_article() -> None:
    lines = [*article_lines(5), "第七条　内容。", "第八条　内容。"]
    draft = parse_draft("\n".join(lines))
    assert [(e.line, e.message) for e in draft.errors] == [
        (6, "第6行：第五条之后应为第六条，实际为第七条（跳过了第六条）。")
    ]
    assert [a.number for a in draft.articles] == [1, 2, 3, 4, 5, 7, 8]


def test_error_skipped_run_of_articles() -> None:
    draft = parse_draft("\n".join([*article_lines(2), "第六条　内容。"]))
    assert messages(draft) == ["第3行：第二条之后应为第三条，实际为第六条（跳过了第三条至第五条）。"]


def test_error_repeated_article() -> None:
    draft = parse_draft("\n".join([*article_lines(3), "第三条　又一个第三条。", "第四条　内容。"]))
    assert [(e.line, e.message) for e in draft.errors] == [(4, "第4行：第三条重复，第3行已有第三条。")]
    assert [a.number for a in draft.articles] == [1, 2, 3, 3, 4]


def test_error_article_out_of_order() -> None:
    draft = parse_draft("第一条　甲。\n\n第三条　丙。\n第二条　乙。\n第四条　丁。\n第五条　戊。")
    # 第四条 follows 第二条 but 第三条 was already given, so it is not reported again.
    assert [(e.line, e.message) for e in draft.errors] == [
        (3, "第3行：第一条之后应为第二条，实际为第三条（跳过了第二条）。"),
        (4, "第4行：第三条之后应为第四条，实际为第二条（顺序错乱）。"),
    ]


def test_error_first_article_is_not_one() -> None:
    draft = parse_draft("第三条　内容。\n第四条　内容。")
    assert [(e.line, e.message) for e in draft.errors] == [
        (1, "第1行：应从第一条开始，实际为第三条（缺少第一条至第二条）。")
    ]


def test_error_messages_use_digits_when_the_draft_does() -> None:
    draft = parse_draft("第1条 内容。\n第2条 内容。\n第4条 内容。")
    assert messages(draft) == ["第3行：第2条之后应为第3条，实际为第4条（跳过了第3条）。"]


def test_error_article_without_text() -> None:
    draft = parse_draft("第一条　内容。\n第二条\n\n第三条　内容。\n第四条")
    assert [(e.line, e.message) for e in draft.errors] == [
        (2, "第2行：第二条没有正文内容。"),
        (5, "第5行：第四条没有正文内容。"),
    ]
    assert [a.text for a in draft.articles] == ["内容。", "", "内容。", ""]


def test_error_article_without_text_before_chapter() -> None:
    draft = parse_draft("第一章　总则\n第一条　内容。\n第二条\n第二章　附则\n第三条　内容。")
    assert [(e.line, e.message) for e in draft.errors] == [(3, "第3行：第二条没有正文内容。")]


@pytest.mark.parametrize("label", ["第一百十条", "第十十条", "第二〇条", "第0条", "第两条", "第一二条"])
def test_error_unreadable_article_label(label: str) -> None:
    draft = parse_draft(f"第一条　内容。\n{label}　内容。\n第三条　内容。")
    assert [(e.line, e.message) for e in draft.errors] == [(2, f"第2行：无法识别条文序号“{label}”。")]
    # The unreadable label keeps the expected number, so the next article is not reported.
    assert [(a.label, a.number) for a in draft.articles] == [("第一条", 1), (label, 2), ("第三条", 3)]


def test_error_unreadable_chapter_and_section_labels() -> None:
    draft = parse_draft("第一章　总则\n第一条　内容。\n第二十十章　附则\n第一一节　杂项\n第二条　内容。")
    assert [(e.line, e.message) for e in draft.errors] == [
        (3, "第3行：无法识别章的序号“第二十十章”。"),
        (4, "第4行：无法识别节的序号“第一一节”。"),
    ]
    assert draft.chapters[1]["number"] == 2


def test_error_skipped_chapter() -> None:
    draft = parse_draft("第一章　总则\n第一条　内容。\n第三章　附则\n第二条　内容。")
    assert [(e.line, e.message) for e in draft.errors] == [
        (3, "第3行：第一章之后应为第二章，实际为第三章（跳过了第二章）。")
    ]


def test_error_repeated_chapter() -> None:
    draft = parse_draft("第一章　总则\n第一条　内容。\n第一章　附则\n第二条　内容。")
    assert [(e.line, e.message) for e in draft.errors] == [(3, "第3行：第一章重复，第1行已有第一章。")]


def test_error_first_chapter_is_not_one() -> None:
    draft = parse_draft("第二章　总则\n第一条　内容。")
    assert messages(draft) == ["第1行：应从第一章开始，实际为第二章（缺少第一章）。"]


def test_error_chapter_out_of_order() -> None:
    text = "第一章　甲\n第一条　内容。\n第三章　丙\n第二条　内容。\n第二章　乙\n第三条　内容。"
    assert messages(parse_draft(text)) == [
        "第3行：第一章之后应为第二章，实际为第三章（跳过了第二章）。",
        "第5行：第三章之后应为第四章，实际为第二章（顺序错乱）。",
    ]


def test_error_section_numbering() -> None:
    text = "第一章　总则\n第一节　甲\n第一条　内容。\n第三节　丙\n第二条　内容。"
    assert [(e.line, e.message) for e in parse_draft(text).errors] == [
        (4, "第4行：第一节之后应为第二节，实际为第三节（跳过了第二节）。")
    ]


def test_error_chapter_without_articles() -> None:
    draft = parse_draft(
        "第一章　总则\n第一条　内容。\n第二章　空章\n第三章　附则\n第二条　内容。\n第四章　尾章"
    )
    assert [(e.line, e.message) for e in draft.errors] == [
        (3, "第3行：第二章　空章下没有任何条文。"),
        (6, "第6行：第四章　尾章下没有任何条文。"),
    ]


def test_error_section_without_articles() -> None:
    draft = parse_draft("第一章　总则\n第一节　甲\n第二节　乙\n第一条　内容。")
    assert [(e.line, e.message) for e in draft.errors] == [(2, "第2行：第一节　甲下没有任何条文。")]


def test_error_text_between_heading_and_article() -> None:
    draft = parse_draft("第一章　总则\n第一条　内容。\n第二章　附则\n本章规定附属事项。\n第二条　内容。")
    assert [(e.line, e.message) for e in draft.errors] == [
        (4, "第4行：这段文字位于章节标题之后、条文之前，不属于任何条文，请并入条文或删除。")
    ]
    assert draft.articles[0].text == "内容。"


def test_error_articles_before_first_chapter() -> None:
    draft = parse_draft("第一条　内容。\n第一章　总则\n第二条　内容。")
    assert [(e.line, e.message) for e in draft.errors] == [
        (2, "第2行：第一章之前已有条文（第1行起），分章的草案中所有条文都应在章内。")
    ]
    assert draft.articles[0].chapter is None
    assert draft.articles[1].chapter == "第一章　总则"


def test_all_errors_are_listed_in_order() -> None:
    text = "\n".join(
        [
            "本市城市书房条例（草案）",  # 1
            "第一章　总则",  # 2
            "第一条　内容。",  # 3
            "第三条　内容。",  # 4  skipped 第二条
            "第三条　内容。",  # 5  repeated
            "第五章　附则",  # 6  skipped chapters
            "第四条",  # 7  empty
            "第十十条　内容。",  # 8  unreadable
        ]
    )
    draft = parse_draft(text)
    assert [e.line for e in draft.errors] == [4, 5, 6, 7, 8]
    assert messages(draft) == [
        "第4行：第一条之后应为第二条，实际为第三条（跳过了第二条）。",
        "第5行：第三条重复，第4行已有第三条。",
        "第6行：第一章之后应为第二章，实际为第五章（跳过了第二章至第四章）。",
        "第7行：第四条没有正文内容。",
        "第8行：无法识别条文序号“第十十条”。",
    ]
    assert len(draft.articles) == 5


def test_every_message_names_its_line() -> None:
    text = "第一章　总则\n第二条\n第二章　空\n第四章　尾\n第三条　内容。\n多余文字"
    draft = parse_draft(text)
    assert draft.errors
    for issue in draft.errors:
        assert isinstance(issue, ParseIssue)
        assert issue.message.startswith(f"第{issue.line}行：")


# -- long drafts ---------------------------------------------------------------------------------


def test_generated_draft_with_105_articles() -> None:
    lines = ["本市城市书房条例（草案）", "（修改稿）"]
    for chapter in range(1, 6):
        lines.append(f"第{to_chinese(chapter)}章　第{chapter}部分")
        lines.extend(article_lines(21, start=(chapter - 1) * 21 + 1))
    draft = parse_draft("\n".join(lines))
    assert draft.errors == []
    assert len(draft.articles) == 105
    assert [a.number for a in draft.articles] == list(range(1, 106))
    assert [a.order for a in draft.articles] == list(range(105))
    assert draft.articles[100].label == "第一百零一条"
    assert draft.articles[104].label == "第一百零五条"
    assert draft.articles[104].chapter == "第五章　第5部分"
    assert draft.articles[9].label == "第十条"
    assert [c["number"] for c in draft.chapters] == [1, 2, 3, 4, 5]


def test_labels_beyond_one_hundred_and_ten() -> None:
    draft = parse_draft("\n".join(article_lines(1200)))
    assert draft.ok
    labels = {a.number: a.label for a in draft.articles}
    assert labels[110] == "第一百一十条"
    assert labels[111] == "第一百一十一条"
    assert labels[1001] == "第一千零一条"
    assert labels[1010] == "第一千零一十条"
    assert labels[1200] == "第一千二百条"


SPACES = st.sampled_from([" ", "\u3000", "\t", "  ", "\u3000\u3000", "\xa0"])
NEWLINES = st.sampled_from(["\n", "\r\n", "\n\n", "\r\n \r\n", "\n\u3000\n"])


@settings(max_examples=60, deadline=None)
@given(count=st.integers(min_value=1, max_value=130), data=st.data())
def test_generated_drafts_parse_in_any_layout(count: int, data: st.DataObject) -> None:
    chunks = ["本市城市书房条例（草案）", data.draw(NEWLINES)]
    for n in range(1, count + 1):
        label = f"第{to_chinese(n)}条" if data.draw(st.booleans()) else f"第{n}条"
        chunks += [data.draw(SPACES), label, data.draw(SPACES), f"内容{n}；", data.draw(NEWLINES)]
        if data.draw(st.booleans()):
            chunks += ["（一）第十条规定的事项", data.draw(SPACES), data.draw(NEWLINES)]
    draft = parse_draft("".join(chunks))
    assert draft.errors == []
    assert [a.number for a in draft.articles] == list(range(1, count + 1))
    assert all(a.text.split("\n")[0] == f"内容{a.number}；" for a in draft.articles)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="第一二十百条章节目录 \u3000\n\r（）()附则总内容。", max_size=200))
def test_parser_never_crashes(text: str) -> None:
    draft = parse_draft(text)
    assert draft.ok == (draft.errors == [])
    json.dumps(draft.to_dict(), ensure_ascii=False)
    for issue in draft.errors:
        assert issue.line is None or issue.message.startswith(f"第{issue.line}行：")


# -- to_dict -------------------------------------------------------------------------------------


def test_to_dict_is_json_serialisable() -> None:
    draft = parse_draft(BOOK)
    data = draft.to_dict()
    assert set(data) == {"title", "version_label", "chapters", "articles", "errors", "notices"}
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["articles"][0] == {
        "label": "第一条",
        "number": 1,
        "order": 0,
        "chapter": "第一章　总则",
        "section": None,
        "text": BOOK_LINES[5].removeprefix("第一条　"),
        "line": 6,
    }
    assert data["chapters"][2]["sections"] == ["第一节　开放服务", "第二节　安全管理"]


def test_to_dict_includes_errors() -> None:
    data = parse_draft("第二条　内容。").to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["errors"] == [{"line": 1, "message": "第1行：应从第一条开始，实际为第二条（缺少第一条）。"}]


def test_to_dict_includes_notices() -> None:
    data = parse_draft(UNMARKED_CONTENTS).to_dict()
    assert data["errors"] == []
    assert data["notices"] == [{"line": 1, "message": "已识别第1行至第2行为目录，未作为正文。"}]


def test_to_dict_is_a_copy() -> None:
    draft = parse_draft(BOOK)
    data = draft.to_dict()
    data["chapters"][2]["sections"].append("第三节　改动")
    data["articles"][0]["text"] = "改动"
    assert draft.chapters[2]["sections"] == ["第一节　开放服务", "第二节　安全管理"]
    assert draft.articles[0].text != "改动"


def test_dataclasses_are_plain() -> None:
    article = ParsedArticle("第一条", 1, 0, None, None, "内容。", 1)
    draft = ParsedDraft(title=None, version_label=None, articles=[article])
    assert draft.ok
    assert draft.to_dict()["articles"] == [
        {
            "label": "第一条",
            "number": 1,
            "order": 0,
            "chapter": None,
            "section": None,
            "text": "内容。",
            "line": 1,
        }
    ]
