"""Article explanations (条文释义) at the operation level: set, clean, bound, clear, refuse, carry over.

The explanation belongs to an article's text in one version: staff edit the current version's, and a
revised version carries it over to the text of the same article, so the old version keeps its own.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.context import CLI
from consult.db import end_read
from consult.drafts.compare import compare_versions
from consult.drafts.explanations import clean_explanation, digest, explain_article
from consult.drafts.operations import DraftInput, add_version, create_draft
from consult.errors import Conflict, NotFound, ValidationError
from consult.extensions import db
from consult.models import ArticleText, AuditLog, Draft, DraftVersion
from consult.models.drafts import EXPLANATION_MAX
from tests.drafts.test_versions import NEW, A, B, C, text_of

WORDS = "也就是说，书房的座位预约不收费。"


@pytest.fixture
def draft(app):
    """A published draft with articles A, B, C; returns (slug, [article ids])."""
    end_read()
    created = create_draft(
        None,
        CLI,
        DraftInput(title="本市城市书房条例（草案）", slug="shufang", text=text_of(A, B, C), publish=True),
    )
    ids = [t.article_id for t in db.session.get(Draft, created.id).current_version.texts]
    end_read()
    return "shufang", ids


def explanations(slug: str, number: int | None = None) -> dict[int, str | None]:
    """Article id → explanation in version `number` (default: the current one), as stored now."""
    end_read()
    db.session.expire_all()
    draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
    version = (
        draft.current_version if number is None else next(v for v in draft.versions if v.number == number)
    )
    found = {t.article_id: t.explanation for t in version.texts}
    end_read()
    return found


def test_an_explanation_is_stored_as_plain_text_on_the_current_version(draft):
    slug, ids = draft
    done = explain_article(
        None, CLI, slug, ids[1], f"  <b>{WORDS}</b>\r\n罚款<5000元 & 以上<script>x</script> "
    )
    assert done.changed
    assert explanations(slug) == {ids[0]: None, ids[1]: f"{WORDS}\n罚款<5000元 & 以上x", ids[2]: None}
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "article.explain"))
    assert audit.details["article_id"] == ids[1] and audit.details["label"] == "第二条"
    assert audit.details["before_length"] == 0 and audit.details["length"] > 0


def test_an_empty_explanation_removes_it_and_an_unchanged_one_writes_nothing(draft):
    slug, ids = draft
    explain_article(None, CLI, slug, ids[0], WORDS)
    assert not explain_article(None, CLI, slug, ids[0], f" {WORDS} ").changed
    assert explain_article(None, CLI, slug, ids[0], "  \n ").changed
    assert explanations(slug)[ids[0]] is None
    assert not explain_article(None, CLI, slug, ids[0], None).changed
    end_read()
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.action == "article.explain")).all()
    assert len(actions) == 2  # set, removed; the two no-ops left no trace


def test_the_length_is_bounded_and_the_refusal_says_by_how_much(draft):
    slug, ids = draft
    assert explain_article(None, CLI, slug, ids[0], "释" * EXPLANATION_MAX).changed
    with pytest.raises(ValidationError) as err:
        explain_article(None, CLI, slug, ids[0], "义" * (EXPLANATION_MAX + 12))
    assert str(EXPLANATION_MAX + 12) in err.value.fields["explanation"]
    assert str(EXPLANATION_MAX) in err.value.message
    # Markup that cleaning strips does not count; a huge raw value is refused without cleaning.
    assert clean_explanation("<p>" + "短" * 10 + "</p>" * 500) == "短" * 10
    with pytest.raises(ValidationError):
        clean_explanation("<i>" * (EXPLANATION_MAX * 10))
    with pytest.raises(ValidationError):
        clean_explanation(["not", "text"])
    assert explanations(slug)[ids[0]] == "释" * EXPLANATION_MAX  # nothing written by the refusals


def test_unknown_drafts_and_articles_not_in_the_current_version_are_not_found(draft, factory):
    slug, ids = draft
    other = factory.draft()
    other_article = db.session.get(Draft, other.id).current_version.texts[0].article_id
    end_read()
    with pytest.raises(NotFound):
        explain_article(None, CLI, "no-such-draft", ids[0], WORDS)
    with pytest.raises(NotFound):
        explain_article(None, CLI, slug, other_article, WORDS)
    with pytest.raises(NotFound):
        explain_article(None, CLI, slug, 999_999, WORDS)


def test_an_explanation_saved_since_the_editor_looked_is_a_conflict(draft):
    slug, ids = draft
    seen = digest(None)
    explain_article(None, CLI, slug, ids[0], "第一位工作人员写的。", seen)
    with pytest.raises(Conflict):
        explain_article(None, CLI, slug, ids[0], "第二位工作人员写的。", seen)
    assert explanations(slug)[ids[0]] == "第一位工作人员写的。"
    explain_article(None, CLI, slug, ids[0], "第二位工作人员写的。", digest("第一位工作人员写的。"))
    assert explanations(slug)[ids[0]] == "第二位工作人员写的。"


def test_a_revised_version_carries_the_explanations_and_the_old_version_keeps_its_own(draft):
    slug, ids = draft
    explain_article(None, CLI, slug, ids[0], "第一条的释义。")
    explain_article(None, CLI, slug, ids[2], "第三条的释义。")
    end_read()
    # B is deleted, a new article comes in, C is edited a little and renumbered.
    add_version(None, CLI, slug, text_of(A, NEW, C.replace("统筹规划", "统一规划")))
    new = explanations(slug, 2)
    end_read()
    texts = {
        t.article_id: t
        for t in db.session.scalars(select(ArticleText).join(DraftVersion).where(DraftVersion.number == 2))
    }
    new_id = next(i for i in texts if i not in ids)
    assert new == {ids[0]: "第一条的释义。", new_id: None, ids[2]: "第三条的释义。"}
    # Staff now change the new version's explanation: the first version keeps what it said.
    explain_article(None, CLI, slug, ids[2], "修改稿中第三条的释义。")
    assert explanations(slug, 1) == {ids[0]: "第一条的释义。", ids[1]: None, ids[2]: "第三条的释义。"}
    assert explanations(slug, 2)[ids[2]] == "修改稿中第三条的释义。"
    # The comparison table compares the texts: an explanation changes nothing there.
    end_read()
    changes = compare_versions(db.session, slug, "1", "2").changes
    kinds = {c.article_id: c.kind for c in changes}
    assert kinds == {ids[0]: "unchanged", ids[1]: "removed", new_id: "added", ids[2]: "modified"}
