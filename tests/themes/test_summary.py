"""The drafted summary of opinions: groups of near-duplicates counted once, channels counted, quotations
with comment ids, staff's edits, the sign-off (and its loss on any change), and the Word document."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from sqlalchemy import select

from consult.context import CLI
from consult.db import end_read
from consult.errors import Conflict, ValidationError
from consult.extensions import db
from consult.groups.operations import rebuild_draft as rebuild_groups
from consult.models import AuditLog
from consult.themes.operations import (
    edit_section,
    export_summary_docx,
    rebuild_themes,
    rename_theme,
    sign_off_summary,
)
from consult.themes.summary import opinion_summary
from consult.themes.summary_docx import summary_docx

SLUG = "themed-draft"
CAMPAIGN = "建议城市书房开放时间延长到晚上十点，方便上班族下班后去看书，{estate}居民都很需要。"
POINT = "contact_point"
ESTATES = ["阳光花园", "幸福家园", "锦绣华庭", "运河名都", "翠湖小区"]


def summary(draft):
    end_read()
    view = opinion_summary(draft)
    end_read()
    return view


def first_section(view):
    return view.sections[0]


@pytest.fixture
def campaign(themed, factory):
    """Five near-duplicates on the first article (a contact point's channel), grouped, themes rebuilt."""
    draft, ids = themed
    ids["campaign"] = [
        factory.comment(
            draft, CAMPAIGN.format(estate=e), status="published", article_index=0, channel=POINT
        ).id
        for e in ESTATES
    ]
    rebuild_groups(SLUG)
    rebuild_themes(None, CLI, SLUG)
    return draft, ids


def test_a_group_of_near_duplicates_counts_once_with_its_size_beside_its_quotation(campaign):
    draft, ids = campaign
    section = first_section(summary(draft))
    assert section.comments == 15
    assert section.opinions == 11  # the five near-duplicates are one opinion
    theme = next(t for t in section.themes if ids["campaign"][0] in {q.comment_id for q in t.quotes})
    assert theme.comments >= 6 and theme.opinions == theme.comments - 4
    quoted = theme.quotes[0]  # the largest opinion first
    assert quoted.comment_id == ids["campaign"][0] and quoted.group_size == 5
    assert "共5条" not in quoted.text  # the count is beside the quotation, not in it
    assert [t.opinions for t in section.themes] == sorted((t.opinions for t in section.themes), reverse=True)


def test_channels_are_counted_by_their_names(campaign):
    draft, _ids = campaign
    section = first_section(summary(draft))
    assert section.channel_counts == [("web", "网站", 10), ("contact_point", "基层立法联系点", 5)]
    assert "网站10条、基层立法联系点5条" in section.text


def test_quotations_carry_the_comment_ids_of_their_theme(themed):
    draft, ids = themed
    section = first_section(summary(draft))
    assert section.label == "第一条"
    assert any(theme.quotes for theme in section.themes)
    for theme in section.themes:
        assert len(theme.quotes) <= 2
        if theme.quotes:
            members = next(m for m in ids.values() if theme.quotes[0].comment_id in m)
            assert all(q.comment_id in members for q in theme.quotes)
    general = summary(draft).sections[-1]
    assert general.article_id is None and general.label == "总体意见" and general.other_comments == 1


def test_only_published_comments_are_quoted_though_pending_ones_are_counted(themed, factory):
    """A pending comment has not been moderated (personal data, abuse): the summary sent to the committee
    counts it but never quotes it. A group whose earliest member waits is quoted by a published one."""
    draft, ids = themed
    # The fixture publishes every other comment; the even ones of each list are pending.
    pending = {i for name in ("hours", "deposit", "kids", "other") for i in ids[name][::2]}
    copies = [
        factory.comment(draft, CAMPAIGN.format(estate=e), status=status, article_index=0)
        for e, status in zip(
            ESTATES, ("pending", "pending", "published", "published", "pending"), strict=True
        )
    ]
    rebuild_groups(SLUG)
    rebuild_themes(None, CLI, SLUG)
    pending |= {c.id for c in copies if c.status == "pending"}
    section = first_section(summary(draft))
    assert section.comments == 15  # pending and published alike
    quoted = {q.comment_id: q for t in section.themes for q in t.quotes}
    assert quoted and not set(quoted) & pending
    group_quote = next(q for q in quoted.values() if q.group_size)
    assert group_quote.comment_id == copies[2].id and group_quote.group_size == 5
    # A theme whose comments all wait says so, in the page and in the document.
    bare = [t for t in section.themes if not t.quotes]
    document = Document(io.BytesIO(summary_docx(summary(draft))))
    cells = [c.text for table in document.tables for row in table.rows for c in row.cells]
    if bare:
        assert any("暂无可引用的已公开意见" in c for c in cells)
    numbers = {int(n) for c in cells for n in re.findall(r"意见编号(\d+)", c)}
    assert numbers == set(quoted) and not numbers & pending


def test_staff_edit_a_section_and_an_empty_text_gives_the_drafted_one_back(themed):
    draft, _ids = themed
    article_id = draft.current_version.texts[0].article_id
    edit_section(None, CLI, SLUG, article_id, "本条意见主要集中在开放时间和押金两方面。")
    section = first_section(summary(draft))
    assert section.text == "本条意见主要集中在开放时间和押金两方面。"
    assert section.drafted.startswith("共收到意见10条")
    edit_section(None, CLI, SLUG, article_id, "")
    assert first_section(summary(draft)).text == first_section(summary(draft)).drafted
    with pytest.raises(ValidationError):
        edit_section(None, CLI, SLUG, article_id, "长" * 5001)


def test_a_sign_off_shows_who_and_when_and_any_change_needs_a_new_one(themed, factory, clock):
    draft, _ids = themed
    staff, _password = factory.user("staff", username="wang")
    assert not summary(draft).signed_off
    sign_off_summary(staff, CLI, SLUG)
    view = summary(draft)
    assert view.signed_off and view.signed_off_by == "wang" and view.signed_off_at == clock.now
    with pytest.raises(Conflict):
        sign_off_summary(staff, CLI, SLUG)  # nothing changed since
    edit_section(staff, CLI, SLUG, None, "总体上支持。")
    assert not summary(draft).signed_off
    sign_off_summary(staff, CLI, SLUG)
    rename_theme(staff, CLI, SLUG, summary(draft).sections[0].themes[0].id, "开放时间")
    assert not summary(draft).signed_off
    sign_off_summary(staff, CLI, SLUG)
    rebuild_themes(None, CLI, SLUG)  # nothing new: still signed off
    assert summary(draft).signed_off
    factory.comment(draft, "开放时间延长到晚上九点就够了。", status="published", article_index=0)
    rebuild_themes(None, CLI, SLUG)
    assert not summary(draft).signed_off
    actions = db.session.scalars(select(AuditLog.action)).all()
    assert actions.count("summary.sign_off") == 3 and "summary.edit" in actions


def test_a_summary_cannot_be_signed_off_before_its_themes_are_computed(factory):
    factory.draft("open", slug="fresh")
    staff, _password = factory.user("staff")
    with pytest.raises(Conflict):
        sign_off_summary(staff, CLI, "fresh")


def _text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    parts += [p.text for p in doc.sections[0].header.paragraphs]
    return "\n".join(parts)


def test_the_word_document_says_draft_until_signed_off(campaign, factory):
    draft, ids = campaign
    staff, _password = factory.user("staff", username="li")
    data, filename = export_summary_docx(staff, CLI, SLUG)
    text = _text(data)
    assert filename.endswith("意见汇总（草稿）.docx")
    assert "意见汇总（草稿）" in text and "草稿：尚未签发" in text
    assert "第一条" in text and "总体意见" in text
    assert f"意见编号{ids['campaign'][0]}，相同或相似意见共5条" in text
    assert "共收到意见16条，相同或相似意见合并计算后为12条。" in text
    sign_off_summary(staff, CLI, SLUG)
    signed = _text(summary_docx(summary(draft)))
    assert "草稿" not in signed and "已签发：li" in signed
    assert "summary.download" in db.session.scalars(select(AuditLog.action)).all()
