"""Flask-Login wiring: the session names the user and a nonce that sign-out rotates."""

from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from consult.auth.signing import PlainSerializer, SessionJSON
from consult.changes import ACCOUNTS, generation
from consult.extensions import db, login_manager
from consult.generation_cache import cache_for
from consult.i18n import _l
from consult.models import User
from consult.net import cookie, header_value

# A permanent session's cookie (staff, SESSION_IDLE_MINUTES) is signed again with a new expiry when it is
# at least this old, not on every request: the idle timeout counts from the last renewal, so it ends
# between SESSION_IDLE_MINUTES - 1 minute and SESSION_IDLE_MINUTES after the last request.
SESSION_RENEW_AFTER_SECONDS = 60


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, with its signing serializer built once per set of keys.

    Flask builds a new serializer (and itsdangerous tries it out on an empty dict) twice per request;
    the serializer holds nothing per request, so one per secret key and fallbacks serves them all. It is
    consult/auth/signing.PlainSerializer: Flask's format, written without zlib, a session of plain values
    written without Flask's tag walk (SessionJSON).

    Flask also signs a permanent session again on every response (SESSION_REFRESH_EACH_REQUEST) so its
    expiry moves with each request; here that happens once the cookie is SESSION_RENEW_AFTER_SECONDS old.

    Writing the cookie is Flask's ``save_session``, but for ``Vary: Cookie``: Flask parses the answer's
    Vary header into a set twice a response, to add a name that every page's Vary holds already
    (consult/web/preferences.vary); here the header is parsed only when it lacks Cookie.
    """

    def __init__(self) -> None:
        self._serializers: dict[tuple, object] = {}

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """Flask's session, with the time its cookie was signed kept on it (``signed_at``)."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = cookie(self.get_cookie_name(app), request)
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = int(signed_at.timestamp())
        return session

    def should_set_cookie(self, app: Flask, session) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        # The signer's clock: the one the cookie's timestamp and its max_age check use.
        now = self.get_signing_serializer(app).make_signer().get_timestamp()
        return signed_at is None or now - signed_at >= SESSION_RENEW_AFTER_SECONDS

    def save_session(self, app: Flask, session, response: Response) -> None:
        """flask.sessions.SecureCookieSessionInterface.save_session (Flask 3.1), Vary added as said above."""
        name = self.get_cookie_name(app)
        params = {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "partitioned": self.get_cookie_partitioned(app),
            "samesite": self.get_cookie_samesite(app),
            "httponly": self.get_cookie_httponly(app),
        }
        if session.accessed:  # Vary: Cookie when the session was looked at
            _vary_on_cookie(response)
        if not session:  # empty: no cookie, and the one the browser holds removed if it was emptied now
            if session.modified:
                response.delete_cookie(name, **params)
                if not session.accessed:
                    _vary_on_cookie(response)
            return
        if not self.should_set_cookie(app, session):
            return
        value = self.get_signing_serializer(app).dumps(dict(session))
        response.set_cookie(name, value, expires=self.get_expiration_time(app, session), **params)
        if not session.accessed:
            _vary_on_cookie(response)

    def get_signing_serializer(self, app: Flask):
        if not app.secret_key:
            return None
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        provider = app.json
        cache_key = (
            keys,
            type(provider),
            getattr(provider, "ensure_ascii", None),
            getattr(provider, "sort_keys", None),
        )
        serializer = self._serializers.get(cache_key)
        if serializer is None:
            # Flask's own arguments (SecureCookieSessionInterface.get_signing_serializer): the current
            # key last, the fallbacks before it.
            serializer = self._serializers[cache_key] = PlainSerializer(
                [*keys[1:], keys[0]],
                salt=self.salt,
                serializer=SessionJSON.for_app(app),
                signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method},
            )
        return serializer


def _vary_on_cookie(response: Response) -> None:
    """``response.vary.add("Cookie")``, without parsing and writing the header when it names Cookie."""
    present = header_value(response.headers, "Vary")
    if present and any(part.strip().lower() == "cookie" for part in present.split(",")):
        return
    response.vary.add("Cookie")


def init_login(app: Flask) -> None:
    """Register the session cookie, the user loader and the sign-in page."""
    app.session_interface = SessionCookies()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(session_id: str) -> User | None:
        user_id, _, nonce = session_id.partition(":")
        if not user_id.isdigit() or len(user_id) > 18 or not nonce:
            return None
        session = db.session()
        if session.in_transaction():
            # A door that already read (a public page touching current_user while rendering): the user
            # joins that transaction, attached, as before; nothing shared.
            user = _select_user(int(user_id))
        else:
            # Resolved once per change of any account (sign-out rotates the nonce, deactivating or a role
            # change writes the row: each bumps the counter), so a copied cookie fails on the very next
            # request in every worker, and an unchanged account costs no query of its own.
            key = (int(user_id), generation(db.session, ACCOUNTS))
            user = cache_for("users").get_or_make(key, lambda: _load_detached(int(user_id)))
        if user is None or not user.active or user.session_nonce != nonce:
            return None
        return user


def _select_user(user_id: int, fresh: bool = False) -> User | None:
    query = select(User).options(joinedload(User.contact_point)).where(User.id == user_id)
    # fresh: the row as stored now, even when this session already holds the object (a shared copy must
    # not take over attributes this request changed without committing).
    return db.session.scalar(query.execution_options(populate_existing=True) if fresh else query)


def _load_detached(user_id: int) -> User | None:
    """The account, detached and read only (it may serve several requests), leaving no transaction open.

    No read transaction stays behind the door: the operation it calls next may write (write_transaction()
    refuses to start inside a read).
    """
    session = db.session()
    try:
        user = _select_user(user_id, fresh=True)
        if user is not None:
            if user.contact_point is not None:
                session.expunge(user.contact_point)
            session.expunge(user)
        return user
    finally:
        session.rollback()
