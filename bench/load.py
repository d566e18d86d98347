"""A mixed load against gunicorn + PostgreSQL + a Celery worker on Redis, then every invariant.

Usage: .venv/bin/python bench/load.py [--seconds 180] [--rate 25] [--workers N]
                                       [--database eb_load] [--redis-db 13]

Creates its own database (eb_load), seeds a world (bench/_common.seed_world and
bench/load_world.py), starts gunicorn and one Celery worker (next to this Python)
on 127.0.0.1 with Redis database --redis-db as broker and cache (emptied
afterwards), logs a staff member in through the real pages, then offers --rate
requests a second for --seconds (open loop: request i is due at i / rate; its
latency counts from then), mixed:

  availability  GET  /api/v1/availability/            (token, sessions:read)
  booking       POST /api/v1/bookings/                (token, Idempotency-Key)
  verification  GET  /c/v/<token>.json                (anonymous, many client addresses
                                                       through a trusted proxy)
  page          GET  /, /planning/, /candidates/?q=…, /beoordeling/  (staff session)
  import        POST /api/v1/results/imports/         (CSV of a held session's scores)
  release       POST /beoordeling/sessies/<id>/vrijgeven/  (staff; a session imported
                                                       before; each pass completes a
                                                       route: the worker issues a
                                                       certificate and stores its PDF)

It reports throughput, p50/p99 and refusals/errors per kind, waits for the worker
to finish, then checks the invariants: no session overbooked or miscounted; every
booking, import, release and certificate of the run has its audit event and every
audit chain is intact; every certificate is stored, a PDF, and verifies as valid;
every route completed by a release has its certificate. The last line is
`ratio <achieved/offered throughput>` (answered without server error, per second of
the run, over the offered rate).
"""

from __future__ import annotations

import argparse
import collections
import http.cookiejar
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import (  # noqa: E402
    HOST,
    ROOT,
    drop_queue,
    fresh_database,
    percentile,
    run_open_loop,
    seed_world,
    start_gunicorn,
    wait_ready,
)
from bench.load_invariants import check_invariants  # noqa: E402
from bench.load_world import IMPORTED_COMPONENT, seed_load_world  # noqa: E402

MIX = {"availability": 30, "booking": 20, "verification": 30, "page": 14, "import": 3, "release": 3}
PAGES = ("/", "/planning/", "/candidates/?q=Candidate1", "/beoordeling/")
SCOPES = ("sessions:read", "bookings:read", "bookings:write", "results:write")


def log_in(port: int, username: str, password: str, device) -> dict[str, str]:
    """Password, then the app's code, through the real pages; the session's cookies."""
    from django_otp.oath import TOTP

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://{HOST}:{port}"

    def cookies() -> dict[str, str]:
        return {cookie.name: cookie.value or "" for cookie in jar}

    def post(path: str, data: dict) -> str:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": cookies()["csrftoken"]})
        with opener.open(base + path, body.encode(), timeout=30) as response:
            return response.url

    opener.open(base + "/login/", timeout=30).read()
    post("/login/", {"username": username, "password": password})
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    landed = post("/login/verify/", {"token": f"{totp.token():0{device.digits}d}"})
    if "/login/" in landed:
        raise SystemExit(f"staff login failed (ended at {landed})")
    return cookies()


