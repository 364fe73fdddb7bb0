"""deploy/nginx.conf in front of two app instances on PostgreSQL and Redis, as a city would run them.

nginx is started from the shipped file itself (only the lines marked CHANGE are replaced: site name,
certificate, code path, the two instances, log folder), and proves what the deployment promises:
sessions work on either instance, the comment quota and the sign-in throttle hold across instances,
a client cannot pick the address it is counted against, search answers the same on both after a
change, slow clients against nginx leave ordinary requests answered, and the access log carries the
route but neither receipt codes nor search terms.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import IN_CI, scratch_postgres_database, skip_or_fail
from tests.live import ROOT, LiveServer, free_port

pytestmark = [pytest.mark.once, pytest.mark.postgres, pytest.mark.redis]

SLUG = "chengshi-shufang-tiaoli"
REDIS_URL = os.environ.get("CONSULT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
STAFF, STAFF_PASSWORD = "deploy-staff", "deploy-staff-password-1"
QUOTA = 5


@dataclass
class Answer:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)

    def json(self):
        return json.loads(self.body)


def _request(
    base: str, method: str, path: str, body: dict | str | None = None, headers: dict | None = None
) -> Answer:
    """One request to http(s)://host:port (certificates not checked: the test's own is self-signed)."""
    scheme, _, hostport = base.partition("://")
    host, _, port = hostport.partition(":")
    if scheme == "https":
        unverified = ssl._create_unverified_context()
        conn = http.client.HTTPSConnection(host, int(port), timeout=30, context=unverified)
    else:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
    data, sent = None, dict(headers or {})
    if isinstance(body, dict):
        data = json.dumps(body, ensure_ascii=False).encode()
        sent.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        data = body.encode()
        sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
    try:
        conn.request(method, path, body=data, headers=sent)
        resp = conn.getresponse()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        return Answer(resp.status, resp.read().decode(errors="replace"), headers)
    finally:
        conn.close()


def _cookie(answer: Answer) -> str:
    """The session cookie an answer set, as a Cookie header value."""
    raw = answer.headers.get("set-cookie", "")
    match = re.search(r"(session=[^;]+)", raw)
    assert match, raw
    return match.group(1)


class Nginx:
    """nginx from deploy/nginx.conf, in the foreground, its files in a folder of its own."""

    def __init__(self, folder: Path, upstreams: list[int]):
        self.folder = folder
        self.https_port, self.http_port = free_port(), free_port()
        self.url = f"https://127.0.0.1:{self.https_port}"
        self.proc: subprocess.Popen | None = None
        self.upstreams = upstreams

    def _site(self) -> str:
        text = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
        servers = "".join(f"    server 127.0.0.1:{p} max_fails=2 fail_timeout=10s;\n" for p in self.upstreams)
        replacements = [
            (r"    server 127\.0\.0\.1:8000 max_fails=2 fail_timeout=10s;\n", servers),
            (r"server_name consult\.example\.gov\.cn;", "server_name localhost;"),
            (r"/etc/ssl/consult/", f"{self.folder}/"),
            (r"/srv/consult/static/", f"{ROOT / 'static'}/"),
            (r"/var/log/nginx/", f"{self.folder}/"),
            (r"listen 443 ssl http2;", f"listen 127.0.0.1:{self.https_port} ssl http2;"),
            (r"listen 80;", f"listen 127.0.0.1:{self.http_port};"),
            (r"    listen \[::\]:\d+[^;]*;\n", ""),
            # Off port 443 a browser's Host and Referer carry the port, and $host drops it (the CSRF
            # check compares the two over HTTPS); on 443 both are the same.
            (r"proxy_set_header Host \$host;", "proxy_set_header Host $http_host;"),
        ]
        for pattern, replacement in replacements:
            text, n = re.subn(pattern, replacement.replace("\\", "\\\\"), text)
            assert n, f"deploy/nginx.conf no longer has {pattern!r}: update the test with it"
        return text

    def start(self) -> Nginx:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=localhost", "-keyout", str(self.folder / "privkey.pem"),
             "-out", str(self.folder / "fullchain.pem")],
            check=True, capture_output=True,
        )  # fmt: skip
        (self.folder / "consult.conf").write_text(self._site(), encoding="utf-8")
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the test's private folder
        temp = "".join(
            f"    {kind}_temp_path {self.folder}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (self.folder / "nginx.conf").write_text(
            f"{user}daemon off;\nworker_processes 1;\npid {self.folder}/nginx.pid;\n"
            f"error_log {self.folder}/main.error.log warn;\n"
            "events { worker_connections 2048; }\n"
            f"http {{\n    include /etc/nginx/mime.types;\n{temp}"
            f"    access_log off;\n    include {self.folder}/consult.conf;\n}}\n",
            encoding="utf-8",
        )
        self.proc = subprocess.Popen(
            [_which("nginx"), "-c", str(self.folder / "nginx.conf"), "-e", str(self.folder / "e.log")],
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "nginx.out").open("w"),
        )
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nginx exited: " + (self.folder / "nginx.out").read_text())
            try:
                if _request(self.url, "GET", "/healthz").status == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("nginx did not answer: " + (self.folder / "nginx.out").read_text())

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def access_log(self) -> str:
        path = self.folder / "consult.access.log"
        return path.read_text(encoding="utf-8") if path.exists() else ""


