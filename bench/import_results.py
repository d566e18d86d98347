"""Benchmark: 100,000 machine-scored rows through import_machine_scores vs plain bulk_create.

Runs on its own PostgreSQL database (default eb_bench_import, created if
missing, migrated), makes the bookings with bulk_create, then in the same run:
1. baseline: Result.objects.bulk_create of the same rows (then deleted);
2. the import service on the CSV file of those rows (parse, validate, convert,
   bulk_create, one audit event).
Prints the ratio baseline/import LAST (target >= 0.25).

    .venv/bin/python bench/import_results.py [--rows 100000]
        [--database-url postgres://postgres@127.0.0.1:5432/eb_bench_import]

Never part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/eb_bench_import"


def ensure_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()

    ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    call_command("migrate", verbosity=0)

    from examens.models import (
        Candidate,
        ExamCentre,
        ExamVersion,
        Membership,
        Organisation,
        Role,
        Room,
        Route,
        User,
    )
    from grading.models import ImportBatch, Result
    from grading.services import import_machine_scores
    from scheduling.models import Booking, ExamSession

    assert connection.vendor == "postgresql", "the bench runs on PostgreSQL"
    n = args.rows
    version = ExamVersion.objects.get(code="LEZ-B1-2026A")
    conversion = version.conversion_table
    if conversion is None:
        raise SystemExit("LEZ-B1-2026A has no conversion table: is the catalogue seeded?")

    # --- a clean slate for grading and the bench's bookings ----------------------------
    Result.objects.all().delete()
    ImportBatch.objects.all().delete()
    Booking.objects.filter(reference__startswith="BENCH-").delete()

    org, _ = Organisation.objects.get_or_create(
        name="Bench Gemeente", defaults={"kind": "municipality", "cbs_code": "9999"}
    )
    centre, _ = ExamCentre.objects.get_or_create(
        organisation=org, name="Bench centre", defaults={"kind": "central", "city": "Utrecht"}
    )
    room, _ = Room.objects.get_or_create(centre=centre, name="Bench room", defaults={"capacity": 1})
    # The import runs as an examiner of the centre's organisation (the service checks it).
    importer, _ = User.objects.get_or_create(username="bench-examiner")
    Membership.objects.get_or_create(user=importer, organisation=org, role=Role.EXAMINER)
    route = Route.objects.get(code="B1", regime__code="WI2021")
    starts = timezone.now() - datetime.timedelta(days=5)

    t0 = time.perf_counter()
    existing = Candidate.objects.filter(bsn__startswith="9").count()
    if existing < n:
        candidates = [
            Candidate(
                bsn=f"9{i:08d}",
                given_names="Bench",
                family_name=f"Kandidaat {i}",
                date_of_birth=datetime.date(1990, 1, 1),
                municipality=org,
                route=route,
                term_start=datetime.date(2025, 1, 1),
                term_end=datetime.date(2028, 1, 1),
            )
            for i in range(existing, n)
        ]
        Candidate.objects.bulk_create(candidates, batch_size=5000)
    candidate_ids = list(
        Candidate.objects.filter(bsn__startswith="9").order_by("bsn").values_list("pk", flat=True)
    )[:n]
    sessions_needed = (n + 999) // 1000
    sessions = [
        ExamSession(
            centre=centre,
            room=room,
            component=version.component,
            exam_version=version,
            level=version.level,
            starts_at=starts,
            duration_minutes=65,
            capacity=1000,
            booked_count=1000,
            status="held",
            booking_closes_at=starts - datetime.timedelta(days=2),
        )
        for _ in range(sessions_needed)
    ]
    ExamSession.objects.bulk_create(sessions)
    bookings = [
        Booking(
            session=sessions[i // 1000],
            candidate_id=candidate_ids[i],
            component=version.component,
            level=version.level,
            status=Booking.Status.CHECKED_IN,
            attempt_number=1,
            payer="candidate",
            fee_cents=5000,
            slot_minutes=65,
            reference=f"BENCH-{i:07d}",
        )
        for i in range(n)
    ]
    Booking.objects.bulk_create(bookings, batch_size=5000)
    print(f"setup: {n} bookings in {time.perf_counter() - t0:.1f}s")

    rows = [(b.reference, (i * 7) % (version.max_raw_score + 1)) for i, b in enumerate(bookings)]
    content = (
        "booking_reference,component,raw_score\n"
        + "".join(f"{ref},LEZ,{raw}\n" for ref, raw in rows)
    ).encode()
    sat_on = timezone.localdate(starts)
    table = {int(k): v for k, v in conversion.items()}

    # --- baseline: plain bulk_create of the same rows into the same table --------------
    t0 = time.perf_counter()
    with transaction.atomic():
        Result.objects.bulk_create(
            [
                Result(
                    candidate_id=b.candidate_id,
                    component_id=b.component_id,
                    level=b.level,
                    booking_id=b.pk,
                    exam_version_id=version.pk,
                    outcome="passed" if table[raw] >= version.pass_scale_score else "failed",
                    raw_score=raw,
                    scale_score=table[raw],
                    sat_on=sat_on,
                )
                for b, (_ref, raw) in zip(bookings, rows, strict=True)
            ],
            batch_size=2000,
        )
    baseline = time.perf_counter() - t0
    Result.objects.all().delete()
    print(f"baseline bulk_create: {baseline:.2f}s")

    # --- the import service --------------------------------------------------------------
    t0 = time.perf_counter()
    outcome = import_machine_scores(
        content, actor=importer, filename="bench.csv", organisation_ids={org.pk}
    )
    service = time.perf_counter() - t0
    assert outcome.created
    assert outcome.row_count == n
    assert Result.objects.count() == n
    print(f"import_machine_scores: {service:.2f}s ({n / service:,.0f} rows/s)")

    t0 = time.perf_counter()
    again = import_machine_scores(
        content, actor=importer, filename="bench.csv", organisation_ids={org.pk}
    )
    assert not again.created
    print(f"re-import (idempotent no-op): {time.perf_counter() - t0:.2f}s")

    print(f"ratio baseline/import: {baseline / service:.2f}x (target >= 0.25x)")


if __name__ == "__main__":
    main()
