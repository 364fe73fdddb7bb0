"""The feedback report's summary kept with its publication: equal to a fresh build, kept true, read cheaply.

report.py's builder (every comment read in Python) is the reference: what publishing keeps, what the
staff preview counts and what the pages of items read must be what it builds.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import delete, event, select, update

from consult.clock import utcnow
from consult.comments.decisions import decide
from consult.comments.moderation import moderate_comment
from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.drafts.operations import add_version
from consult.extensions import db
from consult.feedback import reading, stored
from consult.feedback import report as report_module
from consult.feedback.publishing import open_revision, publish_feedback
from consult.feedback.reading import items_page, preview_summary, published_summary
from consult.feedback.report import preview_report, published_report
from consult.models import Draft, FeedbackPublication, ReportPlace
from tests.drafts.test_versions import NEW, A, B, C, D, E, text_of

OUTCOMES = ("adopted", "partially_adopted", "not_adopted", "already_provided", "out_of_scope")


def _draft(slug: str) -> Draft:
    end_read()
    db.session.expire_all()
    return db.session.scalar(select(Draft).where(Draft.slug == slug))


@pytest.fixture
def varied(factory):
    """A closed draft with every outcome, undecided comments, general opinions, several channels and
    contact points, ties in time, then a revision that removes 第二条 and renumbers the rest."""
    staff, _password = factory.user("staff", username="stored-staff")
    point = factory.contact_point()
    draft = factory.draft("closed", text=text_of(A, B, C, D, E))
    start = utcnow() - timedelta(days=20)
    made = {}
    for i, outcome in enumerate(OUTCOMES):
        made[outcome] = factory.comment(
            draft,
            f"关于{outcome}的意见",
            status="published",
            article_index=0,
            submitted_at=start,
            contact="同一人@example.cn" if i < 2 else None,
        )
    letter = factory.comment(
        draft,
        "来信：第二条应删去。",
        status="published",
        article_index=1,
        channel="letter",
        submitted_at=start,
    )
    heard = factory.comment(
        draft,
        "联系点收集：第二条不必要。",
        status="published",
        article_index=1,
        channel="contact_point",
        contact_point_id=point.id,
        submitted_at=start + timedelta(minutes=1),
    )
    on_c = factory.comment(
        draft, "第三条应写明主管部门。", status="published", article_index=2, channel="expert"
    )
    general = factory.comment(
        draft, "总体赞成。", status="published", article_index=None, address_hash="a" * 64
    )
    factory.comment(draft, "总体赞成二。", status="published", article_index=None, address_hash="a" * 64)
    undecided = factory.comment(draft, "还没处理。", status="published", article_index=3, channel="deputy")
    ties = factory.published_in_ties(draft, 23, ties=4, article_index=4, start=start)
    factory.comment(draft, "待审核。", status="pending", article_index=0)
    factory.comment(draft, "不予公开。", status="rejected", article_index=0)
    end_read()
    for outcome, comment in made.items():
        decide(staff, CLI, [comment.id], outcome, f"{outcome}的理由。")
    decide(staff, CLI, [letter.id, heard.id, general.id], "not_adopted", "与上位法不一致。")
    decide(staff, CLI, [on_c.id], "already_provided", "已有规定。")
    decide(staff, CLI, ties[:10], "adopted", "")
    end_read()
    # 第二条 removed; 第三条 to 第五条 become 第二条 to 第四条; a new 第五条.
    add_version(None, CLI, draft.slug, text_of(A, C, D, E, NEW), "修改稿")
    later = factory.comment(_draft(draft.slug), "对修改稿第二条的意见。", status="published", article_index=1)
    end_read()
    return {
        "staff": staff,
        "slug": draft.slug,
        "made": made,
        "undecided": undecided,
        "ties": ties,
        "later": later,
        "letter": letter,
    }


def _shape(report) -> tuple:
    """What a report says without its items: per place, then the figures."""
    places = [
        (p.article_id, p.label, p.chapter, p.text, p.removed, p.comment_count, dict(p.outcomes))
        for p in report.all_places
    ]
    return places, report.totals, report.contact_points, report.by_channel


def _all_items(draft, summary, publication_id, per_page=4) -> dict:
    """Every place's items, read page by page by key."""
    found = {}
    for place in summary.all_places:
        items, after, pages = [], None, 0
        while True:
            page = items_page(draft, place, publication_id, after, per_page)
            items += page.items
            pages += 1
            assert len(page.items) <= per_page and pages < 100
            if page.next is None:
                break
            last = page.items[-1]
            after = (last.submitted_at, last.comment_id)
        found[place.article_id] = items
    return found


