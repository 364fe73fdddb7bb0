"""Sign-in throttling against a real gunicorn with two worker processes.

tests/auth/test_login.py and test_sign_in_limits.py check the rules with app objects in one process;
here the counters must hold between two operating-system processes, as in production. Each request goes
on a new connection and gunicorn's access log names the worker (its pid) that answered, so the test
knows, instead of hoping, that both workers took part.

Why this fails if a counter lived in per-process memory: a limit is N failures (5 per account and
address, 20 per address, 20 per account from all addresses). With two workers, those N failures are
split between them (about N/2 each, and at the very most all N on one). A per-process counter can
therefore reach N in at most one worker; the other worker would have seen fewer than N failures and
would let the right password in. The test sends the right password until BOTH workers have answered it,
and requires every answer to be the throttling refusal, so such a counter cannot pass.

Addresses: the app trusts X-Forwarded-For only for CONSULT_TRUSTED_PROXIES hops (consult/net.py).
The server runs with one trusted hop, as in production behind nginx, so each request can carry its
own address; the counters then see distinct clients although all come from 127.0.0.1.
"""

from __future__ import annotations

import http.cookiejar
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

import pytest

from consult.auth.signin import ACCOUNT_CEILING, ADDRESS_FAILURES, PAIR_FAILURES
from tests.conftest import csrf_token_from
from tests.live import LiveServer

pytestmark = pytest.mark.once

PASSWORDS = {
    "alice": "Alice-throttle-pass-1",
    "bob": "Bob-throttle-pass-1",
    "carol": "Carol-throttle-pass-1",
    "dora": "Dora-throttle-pass-1",
}
WRONG = "not-the-password"
REFUSED = "登录失败次数过多，请"  # …then how many minutes to wait, which depends on the limit
BAD_PASSWORD = "用户名或密码不正确。"
MAX_PROBES = 200  # right-password attempts sent until both workers have answered one (the kernel
# hands connections to the workers unevenly: one of them often takes 80–90 %)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep the 303 of a successful sign-in as the answer instead of following it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


@dataclass
class Answer:
    status: int
    body: str
    location: str | None
    pid: str  # the gunicorn worker that answered the POST


class ThrottleServer(LiveServer):
    """A LiveServer whose access log records, per request, the worker pid and a tag the test sends."""

    def __init__(self, instance):
        self.access_log = instance / "access.log"
        super().__init__(
            instance,
            workers=2,
            env={
                "CONSULT_TRUSTED_PROXIES": "1",
                "GUNICORN_ACCESSLOG": str(self.access_log),
                # %(p)s is the worker's pid; {x-attempt}i is the X-Attempt request header.
                "GUNICORN_CMD_ARGS": "--access-logformat '%(p)s %({x-attempt}i)s %(s)s'",
            },
        )

    def worker_of(self, tag: str) -> str:
        """The pid of the worker that answered the request tagged `tag` (the log line may lag a little)."""
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.access_log.exists():
                for line in self.access_log.read_text().splitlines():
                    parts = line.split()
                    if len(parts) == 3 and parts[1] == tag:
                        return parts[0]
            time.sleep(0.05)
        raise AssertionError(f"no access-log line for {tag}: {self.access_log.read_text()[-2000:]}")

    def sign_in(self, username: str, password: str, address: str) -> Answer:
        """GET the form for its CSRF token, then POST it, each on a new connection, from `address`."""
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect
        )
        tag = uuid.uuid4().hex
        headers = {"X-Forwarded-For": address, "Connection": "close"}
        form = urllib.request.Request(self.url + "/login", headers={**headers, "X-Attempt": tag + "-form"})
        with opener.open(form, timeout=15) as resp:
            token = csrf_token_from(resp.read())
        data = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token})
        post = urllib.request.Request(
            self.url + "/login", data=data.encode(), headers={**headers, "X-Attempt": tag}, method="POST"
        )
        try:
            with opener.open(post, timeout=15) as resp:
                status, body, location = resp.status, resp.read().decode(), resp.headers.get("Location")
        except urllib.error.HTTPError as err:
            status, body, location = err.code, err.read().decode(), err.headers.get("Location")
        return Answer(status, body, location, self.worker_of(tag))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = ThrottleServer(tmp_path_factory.mktemp("throttle-live"))
    server.start(seed=False)
    try:
        for name, password in PASSWORDS.items():
            result = server.flask(
                "users", "create", name, "--role", "staff", "--password-stdin", stdin=password + "\n"
            )
            assert result.returncode == 0, result.stderr
        yield server
    finally:
        server.stop()