def _which(tool: str) -> str | None:
    """A program on PATH, or in the system folders a non-root PATH leaves out (nginx is in sbin)."""
    return shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin")


@dataclass
class Site:
    a: LiveServer
    b: LiveServer
    nginx: Nginx
    token: str


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    for tool in ("nginx", "openssl"):
        if not _which(tool):
            skip_or_fail(f"{tool} is not installed (apt-get install nginx openssl)")
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        skip_or_fail(f"Redis at {REDIS_URL} is not reachable: {exc}")
    folder = tmp_path_factory.mktemp("deploy")
    folder.chmod(0o755)
    with scratch_postgres_database("consult_deploy") as database_url:
        common = {
            "CONSULT_SECRET_KEY": "deploy-test-secret-" + "k" * 40,
            "CONSULT_RATELIMIT_STORAGE_URI": REDIS_URL,
            "CONSULT_RATELIMIT_KEY_PREFIX": f"deploy-{uuid.uuid4().hex}-",
            "CONSULT_TRUSTED_PROXIES": "1",
            "CONSULT_SEARCH_BACKEND": "postgres",
            "CONSULT_SEARCH_DRAIN_INLINE": "false",
            "CONSULT_COMMENT_RATE_LIMIT": f"{QUOTA} per minute",
            "CONSULT_PAGE_CACHE_SECONDS": "0",
        }
        a = LiveServer(folder / "a", database_url=database_url, workers=2, env=common)
        b = LiveServer(folder / "b", database_url=database_url, workers=2, env=common)
        nginx = None
        try:
            a.instance.mkdir(parents=True)
            for step in (("db", "upgrade"), ("seed-demo",)):  # seed-demo refuses in production: before it
                result = a.flask(*step)
                assert result.returncode == 0, result.stderr[-2000:]
            made = a.flask(
                "users", "create", STAFF, "--role", "staff", "--password-stdin", stdin=STAFF_PASSWORD
            )
            assert made.returncode == 0, made.stderr[-2000:]
            token = a.flask("users", "token", STAFF).stdout.strip().splitlines()[-1]
            assert a.flask("search", "worker", "--once").returncode == 0
            for server in (a, b):
                server.env["CONSULT_PRODUCTION"] = "true"
                server.start(seed=False)
            nginx = Nginx(folder, [a.port, b.port]).start()
            yield Site(a, b, nginx, token)
        finally:
            if nginx:
                nginx.stop()
            a.stop()
            b.stop()


def _sign_in(base: str, address: str | None = None, password: str = STAFF_PASSWORD) -> Answer:
    """POST /login with the form's CSRF token, from ``address`` (X-Forwarded-For) when given."""
    extra = {"X-Forwarded-For": address} if address else {}
    page = _request(base, "GET", "/login", headers=extra)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.body)
    assert token, page.body[:500]
    from urllib.parse import urlencode  # the form body only here

    form = urlencode({"csrf_token": token.group(1), "username": STAFF, "password": password})
    # what a browser sends: over HTTPS the CSRF check wants a same-origin Referer
    headers = {**extra, "Cookie": _cookie(page), "Referer": f"{base}/login"}
    return _request(base, "POST", "/login", form, headers)


def test_a_session_made_on_one_instance_works_on_the_other(site: Site):
    signed_in = _sign_in(site.nginx.url)
    assert signed_in.status in (302, 303), signed_in.body[:500]
    cookie = _cookie(signed_in)
    assert "Secure" in signed_in.headers["set-cookie"]  # production: the cookie never travels over http
    for server in (site.a, site.b):
        page = _request(server.url, "GET", "/admin/", headers={"Cookie": cookie})
        assert page.status == 200, (server.url, page.status, page.body[:300])
    through = [_request(site.nginx.url, "GET", "/admin/", headers={"Cookie": cookie}) for _ in range(6)]
    assert [a.status for a in through] == [200] * 6


