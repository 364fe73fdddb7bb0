"""WTForms for the public pages (CSRF and rendering only; the rules live in the operations), the check
that lets a form with an expired page come back with what was typed, and the one way a form page is
answered (refused or not)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import render_template, request
from flask_wtf import FlaskForm
from flask_wtf.csrf import ValidationError as CSRFValidationError
from flask_wtf.csrf import validate_csrf
from wtforms import BooleanField, HiddenField, StringField, TextAreaField

from consult.errors import ValidationError
from consult.extensions import csrf
from consult.i18n import _, _l


def csrf_checked_in_view(view: Callable) -> Callable:
    """Leave the CSRF check of this form to the view (`check_form_token()` in its refusal path).

    Flask-WTF's global check answers a stale token with a bare 400 page: a citizen's long comment or a
    pasted draft would be lost. Checked in the view, the page re-renders with the text kept instead.
    """
    return csrf.exempt(view)


def check_form_token() -> None:
    """Refuse a POST whose CSRF token is missing or stale, as a field error the view shows."""
    try:
        validate_csrf(request.form.get("csrf_token"))
    except CSRFValidationError:
        raise ValidationError(
            _("页面已过期或安全校验失败。您填写的内容已保留，请再次提交。"),
            {"form": _("页面已过期，请重新提交")},
        ) from None


def form_page(
    template: str,
    status: int = 200,
    /,
    *,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    **context: Any,
) -> tuple[str, int]:
    """A page with a form, answered with ``status``; after a refusal, the same page with the input kept.

    Whether the page is refused is decided here, once: its answer is a refusal (status 400 or more).
    base.html then titles it "错误：…" and refused.js brings the person to the error summary. A 200 that
    lists problems (a draft's preview showing the text's issues, with its own anchor) is an answer, not a
    refusal. ``template`` and ``status`` are positional only, so the context may carry its own ``status``
    (the draft pages pass the draft's stage under that name).
    """
    page = render_template(template, errors=errors or {}, message=message, refused=status >= 400, **context)
    return page, status


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
