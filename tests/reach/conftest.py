"""Fixtures for subscriptions: a real SMTP server on loopback (the feedback notices' one)."""

from __future__ import annotations

import re

import pytest

from consult.db import end_read
from tests.feedback.test_notifications import SmtpServer, free_port

BASE = "https://yijian.example.cn"


@pytest.fixture
def smtp(app):
    """A running SMTP server on a free loopback port, which the app is configured to use."""
    server = SmtpServer(free_port())
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, PUBLIC_BASE_URL=BASE)
    server.start()
    yield server
    server.stop()
    end_read()


def link(body: str, kind: str) -> str:
    """The path of the first confirm or unsubscribe link in a mail body."""
    match = re.search(rf"{re.escape(BASE)}(/subscriptions/{kind}/[0-9]+-[A-Za-z0-9_\-]{{16}})", body)
    assert match, body
    return match.group(1)
