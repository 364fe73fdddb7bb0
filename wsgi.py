"""The only module-level app: `gunicorn -c gunicorn.conf.py wsgi:app`."""

from consult import create_app
from consult.warmup import warm

app = create_app()
warm(app)  # compiled once in the master: every forked worker starts warm
