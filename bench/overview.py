"""The monitoring pages over 300,000 candidates and 1,000,000 bookings, against raw SQL.

Usage: .venv/bin/python bench/overview.py [--candidates 300000] [--bookings 1000000]
           [--database bench_overview] [--reuse] [--requests 20] [--small-factor 10]

Creates its own PostgreSQL database (dropped and re-made, unless `--reuse`
finds one holding exactly the requested data; a reused database is migrated,
so an index added since is there), generates the data in set-based SQL
(bench/overview_data.py), then times, in process with Django's test client,
logged in through /login/ and /login/verify/ with a TOTP code:

  overview   monitoring:overview of the large municipality (Utrecht, 12 %)
  national   monitoring:national (the agency, every municipality)
  capacity   monitoring:capacity (the agency's planner)

The overview and the national view each alternate with the one raw SQL
aggregate they rest on (cohort x regime x route x migrant group: completed,
exempted, in progress, at risk, term expired; bench/overview_sql.py), so load
from elsewhere on the machine hits both alike. Each page's query count is
measured here and on a database `--small-factor` times smaller (a second
database, `<database>_small`, generated the same way; a count that grows with
the data is an N+1). Prints per page: p50, p95, queries at both sizes, and
for the two aggregate pages the ratio raw / page (median over median). The
last line is `ratio <the lower of the two>`.

The overview and the national view read figures counted ahead by a job (decision
0033); the bench runs that job first, prints how long it took, and then times the
pages within the figures' max age (MONITORING_FIGURES_MAX_AGE, 15 minutes).

Exits with status 2 and a message when a page is not there (its URL name does
not resolve): the bench never times a stand-in.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import PG, ROOT, percentile  # noqa: E402

PAGES = ("monitoring:overview", "monitoring:national", "monitoring:capacity")
TARGET_RATIO = 1 / 3
TARGET_P95 = 1.0


def prepare(database: str, candidates: int, bookings: int, *, reuse: bool) -> None:
    """Point this process at `database`, filled with the requested data (made if needed)."""
    host = PG.split("@")[-1].split(":")[0]
    user = PG.split("//")[1].split("@")[0]
    os.environ["DATABASE_URL"] = f"{PG}/{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DJANGO_DEBUG"] = "0"
    for name in ("CELERY_BROKER_URL", "AWS_STORAGE_BUCKET_NAME"):
        os.environ.pop(name, None)
    listed = subprocess.run(
        ["psql", "-h", host, "-U", user, "-lqtA", "-F", "|"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    exists = any(line.split("|", 1)[0] == database for line in listed.splitlines())
    fresh = not (reuse and exists)
    if fresh:
        subprocess.run(["dropdb", "-h", host, "-U", user, "--if-exists", database], check=True)
        subprocess.run(["createdb", "-h", host, "-U", user, database], check=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True, env=os.environ
    )
    import django

    django.setup()
    from bench import overview_data

    if not fresh:
        found = overview_data.counts()
        if found["candidates"] == candidates and found["bookings"] == bookings:
            print(f"reusing {database}: {found}", file=sys.stderr)
            return
        raise SystemExit(
            f"{database} holds {found}, not {candidates} candidates and {bookings} bookings: "
            "run without --reuse to make it again"
        )
    print(f"generating {database}: {candidates} candidates, {bookings} bookings", file=sys.stderr)
    started = time.monotonic()
    found = overview_data.generate(
        candidates, bookings, log=lambda line: print(line, file=sys.stderr)
    )
    print(f"generated {found} in {time.monotonic() - started:.0f} s", file=sys.stderr)


def resolve_pages() -> tuple[dict[str, str], list[str]]:
    """(path of each page that is there, names of the pages that are not)."""
    from django.urls import NoReverseMatch, reverse

    paths, missing = {}, []
    for name in PAGES:
        try:
            paths[name] = reverse(name)
        except NoReverseMatch:
            missing.append(name)
    return paths, missing


def refuse_missing(missing: list[str]) -> None:
    """Exit 2 naming the pages that are not there: no ratio without both aggregate pages."""
    print(
        f"bench/overview.py: the page(s) {', '.join(missing)} are not there (no URL of that "
        "name): merge the branches that build them (m-overview, m-capacity) and run again. "
        "They were not timed and no ratio is printed.",
        file=sys.stderr,
    )
    raise SystemExit(2)


def logged_in(username: str):
    """A test client through /login/ and /login/verify/ with the user's TOTP code."""
    from django.test import Client
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bench.overview_data import PASSWORD

    client = Client()
    client.post("/login/", {"username": username, "password": PASSWORD})
    device = TOTPDevice.objects.get(user__username=username)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    client.post("/login/verify/", {"token": f"{totp.token():0{device.digits}d}"})
    if client.session.get("otp_device_id") is None:
        raise SystemExit(f"{username}: the second factor was not verified")
    return client


