"""The verification endpoint under gunicorn on PostgreSQL vs a bare JSON view, in one run.

Creates its own database (default eb_bench_verify), issues one certificate,
starts gunicorn on 127.0.0.1 (2 sync workers), then drives each URL with a
fixed number of keep-alive requests from a few client threads, bounded in
count and time. Targets: verify rps >= 0.5 x bare rps; verify p99 < 25 ms.
Usage: `.venv/bin/python bench/verify.py [requests-per-url]`.
"""

import http.client
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
DB_NAME = os.environ.get("BENCH_DB", "eb_bench_verify")
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PORT = int(os.environ.get("BENCH_PORT", "8766"))
REQUESTS = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
CLIENTS = 4
TIME_LIMIT = 60.0  # seconds per URL, whatever REQUESTS says

sys.path[:0] = [str(ROOT), str(BENCH)]
ENV = {
    **os.environ,
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "DJANGO_SETTINGS_MODULE": "verify_settings",
    "VAR_DIR": tempfile.mkdtemp(prefix="eb-bench-verify-"),
    "SITE_URL": f"http://127.0.0.1:{PORT}",
    "PYTHONPATH": f"{ROOT}:{BENCH}",
    # The shared cache of production (status entries, counts, rate limits), not a per-worker one.
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
    "BENCH_CACHE_PREFIX": f"bench-verify-{uuid.uuid4().hex[:12]}",
}


def create_database() -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def prepare() -> str:
    """Migrate and issue one certificate; return its verification path."""
    os.environ.update(ENV)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from certificates import services
    from examens.audit import SYSTEM
    from grading.selectors import Progress, ProgressItem
    from tests.examens.factories import CandidateFactory

    items = [ProgressItem("LEZ", "Lezen", "Reading", "B1", "passed", 1, None, None, None)]
    services.issuing.candidate_progress = lambda candidate: Progress(
        complete=True, term_end=candidate.term_end, items=items
    )
    certificate = services.issue_certificate(CandidateFactory.create(), actor=SYSTEM)
    return f"/c/v/{certificate.payload}.json"


def check_outcome(path: str) -> None:
    """Refuse to measure anything but a real, valid verification."""
    import json

    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    conn.request("GET", path)
    body = json.loads(conn.getresponse().read())
    conn.close()
    if body.get("outcome") != "valid":
        raise SystemExit(f"verification answered {body.get('outcome')!r}, not 'valid'")


def drive(path: str) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_client = REQUESTS // CLIENTS
    deadline = time.monotonic() + TIME_LIMIT

    def client() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        mine = []
        bad = 0
        for _ in range(per_client):
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                bad += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies, errors


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] * 1000


def wait_until_up() -> None:
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            conn.request("GET", "/bench/bare")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def main() -> None:
    create_database()
    verify_path = prepare()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "verify_wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=str(BENCH),
        env=ENV,
    )
    try:
        wait_until_up()
        check_outcome(verify_path)
        for path in (verify_path, "/bench/bare"):  # warm both up: connections, key cache
            drive_warm = REQUESTS
            globals()["REQUESTS"] = 200
            drive(path)
            globals()["REQUESTS"] = drive_warm
        bare_rps, bare_lat, bare_err = drive("/bench/bare")
        verify_rps, verify_lat, verify_err = drive(verify_path)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    print(f"bare   : {bare_rps:8.0f} req/s  p99 {p99(bare_lat):6.1f} ms  errors {bare_err}")
    print(f"verify : {verify_rps:8.0f} req/s  p99 {p99(verify_lat):6.1f} ms  errors {verify_err}")
    print(f"ratio {verify_rps / bare_rps:.2f} (target >= 0.5), verify p99 {p99(verify_lat):.1f} ms")


if __name__ == "__main__":
    main()
