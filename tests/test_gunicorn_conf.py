"""gunicorn.conf.py: no raw paths in gunicorn's access log; one control socket per instance, or none.

The settings are read the way gunicorn reads them (its own config loader, with the environment a
deployment sets); then three real gunicorns on one host, sharing HOME and XDG_RUNTIME_DIR (where
gunicorn's default control socket lives), show that each answers on its own socket and that an
instance without GUNICORN_CONTROL_SOCKET opens none.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request

import pytest
from gunicorn.app.base import Application
from gunicorn.ctl.client import ControlClient

from tests.live import BIN, ROOT, free_port

CONF = str(ROOT / "gunicorn.conf.py")
# Atoms that print what a person asked for or who they are: the request line, path, query string,
# referrer (a receipt page's address), client address and user agent.
PERSONAL_ATOMS = ("%(r)s", "%(U)s", "%(q)s", "%(f)s", "%(h)s", "%(a)s")


def hello(environ, start_response):
    """A tiny WSGI app for the real gunicorns (the settings under test are the server's, not the app's)."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


class ConfOnly(Application):
    """gunicorn's Application reading only gunicorn.conf.py, as `gunicorn -c gunicorn.conf.py` does."""

    def init(self, parser, opts, args):
        return None

    def load_config(self):
        self.load_config_from_file(CONF)

    def load(self):
        return hello


def settings(monkeypatch, **env):
    for name in ("GUNICORN_ACCESSLOG", "GUNICORN_CONTROL_SOCKET", "GUNICORN_CMD_ARGS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return ConfOnly().cfg


def test_gunicorns_access_log_is_off_and_its_format_holds_nothing_personal(monkeypatch):
    cfg = settings(monkeypatch)
    assert cfg.accesslog is None
    assert not any(atom in cfg.access_log_format for atom in PERSONAL_ATOMS)
    assert "%({x-request-id}o)s" in cfg.access_log_format
    assert settings(monkeypatch, GUNICORN_ACCESSLOG="-").accesslog == "-"


def test_the_control_socket_is_off_unless_the_instance_names_its_own(monkeypatch, tmp_path):
    assert settings(monkeypatch).control_socket_disable is True
    named = settings(monkeypatch, GUNICORN_CONTROL_SOCKET=str(tmp_path / "site-a.ctl"))
    assert named.control_socket_disable is False
    assert named.control_socket == str(tmp_path / "site-a.ctl")


class Instance:
    """A gunicorn with the repository's gunicorn.conf.py serving `hello` on a free port."""

    def __init__(self, home, log, control_socket=None):
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "CONSULT_"))}
        env.update(
            HOME=str(home),
            XDG_RUNTIME_DIR=str(home),
            GUNICORN_BIND=f"127.0.0.1:{self.port}",
            GUNICORN_WORKERS="1",
        )
        if control_socket:
            env["GUNICORN_CONTROL_SOCKET"] = str(control_socket)
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", CONF, "tests.test_gunicorn_conf:hello"],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.log = log

    def wait(self) -> None:
        deadline = time.time() + 30
        while time.time() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-2000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("gunicorn did not answer: " + self.log.read_text()[-2000:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def bind_behind(socket_path) -> str:
    """The bind address of the gunicorn that answers on this control socket."""
    with ControlClient(str(socket_path), timeout=10) as client:
        return client.send_command("show", ["config"])["bind"]


@pytest.mark.once
def test_three_instances_on_one_host_keep_to_their_own_control_sockets(tmp_path_factory):
    home = tmp_path_factory.mktemp("ctl")  # short: a unix socket's path has at most 107 bytes
    sockets = [home / "a.ctl", home / "b.ctl", None]
    instances = [Instance(home, home / f"{n}.log", s) for n, s in zip("abc", sockets, strict=True)]
    try:
        for instance in instances:
            instance.wait()
        a, b, _c = instances
        deadline = time.time() + 10  # the control server starts in a thread beside the arbiter
        while not all(path.exists() for path in sockets[:2]) and time.time() < deadline:
            time.sleep(0.1)
        assert bind_behind(sockets[0]) == [f"127.0.0.1:{a.port}"]
        assert bind_behind(sockets[1]) == [f"127.0.0.1:{b.port}"]
        # The third opened none: neither at gunicorn's default places nor anywhere else in this home.
        assert sorted(p.name for p in home.rglob("*.ctl")) == ["a.ctl", "b.ctl"]
        assert not (home / ".gunicorn").exists()
    finally:
        for instance in instances:
            instance.stop()


def test_post_fork_keeps_reader_connections_only_in_the_consult_apps_workers(monkeypatch):
    """A worker of the (preloaded) consult app reads the counters on kept connections; a worker of another
    app served with this file (the benchmarks' bare page) does not import consult for it."""
    import importlib.util
    import sys

    from consult import changes

    spec = importlib.util.spec_from_file_location("consult_gunicorn_conf", CONF)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    calls = []
    monkeypatch.setattr(changes, "keep_reader_connections", lambda on=True: calls.append(on))
    conf.post_fork(None, None)
    assert calls == [True]
    monkeypatch.delitem(sys.modules, "consult.changes")
    conf.post_fork(None, None)
    assert calls == [True]
    assert "consult.changes" not in sys.modules
