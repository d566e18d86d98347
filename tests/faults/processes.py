"""The outside world, started and broken by the fault tests: a Celery worker process, a
Redis server of our own, and a TCP proxy in front of the S3 server that can be cut.

Everything runs on 127.0.0.1 on free ports, writes only under the test's tmp_path,
and is ended by its own process id (or its own process group) when the test ends.
Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import redis

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], object], *, timeout: float, what: str) -> object:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f}s")
        time.sleep(0.1)


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its ')'.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def database_url(settings_dict: dict) -> str:
    """The DATABASE_URL of the database this test uses (pytest-django's test database)."""
    user = quote(settings_dict["USER"] or "", safe="")
    password = quote(settings_dict["PASSWORD"] or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict["HOST"] or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    return f"postgres://{auth}{host}{port}/{quote(settings_dict['NAME'], safe='')}"


class RedisServer:
    """A redis-server of our own on a free port, its files under `directory`.

    `appendonly=True` is the persistence production uses (docs/decisions/
    0013-task-delivery.md): every write is appended to a file, synced to disk
    every second. `kill` is a crash (SIGKILL), `stop` an orderly shutdown;
    `start` again reads what the files hold.
    """

    def __init__(self, directory: Path, *, appendonly: bool):
        self.directory = directory
        self.appendonly = appendonly
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        directory.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own binary and arguments
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "yes" if self.appendonly else "no",
                "--appendfsync",
                "everysec",
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def answers() -> bool:
            assert self.process is not None
            assert self.process.poll() is None, self.log()
            with contextlib.suppress(redis.exceptions.ConnectionError):
                return bool(self.client().ping())
            return False

        wait_until(answers, timeout=15, what="redis-server answering")

    def kill(self) -> None:
        """A crash: SIGKILL, no chance to save anything."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=15)
        self.process = None

    def stop(self) -> None:
        """What a service manager's restart does first: SIGTERM, Redis saves and exits."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def crash_and_start(self) -> None:
        """SIGKILL, then start again from the files, once Redis has written what it
        acknowledged to its append-only file (with `appendfsync everysec` it does so
        within a second or two: what a crash inside that window loses, decision 0013)."""
        if self.appendonly:
            wait_until(
                lambda: self.client().info("persistence")["aof_buffer_length"] == 0,
                timeout=10,
                what="the append-only file written",
            )
        self.kill()
        self.start()

    def queued(self, queue: str = "celery") -> int:
        return int(self.client().llen(queue))

    def unacknowledged(self) -> int:
        return int(self.client().hlen("unacked"))

    def log(self) -> str:
        path = self.directory / "redis.log"
        return path.read_text() if path.exists() else ""


class TcpProxy:
    """A TCP proxy in front of `target` that can forward, hang, or refuse connections.

    `forward`: bytes flow both ways. `hang`: connections are accepted and
    answered with nothing (an endpoint that hangs). `down`: the port is closed
    (connection refused) and open connections are cut. The port stays the same
    throughout, so the client keeps one endpoint URL.
    """

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.mode = "forward"
        self.accepted = 0
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._listen()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def forward(self) -> None:
        self._cut_open_connections()
        self.mode = "forward"
        self._listen()

    def hang(self) -> None:
        self._cut_open_connections()
        self.mode = "hang"
        self._listen()

    def down(self) -> None:
        self.mode = "down"
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        self._cut_open_connections()

    def close(self) -> None:
        self.down()

    def _listen(self) -> None:
        if self._listener is not None:
            return
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # closed: down() or close()
            with self._lock:
                self.accepted += 1
                self._sockets.append(client)
            if self.mode == "forward":
                try:
                    upstream = socket.create_connection(self.target, timeout=5)
                except OSError:
                    client.close()
                    continue
                upstream.settimeout(None)
                with self._lock:
                    self._sockets.append(upstream)
                for source, sink in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()
            # hang: keep the socket open and never answer.

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _cut_open_connections(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


class CeleryWorker:
    """`celery -A config worker` in a process of its own (prefork, one pool process),
    in its own process group, logging to a file under the test's folder."""

    def __init__(self, env: dict[str, str], log_path: Path, *, queue: str = "celery"):
        self.env = env
        self.log_path = log_path
        self.queue = queue
        self.process: subprocess.Popen | None = None
        self._log_offset = 0

    def start(self) -> CeleryWorker:
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool=prefork",
                    "--concurrency=1",
                    "--queues",
                    self.queue,
                    "--hostname",
                    f"faults-{os.getpid()}-{time.monotonic_ns()}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel=INFO",
                ],
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_for_log(r" ready\.", timeout=60)
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def pool_processes(self) -> list[int]:
        return children_of(self.pid)

    def log(self) -> str:
        if not self.log_path.exists():
            return ""
        return self.log_path.read_bytes()[self._log_offset :].decode(errors="replace")

    def wait_for_log(self, pattern: str, *, timeout: float, count: int = 1) -> None:
        """Wait until the log holds `count` matches of the regular expression `pattern`."""
        compiled = re.compile(pattern)

        def seen() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(
                    f"the worker exited ({self.process.returncode}):\n{self.log()}"
                )
            return len(compiled.findall(self.log())) >= count

        try:
            wait_until(seen, timeout=timeout, what=f"worker log {pattern!r} x{count}")
        except AssertionError as error:
            raise AssertionError(f"{error}\n--- worker log ---\n{self.log()[-6000:]}") from None

    def kill_pool_process(self) -> int:
        """SIGKILL the pool process (the one running the task), as the OOM killer would."""
        pool = wait_until(self.pool_processes, timeout=10, what="a pool process")
        assert isinstance(pool, list)
        assert len(pool) == 1, pool
        os.kill(pool[0], signal.SIGKILL)
        return pool[0]

    def kill_everything(self) -> None:
        """SIGKILL the whole worker, parent and pool: the machine went away."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)

    def stop(self) -> None:
        """End the worker and its pool at the end of the test (SIGKILL to its own group:
        nothing is left to finish, and a warm shutdown would only cost seconds)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=15)
