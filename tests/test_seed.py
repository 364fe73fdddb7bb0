"""Demo data: six drafts at every stage, a few hundred comments, accounts; idempotent; fast bulk."""

from __future__ import annotations

import os
import re
from datetime import date

from bs4 import BeautifulSoup
from sqlalchemy import Date, func, select

from consult.clock import local_zone, utcnow
from consult.comments.operations import normalise_contact
from consult.extensions import db
from consult.feedback.notifications import KIND as MAIL_KIND
from consult.models import (
    ArticleText,
    AuditLog,
    Comment,
    ContactPoint,
    Decision,
    Draft,
    DraftVersion,
    FeedbackPublication,
    IntakeBatch,
    OutboxEvent,
    User,
)
from consult.models.types import UTCDateTime
from consult.personal_data import find as personal_data
from consult.personal_data import mask_text as masked

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
    # Three articles of the city study rooms draft are explained (条文释义), shown under the article.
    explained = [t for t in drafts["chengshi-shufang-tiaoli"].current_version.texts if t.explanation]
    assert [t.label for t in explained] == ["第九条", "第十三条", "第十四条"]
    assert all(len(t.explanation) > 60 for t in explained)
    page = BeautifulSoup(app.test_client().get("/drafts/chengshi-shufang-tiaoli").data, "html.parser")
    assert len(page.select("details.explanation")) == 3
    db.session.remove()
    comments = _count(Comment)
    assert 250 <= comments <= 400
    statuses = dict(db.session.execute(select(Comment.status, func.count()).group_by(Comment.status)).all())
    assert set(statuses) == {"pending", "published", "rejected", "spam"}
    channels = set(db.session.scalars(select(Comment.channel).distinct()))
    assert channels == {"web", "contact_point", "deputy", "expert", "letter"}
    assert _count(Decision) > 50
    assert _count(ContactPoint) == 3  # two grassroots points and a deputies' home
    assert _count(User) == 6  # with a deputy and an expert

    accounts = os.path.join(app.instance_path, "demo-accounts.txt")
    with open(accounts, encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    assert len(lines) == 6
    for username, _role, password in (line.split() for line in lines):
        assert password in result.output and username in result.output

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    db.session.remove()
    assert _count(Draft) == 6
    assert _count(Comment) == comments
    assert _count(User) == 6


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


# --- the demo tells the truth (issue 12, point 6) -------------------------------------------------

# What the platform's own masks look like (consult.comments.moderation.masked): a phone keeps its first
# three and last four digits, an ID card its first six and last four, an email its first letter and domain.
WHOLE_MASKS = re.compile(
    r"(?<!\d)1[3-9]\d\*{4}\d{4}(?!\d)"
    r"|(?<![0-9A-Za-z])\d{6}\*{8}[\dXx]{4}(?![0-9A-Za-z])"
    r"|(?<![A-Za-z0-9._%+\-])[A-Za-z0-9]\*{3}@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"
)
EMAIL_ANYWHERE = re.compile(r"[A-Za-z0-9._%+\-]+@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)")
DEMO_MAIL_DOMAINS = {"example.com", "example.org"}
# Dates that are plans, not history: an open consultation closes later.
PLANNED = {"draft.closes_at"}


def _seeded(runner) -> dict[str, Draft]:
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    return {d.slug: d for d in db.session.scalars(select(Draft))}


def test_demo_dates_tell_one_story(app, runner):
    """Versions before or within their consultation, comments inside it, feedback after it, nothing ahead."""
    drafts = _seeded(runner)
    now = utcnow()
    for slug, draft in drafts.items():
        opens, closes = draft.opens_at, draft.closes_at
        end = min(closes, now)
        first, *revised = draft.versions
        assert draft.created_at <= draft.published_at <= opens, slug
        assert first.published_at <= opens, slug
        publications = db.session.scalars(
            select(FeedbackPublication)
            .where(FeedbackPublication.draft_id == draft.id)
            .order_by(FeedbackPublication.number)
        ).all()
        feedback = publications[0].published_at if publications else None
        if feedback is not None:
            assert closes < feedback <= now, slug
            assert draft.feedback_published_at == feedback, slug
        for version in revised:
            assert closes < version.published_at < (feedback or now), (slug, version.number)
        for comment in db.session.scalars(select(Comment).where(Comment.draft_id == draft.id)):
            where = (slug, comment.id, comment.channel)
            assert opens <= comment.submitted_at <= end, where
            assert comment.draft_version.published_at <= comment.submitted_at, where
            if comment.received_at is not None:
                assert opens <= comment.received_at <= comment.submitted_at, where
            if comment.moderated_at is not None:
                assert comment.submitted_at <= comment.moderated_at <= (feedback or now), where
            if comment.decision is not None:
                assert closes < comment.decision.decided_at <= (feedback or now), where
        for batch in db.session.scalars(select(IntakeBatch).where(IntakeBatch.draft_id == draft.id)):
            assert opens.astimezone(local_zone()).date() <= batch.meeting_date, slug
            assert opens <= batch.created_at <= end, slug
            received = {
                c.received_at for c in db.session.scalars(select(Comment).where(Comment.batch_id == batch.id))
            }
            assert received and all(r <= batch.created_at for r in received), slug
        # the audit trail tells the same story as the rows it describes
        trail = dict(
            db.session.execute(
                select(AuditLog.action, func.max(AuditLog.created_at))
                .where(AuditLog.target_type == "draft", AuditLog.target_id == str(draft.id))
                .group_by(AuditLog.action)
            ).all()
        )
        assert trail["draft.create"] <= opens, slug
        if revised:
            assert trail["draft.version"] == revised[-1].published_at, slug
        if feedback is not None:
            assert trail["feedback.publish"] == feedback, slug
    river = drafts["hedao-guanli-tiaoli"]
    assert river.versions[0].published_at.date() != river.versions[1].published_at.date()
    # nothing anywhere lies in the future of the seed's clock, but the open consultations' closing dates
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if f"{table.name}.{column.name}" in PLANNED:
                continue
            if isinstance(column.type, UTCDateTime):
                latest = db.session.scalar(select(func.max(column)))
                latest = UTCDateTime().process_result_value(latest, db.engine.dialect)
                assert latest is None or latest <= now, f"{table.name}.{column.name}: {latest}"
            elif isinstance(column.type, Date):
                latest = db.session.scalar(select(func.max(column)))
                if isinstance(latest, str):
                    latest = date.fromisoformat(latest)
                assert latest is None or latest <= now.astimezone(local_zone()).date(), (
                    f"{table.name}.{column.name}"
                )


def test_synthetic_comments_arrive_while_their_consultation_runs(app, runner):
    """`seed-demo --comments N` puts each comment inside its draft's consultation, on the text then out."""
    result = runner.invoke(args=["seed-demo", "--comments", "600"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    now = utcnow()
    for draft in db.session.scalars(select(Draft)):
        end = min(draft.closes_at, now)
        for comment in db.session.scalars(select(Comment).where(Comment.draft_id == draft.id)):
            assert draft.opens_at <= comment.submitted_at <= end, (draft.slug, comment.body)
            assert comment.draft_version.published_at <= comment.submitted_at, (draft.slug, comment.body)
            assert comment.moderated_at is None or comment.moderated_at <= now, (draft.slug, comment.body)


def _no_broken_mask(text: str) -> bool:
    return "*" not in WHOLE_MASKS.sub("", text)


def test_published_demo_comments_are_masked_as_the_moderation_queue_suggests(app, runner, client):
    """The public text is the queue's own suggestion (masked(body) when personal_data finds something)."""
    drafts = _seeded(runner)
    published = db.session.scalars(select(Comment).where(Comment.status == "published")).all()
    with_mask = [c for c in published if c.masked_body is not None]
    assert len(with_mask) >= 4  # phones and emails among the closed and concluded drafts' comments
    for comment in published:
        expected = masked(comment.body) if personal_data(comment.body) else None
        assert comment.masked_body == expected, comment.body
        assert personal_data(comment.public_body) == [], comment.public_body
        assert _no_broken_mask(comment.public_body), comment.public_body
    assert not _no_broken_mask("联系方****om")  # the old seed's mask cut words and addresses in half
    # and the public pages show them so
    by_id = {d.id: d for d in drafts.values()}
    for comment in with_mask:
        slug = by_id[comment.draft_id].slug
        url = f"/drafts/{slug}/articles/{comment.article_id}" if comment.article_id else f"/drafts/{slug}"
        for page in (url, f"/drafts/{slug}/feedback"):
            response = client.get(page)
            if response.status_code == 404:  # no feedback published yet
                continue
            assert response.status_code == 200, page
            text = BeautifulSoup(response.data, "html.parser").get_text(" ")
            assert _no_broken_mask(text), page
            assert personal_data(text) == [], page
        page_text = BeautifulSoup(client.get(url).data, "html.parser").get_text()
        assert comment.masked_body in page_text, url


# Words that name a role: a deputy's channel carries 人大代表, a CPPCC member is neither deputy nor expert.
NOT_AN_EXPERT = ("代表", "委员", "学生", "研究生", "市民", "居民", "村民", "摊主")


def test_demo_authors_match_their_channel(app, runner):
    """Channel deputy is a 人大代表, expert a 立法专家顾问; a 政协委员 writes a letter or on the web."""
    _seeded(runner)
    comments = db.session.scalars(select(Comment)).all()
    deputies = [c for c in comments if c.channel == "deputy"]
    experts = [c for c in comments if c.channel == "expert"]
    assert deputies and experts
    for c in deputies:
        assert c.author_name and "人大代表" in c.author_name, c.author_name
    for c in experts:
        assert c.author_name and not any(word in c.author_name for word in NOT_AN_EXPERT), c.author_name
    for c in comments:
        name = c.author_name or ""
        if "人大代表" in name:
            assert c.channel == "deputy", name
        if "政协委员" in name:
            assert c.channel in ("letter", "web"), name


def test_demo_commenters_can_be_told_by_mail_or_by_phone(app, runner):
    """Email contacts (example.com/.org) asking to be told, on concluded and open drafts; phones too."""
    drafts = _seeded(runner)
    now = utcnow()
    comments = db.session.scalars(select(Comment).where(Comment.contact.is_not(None))).all()
    for c in comments:
        assert normalise_contact(c.contact) == c.contact, c.contact
    emails = [c for c in comments if "@" in c.contact]
    phones = [c for c in comments if "@" not in c.contact]
    assert {c.contact.rsplit("@", 1)[1] for c in emails} <= DEMO_MAIL_DOMAINS
    assert phones and all(re.fullmatch(r"1390000\d{4}", c.contact) for c in phones)
    told = {c.draft_id for c in emails if c.notify}
    for slug, draft in drafts.items():
        if draft.status_at(now) in ("open", "concluded"):
            assert draft.id in told, slug
    # the concluded drafts queued their notification mails when their feedback was published
    for slug in ("hedao-guanli-tiaoli", "gongyuan-guanli-tiaoli"):
        draft = drafts[slug]
        mails = db.session.scalars(
            select(OutboxEvent)
            .join(Comment, Comment.id == OutboxEvent.target_id)
            .where(
                OutboxEvent.kind == MAIL_KIND,
                OutboxEvent.target_type == "comment",
                Comment.draft_id == draft.id,
            )
        ).all()
        assert mails, slug
        assert {m.payload["to"].rsplit("@", 1)[1] for m in mails} <= DEMO_MAIL_DOMAINS
        assert all(m.created_at == draft.feedback_published_at for m in mails), slug
    # and every address in any comment's text is a demo address
    for body in db.session.scalars(select(Comment.body)):
        assert {m.group(1) for m in EMAIL_ANYWHERE.finditer(body)} <= DEMO_MAIL_DOMAINS, body
