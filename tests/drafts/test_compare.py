"""The comparison table (修改对照表) at the operation level: rows by article identity, and the Chinese diff.

Versions are made through the real operations (create_draft, add_version), with `matches` where a test
needs to say which old article a new one continues.
"""

from __future__ import annotations

import pytest

from consult.context import CLI
from consult.db import end_read
from consult.drafts.compare import (
    ArticleSide,
    NothingToCompare,
    char_diff,
    compare_articles,
    compare_versions,
    parse_version_number,
)
from consult.drafts.numerals import to_chinese
from consult.drafts.operations import DraftInput, add_version, create_draft
from consult.errors import NotFound, ValidationError
from consult.extensions import db

A = "为了规范城市书房的建设和管理，保障公众阅读权利，制定本条例。"
B = "本条例适用于本市行政区域内城市书房的规划、建设、运营和管理活动。"
C = "市文化主管部门负责城市书房的统筹规划、标准制定和监督管理工作。"
D = "城市书房应当每周开放不少于五十六小时，法定节假日应当照常开放。"
E = "本条例自2027年1月1日起施行。"
NEW = "鼓励公民、法人和其他组织通过捐赠、志愿服务等方式参与城市书房建设。"
D2 = "城市书房应当每周开放不少于六十小时，法定节假日和寒暑假期间应当照常开放。"


def text_of(*bodies: str, chapters: dict[int, str] | None = None) -> str:
    """A draft text with one article per body (第一条, 第二条, …), chapter headings before given indexes."""
    lines = ["本市城市书房条例（草案）", ""]
    for i, body in enumerate(bodies, start=1):
        if chapters and i in chapters:
            lines += [chapters[i], ""]
        lines += [f"第{to_chinese(i)}条　{body}", ""]  # i18n: data
    return "\n".join(lines)


def make_draft(*bodies: str, publish: bool = True, slug: str = "shufang") -> dict[str, int]:
    """A draft whose first version has these bodies; returns {body: article_id}."""
    end_read()
    draft = create_draft(
        None,
        CLI,
        DraftInput(title="本市城市书房条例（草案）", slug=slug, text=text_of(*bodies), publish=publish),
    )
    ids = {t.text: t.article_id for t in draft.versions[0].texts}
    end_read()
    return ids


def revise(*bodies: str, slug: str = "shufang", matches=None, chapters=None) -> None:
    end_read()
    add_version(None, CLI, slug, text_of(*bodies, chapters=chapters), "修改稿", matches=matches)
    end_read()


def rows(slug: str = "shufang", old=None, new=None) -> list[tuple[str, str | None, str | None]]:
    """(kind, old label, new label) of each row."""
    end_read()
    db.session.expire_all()
    comparison = compare_versions(db.session, slug, old, new)
    end_read()
    return [(c.kind, c.old and c.old.label, c.new and c.new.label) for c in comparison.changes]


def ops(segments) -> list[tuple[str, str]]:
    return [(s.op, s.text) for s in segments]


# --- the character diff ----------------------------------------------------------------------------


def test_the_diff_marks_chinese_characters_not_words():
    segments = char_diff(D, D2)
    old_side = "".join(s.text for s in segments if s.op != "insert")
    new_side = "".join(s.text for s in segments if s.op != "delete")
    assert (old_side, new_side) == (D, D2)
    assert ("delete", "五十六") in ops(segments)
    assert ("insert", "六十") in ops(segments)
    assert ("insert", "和寒暑假期间") in ops(segments)


def test_a_short_equal_run_between_two_changes_is_folded_into_them():
    # "的" alone between two changes would leave a one-character island in the marks.
    segments = char_diff("甲的乙条文不变部分", "丙的丁条文不变部分")
    assert ops(segments) == [("delete", "甲的乙"), ("insert", "丙的丁"), ("equal", "条文不变部分")]


def test_a_long_equal_run_between_changes_stays_unmarked():
    segments = char_diff("甲城市书房乙", "丙城市书房丁")
    assert ops(segments) == [
        ("delete", "甲"),
        ("insert", "丙"),
        ("equal", "城市书房"),
        ("delete", "乙"),
        ("insert", "丁"),
    ]


def test_texts_with_little_in_common_are_shown_as_replaced_whole():
    assert ops(char_diff(A, "附则另行规定。")) == [("delete", A), ("insert", "附则另行规定。")]


