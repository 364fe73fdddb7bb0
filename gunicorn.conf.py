"""gunicorn settings for production; every value can be overridden with GUNICORN_* variables."""

import multiprocessing
import os
import sys

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(max(2, multiprocessing.cpu_count()))))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Load the app once before forking: no database work happens at import time (ARCHITECTURE.md habit 1).
preload_app = True
# The app writes the access log itself: one JSON line per request on stderr with the request id, the
# route's rule (/receipts/<code>, never the code), the status and the time (consult/web/request_log.py).
# gunicorn's own line would repeat it with the raw path, query string (search terms), referrer (a receipt
# page's address) and client address, so it is off unless GUNICORN_ACCESSLOG names a file (or "-"); and
# even then its format leaves out %(r)s, %(U)s, %(q)s, %(f)s, %(h)s and %(a)s, and carries the request
# id to match the app's line.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
access_log_format = "%(t)s %(m)s %(s)s %(B)s %(M)sms pid=%(p)s id=%({x-request-id}o)s"
errorlog = "-"
# gunicorn 25.1+ opens a control socket (for `gunicornc`) at one path per user by default
# ($XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/gunicorn.ctl): a second instance on the host unlinks the
# first one's socket and takes the path, so `gunicornc` would reload or stop the wrong site, and the first
# to stop removes the other's socket. Each instance names its own with GUNICORN_CONTROL_SOCKET; unset,
# there is none (nothing in the deployment uses it; signals still reload and stop gunicorn).
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Workers are replaced after this many requests (a guard against slow memory growth). Each replacement
# costs its first requests; 2,000 replaced a worker every second or two under load. 0 turns it off.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10


def post_fork(server, worker):
    """In each worker of the consult app: its threads read the change counters on a connection each
    keeps (consult/changes.keep_reader_connections). The benchmarks' bare page is served with this file
    too: it never imported consult, and its workers must not start to."""
    changes = sys.modules.get("consult.changes")  # imported by the preloaded app
    if changes is not None:
        changes.keep_reader_connections()
