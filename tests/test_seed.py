"""Demo data: six drafts at every stage, a few hundred comments, accounts; idempotent; fast bulk."""

from __future__ import annotations

import os

from sqlalchemy import func, select

from consult.clock import utcnow
from consult.extensions import db
from consult.models import ArticleText, Comment, ContactPoint, Decision, Draft, DraftVersion, User

EXPECTED_STAGES = {
    "chengshi-shufang-tiaoli": "open",
    "yangchen-wuran-fangzhi-tiaoli": "open",
    "dayunhe-wenhua-yichan-baohu-tiaoli": "open",
    "nongmao-shichang-guanli-tiaoli": "closed",
    "hedao-guanli-tiaoli": "concluded",
    "gongyuan-guanli-tiaoli": "concluded",
}


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_seed_demo_loads_every_stage_and_is_idempotent(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    now = utcnow()
    drafts = {d.slug: d for d in db.session.scalars(select(Draft))}
    assert {slug: d.status_at(now) for slug, d in drafts.items()} == EXPECTED_STAGES
    for d in drafts.values():
        texts = d.current_version.texts
        assert 12 <= len(texts) <= 40
        assert len({t.chapter for t in texts}) >= 3
    assert len(drafts["hedao-guanli-tiaoli"].versions) == 2
    comments = _count(Comment)
    assert 250 <= comments <= 400
    statuses = dict(db.session.execute(select(Comment.status, func.count()).group_by(Comment.status)).all())
    assert set(statuses) == {"pending", "published", "rejected", "spam"}
    channels = set(db.session.scalars(select(Comment.channel).distinct()))
    assert channels == {"web", "contact_point", "deputy", "expert", "letter"}
    assert _count(Decision) > 50
    assert _count(ContactPoint) == 2
    assert _count(User) == 4

    accounts = os.path.join(app.instance_path, "demo-accounts.txt")
    with open(accounts, encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    assert len(lines) == 4
    for username, _role, password in (line.split() for line in lines):
        assert password in result.output and username in result.output

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    db.session.remove()
    assert _count(Draft) == 6
    assert _count(Comment) == comments
    assert _count(User) == 4


def test_revised_river_draft_keeps_article_identity(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    db.session.remove()
    draft = db.session.scalar(select(Draft).where(Draft.slug == "hedao-guanli-tiaoli"))
    v1, v2 = draft.versions
    by_article_1 = {t.article_id: t for t in v1.texts}
    by_article_2 = {t.article_id: t for t in v2.texts}
    inserted = set(by_article_2) - set(by_article_1)
    deleted = set(by_article_1) - set(by_article_2)
    assert [by_article_2[a].label for a in inserted] == ["第五条"]
    assert [by_article_1[a].label for a in deleted] == ["第八条"]
    moved = [
        a
        for a in set(by_article_1) & set(by_article_2)
        if by_article_1[a].text == by_article_2[a].text and by_article_1[a].chapter != by_article_2[a].chapter
    ]
    assert [(by_article_1[a].label, by_article_2[a].label) for a in moved] == [("第十三条", "第十八条")]
    reworded = [
        a for a in set(by_article_1) & set(by_article_2) if by_article_1[a].text != by_article_2[a].text
    ]
    assert [(by_article_1[a].label, by_article_2[a].label) for a in reworded] == [("第十六条", "第十五条")]


def test_synthetic_comments_are_bulk_inserted_on_one_draft(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    result = runner.invoke(
        args=["seed-demo", "--comments", "3000", "--status", "pending", "--draft", "chengshi-shufang-tiaoli"]
    )
    assert result.exit_code == 0, result.output
    db.session.remove()
    draft_id = db.session.scalar(select(Draft.id).where(Draft.slug == "chengshi-shufang-tiaoli"))
    pending = _count(Comment, Comment.draft_id == draft_id, Comment.status == "pending")
    assert pending >= 3000
    codes = _count(Comment)
    assert db.session.scalar(select(func.count(func.distinct(Comment.receipt_code)))) == codes
    # every synthetic comment points at an article of the current version, or at the whole draft
    current = db.session.scalar(select(func.max(DraftVersion.id)).where(DraftVersion.draft_id == draft_id))
    valid = set(db.session.scalars(select(ArticleText.article_id).where(ArticleText.version_id == current)))
    used = set(db.session.scalars(select(Comment.article_id).where(Comment.draft_id == draft_id).distinct()))
    assert used - {None} <= valid


def test_synthetic_comments_for_an_unknown_draft_fail_clearly(app, runner):
    result = runner.invoke(args=["seed-demo", "--comments", "5", "--draft", "no-such-draft"])
    assert result.exit_code == 2
    assert "不存在" in result.output