def test_the_kept_summary_and_the_preview_equal_a_fresh_build(varied):
    draft = _draft(varied["slug"])
    fresh_preview = preview_report(draft)
    preview = preview_summary(draft)
    assert _shape(preview) == _shape(fresh_preview)
    assert _all_items(draft, preview, None) == {p.article_id: p.items for p in fresh_preview.all_places}

    publish_feedback(None, CLI, varied["slug"])
    draft = _draft(varied["slug"])
    fresh = published_report(draft)
    kept = published_summary(draft)
    assert _shape(kept) == _shape(fresh)
    places, totals, points, channels = _shape(kept)
    # The case covers what it means to: every outcome, undecided, a removed and a renumbered article.
    assert all(totals[o] for o in OUTCOMES) and totals["undecided"] and points == 1
    assert [p[1] for p in places if p[4]] == ["第二条"] and all(channels.values())
    assert any(i.commented_label for items in [p.items for p in fresh.all_places] for i in items)
    assert _all_items(draft, kept, kept.publication.id) == {p.article_id: p.items for p in fresh.all_places}


def test_a_take_down_moves_the_kept_summary_and_a_new_publication_keeps_its_own(varied):
    publish_feedback(None, CLI, varied["slug"])
    first = published_summary(_draft(varied["slug"]))
    adopted = varied["made"]["adopted"]
    moderate_comment(varied["staff"], CLI, adopted.id, "reject", "含有个人信息")
    draft = _draft(varied["slug"])
    after = published_summary(draft)
    assert _shape(after) == _shape(published_report(draft))
    assert after.totals["adopted"] == first.totals["adopted"] - 1
    assert after.totals["comments"] == first.totals["comments"] - 1
    # Published again (the take-down undone): back in the report, as it was frozen.
    moderate_comment(varied["staff"], CLI, adopted.id, "publish")
    assert _shape(published_summary(_draft(varied["slug"]))) == _shape(first)

    # A revision decides the undecided comment: the second publication keeps a summary of its own.
    open_revision(None, CLI, varied["slug"])
    decide(varied["staff"], CLI, [varied["undecided"].id], "out_of_scope", "属于具体管理措施。")
    end_read()
    second = publish_feedback(None, CLI, varied["slug"], "处理了遗漏的意见。")
    draft = _draft(varied["slug"])
    now = published_summary(draft)
    assert now.publication.id == second.id and _shape(now) == _shape(published_report(draft))
    assert now.totals["undecided"] == first.totals["undecided"] - 1
    assert now.totals["out_of_scope"] == first.totals["out_of_scope"] + 1
    kept = db.session.scalars(select(ReportPlace.publication_id).distinct()).all()
    assert sorted(kept) == sorted([first.publication.id, second.id])


def test_a_group_published_at_once_comes_back_into_the_kept_summary(varied):
    """Moderating a group is one bulk UPDATE (consult/groups/moderation.py), which the session event that
    keeps the summary true does not see: it asks the summary to be kept again itself."""
    from consult.groups.moderation import moderate_group
    from consult.models import Comment, CommentGroup, GroupMember

    slug = varied["slug"]
    publish_feedback(None, CLI, slug)
    first = published_summary(_draft(slug))
    comment_id = varied["undecided"].id
    with write_transaction() as session:  # pending again (as an undone publication leaves it)
        session.get(Comment, comment_id).status = "pending"
    assert published_summary(_draft(slug)).totals["undecided"] == first.totals["undecided"] - 1
    with write_transaction() as session:
        comment = session.get(Comment, comment_id)
        group = CommentGroup(draft_id=comment.draft_id, article_key=comment.article_id or 0, size=1)
        session.add(group)
        session.flush()
        member = {"comment_id": comment_id, "group_id": group.id, "draft_id": group.draft_id}
        session.add(GroupMember(**member, article_key=group.article_key))
        group_id = group.id
    end_read()
    assert moderate_group(varied["staff"], CLI, group_id, "publish", confirm_personal_data=True).count == 1
    draft = _draft(slug)
    assert _shape(published_summary(draft)) == _shape(first) == _shape(published_report(draft))


def test_reading_the_report_counts_no_comments(varied, client, monkeypatch):
    publish_feedback(None, CLI, varied["slug"])

    def refuse(*_args):
        raise AssertionError("the kept summary was computed again")

    monkeypatch.setattr(stored, "compute", refuse)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.lower().split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = client.get(f"/drafts/{varied['slug']}/feedback")
        report = client.get(f"/api/v1/drafts/{varied['slug']}/feedback")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert page.status_code == 200 and report.status_code == 200
    on_comments = [s for s in statements if " from comment " in f"{s} " or " join comment " in s]
    assert on_comments, "the JSON reads each place's first items"
    assert not [s for s in on_comments if "count(" in s or "group by" in s], on_comments