def test_an_insertion_at_the_start_keeps_the_rest_equal():
    assert ops(char_diff("应当照常开放。", "节假日应当照常开放。")) == [
        ("insert", "节假日"),
        ("equal", "应当照常开放。"),
    ]


# --- rows by article identity (pure) ----------------------------------------------------------------


def side(article_id: int, label: str, text: str, chapter: str | None = None) -> ArticleSide:
    return ArticleSide(article_id, label, chapter, None, text)


def test_removed_articles_stand_where_they_stood_and_added_ones_where_the_new_text_puts_them():
    old = [side(1, "第一条", A), side(2, "第二条", B), side(3, "第三条", C)]
    new = [side(1, "第一条", A), side(9, "第二条", NEW), side(3, "第三条", C)]
    changes = compare_articles(old, new)
    assert [(c.kind, c.article_id) for c in changes] == [
        ("unchanged", 1),
        ("removed", 2),
        ("added", 9),
        ("unchanged", 3),
    ]


def test_a_removed_first_article_comes_first():
    old = [side(1, "第一条", A), side(2, "第二条", B)]
    new = [side(2, "第一条", B)]
    assert [(c.kind, c.article_id) for c in compare_articles(old, new)] == [("removed", 1), ("unchanged", 2)]


def test_moved_marks_only_the_article_that_left_its_place():
    old = [side(1, "第一条", A), side(2, "第二条", B), side(3, "第三条", C), side(4, "第四条", D)]
    new = [side(1, "第一条", A), side(3, "第二条", C), side(4, "第三条", D), side(2, "第四条", B)]
    changes = compare_articles(old, new)
    assert [(c.article_id, c.kind, c.moved, c.renumbered) for c in changes] == [
        (1, "unchanged", False, False),
        (3, "unchanged", False, True),
        (4, "unchanged", False, True),
        (2, "unchanged", True, True),
    ]


def test_white_space_at_line_ends_is_not_a_change():
    changes = compare_articles([side(1, "第一条", A + "  \n" + B)], [side(1, "第一条", A + "\n" + B + "\n")])
    assert changes[0].kind == "unchanged"


# --- versions of a real draft ----------------------------------------------------------------------


def test_an_inserted_article_is_added_and_the_renumbered_ones_are_unchanged(app):
    make_draft(A, B, C, D, E)
    revise(A, NEW, B, C, D, E)
    assert rows() == [
        ("unchanged", "第一条", "第一条"),
        ("added", None, "第二条"),
        ("unchanged", "第二条", "第三条"),
        ("unchanged", "第三条", "第四条"),
        ("unchanged", "第四条", "第五条"),
        ("unchanged", "第五条", "第六条"),
    ]


def test_a_deleted_article_is_removed_in_its_old_place(app):
    make_draft(A, B, C, D, E)
    revise(A, B, D, E)
    assert rows() == [
        ("unchanged", "第一条", "第一条"),
        ("unchanged", "第二条", "第二条"),
        ("removed", "第三条", None),
        ("unchanged", "第四条", "第三条"),
        ("unchanged", "第五条", "第四条"),
    ]


def test_a_moved_article_is_unchanged_and_marked_moved(app):
    make_draft(A, B, C, D, E)
    revise(A, C, D, B, E)
    end_read()
    comparison = compare_versions(db.session, "shufang")
    moved = [(c.old.label, c.new.label) for c in comparison.changes if c.moved]
    assert [c.kind for c in comparison.changes] == ["unchanged"] * 5
    assert moved == [("第二条", "第四条")]
    assert comparison.counts == {"unchanged": 5, "modified": 0, "added": 0, "removed": 0}


def test_a_modified_article_carries_its_diff(app):
    make_draft(A, B, C, D, E)
    revise(A, B, C, D2, E)
    end_read()
    comparison = compare_versions(db.session, "shufang")
    (modified,) = [c for c in comparison.changes if c.kind == "modified"]
    assert (modified.old.label, modified.new.label) == ("第四条", "第四条")
    assert "".join(s.text for s in modified.old_segments) == D
    assert "".join(s.text for s in modified.new_segments) == D2
    assert {s.op for s in modified.old_segments} == {"equal", "delete"}
    assert {s.op for s in modified.new_segments} == {"equal", "insert"}


