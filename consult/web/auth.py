"""Sign-in and sign-out for staff and contact points."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField

from consult.auth import known_browsers, queries
from consult.auth.access import access, public
from consult.auth.signin import SignInPaused, authenticate, sign_out_everywhere
from consult.context import RequestContext
from consult.errors import DomainError
from consult.i18n import _, _l
from consult.web.forms import form_page

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    """CSRF and rendering only; the rules live in authenticate()."""

    username = StringField(_l("用户名"))
    password = PasswordField(_l("密码"))


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _landing(user) -> str:
    """Staff land on their workspace, contact-point operators on their uploads, deputies and experts on
    their invitations."""
    if user.is_staff:
        return url_for("admin.overview")
    if user.comment_channel is not None:
        return url_for("invitee.my_invitations_page")
    return url_for("intake.dashboard") if user.role == "contact_point" else url_for("public.home")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Show the sign-in form; on success renew the session and go where the user was headed."""
    form = LoginForm()
    error = None
    status = 200
    headers = {}
    if form.validate_on_submit():
        known = known_browsers.recognised(request.cookies.get(known_browsers.COOKIE_NAME))
        try:
            user = authenticate(
                RequestContext.from_request(), form.username.data or "", form.password.data or "", known
            )
        except DomainError as err:
            error, status = err.message, err.status
            if isinstance(err, SignInPaused):
                headers["Retry-After"] = str(err.retry_after)
        else:
            session.clear()  # a new session at sign-in: nothing from before survives
            login_user(user)
            session.permanent = True  # expires after SESSION_IDLE_MINUTES without a request
            response = redirect(_safe_next(request.args.get("next")) or _landing(user), code=303)
            # This browser now vouches for the account: its owner passes the per-account ceiling.
            response.set_cookie(
                known_browsers.COOKIE_NAME,
                known_browsers.issue(user.id, known),
                **known_browsers.cookie_settings(),
            )
            return response
    elif request.method == "POST":
        status = 400
    page, status = form_page("auth/login.html", status, form=form, error=error)
    return page, status, headers


@bp.app_template_global()
def sign_in_attacks(user_id: int | None = None):
    """For the admin account pages: accounts recently found under a password-guessing attack."""
    return queries.sign_in_attacks(user_id)


@bp.post("/logout")
@access("signed_in")
def logout():
    """Sign out everywhere: the session nonce changes, so a copied cookie stops working too."""
    sign_out_everywhere(current_user.id, RequestContext.from_request())
    logout_user()
    session.clear()
    flash(_("您已安全退出。"))
    return redirect(url_for("public.home"), code=303)
