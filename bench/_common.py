"""Shared helpers of the benchmarks: a fresh PostgreSQL database, bulk seed, gunicorn,
an open-loop HTTP client on 127.0.0.1."""

from __future__ import annotations

import datetime
import http.client
import itertools
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
HOST = "127.0.0.1"
BOOKING_SCOPES = ("sessions:read", "bookings:read", "bookings:write")


def fresh_database(name: str) -> str:
    """Drop and create `name`, migrate it, and point this process at it."""
    host = PG.split("@")[-1].split(":")[0]
    user = PG.split("//")[1].split("@")[0]
    subprocess.run(["dropdb", "-h", host, "-U", user, "--if-exists", name], check=True)
    subprocess.run(["createdb", "-h", host, "-U", user, name], check=True)
    url = f"{PG}/{name}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DJANGO_DEBUG"] = "0"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        check=True,
        env=os.environ,
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return url


_bsns = itertools.count(20_000_000)


def make_bsn() -> str:
    while True:
        base = f"{next(_bsns):08d}"
        total = sum(int(d) * w for d, w in zip(base, range(9, 1, -1), strict=True))
        if total % 11 <= 9:
            return base + str(total % 11)


def session_row(room, version, starts_at, *, capacity: int, status: str, **extra):
    """An unsaved B1 session of `version` in `room`, booking closed 48 hours before."""
    from scheduling.models import ExamSession

    return ExamSession(
        centre_id=room.centre_id,
        room=room,
        component=version.component,
        exam_version=version,
        level="B1",
        starts_at=starts_at,
        duration_minutes=65,
        capacity=capacity,
        status=status,
        booking_closes_at=starts_at - datetime.timedelta(hours=48),
        **extra,
    )


def make_candidates(family_name: str, count: int, *, municipality, route) -> list:
    """`count` candidates `<family_name><n>` with valid BSNs, bulk-created."""
    from examens.models import Candidate

    return Candidate.objects.bulk_create(
        (
            Candidate(
                bsn=make_bsn(),
                given_names="Bench",
                family_name=f"{family_name}{index}",
                date_of_birth=datetime.date(1990, 1, 1),
                municipality=municipality,
                route=route,
                term_start=datetime.date(2025, 1, 1),
                term_end=datetime.date(2028, 1, 1),
            )
            for index in range(count)
        ),
        batch_size=5000,
    )


def seed_world(
    *,
    sessions: int,
    capacity: int,
    candidates: int,
    cities: int = 10,
    scopes: tuple[str, ...] = BOOKING_SCOPES,
):
    """Agency, centres in `cities` cities, published LEZ B1 sessions, B1 candidates, a token."""
    from django.utils import timezone

    from examens.models import (
        ExamCentre,
        ExamVersion,
        Membership,
        Organisation,
        Role,
        Room,
        Route,
        User,
    )
    from examens.services import create_api_token
    from scheduling.models import ExamSession

    agency = Organisation.objects.create(name="DUO", kind="agency")
    municipality = Organisation.objects.create(name="Utrecht", kind="municipality", cbs_code="0344")
    admin = User.objects.create(username="bench")
    # The token is created by the agency's admin (create_api_token checks it).
    Membership.objects.create(user=admin, organisation=agency, role=Role.ADMIN)
    rooms = []
    for index in range(cities):
        centre = ExamCentre.objects.create(
            organisation=agency, name=f"Centre {index}", kind="central", city=f"City{index}"
        )
        rooms.append(Room.objects.create(centre=centre, name="Zaal", capacity=max(capacity, 1)))
    version = ExamVersion.objects.get(code="LEZ-B1-2026A")
    start = timezone.now() + datetime.timedelta(days=10)
    rows = []
    for index in range(sessions):
        room = rooms[index % len(rooms)]
        starts_at = start + datetime.timedelta(hours=2 * (index // len(rooms)))
        rows.append(
            session_row(
                room,
                version,
                starts_at,
                capacity=capacity,
                status="published",
                accommodations=["extended_time"] if index % 3 == 0 else [],
                max_extra_minutes=30 if index % 3 == 0 else 0,
            )
        )
    ExamSession.objects.bulk_create(rows, batch_size=2000)
    route = Route.objects.get(code="B1", regime__code="WI2021")
    make_candidates("Candidate", candidates, municipality=municipality, route=route)
    from django.db import transaction

    with transaction.atomic():
        _token, secret = create_api_token(
            agency,
            actor=admin,
            name="bench",
            scopes=list(scopes),
        )
    return secret


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# --- gunicorn and an HTTP client on 127.0.0.1 ----------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_ready(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def start_gunicorn(env: dict, *, workers: int, worker_class: str = "sync", threads: int = 4):
    """gunicorn (next to this Python) serving config.wsgi on a free port; (process, port)."""
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "config.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--log-level",
        "warning",
    ]
    if worker_class == "gthread":
        command += ["--threads", str(threads)]
    return subprocess.Popen(command, cwd=ROOT, env=env), port


def drop_queue(broker: str) -> None:
    """Delete the unconsumed messages (and kombu's bindings) of this run."""
    import redis

    client = redis.Redis.from_url(broker)
    keys = [b"celery", *client.scan_iter(match="_kombu.binding*")]
    client.delete(*keys)


def send(conn, port, request):
    """Send one request (method, path, body, headers[, anything else]) on `conn`; returns
    (connection to use next, HTTP status or None when the connection failed and was replaced)."""
    method, path, body, headers = request[:4]
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
    except (OSError, http.client.HTTPException):
        conn.close()
        return http.client.HTTPConnection(HOST, port, timeout=30), None
    return conn, response.status


def run_open_loop(port, rate, seconds, make_request, senders=32, on_answer=None):
    """Send requests at a fixed rate (open loop), whatever the answers' speed.

    Request i is due at start + i / rate; each latency is counted from when the
    request was due, so a server that falls behind shows it (no coordinated
    omission). `on_answer(request, status, latency)`, when given, hears every
    answer (status None: the connection failed). Returns (ok, other, latencies)."""
    total = int(rate * seconds)
    start = time.monotonic() + 0.2
    lock = threading.Lock()
    counter = iter(range(total))
    ok, other, latencies = [0], [0], []

    def sender():
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            request = make_request(index)
            if request is None:
                break
            due = start + index / rate
            time.sleep(max(0.0, due - time.monotonic()))
            conn, status = send(conn, port, request)
            latency = time.monotonic() - due
            with lock:
                if status is not None:
                    latencies.append(latency)
                if status in (200, 201):
                    ok[0] += 1
                else:
                    other[0] += 1
            if on_answer is not None:
                on_answer(request, status, latency)
        conn.close()

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return ok[0], other[0], latencies
