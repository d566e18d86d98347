"""Successful bookings per second under gunicorn on PostgreSQL, against a baseline read.

Usage: .venv/bin/python bench/booking.py [--clients 32] [--seconds 10] [--workers N]
                                          [--worker-class gthread] [--mail queue|inline]

Creates its own database (eb_bench, or --database), seeds sessions and
candidates, starts gunicorn on 127.0.0.1, then runs two phases with the same
number of client threads (http.client, keep-alive, 127.0.0.1 only, bounded in
time):
  baseline: GET /api/v1/sessions/<id>/seats/  (one indexed single-row read)
  booking:  POST /api/v1/bookings/ with an Idempotency-Key, one candidate each
The phases alternate in --rounds slices (baseline, booking, baseline, ...)
so that load from elsewhere on the machine hits both alike. The closed loop
saturates the server, so its latencies are mostly queueing (p50 is about
clients / throughput); a last phase therefore offers both endpoints at a
fixed rate (open loop, --rate, by default half the booking rate just
measured) and reports the latency a client sees below saturation. Prints the CPU
each program (gunicorn and this client, postgres, redis-server) used per
request in each phase, checks zero overbooking afterwards and prints the
ratio last.

Workers default to 2 x CPUs + 1. `--mail queue` (default) runs like
production: a broker is configured (a Redis database of its own, --broker-db,
emptied afterwards), so each booking leaves its invitation in the outbox for
the periodic job (a worker's work, not the request's; not run here).
`--mail inline` leaves Celery eager, so every booking request also renders
and "sends" its invitation (console backend) after its commit.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import (  # noqa: E402
    HOST,
    drop_queue,
    fresh_database,
    percentile,
    run_open_loop,
    seed_world,
    send,
    start_gunicorn,
    wait_ready,
)


def run_phase(port, clients, seconds, make_request):
    """Each client thread sends requests until the time is up; returns (ok, other, latencies)."""
    stop = time.monotonic() + seconds
    lock = threading.Lock()
    ok, other, latencies = [0], [0], []

    def client(index):
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        local_ok = local_other = 0
        local_lat = []
        while time.monotonic() < stop:
            request = make_request(index)
            if request is None:
                break
            began = time.perf_counter()
            conn, status = send(conn, port, request)
            if status is not None:
                local_lat.append(time.perf_counter() - began)
            if status in (200, 201):
                local_ok += 1
            else:
                local_other += 1
        conn.close()
        with lock:
            ok[0] += local_ok
            other[0] += local_other
            latencies.extend(local_lat)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return ok[0], other[0], latencies, time.monotonic() - began


def cpu_by_program() -> dict[str, float]:
    """CPU seconds used so far by each program on the machine (Linux /proc), by name."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = {}
    me = str(os.getpid())
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        used = (int(fields[11]) + int(fields[12])) / ticks
        program = "bench client" if entry.name == me else name
        totals[program] = totals.get(program, 0.0) + used
    return totals


