"""Guesses per hour that login throttling and the verification limit let through, measured.

Usage: .venv/bin/python bench/throttle.py [--hours 6] [--addresses 20]
                                           [--redis-url redis://127.0.0.1:6379/0 | --embedded]

Drives the real pages in process with Django's test client: /login/ (password),
/login/verify/ (second-factor code) and /c/v/<token>.json (verification), with
the product's own settings and its cache (Redis under a key prefix of this run,
removed afterwards; --embedded: the local-memory cache). Time is simulated
through settings.THROTTLE_CLOCK, so hours pass in seconds: each attacker sends
its next try as soon as the last answer's Retry-After allows (or at once after
an admitted try), and the script counts the tries the server admitted, per
simulated hour. Passwords use a fast hasher here, so that the figures are the
throttle's and the run is short; the real PBKDF2 only slows an attacker more.
Runs on a throwaway SQLite database in a temporary VAR_DIR; sends nothing over
the network except to Redis on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import heapq
import os
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOUR = 3600.0
TRY_SECONDS = 0.05  # what one try costs the attacker when it is admitted (simulated)


class SimulatedClock:
    def __init__(self) -> None:
        self.now = 2_000_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Figures:
    label: str
    admitted: list[float]  # simulated seconds since the attack began, one per admitted try
    hours: int

    @property
    def per_hour(self) -> list[int]:
        counts = [0] * self.hours
        for at in self.admitted:
            counts[int(at // HOUR)] += 1
        return counts

    @property
    def busiest_minute(self) -> int:
        """The most tries admitted within any 60 seconds."""
        most, first = 0, 0
        for last, at in enumerate(self.admitted):
            while at - self.admitted[first] >= 60:
                first += 1
            most = max(most, last - first + 1)
        return most

    @property
    def later(self) -> float:
        rest = self.per_hour[1:]
        return sum(rest) / len(rest) if rest else float("nan")


def run(label: str, clock: SimulatedClock, hours: int, senders: int, send) -> Figures:
    """Each sender tries as soon as allowed; `send(index)` returns (admitted, retry_after)."""
    start = clock.now
    end = start + hours * HOUR
    admitted = []
    due = [(start, index) for index in range(senders)]
    heapq.heapify(due)
    while due:
        at, index = heapq.heappop(due)
        if at >= end:
            continue
        clock.now = max(clock.now, at)
        ok, retry_after = send(index)
        if ok:
            admitted.append(clock.now - start)
            heapq.heappush(due, (clock.now + TRY_SECONDS, index))
        else:
            heapq.heappush(due, (clock.now + retry_after, index))
    clock.now = end
    return Figures(label, admitted, hours)


def forget(clock: SimulatedClock) -> None:
    """A week later: every count of the last attack is forgotten."""
    clock.now += 7 * 24 * HOUR


def setup(args) -> None:
    os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="eb-bench-throttle-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DJANGO_DEBUG"] = "0"
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "AWS_STORAGE_BUCKET_NAME"):
        os.environ.pop(name, None)
    if args.embedded:
        os.environ.pop("REDIS_URL", None)
    else:
        os.environ["REDIS_URL"] = args.redis_url
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    if not args.embedded:
        settings.CACHES["default"]["KEY_PREFIX"] = f"bench-throttle-{uuid.uuid4().hex[:12]}"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LOGGING_CONFIG = None
    import logging

    logging.disable(logging.CRITICAL)  # one warning per refused try is not what we measure
    call_command("migrate", verbosity=0)


def measure(args) -> tuple[list[Figures], dict[str, str]]:
    """Run every attack; return its figures and what the owner met meanwhile."""
    from django.conf import settings
    from django.test import Client
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from examens.models import User

    clock = SimulatedClock()
    settings.THROTTLE_CLOCK = clock
    owner_secret = uuid.uuid4().hex  # the right password: the owner's, later the guesser's too
    serial = iter(range(10**9))
    hours, many = args.hours, args.addresses

    def new_owner():
        user = User.objects.create_user(f"owner{next(serial)}", password=owner_secret)
        return user, TOTPDevice.objects.create(user=user, name="app", confirmed=True)

    def code(device, wrong=True, steps_ahead=0) -> str:
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = totp.time + steps_ahead * device.step
        return f"{(totp.token() + (500_000 if wrong else 0)) % 1_000_000:06d}"

    def address(index: int) -> str:
        return f"198.51.{index // 250}.{index % 250 + 1}"

    def login(client, username, secret, at):
        return client.post("/login/", {"username": username, "password": secret}, REMOTE_ADDR=at)

    def verify(client, token, at):
        return client.post("/login/verify/", {"token": token}, REMOTE_ADDR=at)

    def answer(response, ok_status):
        if response.status_code == 429:
            return False, float(response["Retry-After"])
        if response.status_code != ok_status:
            raise SystemExit(f"unexpected answer {response.status_code}")
        return True, 0.0

    attacker = Client()
    figures = []
    seen: dict[str, str] = {}

    user, device = new_owner()
    figures.append(
        run(
            "password: 1 account from 1 address",
            clock,
            hours,
            1,
            lambda i: answer(login(attacker, user.username, "guess", address(0)), 200),
        )
    )
    forget(clock)
    figures.append(
        run(
            "password: 1 address, a new account each try",
            clock,
            hours,
            1,
            lambda i: answer(login(attacker, f"nobody{next(serial)}", "x", address(0)), 200),
        )
    )
    forget(clock)
    user, device = new_owner()
    figures.append(
        run(
            f"password: 1 account from {many} addresses",
            clock,
            hours,
            many,
            lambda i: answer(login(attacker, user.username, "guess", address(i)), 200),
        )
    )
    # The owner, at the end of that attack: from a clean address, then after a typo.
    owner = Client()
    seen["password, owner from a clean address"] = str(
        login(owner, user.username, owner_secret, "192.0.2.10").status_code
    )
    login(owner, user.username, "typo", "192.0.2.11")
    typo = login(owner, user.username, owner_secret, "192.0.2.11")
    seen["password, owner after a typo: wait (s)"] = typo.get("Retry-After", "0")
    forget(clock)

    # Second factor: someone who knows the password tries codes.
    user, device = new_owner()
    browser = Client()  # the owner's, which logged in before: a known device
    login(browser, user.username, owner_secret, "192.0.2.10")
    verify(browser, code(device, wrong=False), "192.0.2.10")
    browser.post("/logout/")
    login(attacker, user.username, owner_secret, address(0))
    figures.append(
        run(
            "code: 1 account from 1 address",
            clock,
            hours,
            1,
            lambda i: answer(verify(attacker, code(device), address(0)), 400),
        )
    )
    forget(clock)
    figures.append(
        run(
            f"code: 1 account from {many} addresses",
            clock,
            hours,
            many,
            lambda i: answer(verify(attacker, code(device), address(i)), 400),
        )
    )
    login(browser, user.username, owner_secret, "192.0.2.10")
    right = code(device, wrong=False, steps_ahead=1)
    seen["code, owner on a known browser"] = str(verify(browser, right, "192.0.2.10").status_code)
    stranger = Client()
    login(stranger, user.username, owner_secret, "192.0.2.20")
    seen["code, owner on a new browser: wait (s)"] = verify(stranger, right, "192.0.2.20").get(
        "Retry-After", "0"
    )
    forget(clock)

    verifier = Client()
    figures.append(
        run(
            "verification: 1 address",
            clock,
            hours,
            1,
            lambda i: answer(
                verifier.get("/c/v/not-a-certificate.json", REMOTE_ADDR=address(0)), 200
            ),
        )
    )
    return figures, seen


def cleanup() -> None:
    """Remove this run's keys from Redis."""
    from django.conf import settings

    from examens.cache_scripts import redis_client

    client = redis_client()
    if client is None:
        return
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hours", type=int, default=6, help="simulated hours per attack")
    parser.add_argument("--addresses", type=int, default=20, help="addresses of one attacker")
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--embedded", action="store_true", help="local-memory cache, no Redis")
    args = parser.parse_args()
    args.hours = max(2, min(args.hours, 48))
    args.addresses = max(2, min(args.addresses, 500))

    setup(args)
    from django.conf import settings

    try:
        figures, seen = measure(args)
    finally:
        cleanup()
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    limit = getattr(settings, "CERTIFICATE_VERIFY_RATE_PER_MINUTE", 60)
    print(f"cache {backend}; verification limit {limit}/min; rules {settings.LOGIN_THROTTLE}")
    later = f"per hour, hours 2-{args.hours}"
    print(f"{'admitted tries':46} {'hour 1':>7} {later:>20} {'busiest minute':>15}")
    for figure in figures:
        print(
            f"{figure.label:46} {figure.per_hour[0]:7d} {figure.later:20.1f} "
            f"{figure.busiest_minute:15d}"
        )
    print(f"at the end of the {args.addresses}-address attacks (302 = logged in):")
    for what, value in seen.items():
        print(f"  {what}: {value}")


if __name__ == "__main__":
    main()
