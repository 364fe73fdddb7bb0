"""The drafted summary's words that the pages, the API and the DOCX share, without python-docx.

The doors import these (the download's type, the signed-off line) when the app is built; python-docx
(about 17 MB) is imported by ``summary_docx`` only when a document is written.
"""

from __future__ import annotations

from consult.feedback.exports import MIMETYPES, local_time
from consult.i18n import _
from consult.themes.summary import OpinionSummaryView, Quote

DOCX_MIMETYPE = MIMETYPES["docx"]


def title_of(view: OpinionSummaryView) -> str:
    """《…》意见汇总, marked 草稿 until signed off."""
    title = _("《%(title)s》意见汇总", title=view.draft.title)
    return title if view.signed_off else title + _("（草稿）")


def state_text(view: OpinionSummaryView) -> str:
    """Who signed it off and when, or that it is a draft."""
    if view.signed_off:
        when = local_time(view.signed_off_at)
        return _("已签发：%(who)s，%(when)s", who=view.signed_off_by or "", when=when)
    return _("草稿：尚未签发，内容以签发后的版本为准。")


def quote_text(quote: Quote) -> str:
    """A quotation with its comment's id, and "共N条" for a group of near-duplicates."""
    ref = _("意见编号%(id)d", id=quote.comment_id)
    if quote.group_size:
        ref += _("，相同或相似意见共%(n)d条", n=quote.group_size)
    return _("“%(quote)s”（%(ref)s）", quote=quote.text, ref=ref)


def no_quote_text() -> str:
    """Said where a theme has no quotation: its comments all wait for moderation."""
    return _("（本主题的意见尚待审核，暂无可引用的已公开意见）")
