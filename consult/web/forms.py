"""WTForms for the public pages: CSRF and rendering only; the rules live in the operations."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField

from consult.i18n import _l


class CommentForm(FlaskForm):
    """The comment form on the draft and article pages."""

    body = TextAreaField(_l("您的意见"))
    article_id = HiddenField()
    author_name = StringField(_l("署名（选填，将公开显示）"))
    contact = StringField(_l("联系方式（选填，不公开）"))
    notify = BooleanField(_l("处理结果公布后通知我"))
    # One id per page served: a second submission of the same page answers with the first receipt.
    submission_id = HiddenField()
    # A honeypot: hidden from people with CSS and aria-hidden; bots fill it in.
    website = StringField(_l("网址（请勿填写）"))
