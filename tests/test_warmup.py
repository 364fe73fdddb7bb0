"""Warming before the fork: mappers and hot templates compiled, and no database work."""

from __future__ import annotations

from consult.warmup import HOT_TEMPLATES, warm


def test_warm_compiles_the_hot_templates_without_a_query(app, monkeypatch):
    from sqlalchemy import event

    from consult.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    app.jinja_env.cache.clear()
    warm(app)
    cached = {key[1] for key in app.jinja_env.cache}
    assert set(HOT_TEMPLATES) <= cached
    assert statements == []