def test_the_page_shows_each_articles_counts_from_the_kept_summary(varied, client):
    publish_feedback(None, CLI, varied["slug"])
    draft = _draft(varied["slug"])
    fresh = published_report(draft)
    page = BeautifulSoup(client.get(f"/drafts/{varied['slug']}/feedback").data, "html.parser")
    for place in fresh.all_places:
        if not place.comment_count:
            continue
        anchor = f"article-{place.article_id}" if place.article_id else "general"
        section = page.select_one(f"#{anchor}")
        counts = section.select_one(".fb-counts").get_text()
        assert counts.startswith(f"{place.comment_count}条意见"), (anchor, counts)
        shown = [chip.get_text() for chip in section.select(".chip")]
        assert len(shown) == len([n for n in place.outcomes.values() if n])
        assert all(
            text.endswith(f" {place.outcomes[name]}")
            for text, name in zip(shown, [name for name, n in place.outcomes.items() if n], strict=True)
        )
        assert section.select_one(".fb-open a")["href"].endswith(
            f"/feedback/articles/{place.article_id}" if place.article_id else "/feedback/general"
        )
    removed = page.select_one(f"#article-{varied['letter'].article_id}")
    assert "修改稿中已删除" in removed.get_text()


def test_publications_made_before_summaries_were_kept_are_summarised_by_the_command(varied, runner, client):
    publish_feedback(None, CLI, varied["slug"])
    draft = _draft(varied["slug"])
    expected = _shape(published_summary(draft))
    with write_transaction() as session:  # as the migration leaves an earlier publication
        session.execute(delete(ReportPlace))
        session.execute(update(FeedbackPublication).values(participants=None, by_channel=None))
    done = runner.invoke(args=["feedback", "rebuild-reports"])
    assert done.exit_code == 0 and "已计算1次" in done.output, done.output
    end_read()
    assert db.session.scalar(select(FeedbackPublication.participants)) is not None
    assert _shape(published_summary(_draft(varied["slug"]))) == expected
    again = runner.invoke(args=["feedback", "rebuild-reports"])
    assert "已计算0次" in again.output
    # Missed by the command: summarised once by the first reader, then kept.
    with write_transaction() as session:
        session.execute(delete(ReportPlace))
        session.execute(update(FeedbackPublication).values(participants=None))
    assert client.get(f"/api/v1/drafts/{varied['slug']}/feedback").json["totals"] == expected[1]
    end_read()
    assert db.session.scalar(select(FeedbackPublication.participants)) == expected[1]["participants"]


def test_the_staff_preview_counts_and_opens_each_articles_comments_by_page(varied, login_as, monkeypatch):
    draft = _draft(varied["slug"])
    fresh = preview_report(draft)
    place = next(p for p in fresh.all_places if p.comment_count == len(varied["ties"]))
    staff = login_as("staff")

    def refuse(*_args):
        raise AssertionError("the staff page built the whole report")

    monkeypatch.setattr(report_module, "build_report", refuse)
    page = BeautifulSoup(staff.get(f"/admin/drafts/{varied['slug']}/feedback").data, "html.parser")
    section = page.select_one(f"#article-{place.article_id}")
    assert section.select_one(".fb-counts").get_text().startswith(f"{place.comment_count}条意见")
    assert f"还有{fresh.totals['undecided']}条已公开的意见未作处理决定" in page.get_text()
    link = section.select_one(".fb-open a")["href"]
    assert link == f"/admin/drafts/{varied['slug']}/feedback/articles/{place.article_id}"
    seen, pages = [], 0
    while link:
        shown = BeautifulSoup(staff.get(link).data, "html.parser")
        items = shown.select(".fb-item")
        seen += [li.select_one(".comment-body").get_text() for li in items]
        pages += 1
        more = shown.select_one("a[rel=next]")
        link = more["href"] if more else None
        assert pages == 1 or shown.find("a", string="从头看") is not None
    assert seen == [i.body for i in place.items] and pages == 2


def test_the_staff_preview_is_counted_again_only_after_a_change(varied, login_as, monkeypatch):
    staff = login_as("staff")
    url = f"/admin/drafts/{varied['slug']}/feedback"
    computed = []
    real = reading.compute
    monkeypatch.setattr(reading, "compute", lambda *a, **k: computed.append(a) or real(*a, **k))

    def undecided_shown() -> str:
        page = BeautifulSoup(staff.get(url).data, "html.parser")
        return {div.dt.get_text(): div.dd.get_text() for div in page.select(".figures div")}["未作决定"]

    before = undecided_shown()
    assert len(computed) == 1 and undecided_shown() == before and len(computed) == 1  # kept
    decide(varied["staff"], CLI, [varied["undecided"].id], "adopted", "")
    end_read()
    assert int(undecided_shown()) == int(before) - 1 and len(computed) == 2
