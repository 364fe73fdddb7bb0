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


def test_warm_freezes_what_was_built_out_of_the_collectors_reach(app):
    """A worker's full garbage collection must not walk the app built before the fork (about 140,000
    objects: a pause of 100-200 ms with every thread stopped, the tail of every page's latency)."""
    import gc

    gc.unfreeze()
    try:
        warm(app)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()  # the test process goes on collecting as before
