"""The public site in English: every message a citizen can meet has an English translation.

The messages are extracted in-process with Babel's extractor (as `make messages` does) from the public
templates and the Python modules whose messages reach citizens (the public pages and API, the errors, the
comment submission, receipts and search), and each must have a non-empty, non-fuzzy English translation
in consult/translations/en. A new public string without one fails here.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

from consult.i18n import TRANSLATIONS, compile_catalogues

ROOT = Path(__file__).resolve().parent.parent
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None}
JINJA = "jinja2.ext:babel_extract"
JINJA_OPTIONS = {"extensions": "jinja2.ext.do"}

PUBLIC_TEMPLATE_GLOBS = (
    "templates/public/**/*.html",
    "templates/_macros/**/*.html",
    "templates/errors/*.html",
)
PUBLIC_TEMPLATES = ("templates/base.html",)
# Modules whose messages reach citizens: the public doors, the errors they answer with, and the operations
# and queries behind them (submitting a comment, looking up a receipt, rating, searching, the labels).
PUBLIC_MODULES = (
    "consult/errors.py",
    "consult/vocabulary.py",
    "consult/paging.py",
    "consult/personal_data.py",
    "consult/ratelimits.py",
    "consult/receipts.py",
    "consult/auth/access.py",
    "consult/api/__init__.py",
    "consult/api/public.py",
    "consult/api/feedback.py",
    "consult/api/search.py",
    "consult/api/versions.py",
    "consult/api/serialize.py",
    "consult/api/schemas/base.py",
    "consult/api/schemas/errors.py",
    "consult/api/schemas/feedback.py",
    "consult/api/schemas/public.py",
    "consult/api/schemas/queries.py",
    "consult/api/schemas/search.py",
    "consult/api/schemas/subscriptions.py",
    "consult/api/subscriptions.py",
    "consult/api/schemas/versions.py",
    "consult/comments/operations.py",
    "consult/comments/queries.py",
    "consult/comments/submission_keys.py",
    "consult/drafts/compare.py",
    "consult/drafts/contents.py",
    "consult/drafts/labels.py",
    "consult/drafts/queries.py",
    "consult/drafts/short_codes.py",
    "consult/feedback/links.py",
    "consult/feedback/queries.py",
    "consult/feedback/reading.py",
    "consult/feedback/report.py",
    "consult/feedback/satisfaction.py",
    "consult/feedback/sms.py",
    "consult/reach/subscriptions.py",
    "consult/search/queries.py",
    "consult/search/service.py",
    "consult/search/snippets.py",
    "consult/web/cache.py",
    "consult/web/charts.py",
    "consult/web/dates.py",
    "consult/web/feedback.py",
    "consult/web/forms.py",
    "consult/web/fragments.py",
    "consult/web/labels.py",
    "consult/web/limits.py",
    "consult/web/preferences.py",
    "consult/web/public.py",
    "consult/web/reach.py",
    "consult/web/atom.py",
    "consult/web/search.py",
    "consult/web/subscriptions.py",
    "consult/web/versions.py",
)


def public_templates() -> list[Path]:
    """The templates a citizen's pages are made of."""
    found = {ROOT / name for name in PUBLIC_TEMPLATES}
    for pattern in PUBLIC_TEMPLATE_GLOBS:
        found.update(ROOT.glob(pattern))
    return sorted(found)


def public_messages() -> dict[str, list[str]]:
    """Each message id of the public templates and modules, with where it is used."""
    sources = [(path, JINJA, JINJA_OPTIONS) for path in public_templates()]
    sources += [(ROOT / name, "python", {}) for name in PUBLIC_MODULES if (ROOT / name).exists()]
    messages: dict[str, list[str]] = {}
    for path, method, options in sources:
        for line, message, _comments, _context in extract_from_file(
            method, str(path), keywords=KEYWORDS, options=options
        ):
            ids = message if isinstance(message, tuple) else (message,)
            for msgid in ids:
                if msgid:
                    messages.setdefault(msgid, []).append(f"{path.relative_to(ROOT)}:{line}")
    return messages


def english_catalogue():
    with PO.open("rb") as source:
        return read_po(source, locale="en")


def test_the_extraction_finds_the_public_strings():
    messages = public_messages()
    # A word from each kind of source: the base template, a public page, an error, an operation.
    for msgid in ("跳到正文", "查询回执", "页面不存在", "请填写意见内容"):
        assert msgid in messages, msgid
    assert len(messages) > 300


def test_every_public_message_has_an_english_translation():
    catalogue = english_catalogue()
    missing = []
    for msgid, places in sorted(public_messages().items()):
        entry = catalogue.get(msgid)
        strings = entry.string if entry is not None else None
        texts = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or entry.fuzzy or not all(texts):
            missing.append(f"{places[0]}: {msgid!r}")
    assert missing == [], f"{len(missing)} public messages without English:\n" + "\n".join(missing)


def test_translations_keep_their_placeholders():
    catalogue = english_catalogue()
    errors = [f"{message.id!r}: {error}" for message, errors in catalogue.check() for error in errors]
    assert errors == []


def test_the_catalogue_compiles_when_missing_or_older(tmp_path):
    folder = tmp_path / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = folder / "messages.po"
    po.write_bytes(PO.read_bytes())
    assert compile_catalogues(tmp_path) == [folder / "messages.mo"]
    assert compile_catalogues(tmp_path) == []  # up to date: nothing to do
    later = datetime.now(UTC).timestamp() + 10
    os.utime(po, (later, later))
    assert compile_catalogues(tmp_path) == [folder / "messages.mo"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "zh"),
        ("en-US,en;q=0.9", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("fr-FR,en;q=0.5", "en"),
        ("de", "zh"),
    ],
)
def test_accept_language_chooses_without_a_cookie(app, header, expected):
    from flask_babel import get_locale

    headers = {"Accept-Language": header} if header else {}
    with app.app_context(), app.test_request_context("/", headers=headers):
        assert str(get_locale()) == expected


def test_the_cookie_wins_over_accept_language(app):
    from flask_babel import get_locale

    # A fresh app context each: Flask-Babel keeps the locale on `g` (the app fixture's context is shared).
    with (
        app.app_context(),
        app.test_request_context("/", headers={"Accept-Language": "en", "Cookie": "consult_lang=zh"}),
    ):
        assert str(get_locale()) == "zh"
    with (
        app.app_context(),
        app.test_request_context("/", headers={"Accept-Language": "zh", "Cookie": "consult_lang=en"}),
    ):
        assert str(get_locale()) == "en"