class Mix:
    """Makes the requests of the mixed load, and hears their answers (thread-safe)."""

    def __init__(
        self, *, secret, world, session_ids, candidate_ids, cookies, seconds, rate
    ) -> None:
        self.rng = random.Random(7)
        self.lock = threading.Lock()
        kinds, weights = zip(*MIX.items(), strict=True)
        self.plan = self.rng.choices(kinds, weights=weights, k=int(seconds * rate) + 1)
        self.token = {"Authorization": f"Bearer {secret}"}
        self.world = world
        self.session_ids = session_ids
        self.candidates = iter(candidate_ids)
        self.held = iter(world.held_sessions)
        self.imported: collections.deque[int] = collections.deque()
        cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
        self.staff = {"Cookie": cookie}
        self.csrf = cookies["csrftoken"]
        self.latencies: dict[str, list[float]] = collections.defaultdict(list)
        self.counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.last_answer = 0.0
        self.started = time.monotonic()

    def __call__(self, index: int):
        with self.lock:
            kind = self.plan[index]
            if kind == "release" and not self.imported:
                kind = "page"  # nothing imported yet to release
            return getattr(self, f"_{kind}")(index)

    def _availability(self, index):
        day = 10 + self.rng.randrange(20)
        start = time.strftime("%Y-%m-%d", time.localtime(time.time() + day * 86400))
        query = urllib.parse.urlencode(
            {"component": "LEZ", "level": "B1", "region": f"City{index % 10}", "date_from": start}
        )
        return ("GET", f"/api/v1/availability/?{query}", None, self.token, "availability")

    def _booking(self, index):
        candidate = next(self.candidates)
        body = json.dumps({"session": self.rng.choice(self.session_ids), "candidate": candidate})
        headers = {
            **self.token,
            "Content-Type": "application/json",
            "Idempotency-Key": f"load-{candidate}",
        }
        return ("POST", "/api/v1/bookings/", body, headers, "booking")

    def _verification(self, index):
        payload = self.rng.choice(self.world.certificate_payloads)
        client = f"10.{index % 200}.{(index // 200) % 250}.{self.rng.randrange(1, 250)}"
        headers = {"X-Forwarded-For": client}
        return ("GET", f"/c/v/{payload}.json", None, headers, "verification")

    def _page(self, index):
        return ("GET", PAGES[index % len(PAGES)], None, self.staff, "page")

    def _import(self, index):
        held = next(self.held, None)
        if held is None:
            return self._page(index)
        session_id, references = held
        lines = ["booking_reference,component,raw_score"]
        lines += [
            f"{reference},{IMPORTED_COMPONENT},{30 if n % 5 else 10}"  # four in five pass
            for n, reference in enumerate(references)
        ]
        headers = {**self.token, "Content-Type": "text/csv", "X-Filename": f"held-{session_id}"}
        return ("POST", "/api/v1/results/imports/", "\n".join(lines), headers, "import", session_id)

    def _release(self, index):
        session_id = self.imported.popleft()
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.csrf})
        headers = {**self.staff, "Content-Type": "application/x-www-form-urlencoded"}
        path = f"/beoordeling/sessies/{session_id}/vrijgeven/"
        return ("POST", path, body, headers, "release", session_id)

    def answered(self, request, status, latency) -> None:
        kind = request[4]
        with self.lock:
            self.last_answer = time.monotonic()
            if status is None or status >= 500:
                self.counts[kind]["error"] += 1
            elif status >= 400:
                self.counts[kind]["refused"] += 1
            else:
                self.counts[kind]["ok"] += 1
            if status is not None:
                self.latencies[kind].append(latency)
            if kind == "import" and status in (200, 201):
                self.imported.append(request[5])


def start_worker(env: dict) -> subprocess.Popen:
    celery = str(Path(sys.executable).parent / "celery")
    command = [celery, "-A", "config", "--quiet", "worker", "-l", "warning", "--concurrency", "2"]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def wait_for_worker(broker: str, seconds: float) -> float:
    """Until the queue is empty, nothing unacknowledged and every certificate stored."""
    import redis

    from certificates.models import Certificate

    client = redis.Redis.from_url(broker)
    began = time.monotonic()
    quiet = 0
    while time.monotonic() - began < seconds and quiet < 3:
        busy = client.llen("celery") or client.hlen("unacked")
        pending = Certificate.objects.filter(stored_at__isnull=True).exists()
        quiet = 0 if busy or pending else quiet + 1
        time.sleep(1)
    return time.monotonic() - began