def get(client, path: str) -> float:
    began = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - began
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}")
    return elapsed


def query_count(client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        get(client, path)
    return len(captured.captured_queries)


def time_raw(sql: str, params) -> float:
    from django.db import connection

    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.fetchall()
    return time.perf_counter() - began


def refresh_figures() -> str:
    """Count the stored figures the overview and national view read (decision 0033), as
    the beat's job does; a line with the time it took and the snapshot's size."""
    from examens.audit import SystemActor
    from monitoring.services import refresh_figures as refresh

    began = time.perf_counter()
    snapshot = refresh(actor=SystemActor("bench"), force=True)
    elapsed = time.perf_counter() - began
    if snapshot is None:
        raise SystemExit("another job is counting the figures: run again")
    return f"figures refresh {elapsed:6.1f} s  ({snapshot.cells} cells; the job, not a page)"


def counts_only(paths: dict[str, str]) -> dict[str, int]:
    refresh_figures()
    clients = clients_by_page()
    for name, path in paths.items():
        get(clients[name], path)  # warm: sessions, caches, first-use imports
    return {name: query_count(clients[name], path) for name, path in paths.items()}


def clients_by_page():
    municipal, agency = logged_in("bench.utrecht"), logged_in("bench.duo")
    return {
        "monitoring:overview": municipal,
        "monitoring:national": agency,
        "monitoring:capacity": agency,
    }


def small_counts(args) -> dict[str, int]:
    """The pages' query counts on the `--small-factor` times smaller database (a subprocess)."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--database",
        f"{args.database}_small",
        "--candidates",
        str(args.candidates // args.small_factor),
        "--bookings",
        str(args.bookings // args.small_factor),
        "--counts-only",
    ]
    if args.reuse:
        command.append("--reuse")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(command, cwd=ROOT, env=env, check=False, capture_output=True, text=True)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        raise SystemExit(done.returncode)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(args, paths: dict[str, str]) -> float | None:
    from django.utils import timezone

    from bench.overview_data import LARGE_MUNICIPALITY
    from bench.overview_sql import MUNICIPALITY_OVERVIEW, NATIONAL_OVERVIEW
    from examens.models import Organisation

    small = small_counts(args)
    print(refresh_figures(), flush=True)
    clients = clients_by_page()
    large = Organisation.objects.get(name=LARGE_MUNICIPALITY[0]).pk
    today = timezone.localdate()
    raw = {
        "monitoring:overview": (MUNICIPALITY_OVERVIEW, {"municipality": large, "today": today}),
        "monitoring:national": (NATIONAL_OVERVIEW, {"today": today}),
    }
    ratios = []
    for name, path in paths.items():
        client = clients[name]
        get(client, path)
        queries = query_count(client, path)
        page_times, raw_times = [], []
        for _ in range(args.requests):
            page_times.append(get(client, path))
            if name in raw:
                raw_times.append(time_raw(*raw[name]))
        p50, p95 = statistics.median(page_times), percentile(page_times, 0.95)
        line = (
            f"{name:22} p50 {p50 * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms"
            f"  (target < {TARGET_P95 * 1000:.0f})"
            f"  queries {queries} at {args.candidates} candidates,"
            f" {small[name]} at {args.candidates // args.small_factor}"
        )
        if raw_times:
            raw_p50 = statistics.median(raw_times)
            ratio = raw_p50 / p50
            ratios.append(ratio)
            line += f"  raw p50 {raw_p50 * 1000:7.1f} ms  ratio {ratio:.2f} (target >= 0.33)"
        print(line, flush=True)
    return min(ratios) if len(ratios) == 2 else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=300_000)
    parser.add_argument("--bookings", type=int, default=1_000_000)
    parser.add_argument("--database", default="bench_overview")
    parser.add_argument("--reuse", action="store_true", help="keep a database with this data")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--small-factor", type=int, default=10)
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--counts-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.database.startswith("bench_overview"):
        raise SystemExit("--database must start with bench_overview")
    prepare(args.database, args.candidates, args.bookings, reuse=args.reuse)
    if args.generate_only:
        return
    paths, missing = resolve_pages()
    if args.counts_only:
        print(json.dumps(counts_only(paths)))
        return
    # The pages that are there are timed and printed; a missing one still fails the run.
    ratio = measure(args, paths)
    if missing or ratio is None:
        refuse_missing(missing)
    print(f"ratio {ratio:.2f}")


if __name__ == "__main__":
    main()
