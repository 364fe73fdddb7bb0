"""Work a request no longer repeats: what is the same for every request is worked out once (issue 15, 3).

Each test fails before its change: Flask asked whether each hook was a coroutine function on every
call, and the visitor's Accept-Language was parsed (and a babel Locale made from it) on every request.
"""

from __future__ import annotations

import secrets

import flask.app
import pytest
from werkzeug.datastructures import LanguageAccept

from consult.web import preferences


def test_flask_asks_once_per_function_whether_it_is_a_coroutine(client, monkeypatch):
    calls = []
    real = flask.app.iscoroutinefunction
    monkeypatch.setattr(flask.app, "iscoroutinefunction", lambda func: calls.append(func) or real(func))
    assert client.get("/").status_code == 200
    after_first = len(calls)
    for _ in range(3):
        assert client.get("/").status_code == 200
    assert len(calls) == after_first


def test_a_coroutine_function_still_goes_to_flasks_async_to_sync(app, monkeypatch):
    async def answer():
        return 42

    def plain():
        return 7

    wrapped = []
    monkeypatch.setattr(app, "async_to_sync", lambda func: wrapped.append(func) or (lambda: "ran"))
    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(answer)() == "ran"
    assert app.ensure_sync(answer)() == "ran"  # the kept wrapper
    assert wrapped == [answer]


def test_an_accept_language_header_is_read_once(client, monkeypatch):
    calls = []
    real = LanguageAccept.best_match
    monkeypatch.setattr(
        LanguageAccept, "best_match", lambda self, *a, **k: calls.append(1) or real(self, *a, **k)
    )
    header = f"en-GB,en;q=0.9,x-{secrets.token_hex(4)};q=0.1"  # a header no earlier test sent
    pages = [client.get("/", headers={"Accept-Language": header}) for _ in range(3)]
    assert all(p.status_code == 200 and b'lang="en"' in p.data for p in pages)
    assert len(calls) == 1
    chinese = client.get("/", headers={"Accept-Language": f"zh-CN,zh;q=0.9,x-{secrets.token_hex(4)};q=0.1"})
    assert b'lang="zh-CN"' in chinese.data


@pytest.mark.parametrize(
    "header",
    [
        "",
        "en",
        "zh-CN,zh;q=0.9,en;q=0.8",
        "en-US,en;q=0.9,zh-CN;q=0.8",
        "fr-FR,fr;q=0.9",
        "de;q=0.5,en;q=0.4",
        "*",
    ],
)
def test_the_answer_kept_for_a_header_is_the_one_werkzeug_gives(app, header):
    with app.test_request_context(headers={"Accept-Language": header} if header else {}):
        from flask import request

        expected = request.accept_languages.best_match(preferences.LANGUAGES, default="zh")
        assert preferences.language() == expected
        assert preferences.language() == expected  # kept
        assert str(preferences.locale()) == expected


def test_made_up_headers_cannot_grow_the_table(app, monkeypatch):
    monkeypatch.setattr(preferences, "_BEST_FOR_HEADER", {})
    for n in range(preferences.ACCEPT_KEPT_ENTRIES + 50):
        with app.test_request_context(headers={"Accept-Language": f"en;q=0.{n % 9 + 1},x-{n}"}):
            assert preferences.language() == "en"
    assert len(preferences._BEST_FOR_HEADER) == preferences.ACCEPT_KEPT_ENTRIES
    long_header = "en," + ",".join(f"x-{n}" for n in range(100))
    monkeypatch.setattr(preferences, "_BEST_FOR_HEADER", {})
    with app.test_request_context(headers={"Accept-Language": long_header}):
        assert preferences.language() == "en"
    assert preferences._BEST_FOR_HEADER == {}
