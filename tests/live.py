"""Start the real app for browser and multi-process tests: migrations, demo data, gunicorn on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """gunicorn serving wsgi:app with its own instance folder and database."""

    def __init__(
        self, instance: Path, database_url: str | None = None, workers: int = 2, env: dict | None = None
    ):
        self.instance = instance
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CONSULT_")}
        self.env.update(
            {
                "CONSULT_INSTANCE_PATH": str(instance),
                "CONSULT_ARGON2_TIME_COST": "1",
                "CONSULT_ARGON2_MEMORY_COST": "8",
                "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                "GUNICORN_WORKERS": str(workers),
                "GUNICORN_ACCESSLOG": "",
            }
        )
        if database_url:
            self.env["CONSULT_SQLALCHEMY_DATABASE_URI"] = database_url
        self.env.update(env or {})
        self.proc: subprocess.Popen | None = None
        self.log = instance / "server.log"

    def flask(
        self, *args: str, stdin: str | None = None, timeout: int = 300, code: Path = ROOT
    ) -> subprocess.CompletedProcess:
        """Run `flask --app consult …` against this server's database (with another checkout's ``code``
        for the benchmarks that compare two)."""
        return subprocess.run(
            [str(BIN / "flask"), "--app", "consult", *args],
            cwd=code,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, seed: bool = True) -> LiveServer:
        """Migrate, load the demo data and wait until / answers."""
        self.instance.mkdir(parents=True, exist_ok=True)
        for step in (("db", "upgrade"), ("seed-demo",)) if seed else (("db", "upgrade"),):
            result = self.flask(*step)
            if result.returncode != 0:
                raise RuntimeError(f"flask {' '.join(step)} failed: {result.stderr[-2000:]}")
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn exited: " + self.log.read_text()[-2000:])
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer in time: " + self.log.read_text()[-2000:])

    def stop(self) -> None:
        """Stop gunicorn and its workers."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