def clean_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    for pattern in (":1:*", "unacked*", "celery*", "_kombu*"):
        for key in client.scan_iter(match=pattern):
            client.delete(key)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--rate", type=float, default=25.0, help="requests/s offered")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--database", default="eb_load")
    parser.add_argument("--redis-db", type=int, default=13, help="broker and cache, emptied")
    parser.add_argument("--drain-seconds", type=float, default=300)
    args = parser.parse_args()
    args.seconds = max(10.0, min(args.seconds, 1800.0))
    args.rate = max(1.0, min(args.rate, 2000.0))
    total = int(args.seconds * args.rate)

    var_dir = tempfile.mkdtemp(prefix="eb-bench-load-")
    redis_url = f"redis://{HOST}:6379/{args.redis_db}"
    shared = {
        "VAR_DIR": var_dir,  # signing keys, PDFs, secret key: one for every process
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "TRUSTED_PROXIES": HOST,  # verifications arrive "through a proxy", many addresses
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "OTP_FRESHNESS_SECONDS": str(int(args.seconds + args.drain_seconds + 600)),
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(shared)
    clean_redis(redis_url)
    url = fresh_database(args.database)
    secret = seed_world(
        sessions=400, capacity=30, candidates=int(total * 0.25) + 500, scopes=SCOPES
    )
    world = seed_load_world(held_sessions=int(total * 0.04) + 5, per_session=10, certificates=30)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from examens.models import Candidate
    from scheduling.models import Booking, ExamSession

    session_ids = list(ExamSession.objects.filter(status="published").values_list("pk", flat=True))
    held = {pk for pk, _references in world.held_sessions}
    booked = Booking.objects.values_list("candidate_id", flat=True)
    candidate_ids = list(
        Candidate.objects.exclude(pk__in=booked)
        .exclude(decisions__isnull=False)
        .values_list("pk", flat=True)
    )
    device = TOTPDevice.objects.get(user__username=world.staff_username)

    env = dict(os.environ, DATABASE_URL=url, DJANGO_DEBUG="0")
    server, port = start_gunicorn(env, workers=args.workers)
    worker = start_worker(env)
    try:
        wait_ready(port)
        cookies = log_in(port, world.staff_username, world.staff_password, device)
        mix = Mix(
            secret=secret,
            world=world,
            session_ids=session_ids,
            candidate_ids=candidate_ids,
            cookies=cookies,
            seconds=args.seconds,
            rate=args.rate,
        )
        from django.utils import timezone

        since = timezone.now()
        began = time.monotonic()
        run_open_loop(port, args.rate, args.seconds, mix, senders=64, on_answer=mix.answered)
        elapsed = max(mix.last_answer, began + args.seconds) - began
        drained = wait_for_worker(redis_url, args.drain_seconds)
    finally:
        server.terminate()
        worker.terminate()
        server.wait(timeout=60)
        worker.wait(timeout=60)
        drop_queue(redis_url)
        clean_redis(redis_url)

    load = os.getloadavg()
    print(
        f"offered {args.rate:.1f} req/s for {args.seconds:.0f} s ({total} requests), "
        f"gunicorn {args.workers} sync workers, 1 Celery worker (2 processes); "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs"
    )
    columns = ("req/s", "ok", "refused", "errors", "p50 ms", "p99 ms")
    print(f"{'kind':13} " + " ".join(f"{name:>8}" for name in columns))
    achieved = 0
    for kind in MIX:
        counts = mix.counts[kind]
        answered = counts["ok"] + counts["refused"]
        achieved += answered
        lat = mix.latencies[kind]
        print(
            f"{kind:13} {answered / elapsed:8.2f} {counts['ok']:8d} {counts['refused']:8d} "
            f"{counts['error']:8d} {percentile(lat, 0.5) * 1000:8.1f} "
            f"{percentile(lat, 0.99) * 1000:8.1f}"
        )
    print(f"worker finished {drained:.0f} s after the load")
    failures, facts = check_invariants(held_session_ids=held, since=since)
    shutil.rmtree(var_dir, ignore_errors=True)
    for fact in facts:
        print(f"  {fact}")
    if failures:
        print("invariants: BROKEN")
        for failure in failures:
            print(f"  - {failure}")
    else:
        print("invariants: all hold")
    print(f"ratio {achieved / elapsed / args.rate:.2f}")


if __name__ == "__main__":
    main()
