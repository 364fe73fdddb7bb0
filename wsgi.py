"""The only module-level app: `gunicorn -c gunicorn.conf.py wsgi:app`."""

from consult import create_app

app = create_app()
