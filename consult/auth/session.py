"""Flask-Login wiring: the session names the user and a nonce that sign-out rotates."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from consult.extensions import db, login_manager
from consult.i18n import _l
from consult.models import User


def init_login(app: Flask) -> None:
    """Register the user loader and the sign-in page."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(session_id: str) -> User | None:
        user_id, _, nonce = session_id.partition(":")
        if not user_id.isdigit() or not nonce:
            return None
        session = db.session()
        was_idle = not session.in_transaction()
        user = session.scalar(
            select(User).options(joinedload(User.contact_point)).where(User.id == int(user_id))
        )
        if was_idle:
            # Leave no read transaction open behind the door: the operation it calls next may write
            # (write_transaction() refuses to start inside a read). The user stays readable, detached.
            if user is not None:
                if user.contact_point is not None:
                    session.expunge(user.contact_point)
                session.expunge(user)
            session.rollback()
        if user is None or not user.active or user.session_nonce != nonce:
            return None
        return user
