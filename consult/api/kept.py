"""Public API answers kept while nothing they show changed, so a busy listing is not read again per request.

The ``comments`` change counter (consult/changes.py) moves with every comment, decision, draft and article
text written in any worker; it is read *before* the data, so an answer is never kept under a newer
number than what it shows. An answer is kept as the JSON bytes ``jsonify`` writes for what the schema
dumped (a kept page is not dumped or encoded again per request), bounded per process
(consult/generation_cache.py). Refusals (a bad cursor, an unknown draft) raise inside and are never kept.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from flask import Response, current_app

from consult.changes import generation
from consult.extensions import db
from consult.generation_cache import cache_for
from consult.i18n import locale_name

ANSWERS = "public-api-answers"
# Pages of the busiest listings, several per draft while readers page through them.
ANSWERS_MAX = 1024


def kept_json(key: tuple[Hashable, ...], make: Callable[[], Any]) -> Response:
    """``make()``'s answer as ``jsonify`` sends it, its encoded body kept under the change counter as it
    stands before ``make`` reads anything."""
    number = generation(db.session)
    cache = cache_for(ANSWERS)
    if cache.max_entries < ANSWERS_MAX:
        cache.max_entries = ANSWERS_MAX
    # One answer per language (a message or label in it is in the asker's); the API cannot import the
    # web's variant() (doors do not import each other), and care mode changes no JSON.
    body = cache.get_or_make(
        (number, locale_name(), *key), lambda: current_app.json.response(make()).get_data()
    )
    return current_app.response_class(body, mimetype=current_app.json.mimetype)