class Totals:
    """Sums of the slices of one phase, and the CPU each program used meanwhile."""

    def __init__(self) -> None:
        self.ok = self.other = 0
        self.latencies: list[float] = []
        self.elapsed = 0.0
        self.cpu: dict[str, float] = {}

    def add(self, ok: int, other: int, latencies: list[float], elapsed: float) -> None:
        self.ok += ok
        self.other += other
        self.latencies.extend(latencies)
        self.elapsed += elapsed

    def measure(self, run):
        before = cpu_by_program()
        self.add(*run())
        after = cpu_by_program()
        for program, used in after.items():
            self.cpu[program] = self.cpu.get(program, 0.0) + used - before.get(program, used)

    def cpu_per_request(self) -> str:
        busy = sorted(self.cpu.items(), key=lambda item: -item[1])
        return ", ".join(
            f"{program} {used / max(self.ok, 1) * 1000:.2f}"
            for program, used in busy
            if used / max(self.ok, 1) >= 0.00005
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--threads", type=int, default=4, help="per worker, for gthread")
    parser.add_argument("--mail", choices=["queue", "inline"], default="queue")
    parser.add_argument("--broker-db", type=int, default=14, help="Redis db for --mail queue")
    parser.add_argument("--database", default="eb_bench")
    parser.add_argument("--rounds", type=int, default=3, help="alternating slices per phase")
    parser.add_argument("--sessions", type=int, default=400)
    parser.add_argument("--capacity", type=int, default=30)
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="bookings/s offered in the latency phase (default: half the measured rate)",
    )
    parser.add_argument("--latency-seconds", type=float, default=5.0)
    args = parser.parse_args()
    args.clients = max(1, min(args.clients, 128))
    args.seconds = max(1.0, min(args.seconds, 60.0))

    url = fresh_database(args.database)
    seats = args.sessions * args.capacity
    secret = seed_world(sessions=args.sessions, capacity=args.capacity, candidates=seats + 2000)
    from examens.models import Candidate
    from scheduling.models import Booking, ExamSession

    session_ids = list(ExamSession.objects.values_list("pk", flat=True))
    candidate_ids = list(Candidate.objects.values_list("pk", flat=True))
    env = dict(os.environ, DATABASE_URL=url, DJANGO_DEBUG="0", LOG_LEVEL="WARNING")
    env.pop("CELERY_BROKER_URL", None)
    broker = f"redis://{HOST}:6379/{args.broker_db}"
    if args.mail == "queue":
        env["CELERY_BROKER_URL"] = broker
    server, port = start_gunicorn(
        env, workers=args.workers, worker_class=args.worker_class, threads=args.threads
    )
    try:
        wait_ready(port)
        auth = {"Authorization": f"Bearer {secret}"}
        rng = random.Random(7)

        def baseline(_index):
            return ("GET", f"/api/v1/sessions/{rng.choice(session_ids)}/seats/", None, auth)

        queue = iter(candidate_ids)
        queue_lock = threading.Lock()

        def booking(index):
            with queue_lock:
                candidate = next(queue, None)
            if candidate is None:
                return None
            body = json.dumps({"session": rng.choice(session_ids), "candidate": candidate})
            headers = dict(
                auth,
                **{"Content-Type": "application/json", "Idempotency-Key": f"bench-{candidate}"},
            )
            return ("POST", "/api/v1/bookings/", body, headers)

        base = Totals()
        book = Totals()
        rounds = max(1, args.rounds)
        slice_seconds = args.seconds / rounds
        for _round in range(rounds):
            base.measure(lambda: run_phase(port, args.clients, slice_seconds, baseline))
            book.measure(lambda: run_phase(port, args.clients, slice_seconds, booking))
        rate = args.rate or round(book.ok / book.elapsed / 2)
        open_base = run_open_loop(port, rate, args.latency_seconds, baseline)
        open_book = run_open_loop(port, rate, args.latency_seconds, booking)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if args.mail == "queue":
            drop_queue(broker)

    over = [
        s
        for s in ExamSession.objects.all()
        if s.booked_count > s.capacity
        or Booking.objects.filter(session=s, status="booked").count() != s.booked_count
    ]
    base_ok, base_other, base_lat = base.ok, base.other, base.latencies
    book_ok, book_other, book_lat = book.ok, book.other, book.latencies
    base_rate = base_ok / base.elapsed
    book_rate = book_ok / book.elapsed
    print(
        f"clients={args.clients} workers={args.workers} ({args.worker_class}) "
        f"seconds={args.seconds} rounds={args.rounds} mail={args.mail}"
    )
    print(
        f"baseline: {base_rate:.1f} req/s ok, {base_other} other, "
        f"p50 {percentile(base_lat, 0.5) * 1000:.1f} ms, "
        f"p99 {percentile(base_lat, 0.99) * 1000:.1f} ms"
    )
    print(
        f"booking:  {book_rate:.1f} bookings/s ok, {book_other} refused/other, "
        f"p50 {percentile(book_lat, 0.5) * 1000:.1f} ms, "
        f"p99 {percentile(book_lat, 0.99) * 1000:.1f} ms"
    )
    print(f"CPU ms per request, baseline: {base.cpu_per_request()}")
    print(f"CPU ms per booking:           {book.cpu_per_request()}")
    for label, (ok, other, latencies) in (("baseline", open_base), ("booking ", open_book)):
        print(
            f"open loop at {rate:.0f}/s, {label}: {ok} ok, {other} other, "
            f"p50 {percentile(latencies, 0.5) * 1000:.1f} ms, "
            f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms"
        )
    print(f"overbooked or miscounted sessions: {len(over)}")
    print(f"ratio bookings/s / baseline req/s: {book_rate / base_rate:.2f}")


if __name__ == "__main__":
    main()
