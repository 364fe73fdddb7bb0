"""Revised versions at the operation level: article identity through insert, delete, move, renumber and edits.

Comments refer to article ids, so a revised text must continue the right articles. The drafts here are
short and synthetic: each article's text is distinct, and the tests say which old article each new one
should continue.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult.context import CLI
from consult.db import end_read
from consult.drafts.matching import match_articles, match_problems, similarity
from consult.drafts.numerals import to_chinese
from consult.drafts.operations import DraftInput, add_version, create_draft
from consult.drafts.previews import preview_version
from consult.errors import NotFound, ValidationError
from consult.extensions import db
from consult.models import AuditLog, Comment, Draft, DraftVersion

A = "为了规范城市书房的建设和管理，保障公众阅读权利，制定本条例。"
B = "本条例适用于本市行政区域内城市书房的规划、建设、运营和管理活动。"
C = "市文化主管部门负责城市书房的统筹规划、标准制定和监督管理工作。"
D = "城市书房应当每周开放不少于五十六小时，法定节假日应当照常开放。"
E = "本条例自2027年1月1日起施行。"
NEW = "鼓励公民、法人和其他组织通过捐赠、志愿服务等方式参与城市书房建设。"


def text_of(*bodies: str) -> str:
    """A draft text with one article per body, numbered 第一条, 第二条, …"""
    lines = ["本市城市书房条例（草案）", ""]
    lines += [f"第{to_chinese(i)}条　{body}" for i, body in enumerate(bodies, start=1)]  # i18n: data
    return "\n".join(lines) + "\n"


@pytest.fixture
def draft(app):
    """A published draft with the five articles A–E; returns (slug, {letter: article_id})."""
    end_read()
    created = create_draft(
        None,
        CLI,
        DraftInput(
            title="本市城市书房条例（草案）", slug="shufang", text=text_of(A, B, C, D, E), publish=True
        ),
    )
    version = db.session.get(Draft, created.id).current_version
    ids = dict(zip("ABCDE", [t.article_id for t in version.texts], strict=True))
    end_read()
    return "shufang", ids


def current(slug: str) -> list[tuple[int, str, str]]:
    """(article_id, label, text) of the current version, in order."""
    end_read()
    db.session.expire_all()  # the session keeps objects after commit
    d = db.session.scalar(select(Draft).where(Draft.slug == slug))
    rows = [(t.article_id, t.label, t.text) for t in d.current_version.texts]
    end_read()
    return rows


def revise(slug: str, *bodies: str, matches=None) -> list[int]:
    """Add a version with these bodies and return the article ids of the new version, in order."""
    end_read()
    add_version(None, CLI, slug, text_of(*bodies), "修改稿", matches=matches)
    return [article_id for article_id, _label, _text in current(slug)]


def versions(slug: str) -> int:
    end_read()
    n = db.session.scalar(select(func.count(DraftVersion.id)).join(Draft).where(Draft.slug == slug))
    end_read()
    return n


def test_an_inserted_article_is_new_and_the_following_ones_keep_their_identity(draft):
    slug, ids = draft
    got = revise(slug, A, B, NEW, C, D, E)
    assert got[:2] == [ids["A"], ids["B"]] and got[3:] == [ids["C"], ids["D"], ids["E"]]
    assert got[2] not in ids.values()
    labels = {article_id: label for article_id, label, _text in current(slug)}
    assert labels[ids["C"]] == "第四条" and labels[ids["E"]] == "第六条"  # renumbered, same article


def test_a_deleted_article_has_no_text_in_the_new_version(draft):
    slug, ids = draft
    assert revise(slug, A, C, D, E) == [ids["A"], ids["C"], ids["D"], ids["E"]]


def test_moved_articles_follow_their_text_not_their_position(draft):
    slug, ids = draft
    assert revise(slug, A, B, D, C, E) == [ids["A"], ids["B"], ids["D"], ids["C"], ids["E"]]
    assert revise(slug, E, D, C, B, A) == [ids["E"], ids["D"], ids["C"], ids["B"], ids["A"]]


def test_small_edits_keep_the_identity(draft):
    slug, ids = draft
    a2 = A.replace("保障公众阅读权利", "保障公民基本文化权益")
    c2 = C.replace("统筹规划、", "统筹规划、经费保障、")
    d2 = D.replace("五十六小时", "六十小时")
    assert revise(slug, a2, B, c2, d2, E) == [ids[k] for k in "ABCDE"]
    assert [text for _id, _label, text in current(slug)] == [a2, B, c2, d2, E]


def test_insert_delete_move_and_edit_at_once(draft):
    slug, ids = draft
    d2 = D.replace("法定节假日", "春节等法定节假日")
    got = revise(slug, A, NEW, d2, C, E)  # B deleted, NEW inserted, D moved before C and edited
    assert got[0] == ids["A"] and got[2:] == [ids["D"], ids["C"], ids["E"]]
    assert got[1] not in ids.values()
    assert ids["B"] not in got


def test_identity_survives_several_versions(draft):
    slug, ids = draft
    revise(slug, A, B, NEW, C, D, E)
    new_id = current(slug)[2][0]
    got = revise(slug, NEW, A, C, D, E)  # the new article moves to the front, B goes
    assert got == [new_id, ids["A"], ids["C"], ids["D"], ids["E"]]


def test_a_staff_correction_overrides_one_automatic_match(draft):
    slug, ids = draft
    d_hours, d_holidays = "城市书房应当每周开放不少于五十六小时。", "法定节假日期间，城市书房应当照常开放。"
    automatic = preview_version(slug, text_of(A, B, C, d_hours, d_holidays, E))
    assert [row.chosen.article_id if row.chosen else None for row in automatic.rows] == [
        ids["A"], ids["B"], ids["C"], ids["D"], None, ids["E"],
    ]  # fmt: skip
    # The article was split; staff decide the comments on D belong with the holiday paragraph.
    corrected = [ids["A"], ids["B"], ids["C"], None, ids["D"], ids["E"]]
    end_read()
    got = revise(slug, A, B, C, d_hours, d_holidays, E, matches=corrected)
    assert got[4] == ids["D"] and got[3] not in ids.values()
    assert got[:3] == [ids["A"], ids["B"], ids["C"]] and got[5] == ids["E"]
    end_read()
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "draft.version"))
    assert entry.details["corrected_by_staff"] is True and entry.details["new"] == 1


def test_comments_stay_with_their_article_through_a_revision(draft, factory):
    slug, ids = draft
    d = db.session.scalar(select(Draft).where(Draft.slug == slug))
    comment = factory.comment(d, body="关于开放时间的意见", article_index=3)  # on D, 第四条
    revise(slug, A, NEW, B, C, D, E)
    end_read()
    article_id = db.session.get(Comment, comment.id).article_id
    assert article_id == ids["D"]
    assert {i: label for i, label, _t in current(slug)}[article_id] == "第五条"


def test_matches_are_validated_and_nothing_is_saved_when_wrong(draft, app):
    slug, ids = draft
    end_read()
    other = create_draft(None, CLI, DraftInput(title="另一部条例（草案）", slug="other", text=text_of(A, B)))
    foreign = db.session.get(Draft, other.id).current_version.texts[0].article_id
    end_read()
    bodies = (A, B, C, D, E)
    with pytest.raises(ValidationError) as twice:
        revise(slug, *bodies, matches=[ids["A"], ids["A"], ids["C"], ids["D"], ids["E"]])
    assert set(twice.value.fields) == {"match-1"} and "第一条" in twice.value.fields["match-1"]
    with pytest.raises(ValidationError) as elsewhere:
        revise(slug, *bodies, matches=[foreign, ids["B"], ids["C"], ids["D"], ids["E"]])
    assert set(elsewhere.value.fields) == {"match-0"}
    with pytest.raises(ValidationError) as short:
        revise(slug, *bodies, matches=[ids["A"]])
    assert "matches" in short.value.fields
    assert versions(slug) == 1


def test_an_old_article_may_come_back_from_an_earlier_version(draft):
    slug, ids = draft
    revise(slug, A, C, D, E)  # B deleted
    got = revise(slug, A, B, C, D, E, matches=[ids["A"], ids["B"], ids["C"], ids["D"], ids["E"]])
    assert got == [ids[k] for k in "ABCDE"]


def test_a_version_with_parse_errors_or_for_an_unknown_draft_is_refused(draft):
    slug, _ids = draft
    with pytest.raises(ValidationError) as bad:
        add_version(None, CLI, slug, text_of(A, B).replace("第二条", "第五条"))
    assert "第4行" in bad.value.fields["text"]
    with pytest.raises(NotFound):
        add_version(None, CLI, "no-such-draft", text_of(A))
    assert versions(slug) == 1


def test_the_preview_reports_kinds_deletions_and_problems_without_saving(draft):
    slug, ids = draft
    c2 = C.replace("统筹规划、", "统筹规划、经费保障、")
    preview = preview_version(slug, text_of(A, NEW, c2, B, E))
    assert preview.ok
    assert [row.kind for row in preview.rows] == ["unchanged", "new", "modified", "renumbered", "unchanged"]
    assert [a.article_id for a in preview.deleted] == [ids["D"]]
    assert preview.counts() == {"new": 1, "unchanged": 2, "renumbered": 1, "modified": 1, "deleted": 1}
    assert 0.55 < preview.rows[2].score < 1
    corrected = preview_version(
        slug, text_of(A, NEW, c2, B, E), [ids["A"], ids["A"], ids["C"], None, ids["E"]]
    )
    assert not corrected.ok and set(corrected.errors) == {"match-1"}
    assert corrected.rows[1].corrected and not corrected.rows[0].corrected
    assert {a.article_id for a in corrected.deleted} == {ids["B"], ids["D"]}
    broken = preview_version(slug, text_of(A, B).replace("第二条", "第三条"))
    assert not broken.ok and broken.rows == [] and broken.text.issues[0].line == 4
    assert versions(slug) == 1


def test_matching_takes_the_best_pairs_first():
    old = [(1, "甲乙丙丁戊己庚辛"), (2, "甲乙丙丁戊己庚壬")]
    # The second new text is closer to article 2 than the first new text is to either.
    assert match_articles(old, ["甲乙丙丁戊己庚辛癸", "甲乙丙丁戊己庚壬"]) == [1, 2]
    assert match_articles(old, ["完全不同的一段文字内容"]) == [None]
    assert similarity("甲 乙\n丙", "甲乙丙") == 1.0
    assert match_problems([None, 5], ["第一条", "第二条"], {1, 2}) == {
        "match-1": "第二条：所选原条文不属于本草案"
    }
