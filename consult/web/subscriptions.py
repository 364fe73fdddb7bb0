"""Subscribing by mail (or SMS): the form, the confirmation link and the one-click unsubscribe.

Thin doors over consult/reach/subscriptions.py. The form's answer is the same "check your mail" page
whatever the address's state, so it reveals nothing. The unsubscribe POST is exempt from CSRF: it is
what a mail program sends for List-Unsubscribe-Post (RFC 8058), and the token in the path is the proof.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from consult.auth.access import public
from consult.context import RequestContext
from consult.errors import DomainError
from consult.extensions import csrf
from consult.models.enums import SUBSCRIPTION_TOPICS
from consult.ratelimits import refusals_counted
from consult.reach import subscriptions as operations
from consult.vocabulary import topic_label
from consult.web.forms import check_form_token, csrf_checked_in_view, form_page

bp = Blueprint("subscriptions", __name__)


def _form(status: int = 200, errors: dict | None = None, message: str | None = None, **typed):
    chosen = typed.get("topics") or list(SUBSCRIPTION_TOPICS)
    return form_page(
        "public/subscribe.html",
        status,
        errors=errors,
        message=message,
        email=typed.get("email", ""),
        phone=typed.get("phone", ""),
        chosen=chosen,
        topics=[(t, topic_label(t)) for t in SUBSCRIPTION_TOPICS],
        sms=operations.sms_enabled(),
    )


@bp.get("/subscribe")
@public
def subscribe_page():
    """The subscription form: an e-mail address (or a mobile number) and the topics."""
    return _form()


@bp.post("/subscribe")
@public
@csrf_checked_in_view
def subscribe_form():
    """Ask for a subscription; any refusal shows the form again with what was typed."""
    email = request.form.get("email", "")
    phone = request.form.get("phone", "")
    topics = request.form.getlist("topics")
    ctx = RequestContext.from_request()
    try:
        check_form_token()
        with refusals_counted(ctx.address):
            operations.subscribe(ctx, email, topics, phone)
    except DomainError as err:
        errors = err.fields or {"form": err.message}
        return _form(err.status, errors, err.message, email=email, phone=phone, topics=topics)
    return redirect(url_for("subscriptions.sent"), code=303)


@bp.get("/subscribe/sent")
@public
def sent():
    """The answer to every accepted request: check your mail (nothing about the address's state)."""
    return render_template("public/subscribe_sent.html")


@bp.get("/subscriptions/confirm/<token>")
@public
def confirm_subscription(token: str):
    """The link in the confirmation message: the subscription counts from now."""
    shown = operations.confirm(RequestContext.from_request(), token)
    return render_template("public/subscription_confirmed.html", shown=shown, topic_label=topic_label)


@bp.get("/subscriptions/unsubscribe/<token>")
@public
def unsubscribe_page(token: str):
    """The page an unsubscribe link opens: whose subscription, and one button (a GET changes nothing)."""
    shown = operations.look_up(token)
    return render_template("public/unsubscribe.html", shown=shown, topic_label=topic_label)


@bp.post("/subscriptions/unsubscribe/<token>")
@public
@csrf.exempt
def unsubscribe_now(token: str):
    """Unsubscribe at once: the page's button, or a mail program's one-click POST (RFC 8058)."""
    shown = operations.unsubscribe(RequestContext.from_request(), token)
    return render_template("public/unsubscribe.html", shown=shown, topic_label=topic_label)
