"""The accounts blueprint and what its doors share: the request context, the answer that shows a secret
once, the confirmation of a destructive action, and the password choice of a form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request

from consult.context import RequestContext
from consult.errors import DomainError
from consult.models import User

bp = Blueprint("admin_accounts", __name__, url_prefix="/admin")


def request_context() -> RequestContext:
    """Who asked from where, for the operation's audit row."""
    return RequestContext.from_request()


def shown_once(title: str, secret: str, warning: str, back: str, user: User):
    """The one answer that carries a generated password or a new token: never cached, never stored."""
    html = render_template(
        "admin/accounts/secret.html", title=title, secret=secret, warning=warning, back=back, user=user
    )
    return html, 200, {"Cache-Control": "no-store", "Pragma": "no-cache"}


def password_set(user: User, generated: str | None, back: str, title: str, warning: str, done: str):
    """After an account got a password: a generated one is shown once, on this answer; one typed twice is
    only confirmed, back on ``back`` (303)."""
    if generated:
        return shown_once(title, generated, warning, back, user)
    flash(done)
    return redirect(back, code=303)


def confirm(title: str, message: str, button: str, cancel: str, run: Callable[[], Any], done: str):
    """A destructive action: GET (or a POST without confirm=1) shows the question; a confirmed POST runs."""
    if request.method == "GET" or request.form.get("confirm") != "1":
        return render_template(
            "admin/accounts/confirm.html", title=title, message=message, button=button, cancel=cancel
        )
    try:
        run()
    except DomainError as err:
        flash(err.message, "error")
    else:
        flash(done)
    return redirect(cancel, code=303)


def password_choice() -> tuple[str, str | None, bool]:
    """(password, repeated, generate?) as the account and password forms send them."""
    form = request.form
    return form.get("password", ""), form.get("password_repeat", ""), form.get("password_mode") == "generate"