def _fail(server: ThrottleServer, username: str, address: str) -> str:
    answer = server.sign_in(username, WRONG, address)
    assert answer.status == 400, (answer.status, answer.body[-500:])
    assert BAD_PASSWORD in answer.body
    return answer.pid


def _refused_by_both_workers(server: ThrottleServer, username: str, address: str) -> dict[str, int]:
    """Send the RIGHT password until each of the two workers has answered; every answer must refuse."""
    refusals: dict[str, int] = {}
    for _ in range(MAX_PROBES):
        answer = server.sign_in(username, PASSWORDS[username], address)
        assert answer.status == 429, (
            f"worker {answer.pid} answered {answer.status} (location {answer.location}) after "
            f"{sum(refusals.values())} refusals by {refusals}: the throttle does not hold in every worker"
        )
        assert REFUSED in answer.body
        refusals[answer.pid] = refusals.get(answer.pid, 0) + 1
        if len(refusals) == 2:
            return refusals
    raise AssertionError(f"only one worker answered {MAX_PROBES} new connections: {refusals}")


def _signs_in(server: ThrottleServer, username: str, address: str) -> None:
    answer = server.sign_in(username, PASSWORDS[username], address)
    assert answer.status == 303, (answer.status, answer.body[-500:])
    assert answer.location == "/admin/"


def test_account_and_address_throttle_holds_across_two_workers(server):
    # PAIR_FAILURES wrong passwords for alice from one address: the pair's counter adds them up…
    failed_on = [_fail(server, "alice", "203.0.113.1") for _ in range(PAIR_FAILURES)]
    # …so the right password from that address is refused by both workers (for a minute)…
    refusals = _refused_by_both_workers(server, "alice", "203.0.113.1")
    assert set(refusals) >= set(failed_on), (failed_on, refusals)  # the failures went to these workers
    # …while alice from another address, and bob from that one, sign in: the pause is the pair's alone.
    _signs_in(server, "alice", "198.51.100.7")
    _signs_in(server, "bob", "203.0.113.1")


def test_account_ceiling_holds_across_two_workers_but_not_for_a_known_address(server):
    _signs_in(server, "dora", "198.51.100.40")  # her usual address
    # ACCOUNT_CEILING wrong passwords for dora, each from its own address: only the per-account
    # counter can add them up (the others see one failure each).
    failed_on = [_fail(server, "dora", f"203.0.114.{i + 1}") for i in range(ACCOUNT_CEILING)]
    # From an address dora never used, the right password is refused by both workers…
    refusals = _refused_by_both_workers(server, "dora", "198.51.100.41")
    assert set(refusals) >= set(failed_on), (failed_on, refusals)
    # …from her usual one she signs in.
    _signs_in(server, "dora", "198.51.100.40")


def test_address_throttle_holds_across_two_workers(server):
    address = "192.0.2.66"
    # ADDRESS_FAILURES failures from one address, each for another (unknown) account name, so no
    # account reaches its own limit: only the per-address counter can add them up.
    failed_on = [_fail(server, f"nobody-{i}", address) for i in range(ADDRESS_FAILURES)]
    # carol never failed, yet from that address she is refused by both workers…
    refusals = _refused_by_both_workers(server, "carol", address)
    assert set(refusals) >= set(failed_on), (failed_on, refusals)
    # …while from another address she signs in: the pause is the address's, not carol's.
    _signs_in(server, "carol", "192.0.2.67")
