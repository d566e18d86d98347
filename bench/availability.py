"""Availability search over 5,000 sessions and 100,000 bookings: p95 of the API call.

Usage: .venv/bin/python bench/availability.py [--queries 300]

Creates its own database (eb_bench_avail), bulk-seeds the data (bookings are
inserted directly with matching seat counters: this measures the search, not
booking), then times the API view through Django's test client (in process,
token-authenticated) with random filter combinations.
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import fresh_database, percentile, seed_world  # noqa: E402

SESSIONS = 5_000
BOOKINGS = 100_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    fresh_database("eb_bench_avail")
    per_session = BOOKINGS // SESSIONS
    secret = seed_world(
        sessions=SESSIONS, capacity=per_session + 10, candidates=BOOKINGS, cities=50
    )
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from examens.models import Candidate
    from scheduling.models import Booking, ExamSession

    sessions = list(ExamSession.objects.values_list("pk", "component_id"))
    candidates = list(Candidate.objects.values_list("pk", flat=True))
    rows = []
    for index, candidate in enumerate(candidates):
        session_id, component_id = sessions[index % SESSIONS]
        rows.append(
            Booking(
                session_id=session_id,
                candidate_id=candidate,
                component_id=component_id,
                level="B1",
                attempt_number=1,
                payer="candidate",
                fee_cents=5000,
                slot_minutes=65,
                reference=f"EB-B{index:07d}",
            )
        )
    Booking.objects.bulk_create(rows, batch_size=10_000)
    ExamSession.objects.update(booked_count=per_session)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    rng = random.Random(3)
    today = timezone.localdate()
    timings = []
    for _ in range(args.queries):
        params = {"component": "LEZ", "level": "B1"}
        if rng.random() < 0.7:
            params["region"] = f"City{rng.randrange(50)}"
        if rng.random() < 0.7:
            start = today + datetime.timedelta(days=rng.randrange(0, 60))
            params["date_from"] = start.isoformat()
            params["date_to"] = (start + datetime.timedelta(days=14)).isoformat()
        if rng.random() < 0.3:
            params["accommodation"] = "extended_time"
        began = time.perf_counter()
        response = client.get("/api/v1/availability/", params)
        timings.append(time.perf_counter() - began)
        assert response.status_code == 200, response.content[:200]
    print(f"sessions={SESSIONS} bookings={Booking.objects.count()} queries={args.queries}")
    print(f"p50 {percentile(timings, 0.5) * 1000:.1f} ms")
    print(f"p95 {percentile(timings, 0.95) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
