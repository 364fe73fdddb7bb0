"""The yardstick for bench/draft_page.py: a bare Flask app rendering a 20-item Jinja template.

    GUNICORN_BIND=127.0.0.1:8001 GUNICORN_WORKERS=2 .venv/bin/gunicorn -c gunicorn.conf.py bench.bare_app:app

No database, no extensions, no sessions: what Flask, Jinja and gunicorn cost on this machine with the
same settings the real app is served with, so the draft page's throughput can be read as a ratio.
"""

from __future__ import annotations

from flask import Flask, render_template
from jinja2 import DictLoader

ITEMS = [
    {
        "id": n,
        "title": f"第{n}条",
        "body": f"建议进一步明确第{n}条的适用范围和执行标准，便于基层落实。（示例意见 {n}）",
    }
    for n in range(1, 21)
]

PAGE = """<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>{{ title }}</title></head>
<body>
<main>
  <h1>{{ title }}</h1>
  <ol class="items">
  {% for item in items %}
    <li id="item-{{ item.id }}"><h2>{{ item.title }}</h2><p>{{ item.body }}</p></li>
  {% endfor %}
  </ol>
</main>
</body>
</html>
"""


def create_app() -> Flask:
    """One route, one inline template, twenty items."""
    app = Flask(__name__)
    # Loaded by name, so Jinja compiles it once and caches it, as it does the app's template files;
    # render_template_string would compile it again on every request.
    app.jinja_loader = DictLoader({"page.html": PAGE})

    @app.get("/")
    def index() -> str:
        return render_template("page.html", title="基准页面", items=ITEMS)

    return app


app = create_app()