def test_a_combination_of_every_kind_over_three_versions(app):
    ids = make_draft(A, B, C, D, E)
    revise(A, NEW, C, D2, B, E, chapters={1: "第一章　总则", 5: "第二章　附则"})
    # NEW inserted (in B's old place), D modified, B moved after D; chapter headings appear.
    assert rows(old="1", new="2") == [
        ("unchanged", "第一条", "第一条"),
        ("added", None, "第二条"),
        ("unchanged", "第三条", "第三条"),
        ("modified", "第四条", "第四条"),
        ("unchanged", "第二条", "第五条"),
        ("unchanged", "第五条", "第六条"),
    ]
    # Version 3 deletes C and continues the others explicitly.
    end_read()
    comparison = compare_versions(db.session, "shufang", "1", "2")
    new_id = next(c.article_id for c in comparison.changes if c.kind == "added")
    end_read()
    revise(A, NEW, D2, B, E, matches=[ids[A], new_id, ids[D], ids[B], ids[E]])
    assert rows() == [
        ("unchanged", "第一条", "第一条"),
        ("unchanged", "第二条", "第二条"),
        ("removed", "第三条", None),
        ("unchanged", "第四条", "第三条"),
        ("unchanged", "第五条", "第四条"),
        ("unchanged", "第六条", "第五条"),
    ]
    # Across the whole history, version 1 against version 3: of B and D, which swapped places, the
    # table calls D the one that moved, and C (deleted) stays after B, which stayed in its place.
    assert rows(old="1", new="3") == [
        ("unchanged", "第一条", "第一条"),
        ("added", None, "第二条"),
        ("modified", "第四条", "第三条"),
        ("unchanged", "第二条", "第四条"),
        ("removed", "第三条", None),
        ("unchanged", "第五条", "第五条"),
    ]
    end_read()
    changes = compare_versions(db.session, "shufang", 1, 2).changes
    assert next((c.old.chapter, c.new.chapter) for c in changes if c.old and c.new) == (None, "第一章　总则")


def test_a_later_version_can_be_compared_backwards(app):
    make_draft(A, B, C)
    revise(A, C)
    assert rows(old="2", new="1") == [
        ("unchanged", "第一条", "第一条"),
        ("added", None, "第二条"),
        ("unchanged", "第二条", "第三条"),
    ]


# --- what may be asked ----------------------------------------------------------------------------


def test_defaults_are_the_previous_and_the_current_version(app):
    make_draft(A, B, C)
    revise(A, B, C, E)
    revise(A, B, C, D, E)
    end_read()
    comparison = compare_versions(db.session, "shufang")
    assert (comparison.old_version.number, comparison.new_version.number) == (2, 3)
    comparison = compare_versions(db.session, "shufang", None, "2")
    assert (comparison.old_version.number, comparison.new_version.number) == (1, 2)
    comparison = compare_versions(db.session, "shufang", "1")
    assert (comparison.old_version.number, comparison.new_version.number) == (1, 3)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("abc", None, "from"),
        ("0", None, "from"),
        ("-1", None, "from"),
        ("1.5", None, "from"),
        ("１", None, "from"),  # a full-width digit is not a version number
        ("99999999999999999999", None, "from"),
        (None, "x", "to"),
        ("7", None, "from"),
        (None, "9", "to"),
        ("2", "2", "to"),
        (None, "1", "from"),
    ],
)
def test_bad_version_numbers_are_validation_errors_naming_the_parameter(app, old, new, field):
    make_draft(A, B, C)
    revise(A, C)
    end_read()
    with pytest.raises(ValidationError) as caught:
        compare_versions(db.session, "shufang", old, new)
    assert field in caught.value.fields
    assert caught.value.message


def test_a_draft_with_one_version_has_nothing_to_compare(app):
    make_draft(A, B, C)
    end_read()
    with pytest.raises(NothingToCompare) as caught:
        compare_versions(db.session, "shufang")
    assert "只有一个版本" in caught.value.message


def test_an_unpublished_draft_is_not_found(app):
    make_draft(A, B, C, publish=False)
    revise(A, C)
    end_read()
    with pytest.raises(NotFound):
        compare_versions(db.session, "shufang")
    with pytest.raises(NotFound):
        compare_versions(db.session, "no-such-draft")


def test_parse_version_number_accepts_plain_digits_only():
    assert parse_version_number(" 3 ", "from") == 3
    assert parse_version_number("", "from") is None
    assert parse_version_number(None, "to") is None
    with pytest.raises(ValidationError):
        parse_version_number("3a", "to")