def test_the_comment_quota_holds_across_instances(site: Site):
    url = f"/api/v1/drafts/{SLUG}/comments"
    address = {"X-Forwarded-For": "198.51.100.23"}
    statuses = []
    for n in range(QUOTA + 3):
        server = (site.a, site.b)[n % 2]
        body = {"body": f"跨实例配额测试意见第{n}条，内容足够长。"}
        statuses.append(_request(server.url, "POST", url, body, address).status)
    assert statuses.count(201) == QUOTA and statuses[QUOTA:] == [429, 429, 429], statuses


def test_a_client_cannot_choose_its_address_through_nginx(site: Site):
    """nginx replaces X-Forwarded-For: a new spoofed address on every post does not reset the quota."""
    url = f"/api/v1/drafts/{SLUG}/comments"
    statuses = [
        _request(
            site.nginx.url, "POST", url, {"body": f"伪造来源地址的意见第{n}条，内容足够长。"},
            {"X-Forwarded-For": f"203.0.113.{n}"},
        ).status
        for n in range(QUOTA + 2)
    ]  # fmt: skip
    assert statuses.count(201) == QUOTA and statuses[-2:] == [429, 429], statuses


def test_the_sign_in_throttle_holds_across_instances(site: Site):
    address = "198.51.100.77"
    statuses = [
        _sign_in((site.a, site.b)[n % 2].url, address, password=f"wrong-{n}").status for n in range(6)
    ]
    assert statuses == [400] * 5 + [429], statuses


def test_search_answers_the_same_on_both_instances_after_a_change(site: Site):
    word = "蓝鲸图书角" + uuid.uuid4().hex[:4]
    posted = _request(
        site.a.url, "POST", f"/api/v1/drafts/{SLUG}/comments",
        {"body": f"建议在书房设立{word}，方便孩子阅读。"}, {"X-Forwarded-For": "198.51.100.99"},
    )  # fmt: skip
    assert posted.status == 201, posted.body
    bearer = {"Authorization": f"Bearer {site.token}"}
    query = f"/api/v1/admin/comments?status=pending&draft={SLUG}&per_page=100"
    listed = _request(site.b.url, "GET", query, headers=bearer)
    assert listed.status == 200, listed.body[:300]
    [comment] = [c for c in listed.json()["comments"] if word in c["body"]]
    moderated = _request(
        site.b.url, "POST", f"/api/v1/admin/comments/{comment['id']}/moderate", {"action": "publish"}, bearer
    )
    assert moderated.status == 200, moderated.body
    assert site.a.flask("search", "worker", "--once").returncode == 0
    found = []
    for base in (site.a.url, site.b.url, site.nginx.url):
        hits = _request(base, "GET", f"/api/v1/search?q={_q(word)}").json()["results"]
        found.append(sorted(json.dumps(h, sort_keys=True, ensure_ascii=False) for h in hits))
    assert found[0] and found[0] == found[1] == found[2], found


def _q(text: str) -> str:
    from urllib.parse import quote  # only query strings need it

    return quote(text)


def test_slow_clients_against_nginx_leave_ordinary_requests_answered(site: Site):
    """150 connections sending their headers a line at a time (slowloris) while people use the site."""
    slow = []
    try:
        context = ssl._create_unverified_context()
        for _ in range(150):
            raw = socket.create_connection(("127.0.0.1", site.nginx.https_port), timeout=10)
            conn = context.wrap_socket(raw, server_hostname="localhost")
            conn.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
            slow.append(conn)
        for conn in slow:
            conn.sendall(b"X-Slow: 1\r\n")
        started = time.monotonic()
        answers = [_request(site.nginx.url, "GET", f"/drafts/{SLUG}").status for _ in range(10)]
        elapsed = time.monotonic() - started
    finally:
        for conn in slow:
            conn.close()
    assert answers == [200] * 10
    assert elapsed < 15 if IN_CI else elapsed < 30, elapsed


def test_the_access_log_has_routes_not_receipt_codes_or_search_terms(site: Site):
    code = "4821-0937-5510-2"
    _request(site.nginx.url, "GET", f"/receipts/{code}")
    _request(site.nginx.url, "GET", f"/api/v1/receipts/{code.replace('-', '')}")
    _request(site.nginx.url, "GET", "/search?q=" + _q("我的私密检索词"))
    time.sleep(0.5)  # nginx writes its log line after the answer
    log = site.nginx.access_log()
    assert "/receipts/<code>" in log and "/api/v1/receipts/<code>" in log
    # Not the code, whole, without its dashes or in part (not merely "4821": the log's random request
    # ids, 32 hex digits a line, hold any four digits now and then).
    for leak in (code, code.replace("-", ""), "4821-0937", "48210937"):
        assert leak not in log, leak
    assert _q("我的私密检索词") not in log and "私密" not in log
    assert "127.0.0.1" not in log
