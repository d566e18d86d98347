"""The product served on localhost as `make run` serves it, over a temporary var/.

A separate process (`manage.py runserver --noreload`, the development profile with
DEBUG on, as `make run`), not pytest-django's live_server thread: the browser then
talks to the same server, settings and demo data a person gets, and the test
process shares no database connection with it. Everything it writes (SQLite
database, media, signing keys, mail files, its log) stays in the temporary folder.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Variables that would switch a part to a service, or point var/ elsewhere.
CLEARED = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "DJANGO_PROFILE",
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "REQUIRE_SERVICES",
)
DEMO_CANDIDATES = os.environ.get("BROWSER_DEMO_CANDIDATES", "300")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    var_dir: Path
    port: int
    process: subprocess.Popen | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str) -> None:
        with (self.var_dir / "setup.log").open("ab") as log:
            subprocess.run(
                [sys.executable, "manage.py", *args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
                check=True,
                timeout=600,
            )

    def given(self, *args: str) -> dict:
        """Run tests.browser.given in the server's environment; its JSON answer."""
        done = subprocess.run(
            [sys.executable, "-m", "tests.browser.given", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise RuntimeError(f"given {args} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start(self) -> None:
        self.env = {k: v for k, v in os.environ.items() if k not in CLEARED}
        self.env.update(
            VAR_DIR=str(self.var_dir),
            SITE_URL=self.url,
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(self.var_dir / "mail"),
            PYTHONDONTWRITEBYTECODE="1",
            LOG_LEVEL="WARNING",
        )
        self.manage("migrate", "--no-input", "-v0")
        self.manage("seed_demo", "--quiet", "--candidates", DEMO_CANDIDATES)
        log = (self.var_dir / "server.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"the server did not answer within 60s: {self.log_tail()}")

    def log_tail(self) -> str:
        path = self.var_dir / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
