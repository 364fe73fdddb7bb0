"""Shared pieces of the invitation tests: tokens, and a staff API client."""

from __future__ import annotations

import pytest

from consult.auth.operations import issue_token
from consult.context import CLI
from consult.db import end_read


def token_for(username: str) -> dict[str, str]:
    """The Authorization header of a fresh token of the account."""
    end_read()
    return {"Authorization": f"Bearer {issue_token(None, CLI, username)}"}


@pytest.fixture
def staff_auth(factory):
    user, _password = factory.user("staff", username="inv-staff")
    return token_for(user.username)


@pytest.fixture
def deputy(factory):
    user, _password = factory.user("deputy", username="zhang-daibiao", display_name="张代表")
    return user


@pytest.fixture
def expert(factory):
    user, _password = factory.user("expert", username="li-zhuanjia", display_name="李专家")
    return user
